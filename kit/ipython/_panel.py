"""The ipywidgets control panel of a simulation.

Widget messages reach the kernel only between cells (ipywidgets#3468), so each
button runs a bounded amount of work (one step, N steps, or a span of virtual
time) and returns; nothing loops in the background.  Output of the callbacks goes
through an ``Output`` widget, since ``print`` in a callback is invisible in
JupyterLab (ipywidgets#2380).
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as widgets

from kit._platform._secrets import MASK

__all__ = ["SimulationPanel"]

_CELL_LIMIT = 160


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= _CELL_LIMIT else text[: _CELL_LIMIT - 1] + "…"


def table_html(frame: Any, rows: int, empty: str, *, selected: Any = None, note: str | None = None) -> str:
    """The last ``rows`` rows of a DataFrame as a small HTML table (cells escaped and shortened).

    ``selected`` (a boolean per row of ``frame``) marks rows ``kit-selected`` (highlighted); ``note``
    replaces the "last N of M rows" line.
    """
    if frame is None or len(frame) == 0:
        return f"<div class='kit-empty' style='color:#777;padding:4px'>{html.escape(empty)}</div>"
    tail = frame.tail(rows)
    marked = list(selected[-len(tail):]) if selected is not None else [False] * len(tail)
    head = "".join(f"<th style='text-align:left;padding:2px 6px'>{html.escape(str(c))}</th>" for c in tail.columns)
    body = []
    for row, mark in zip(tail.itertuples(index=False), marked):
        cells = "".join(
            f"<td style='padding:2px 6px;vertical-align:top'>{html.escape(_cell(v))}</td>" for v in row
        )
        body.append(f"<tr class='kit-selected' style='background:#fff3c4'>{cells}</tr>" if mark else f"<tr>{cells}</tr>")
    if note is None and len(frame) > rows:
        note = f"last {rows} of {len(frame)} rows"
    note = f"<div style='color:#777'>{html.escape(note)}</div>" if note else ""
    return (
        f"{note}<table class='kit-table' style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def masked_configuration(sim: Any) -> dict[str, Any]:
    """The component's and the module's configuration with every secret field replaced by ``***``
    (the keys the platform found secret, see ``FakePlatform._collect_secrets``) and every other value
    passed through the platform's secrets."""
    from kit.utils import is_model_instance, model_dump

    host = sim._host

    def clean(value: Any, names: frozenset[str]) -> Any:
        if is_model_instance(value):
            value = model_dump(value)
        if isinstance(value, dict):
            return {k: (MASK if k in names else clean(v, frozenset())) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v, frozenset()) for v in value]
        return value

    keys = host.secret_keys
    return host.mask.data(
        {
            "configuration": clean(host.configuration, keys.get("configuration", frozenset())),
            "module_configuration": clean(host.module_configuration, keys.get("module_configuration", frozenset())),
        }
    )


class SimulationPanel(widgets.VBox):
    """A control panel for a :class:`kit.Simulation`: buttons, virtual clock, live tables.

    Buttons: **Step** (one step), **Step N**, **Run for** (a span of virtual time such
    as ``1h``), **Stop** and **Restart**.  Tabs show the last steps, intake events,
    playbook runs, logs, HTTP calls, the component's storage (its checkpoint), its
    configuration (secret fields shown as ``***``) and the exception of the last
    failing step with its traceback.  The panel refreshes after each click and, when
    the ``kit`` extension is loaded, after each cell.

    The **Timeline** tab draws :meth:`Simulation.timeline` (drawn when the tab is opened, and again
    when the records change while it is open). Clicking one of its marks selects that step
    (:meth:`select_steps`): the Events, Runs, Logs and HTTP tables show that step's rows only, the
    Steps table highlights it, until **Show all** (:meth:`clear_selection`).

    Args:
        sim: the simulation.
        rows: how many rows each table shows (the last ones).
        run_max_steps: the most steps one **Run for** click may run.
    """

    TABS = ("Steps", "Threads", "Events", "Runs", "Logs", "HTTP", "Storage", "Configuration", "Error", "Timeline")

    def __init__(self, sim: Any, *, rows: int = 10, run_max_steps: int = 10_000) -> None:
        self.sim = sim
        self.rows = rows
        self.run_max_steps = run_max_steps
        self._version: tuple | None = None
        self.selected: Any = None  # the StepRange selected on the timeline (or by select_steps)
        self._chart: Any = None  # the timeline's JupyterChart, made when the tab is first opened
        self._timeline_version: tuple | None = None
        self._timeline_error: str | None = None  # why the timeline cannot be drawn (the extra is missing)
        self.title = widgets.HTML()
        self.clock = widgets.HTML()
        self.clock.add_class("kit-clock")
        self.counter = widgets.HTML()
        self.counter.add_class("kit-step-counter")
        self.step_button = self._button("Step", "Run one step", "step-forward")
        self.step_n_button = self._button("Step N", "Run N steps", "forward")
        self.n_input = widgets.BoundedIntText(value=10, min=1, max=100_000, layout=widgets.Layout(width="80px"))
        self.run_button = self._button("Run for", "Run this span of virtual time", "fast-forward")
        self.duration_input = widgets.Text(value="1h", layout=widgets.Layout(width="80px"))
        self.stop_button = self._button("Stop", "Stop the component as the platform would", "stop")
        self.restart_button = self._button("Restart", "Start a new instance on the same storage", "refresh")
        self.step_button.on_click(lambda _: self._act(lambda: self.sim.step()))
        self.step_n_button.on_click(lambda _: self._act(lambda: self.sim.step(int(self.n_input.value))))
        self.run_button.on_click(lambda _: self._act(self._run_for))
        self.stop_button.on_click(lambda _: self._act(self.sim.stop))
        self.restart_button.on_click(lambda _: self._act(self.sim.restart))
        self.message = widgets.HTML()
        self.message.add_class("kit-message")
        self.output = widgets.Output()
        self.pages = {name: widgets.HTML() for name in self.TABS if name != "Timeline"}
        for name, page in self.pages.items():
            page.add_class(f"kit-tab-{name.lower()}")
        self.timeline_note = widgets.HTML()
        self.timeline_note.add_class("kit-timeline-note")
        self.timeline_box = widgets.Box()
        self.timeline_page = widgets.VBox([self.timeline_note, self.timeline_box])
        self.timeline_page.add_class("kit-tab-timeline")
        self.tabs = widgets.Tab(children=[*self.pages.values(), self.timeline_page])
        self.tabs.observe(lambda _: (self._draw_timeline(), self._timeline_text()), names="selected_index")
        self.selection_label = widgets.HTML()
        self.show_all_button = self._button("Show all", "Show every step's rows again", "times")
        self.show_all_button.on_click(lambda _: self.clear_selection())
        self.selection_bar = widgets.HBox(
            [self.selection_label, self.show_all_button],
            layout=widgets.Layout(align_items="center", display="none"),
        )
        self.selection_bar.add_class("kit-selection")
        controls = widgets.HBox(
            [
                self.step_button,
                self.n_input,
                self.step_n_button,
                self.duration_input,
                self.run_button,
                self.stop_button,
                self.restart_button,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        status = widgets.HBox([self.title, self.clock, self.counter], layout=widgets.Layout(align_items="center"))
        super().__init__([status, controls, self.message, self.selection_bar, self.tabs, self.output])
        self.add_class("kit-panel")
        self.refresh(force=True)

    @staticmethod
    def _button(label: str, tooltip: str, icon: str) -> widgets.Button:
        button = widgets.Button(description=label, tooltip=tooltip, icon=icon, layout=widgets.Layout(width="auto"))
        button.add_class(f"kit-{label.lower().replace(' ', '-')}")
        return button

    @property
    def buttons(self) -> tuple[widgets.Button, ...]:
        return (self.step_button, self.step_n_button, self.run_button, self.stop_button, self.restart_button)

    # -- actions -----------------------------------------------------------------------
    def _run_for(self) -> Any:
        from kit.ipython._session import parse_duration

        seconds = parse_duration(self.duration_input.value)
        return self.sim.run_for(seconds, max_steps=self.run_max_steps)

    def _act(self, action: Any) -> None:
        """Run one button's work, show what went wrong (without killing the kernel), refresh."""
        for button in self.buttons:
            button.disabled = True
        text = ""
        try:
            action()
        except Exception as error:  # shown in the panel: a callback has no cell to show a traceback in
            from kit._stepper._simulation import StepTimeout

            message = self.sim._host.mask(str(error))
            kind = "timeout" if isinstance(error, StepTimeout) else type(error).__name__
            text = f"<div style='color:#c62828'><b>{html.escape(kind)}</b>: {html.escape(message)}</div>"
        finally:
            for button in self.buttons:
                button.disabled = False
        self.message.value = text
        self.refresh(force=True)

    # -- the selected step ---------------------------------------------------------------
    def select_steps(self, first: int, last: int | None = None) -> None:
        """Select step ``first`` (or steps ``first`` to ``last``): the tables show their rows only."""
        from kit._timeline import StepRange

        last = first if last is None else last
        for name, value in (("first", first), ("last", last)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"select_steps({name}={value!r}): a step is an integer >= 0, e.g. select_steps(3)")
        if last < first:
            raise ValueError(f"select_steps({first!r}, {last!r}): the last step comes before the first one; "
                             f"e.g. select_steps({last}, {first})")
        self.selected = StepRange(self.sim.name, first, last)
        self.refresh(force=True)

    def clear_selection(self) -> None:
        """Show every step's rows again."""
        self.selected = None
        self.refresh(force=True)

    def _on_pick(self, steps: Any) -> None:
        """A mark of the timeline was clicked."""
        if steps.component == self.sim.name:
            self.select_steps(steps.first, steps.last)

    def _in_selection(self, frame: Any) -> Any:
        """A boolean per row of ``frame``: its step is selected."""
        selected = self.selected
        return frame["step"].between(selected.first, selected.last).to_numpy()

    def _step_table(self, name: str, frame: Any, empty: str) -> tuple[str, str]:
        """A table filtered to the selected steps (all rows when none is), and its tab title."""
        if self.selected is None or "step" not in frame.columns:
            return table_html(frame, self.rows, empty), f"{name} ({len(frame)})"
        chosen = frame[self._in_selection(frame)]
        html_ = table_html(chosen, self.rows, f"nothing in {self.selected}")
        return html_, f"{name} ({len(chosen)} of {len(frame)})"

    def _steps_html(self, steps: Any) -> str:
        """The Steps table: the last rows, or the rows around the selected steps, those highlighted."""
        empty = "no step yet: press Step"
        if self.selected is None or steps.empty:
            return table_html(steps, self.rows, empty)
        chosen = self._in_selection(steps)
        if not chosen.any():
            return table_html(steps, self.rows, empty, note=f"{self.selected} is not in this simulation")
        first = int(chosen.argmax())
        start = max(0, min(first - self.rows // 2, len(steps) - self.rows))
        window = steps.iloc[start : start + self.rows]
        return table_html(window, self.rows, empty, selected=chosen[start : start + self.rows],
                          note=f"{self.selected} highlighted, of {len(steps)} steps")

    # -- the timeline ----------------------------------------------------------------------
    def _timeline_shown(self) -> bool:
        return self.tabs.selected_index == self.TABS.index("Timeline")

    def _draw_timeline(self) -> None:
        """Draw the timeline when its tab is shown and the records changed since it was drawn."""
        if not self._timeline_shown():
            return
        version = self._current_version()
        if version == self._timeline_version:
            return
        self._timeline_version = version
        try:
            timeline = self.sim.timeline()
            if self._chart is None:
                self._chart = timeline.widget(on_select=self._on_pick)
                self.timeline_box.children = [self._chart]
            else:
                timeline.draw(self._chart, self._on_pick)  # drawn again: its selection starts empty
        except ImportError as error:
            self._timeline_error = str(error)
            return
        self._timeline_error = None

    def _timeline_text(self) -> None:
        if self._timeline_error is not None:
            self.timeline_note.value = f"<div style='color:#c62828'>{html.escape(self._timeline_error)}</div>"
            return
        selected = self.selected
        if selected is None:
            text = "hover a mark to see its record; click it to select its step in the tables"
            self.timeline_note.value = f"<div style='color:#777'>{html.escape(text)}</div>"
            return
        reports = [r for r in self.sim.reports if r.number in selected]
        summary = reports[0].summary() if len(reports) == 1 else f"{len(reports)} steps"
        self.timeline_note.value = (
            f"<div class='kit-timeline-selection'><b>{html.escape(str(selected))} selected</b>: "
            f"{html.escape(self.sim._host.mask.text(summary))}</div>"
        )

    # -- rendering ---------------------------------------------------------------------
    def _current_version(self) -> tuple:
        sim = self.sim
        host = sim._host
        return (
            len(sim.reports),
            sim.reports[-1] if sim.reports else None,
            sim.state,
            host.intake.pushed,
            len(host.runs),
            len(host.logs),
            len(host.http),
            sim.platform.clock.time(),
            id(sim.instance),
        )

    def refresh(self, force: bool = False) -> bool:
        """Redraw from the simulation's records; return False when nothing changed (and ``force`` is false)."""
        version = (self._current_version(), self.selected)
        if not force and version == self._version:
            return False
        self._version = version
        sim = self.sim
        state = sim.state
        color = {"paused": "#2e7d32", "new": "#555", "finished": "#1565c0", "stopped": "#1565c0"}.get(state, "#c62828")
        self.title.value = (
            f"<b>{html.escape(sim.name)}</b> <span style='color:#777'>({html.escape(sim.component.__name__)})</span> "
            f"<span style='color:{color}'>[{html.escape(state)}]</span>&nbsp;"
        )
        self.clock.value = f"&nbsp;clock <code>{_iso(sim.now)}</code>&nbsp;"
        self.counter.value = f"&nbsp;<b>step {len(sim.reports)}</b>"
        alive = state not in {"finished", "crashed", "stopped", "abandoned"}
        for button in (self.step_button, self.step_n_button, self.run_button, self.stop_button):
            button.disabled = not alive
        rows = self.rows
        events = sim.events
        runs = sim.runs
        logs = sim.logs
        http = sim.http
        steps = sim.steps
        threads = sim.threads
        pages = {
            "Steps": self._steps_html(steps),
            "Threads": table_html(threads, rows, "the component started no thread"),
            "Storage": self._storage_html(),
            "Configuration": self._configuration_html(),
            "Error": self._error_html(),
        }
        titles = {"Steps": f"Steps ({len(steps)})", "Threads": f"Threads ({len(threads)})", "Timeline": "Timeline"}
        for name, frame, empty in (
            ("Events", events, "no intake event yet"), ("Runs", runs, "no playbook run yet"),
            ("Logs", logs, "no log line yet"), ("HTTP", http, "no HTTP call yet"),
        ):
            pages[name], titles[name] = self._step_table(name, frame, empty)
        for index, name in enumerate(self.TABS):
            if name in pages:
                self.pages[name].value = pages[name]
            title = titles.get(name, name)
            if name == "Error" and self._last_error() is not None:
                title = "Error ⚠"
            self.tabs.set_title(index, title)
        selected = self.selected
        self.selection_label.value = (
            "" if selected is None else f"<b>{html.escape(str(selected))}</b> selected on the timeline&nbsp;"
        )
        self.selection_bar.layout.display = "none" if selected is None else "flex"
        self._draw_timeline()
        self._timeline_text()
        return True

    def _storage_html(self) -> str:
        from kit._platform._records import thaw

        storage = self.sim.storage
        if not storage:
            return "<div class='kit-empty' style='color:#777;padding:4px'>the component's storage is empty</div>"
        mask = self.sim._host.mask
        parts = []
        for path, content in storage.items():
            value = thaw(content)
            text = value if isinstance(value, str) else json.dumps(value, indent=2, default=str, ensure_ascii=False)
            parts.append(
                f"<div><code>{html.escape(mask.text(path))}</code>"
                f"<pre style='margin:2px 0 8px'>{html.escape(mask.text(text))}</pre></div>"
            )
        return "".join(parts)

    def _configuration_html(self) -> str:
        text = json.dumps(masked_configuration(self.sim), indent=2, default=str, ensure_ascii=False)
        return f"<pre>{html.escape(text)}</pre>"

    def _last_error(self) -> tuple[Any, Any] | None:
        for report in reversed(self.sim.reports):
            if report.errors:
                return report, report.errors
        return None

    def _error_html(self) -> str:
        found = self._last_error()
        if found is None:
            return "<div class='kit-empty' style='color:#777;padding:4px'>no step raised an exception</div>"
        report, errors = found
        parts = [f"<div><b>step {report.number}</b> [{html.escape(report.status)}] at {_iso(report.start)}</div>"]
        for error in errors:
            parts.append(
                f"<div style='color:#c62828'><b>{html.escape(error.type)}</b>: {html.escape(error.message)}</div>"
                f"<pre style='font-size:11px'>{html.escape(error.traceback)}</pre>"
            )
        return "".join(parts)

    def __repr__(self) -> str:
        sim = self.sim
        return f"<kit panel {sim.name}: step {len(sim.reports)}, {sim.state}, {_iso(sim.now)}>"
