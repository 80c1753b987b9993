"""kit's IPython extension, driven through a shell without a kernel (IPython's test shell)."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import get_ipython

import kit.ipython
from kit.ipython._session import extract_json_options, parse_duration

REPO = Path(__file__).resolve().parents[2]
ACME = REPO / "notebooks" / "data" / "AcmeAlerts"

TICK = '''
import time
from pydantic import BaseModel, Field
from kit import Trigger


class TickConfiguration(BaseModel):
    frequency: int = 60
    api_key: str = Field("none", json_schema_extra={"secret": True})


class Tick(Trigger):
    configuration: TickConfiguration

    def run(self):
        n = 0
        while self.running:
            n += 1
            self.send_event(event_name=f"tick-{n}", event={"n": n})
            time.sleep(self.configuration.frequency)
'''

PUSHER = '''
import time
from kit import Connector
from kit.storage import PersistentJSON


class Pusher(Connector):
    def run(self):
        context = PersistentJSON("context.json", self.data_path)
        while self.running:
            with context as state:
                cursor = state.get("cursor", 0)
                state["cursor"] = cursor + 2
            self.push_events_to_intakes([{"id": cursor + 1}, {"id": cursor + 2}])
            time.sleep(600)
'''

FAILING = '''
import time
from pydantic import BaseModel, Field
from kit import Trigger


class FailingConfiguration(BaseModel):
    token: str = Field(json_schema_extra={"secret": True})


class Failing(Trigger):
    configuration: FailingConfiguration

    def run(self):
        header = "Bearer " + self.configuration.token
        time.sleep(60)
        raise RuntimeError("the API said no")
'''


@pytest.fixture
def ip(monkeypatch):
    """IPython's test shell with kit loaded; unloaded and cleaned afterwards."""
    get_ipython()  # starts IPython's test shell once; later calls return None
    shell = InteractiveShell.instance()
    before = set(shell.user_ns)
    shell.run_line_magic("load_ext", "kit")
    magics = kit.ipython._extension(shell)
    magics.session.new_platform(start="2024-01-01T00:00:00Z", step_timeout=5)
    yield shell
    magics = kit.ipython._extension(shell)
    if magics is not None:
        magics.session.close()
    shell.run_line_magic("unload_ext", "kit")
    for name in set(shell.user_ns) - before:
        del shell.user_ns[name]


def line(shell, name: str, text: str = ""):
    return shell.run_line_magic(name, text)


def usage_error(shell, name: str, text: str = "") -> str:
    with pytest.raises(UsageError) as info:
        shell.run_line_magic(name, text)
    return str(info.value)


def define(shell, source: str) -> None:
    shell.run_cell_magic("component", "", textwrap.dedent(source))


def kit_callbacks(shell) -> list:
    return [cb for cb in shell.events.callbacks["post_run_cell"] if type(getattr(cb, "__self__", None)).__name__ == "KitMagics"]


# -- the extension ------------------------------------------------------------------------
def test_load_reload_unload_leave_one_set_of_hooks(ip):
    assert len(kit_callbacks(ip)) == 1
    assert "step" in ip.magics_manager.magics["line"]
    ip.run_line_magic("reload_ext", "kit")
    assert len(kit_callbacks(ip)) == 1
    ip.run_line_magic("load_ext", "kit")  # "already loaded": nothing added
    assert len(kit_callbacks(ip)) == 1
    ip.run_line_magic("unload_ext", "kit")
    assert kit_callbacks(ip) == []
    for name in ("step", "load_component", "run_for", "panel", "events"):
        assert name not in ip.magics_manager.magics["line"]
    assert "component" not in ip.magics_manager.magics["cell"]
    ip.run_line_magic("load_ext", "kit")
    assert len(kit_callbacks(ip)) == 1


def test_panel_display_is_registered_in_a_kernel_only(ip, monkeypatch):
    from kit import Simulation

    formatter = ip.display_formatter.ipython_display_formatter
    assert Simulation not in formatter.type_printers  # a terminal keeps the text display
    monkeypatch.setattr(kit.ipython, "_has_widgets", lambda shell: True)
    ip.run_line_magic("reload_ext", "kit")
    magics = kit.ipython._extension(ip)
    assert formatter.type_printers[Simulation] == magics.display_simulation
    ip.run_line_magic("unload_ext", "kit")
    assert Simulation not in formatter.type_printers
    ip.run_line_magic("load_ext", "kit")


def test_magics_have_argument_help():
    from kit.ipython import KitMagics

    doc = KitMagics.load_component.__doc__
    assert doc.startswith("::\n\n  %load_component [--config JSON|NAME] [--module-config JSON|NAME]")
    assert "--as NAME" in doc and "Load a trigger, connector or action" in doc
    for name in ("step", "run_for", "run_until", "events", "runs", "logs", "http", "steps", "stop", "restart",
                 "debug_step", "panel", "platform", "storage", "run_action", "validate", "infer_schema",
                 "export_module"):
        assert f"%{name}" in getattr(KitMagics, name).__doc__, name


# -- loading and stepping -----------------------------------------------------------------
def test_component_cell_keeps_the_cell_source_and_a_redefinition_replaces_it(ip):
    define(ip, TICK)
    first = ip.user_ns["Tick"]
    assert first.__kit_source__[0] == textwrap.dedent(TICK)
    assert first.__kit_source__[1].startswith("notebook cell [")
    changed = TICK.replace("frequency: int = 60", "frequency: int = 30")
    define(ip, changed)
    second = ip.user_ns["Tick"]
    assert second is not first
    assert second.__kit_source__[0] == textwrap.dedent(changed)
    assert "TickConfiguration" in dir(second.__kit_source__[0]) or "30" in second.__kit_source__[0]


def test_component_cell_that_raises_captures_nothing(ip):
    with pytest.raises(UsageError) as info:
        ip.run_cell_magic("component", "", "class Broken:\n    pass\nraise ValueError('bad')\n")
    assert str(info.value) == (
        "%%component: the cell raised ValueError (shown above); nothing was captured. Fix the cell and run it again."
    )
    assert "__kit_source__" not in vars(ip.user_ns["Broken"])


def test_component_cell_takes_no_arguments(ip):
    with pytest.raises(UsageError) as info:
        ip.run_cell_magic("component", "--export", "x = 1")
    assert str(info.value) == "%%component takes no arguments (got '--export'); put only code in the cell"


def test_load_step_and_tables(ip, capsys):
    define(ip, TICK)
    line(ip, "load_component", 'Tick --config {"frequency": 600, "api_key": "k-secret-123"} --as ticker')
    assert capsys.readouterr().out == (
        "loaded Tick (Tick) as `ticker` at 2024-01-01T00:00:00Z; step it with %step, %run_for 1h or ticker.step()\n"
    )
    sim = ip.user_ns["ticker"]
    report = line(ip, "step")
    assert report.number == 1 and report.status == "paused" and len(report.runs) == 1
    reports = line(ip, "step", "3")
    assert [r.number for r in reports] == [2, 3, 4]
    assert repr(reports).splitlines()[0].startswith("step 2 [paused] 2024-01-01T00:10:00Z: 1 run; paused at sleep(600)")
    summary = line(ip, "run_for", "1h30m")
    assert repr(summary) == "9 steps of Tick up to 2024-01-01T02:00:00Z: 9 runs, 0 events, 0 HTTP calls"
    assert sim.now.isoformat() == "2024-01-01T02:00:00+00:00"
    more = line(ip, "run_until", "runs >= 20")
    assert len(sim.run_records) == 20 and len(more) == 7
    assert list(line(ip, "runs", "-n 2")["event_name"]) == ["tick-19", "tick-20"]
    assert list(line(ip, "steps", "--sim ticker -n 1")["step"]) == [20]
    assert len(line(ip, "logs")) == 0 and len(line(ip, "http")) == 0
    assert len(line(ip, "runs", "--all")) == 20


def test_connector_restart_keeps_the_cursor(ip, capsys):
    define(ip, PUSHER)
    line(ip, "load_component", 'Pusher --config {"intake_key": "intake"}')
    line(ip, "run_for", "1h --no-progress")
    assert line(ip, "storage") == {"context.json": {"cursor": 14}}
    line(ip, "restart")
    assert capsys.readouterr().out.endswith(
        "Pusher restarted on the same storage (context.json); the next %step starts the new instance\n"
    )
    line(ip, "run_for", "1h")
    # 7 polls before the restart, 7 after (the new instance polls at once): every id once, in order
    ids = list(ip.user_ns["sim"].events["id"])
    assert ids == list(range(1, 29))
    line(ip, "stop")
    assert capsys.readouterr().out == "Pusher: stopped\n"  # run() returned once running was False
    assert usage_error(ip, "step") == (
        "Pusher is not running any more (state: stopped); call sim.restart() to start a new instance on the same "
        "storage; or %restart"
    )


def test_run_for_interrupted_keeps_the_steps_done(ip, capsys, monkeypatch):
    define(ip, TICK)
    line(ip, "load_component", "Tick")
    sim = ip.user_ns["sim"]
    real = sim.run_for
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sim, "run_for", interrupted)
    capsys.readouterr()
    assert line(ip, "run_for", "10h") is None
    done = len(sim.reports)
    assert done > 0
    assert capsys.readouterr().out == (
        f"interrupted after {done} steps of Tick, at {sim.now.isoformat().replace('+00:00', 'Z')}; every step so far "
        "is recorded. %step or %run_for goes on from here.\n"
    )
    monkeypatch.undo()
    assert line(ip, "step").number == done + 1


def test_run_action_from_a_module_directory(ip, capsys):
    platform = kit.ipython._extension(ip).session.platform
    platform.http.get("https://api.acme.test/alerts/7", json={"id": "7", "severity": "high"})
    record = line(ip, "run_action", f'{ACME} acme_get_alert --args {{"alert_id": "7"}} --module-config {{"api_key": "acme-key-1"}}')
    assert record.ok and dict(record.results) == {"id": "7", "severity": "high"}
    assert ip.user_ns["record"] is record
    assert capsys.readouterr().out == "ran GetAlertAction (ok); its record is `record` (record.results, record.logs)\n"


def test_module_directory_trigger_runs_on_kit(ip):
    platform = kit.ipython._extension(ip).session.platform
    platform.http.get("https://api.acme.test/alerts", json={"items": [{"id": "1", "severity": "high", "title": "a"}]})
    line(ip, "load_component", f'{ACME}:acme_fetch_alerts --config {{"severity": "low"}} --module-config {{"api_key": "acme-key-1"}}')
    report = line(ip, "step")
    assert [r.event_name for r in report.runs] == ["Acme alert 1"]
    assert report.http[0].request_headers["Authorization"] == "***"


def test_configuration_from_variables(ip):
    define(ip, TICK)
    ip.user_ns["cfg"] = ip.user_ns["TickConfiguration"](frequency=120)
    line(ip, "load_component", "Tick --config cfg")
    assert line(ip, "step", "2")[1].start.isoformat() == "2024-01-01T00:02:00+00:00"
    ip.user_ns["settings"] = {"frequency": 30}
    line(ip, "load_component", "Tick --config settings --as fast")
    assert ip.user_ns["fast"].instance.configuration.frequency == 30


def test_quoted_json_and_sim_selection(ip):
    define(ip, TICK)
    line(ip, "load_component", "Tick --config '{\"frequency\": 10}' --as a")
    line(ip, "load_component", "Tick --config {\"frequency\": 20} --as b")
    line(ip, "step", "2 --sim a")
    assert ip.user_ns["a"].now.isoformat() == "2024-01-01T00:00:10+00:00"
    assert len(ip.user_ns["b"].reports) == 0
    line(ip, "step")  # the one loaded last
    assert len(ip.user_ns["b"].reports) == 1
    line(ip, "step", "--sim Tick-2")  # by simulation name
    assert len(ip.user_ns["b"].reports) == 2


def test_debug_step_print_shows_traceback_and_masks_secrets(ip, capsys):
    define(ip, FAILING)
    line(ip, "load_component", 'Failing --config {"token": "tok-0123456789"}')
    line(ip, "step", "2")
    capsys.readouterr()
    line(ip, "debug_step", "--print")
    out = capsys.readouterr().out
    assert "RuntimeError: the API said no" in out
    assert "variables of run() at line" in out
    assert "  header = 'Bearer ***'" in out
    assert "tok-0123456789" not in out


def test_platform_magic(ip, capsys):
    platform = line(ip, "platform")
    assert repr(platform) == "<FakePlatform now=2024-01-01T00:00:00Z components=0 actions=0>"
    new = line(ip, "platform", "--start 2025-06-01T12:00:00Z")
    assert new is not platform and new.clock.now().isoformat() == "2025-06-01T12:00:00+00:00"
    import kit as kit_module

    mine = kit_module.FakePlatform(start="2023-01-01T00:00:00Z")
    ip.user_ns["mine"] = mine
    assert line(ip, "platform", "--use mine") is mine
    mine.close()


def test_platform_magic_records_and_replays_a_cassette(ip, tmp_path):
    cassette = tmp_path / "acme.yaml"
    cassette.write_text(
        "responses:\n- response: {method: GET, url: 'https://api.acme.test/alerts', status: 200, "
        "content_type: application/json, auto_calculate_content_length: false, body: '{\"items\": []}'}\n"
    )
    replaying = line(ip, "platform", f"--replay {cassette}")
    assert replaying.cassette.mode == "replay" and len(replaying.cassette.exchanges) == 1
    recording = tmp_path / "new.yaml"
    assert usage_error(ip, "platform", f"--record {recording}") == (
        f"--record {recording} writes the real HTTP exchanges: add --allow-network"
    )
    assert usage_error(ip, "platform", f"--record {recording} --replay {cassette}") == (
        "--record and --replay: record writes a cassette, replay answers from one; pick one"
    )
    platform = line(ip, "platform", f"--record {recording} --allow-network --start 2024-02-01T00:00:00Z")
    assert platform.cassette.mode == "record" and recording.exists()
    assert replaying._closed  # the extension closed the platform it had started
    bad = tmp_path / "bad.yaml"
    bad.write_text("responses: [")
    assert usage_error(ip, "platform", f"--replay {bad}") == (
        f"cannot start a platform: kit: the cassette {str(bad)!r} is not valid YAML at line 1, column 13: "
        "expected the node content, but found '<stream end>'; fix the file there, or record it again with "
        f"FakePlatform(record={str(bad)!r}, allow_network=True)"
    )


# -- the panel --------------------------------------------------------------------------------
def test_panel_buttons_step_and_refresh(ip):
    from kit.ipython import SimulationPanel

    define(ip, TICK)
    line(ip, "load_component", 'Tick --config {"frequency": 60, "api_key": "k-secret-123"}')
    sim = ip.user_ns["sim"]
    panel = SimulationPanel(sim)
    assert "step 0" in panel.counter.value
    assert "2024-01-01T00:00:00Z" in panel.clock.value
    panel.step_button.click()
    assert "step 1" in panel.counter.value
    assert panel.tabs.get_title(3) == "Runs (1)"
    assert "tick-1" in panel.pages["Runs"].value
    panel.n_input.value = 5
    panel.step_n_button.click()
    assert "step 6" in panel.counter.value
    panel.duration_input.value = "1h"
    panel.run_button.click()
    assert "2024-01-01T01:05:00Z" in panel.clock.value
    assert panel.pages["Configuration"].value.count("***") == 1
    for page in panel.pages.values():
        assert "k-secret-123" not in page.value
    line(ip, "step")  # a magic in another cell: the after-cell hook refreshes the panel
    magics = kit.ipython._extension(ip)
    magics.panels.add(panel)
    magics.post_run_cell()
    assert f"step {len(sim.reports)}" in panel.counter.value
    assert repr(panel) == f"<kit panel Tick: step {len(sim.reports)}, paused, 2024-01-01T01:06:00Z>"
    panel.stop_button.click()
    assert "[stopped]" in panel.title.value and panel.step_button.disabled  # run() saw running == False
    panel.restart_button.click()
    assert not panel.step_button.disabled


def test_panel_shows_a_failing_step(ip):
    from kit.ipython import SimulationPanel

    define(ip, FAILING)
    line(ip, "load_component", 'Failing --config {"token": "tok-0123456789"}')
    panel = SimulationPanel(ip.user_ns["sim"])
    assert "no step raised" in panel.pages["Error"].value
    panel.n_input.value = 2
    panel.step_n_button.click()
    assert panel.tabs.get_title(8) == "Error ⚠"
    assert "RuntimeError" in panel.pages["Error"].value and "Traceback" in panel.pages["Error"].value
    assert "tok-0123456789" not in panel.pages["Error"].value


def test_panel_button_errors_are_shown_not_raised(ip):
    from kit.ipython import SimulationPanel

    define(ip, TICK)
    line(ip, "load_component", "Tick")
    panel = SimulationPanel(ip.user_ns["sim"])
    panel.duration_input.value = "soon"
    panel.run_button.click()
    assert "cannot read &#x27;soon&#x27; as a duration" in panel.message.value


def first_cells(table: str) -> list[str]:
    """The first cell of each row of a panel table."""
    return re.findall(r"<tr(?: [^>]*)?><td[^>]*>([^<]*)</td>", table)


def test_panel_timeline_tab_is_drawn_when_opened_and_a_click_selects_the_step(ip):
    from kit.ipython import SimulationPanel

    define(ip, PUSHER)
    line(ip, "load_component", 'Pusher --config {"intake_key": "k"}')
    sim = ip.user_ns["sim"]
    panel = SimulationPanel(sim)
    panel.n_input.value = 3
    panel.step_n_button.click()
    assert panel._chart is None and panel.timeline_box.children == ()  # not drawn before the tab is opened
    assert panel.tabs.get_title(panel.TABS.index("Timeline")) == "Timeline"
    panel.tabs.selected_index = panel.TABS.index("Timeline")
    chart = panel._chart
    assert panel.timeline_box.children == (chart,)
    assert chart.spec["title"]["text"] == "Pusher (Pusher)" and len(chart.spec["datasets"]["timeline"]) == 6
    assert "hover a mark to see its record" in panel.timeline_note.value
    assert panel.selection_bar.layout.display == "none"

    # the browser reports a click on a mark of step 2
    chart._vl_selections = {"pick": {"value": {"vlPoint": {"or": [{"component": "Pusher", "step": 2, "last_step": 2}]}},
                                     "store": []}}
    assert str(panel.selected) == "step 2"
    assert panel.selection_bar.layout.display == "flex"
    assert "<b>step 2</b> selected on the timeline" in panel.selection_label.value
    assert panel.tabs.get_title(panel.TABS.index("Events")) == "Events (2 of 6)"
    assert first_cells(panel.pages["Events"].value) == ["2", "2"]  # the step column of each row
    assert panel.pages["Steps"].value.count("kit-selected") == 1
    assert "step 2 highlighted, of 3 steps" in panel.pages["Steps"].value
    assert "<b>step 2 selected</b>: step 2 [paused] 2024-01-01T00:10:00Z: 2 events" in panel.timeline_note.value

    panel.step_button.click()  # new records while the tab is open: drawn again, the selection kept
    assert panel._chart is chart and len(chart.spec["datasets"]["timeline"]) == 8
    assert panel.tabs.get_title(panel.TABS.index("Events")) == "Events (2 of 8)"
    chart._vl_selections = {"pick": {"value": None, "store": []}}  # the chart drawn again: nothing selected
    assert str(panel.selected) == "step 2"
    panel.show_all_button.click()
    assert panel.selected is None and panel.selection_bar.layout.display == "none"
    assert panel.tabs.get_title(panel.TABS.index("Events")) == "Events (8)"

    panel.select_steps(1, 3)
    assert panel.tabs.get_title(panel.TABS.index("Events")) == "Events (6 of 8)"
    assert panel.pages["Steps"].value.count("kit-selected") == 3
    assert first_cells(panel.pages["Events"].value) == ["1", "1", "2", "2", "3", "3"]
    with pytest.raises(ValueError) as error:
        panel.select_steps("2")
    assert str(error.value) == "select_steps(first='2'): a step is an integer >= 0, e.g. select_steps(3)"
    with pytest.raises(ValueError) as error:
        panel.select_steps(3, 1)
    assert str(error.value) == "select_steps(3, 1): the last step comes before the first one; e.g. select_steps(1, 3)"


def test_panel_timeline_tab_says_how_to_install_what_it_needs(ip, monkeypatch):
    from kit.ipython import SimulationPanel

    define(ip, TICK)
    line(ip, "load_component", "Tick")
    panel = SimulationPanel(ip.user_ns["sim"])
    monkeypatch.setitem(sys.modules, "altair", None)  # import altair fails
    panel.tabs.selected_index = panel.TABS.index("Timeline")
    assert panel._chart is None
    assert panel.timeline_note.value == (
        "<div style='color:#c62828'>the timeline is drawn with Altair, which is not installed (import of altair "
        "halted; None in sys.modules); pip install &#x27;sekoia-kit[timeline]&#x27;</div>"
    )


# -- bad input: whole messages ----------------------------------------------------------------
def test_step_before_anything_is_loaded(ip):
    assert usage_error(ip, "step") == (
        "no component is loaded yet: load one first with %load_component MyTrigger --config {...} "
        "(or write it in a %%component cell), then step it"
    )
    assert usage_error(ip, "events") == usage_error(ip, "step")


def test_unknown_target(ip, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert usage_error(ip, "load_component", "Nope") == (
        f"cannot find component 'Nope': there is no variable 'Nope' in the notebook, no file or directory 'Nope' in "
        f"{tmp_path}, and a module target needs its class, as in package.module:Nope or path/file.py:ClassName"
    )
    assert usage_error(ip, "load_component", "missing.py:Tick") == (
        f"no such file: missing.py (looked for it from {tmp_path})"
    )
    assert usage_error(ip, "load_component", "no_such_package.triggers:Tick") == (
        "cannot import 'no_such_package.triggers': no such module on sys.path (looked for no_such_package.triggers:Tick)"
    )


def test_file_target_with_a_missing_class(ip, tmp_path):
    (tmp_path / "alerts.py").write_text("from sekoia_automation.trigger import Trigger\n\nclass Alerts(Trigger):\n    def run(self):\n        pass\n")
    assert usage_error(ip, "load_component", f"{tmp_path}/alerts.py:Alert") == (
        f"{tmp_path}/alerts.py has no class 'Alert'; the components defined there are: Alerts"
    )
    line(ip, "load_component", f"{tmp_path}/alerts.py:Alerts")


def test_not_a_component(ip):
    ip.run_cell("from pydantic import BaseModel\nclass Settings(BaseModel):\n    x: int = 1\nanswer = 42")
    assert usage_error(ip, "load_component", "Settings") == (
        "Settings is not a component: Settings does not subclass kit.Trigger, kit.Connector or kit.Action."
    )
    assert usage_error(ip, "load_component", "answer") == (
        "answer is an int, not a class; %load_component needs a Trigger, Connector or Action class"
    )


def test_invalid_json_shows_the_position(ip):
    define(ip, TICK)
    assert usage_error(ip, "load_component", 'Tick --config {"frequency": 60 "api_key": "x"}') == (
        "--config is not valid JSON: Expecting ',' delimiter at line 1 column 18 (char 17):\n"
        '    {"frequency": 60 "api_key": "x"}\n'
        "                     ^\n"
        'Give a JSON object, e.g. --config {"frequency": 60}, or the name of a dict or model variable.'
    )
    assert usage_error(ip, "load_component", "Tick --config [1, 2]") == (
        "--config must be a JSON object, a dict or a pydantic model; got list [1, 2]"
    )
    assert usage_error(ip, "load_component", "Tick --config cfg") == (
        "--config cfg: there is no variable 'cfg' in the notebook, and it is not JSON either; define it first, or "
        'give a JSON object such as --config {"frequency": 60}'
    )


def test_configuration_failing_the_model(ip):
    define(ip, TICK)
    assert usage_error(ip, "load_component", 'Tick --config {"frequency": "often", "api_key": 3}') == (
        "TriggerConfigurationError: configuration of Tick (TickConfiguration) is invalid (2 errors):\n"
        "  - frequency: got 'often': Input should be a valid integer, unable to parse string as an integer\n"
        "  - api_key: got ***: Input should be a valid string\n"
        "Fix these fields in the configuration you pass."
    )


def test_configuration_failing_the_manifest(ip):
    assert usage_error(
        ip, "load_component",
        f'{ACME} acme_fetch_alerts --config {{"frequency": 5, "severity": "urgent"}} --module-config {{"api_key": "k"}}',
    ) == (
        "TriggerConfigurationError: arguments of acme_fetch_alerts (AcmeAlerts) does not match the manifest schema "
        "(2 errors):\n"
        "  - frequency: 5 is less than the minimum of 10\n"
        "  - severity: 'urgent' is not one of ['low', 'medium', 'high']\n"
        "Fix these fields in the configuration you pass."
    )
    assert usage_error(
        ip, "load_component", f'{ACME} acme_fetch_alerts --config {{"severity": "low"}} --module-config {{}}'
    ) == (
        "ModuleConfigurationError: module configuration of AcmeAlerts does not match the manifest schema (1 error):\n"
        "  - api_key: required field is missing\n"
        "Fix these fields in the module configuration you pass."
    )


def test_module_directory_errors(ip, tmp_path):
    assert usage_error(ip, "load_component", f"{ACME} fetch") == (
        "AcmeAlerts: no component is registered under 'fetch' in main.py; registered: acme_fetch_alerts, acme_get_alert"
    )
    assert usage_error(ip, "load_component", str(ACME)) == (
        f"{ACME} is a module directory: name the component, as in %load_component {ACME} NAME, with NAME one of: "
        "acme_fetch_alerts, acme_get_alert"
    )
    empty = tmp_path / "Empty"
    empty.mkdir()
    (empty / "manifest.json").write_text(json.dumps({"name": "Empty"}))
    assert usage_error(ip, "load_component", f"{empty} thing") == (
        f"{empty} has no main.py: a module directory registers its components in main.py "
        '(module.register(Class, "docker_parameters")); create it, or `kit generate-files` it'
    )


def test_action_and_trigger_mixups(ip):
    define(ip, TICK)
    assert usage_error(ip, "run_action", "Tick") == (
        "Tick is a Trigger, not an action: load it with %load_component Tick --config {...} and step it"
    )


def test_bad_durations_expressions_and_names(ip):
    define(ip, TICK)
    line(ip, "load_component", "Tick")
    assert usage_error(ip, "run_for", "2x") == (
        "cannot read '2x' as a duration; write it like 90s, 30m, 2h, 1d or 1h30m (units: w, d, h, m, s; a bare "
        "number is seconds)"
    )
    assert usage_error(ip, "run_until", "events >=") == (
        "%run_until: the condition is not a Python expression (invalid syntax):\n    events >=\n    ^"
    )
    assert usage_error(ip, "run_until", "") == (
        "%run_until needs a condition, e.g. %run_until events >= 100 or %run_until runs > 3"
    )
    assert usage_error(ip, "run_until", "colour == 'red'") == (
        "%run_until: name 'colour' is not defined (names: events, runs, logs, http, steps, now, state, storage, "
        "last, sim, and the notebook's variables)"
    )
    assert usage_error(ip, "run_until", "--max-steps 3 runs > 10") == (
        "run_until: the predicate was still false after max_steps=3 steps of Tick; raise max_steps or check the "
        "predicate"
    )
    assert usage_error(ip, "step", "--sim other") == "--sim other: no simulation is called 'other' (simulations: sim)"
    assert usage_error(ip, "step", "0") == "%step N: N must be at least 1; got 0"
    assert usage_error(ip, "load_component", "Tick --as 2fast") == (
        "--as 2fast: '2fast' is not a valid Python name; use letters, digits and _"
    )
    assert usage_error(ip, "debug_step") == "no step of Tick raised an exception; nothing to debug"


# -- parsing helpers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("1h30m", 5400),
     ("1d 2h", 93600), ("1.5h", 5400), ("45", 45), ("0", 0)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "2x", "1h-5m", "-3", "1h 30"])
def test_parse_duration_rejects(text):
    with pytest.raises(UsageError):
        parse_duration(text)


def test_extract_json_options_keeps_the_text_as_typed():
    stripped, found = extract_json_options('T --config {"a": "}", "b": [1, {"c": 2}]} --as x --module-config {"k": 1}')
    assert stripped == "T --config __kit_json_0__ --as x --module-config __kit_json_1__"
    assert found == {"__kit_json_0__": '{"a": "}", "b": [1, {"c": 2}]}', "__kit_json_1__": '{"k": 1}'}
    assert extract_json_options('T --config {"a": 1') == ("T --config __kit_json_0__", {"__kit_json_0__": '{"a": 1'})


def test_step_and_run_for_say_the_fix_for_bad_numbers(ip):
    ip.run_cell(TICK)
    ip.run_line_magic("load_component", "Tick")
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("step", "abc")
    assert str(info.value) == "%step N: N is a number of steps, e.g. %step 3; got 'abc'"
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("run_for", "-1h")
    assert str(info.value) == "%run_for -1h: a duration cannot be negative; give e.g. %run_for 1h"
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("run_for", "2 hours")
    assert str(info.value) == (
        "%run_for 2 hours: write the unit next to the number, e.g. %run_for 2h (units: s, m, h, d; 1h30m works too)"
    )
    assert ip.run_line_magic("step", "2")


def test_threads_magic_shows_the_group(ip, tmp_path) -> None:
    from tests.export.test_from_simulations import CONSUMERS

    (tmp_path / "streams.py").write_text(CONSUMERS)
    ip.run_line_magic("platform", "--start 2024-01-01T00:00:00Z")
    ip.run_line_magic("load_component", f"{tmp_path / 'streams.py'}:StreamsConnector --config {{\"intake_key\": \"i\"}}")
    ip.run_line_magic("step", "2")
    frame = ip.run_line_magic("threads", "")
    assert list(frame["thread"]) == ["main", "consumer-audit", "consumer-alerts"]


def test_a_pause_in_a_notebook_cell_names_the_cell(ip) -> None:
    result = ip.run_cell(
        "import time\n"
        "from kit.trigger import Trigger\n"
        "\n"
        "class Napper(Trigger):\n"
        "    def run(self):\n"
        "        while self.running:\n"
        "            time.sleep(600)\n",
        store_history=True,
    )
    assert result.success
    number = ip.execution_count - 1
    ip.run_line_magic("load_component", "Napper")
    report = ip.run_line_magic("step", "")
    assert report.pause == f"sleep(600) (In [{number}], line 7)"
