"""The simulation panel in a real browser: JupyterLab on localhost, headless Chromium, Playwright.

The tests write small notebooks, serve them with JupyterLab (free port, random token) and run
their cells from the keyboard. One clicks the panel's **Step** button and checks that the step
counter and the events table change; the other opens the panel's **Timeline** tab, hovers a mark
(its tooltip shows the record, secrets masked) and clicks one (the panel's tables select that
step).  They save screenshots under ``test-output/browser/`` at the repository root.  The kernel
imports kit from this checkout (``PYTHONPATH``).  It needs Debian's ``chromium``
(``apt-get install -y chromium``; Playwright's own browser download does not work here)
and the ``test`` extra (``jupyterlab``, ``playwright``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "browser"

CELLS = [
    "%load_ext kit\n%platform --start 2024-01-01T00:00:00Z",
    '''%%component
import time

from kit import Connector


class Pusher(Connector):
    """Pushes three events per step, one step per minute."""

    def run(self):
        batch = 0
        while self.running:
            batch += 1
            self.push_events_to_intakes([{"id": f"evt-{batch}-{i}", "batch": batch} for i in range(3)])
            time.sleep(60)''',
    '%load_component Pusher --config {"intake_key": "browser-test-key"}',
    "sim",
]

SECRET = "sk-browser-secret-42"
TIMELINE_CELLS = [
    "%load_ext kit\n%platform --start 2024-01-01T00:00:00Z",
    '''%%component
import time

import requests
from pydantic import BaseModel, Field

from kit import Connector


class PollerConfiguration(BaseModel):
    intake_key: str
    api_key: str = Field(json_schema_extra={"secret": True})


class Poller(Connector):
    """Each minute: reads a page of the API, pushes three events, logs a line."""

    configuration: PollerConfiguration

    def run(self):
        page = 0
        while self.running:
            page += 1
            requests.get(
                f"https://api.example.test/items?page={page}",
                headers={"Authorization": f"Bearer {self.configuration.api_key}"},
                timeout=10,
            )
            self.push_events_to_intakes([{"id": f"evt-{page}-{i}", "page": page} for i in range(3)])
            self.log(f"page {page} pushed", level="info")
            time.sleep(60)''',
    f'%load_component Poller --config {{"intake_key": "browser-test-key", "api_key": "{SECRET}"}}',
    'sim.platform.http.get("https://api.example.test/items", json={"items": [1, 2, 3]})\n%step 3',
    "sim",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer {url} in time:\n{log.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving ``tmp_path/root``; yields (base url, token, root)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium (the CI script does it)")
    root = tmp_path / "root"
    root.mkdir()
    for name, cells in (("panel.ipynb", CELLS), ("timeline.ipynb", TIMELINE_CELLS)):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(notebook, root / name)
    port = _free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    # the kernel imports kit from this checkout, whichever copy is installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    for name, folder in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        env[name] = str(tmp_path / folder)
    # no "get notified about Jupyter news?" toast over the page
    notification = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", process, log, time.monotonic() + 90)
        yield base, token, root
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _run_cell(page, cell, index: int) -> None:
    """Run one cell in place (Ctrl+Enter) until its prompt shows an execution count.

    Right after the kernel starts, JupyterLab may drop an execution request; running the
    cell again is what a user would do.
    """
    from playwright.sync_api import expect

    prompt = cell.locator(".jp-InputPrompt")
    for _attempt in range(3):
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        try:
            expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=30_000)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError(f"cell {index} never ran (its prompt stays {prompt.inner_text()!r})")
    errors = cell.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    if errors.count():
        raise AssertionError(f"cell {index} failed: {errors.first.inner_text()}")


def _open_panel(page, base: str, token: str, notebook: str, cells: list[str]):
    """Open ``notebook`` in JupyterLab, run its cells and return the panel its last cell shows."""
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)
    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
    page.wait_for_selector(".jp-Notebook")
    expect(page.get_by_text(re.compile(r"\| Idle$"))).to_be_visible(timeout=90_000)
    cell_locator = page.locator(".jp-Notebook .jp-CodeCell")
    for index in range(len(cells)):
        _run_cell(page, cell_locator.nth(index), index)
    panel = page.locator(".kit-panel")
    try:
        expect(panel).to_be_visible(timeout=90_000)
    except AssertionError:
        page.screenshot(path=str(OUTPUT / f"{Path(notebook).stem}-panel-missing.png"), full_page=True)
        raise
    return panel


def test_panel_step_button_updates_counter_and_events(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    base, token, _root = jupyterlab
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            panel = _open_panel(page, base, token, "panel.ipynb", CELLS)
            counter = panel.locator(".kit-step-counter")
            expect(counter).to_have_text("step 0")
            events_tab = panel.locator(".lm-TabBar-tab", has_text="Events")
            expect(events_tab).to_have_text("Events (0)")
            page.screenshot(path=str(OUTPUT / "panel-before.png"), full_page=True)

            panel.locator("button.kit-step").click()
            expect(counter).to_have_text("step 1")
            expect(events_tab).to_have_text("Events (3)")
            events_tab.click()
            events = panel.locator(".kit-tab-events")
            expect(events).to_be_visible()
            expect(events).to_contain_text("evt-1-0")
            expect(events).to_contain_text("evt-1-2")
            expect(panel.locator(".kit-clock")).to_contain_text("2024-01-01T00:00:00Z")

            panel.locator("button.kit-step").click()
            expect(counter).to_have_text("step 2")
            expect(events_tab).to_have_text("Events (6)")
            expect(events).to_contain_text("evt-2-0")
            expect(panel.locator(".kit-clock")).to_contain_text("2024-01-01T00:01:00Z")
            page.screenshot(path=str(OUTPUT / "panel-after-step.png"), full_page=True)
        finally:
            browser.close()


def test_timeline_tab_hover_shows_the_record_and_click_selects_the_step(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    base, token, _root = jupyterlab
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            panel = _open_panel(page, base, token, "timeline.ipynb", TIMELINE_CELLS)
            expect(panel.locator(".kit-step-counter")).to_have_text("step 3")
            panel.locator(".lm-TabBar-tab", has_text="Timeline").click()
            timeline = panel.locator(".kit-tab-timeline")
            # the chart is drawn when the tab opens: Vega's SVG, one path per mark, labelled by lane, colour, step
            http_mark = timeline.locator('path[aria-label="Poller: HTTP 2xx, step 2"]')
            try:
                expect(http_mark).to_have_count(1, timeout=90_000)
            except AssertionError:
                page.screenshot(path=str(OUTPUT / "timeline-missing.png"), full_page=True)
                raise
            expect(timeline.locator('path[aria-roledescription="point"]')).to_have_count(12)  # 3 steps x 4 kinds
            expect(timeline).to_contain_text("Poller (Poller)")
            expect(timeline).to_contain_text("12 records")

            http_mark.hover()
            tooltip = page.locator("#vg-tooltip-element")
            expect(tooltip).to_be_visible()
            expect(tooltip).to_contain_text("GET https://api.example.test/items?page=2 → 200")
            expect(tooltip).to_contain_text('"Authorization": "***"')
            expect(tooltip).to_contain_text('{"items": [1, 2, 3]}')
            assert SECRET not in tooltip.inner_text()
            page.screenshot(path=str(OUTPUT / "timeline-hover.png"), full_page=True)

            timeline.locator('path[aria-label="Poller: push, step 2"]').click()
            selection = panel.locator(".kit-selection")
            expect(selection).to_contain_text("step 2 selected on the timeline")
            expect(timeline.locator(".kit-timeline-selection")).to_contain_text("step 2 selected: step 2 [paused]")
            events_tab = panel.locator(".lm-TabBar-tab", has_text="Events")
            expect(events_tab).to_have_text("Events (3 of 9)")
            expect(panel.locator(".lm-TabBar-tab", has_text="HTTP")).to_have_text("HTTP (1 of 3)")
            page.screenshot(path=str(OUTPUT / "timeline-click.png"), full_page=True)

            events_tab.click()
            events = panel.locator(".kit-tab-events")
            expect(events).to_contain_text("evt-2-0")
            expect(events).to_contain_text("evt-2-2")
            expect(events).not_to_contain_text("evt-1-0")
            expect(events).not_to_contain_text("evt-3-0")
            panel.locator(".lm-TabBar-tab", has_text="Steps").click()
            highlighted = panel.locator(".kit-tab-steps tr.kit-selected")
            expect(highlighted).to_have_count(1)
            expect(highlighted.locator("td").first).to_have_text("2")
            page.screenshot(path=str(OUTPUT / "timeline-selected-step.png"), full_page=True)

            selection.locator("button").click()  # Show all
            expect(selection).to_be_hidden()
            expect(events_tab).to_have_text("Events (9)")
        finally:
            browser.close()
