"""Step-through of a trigger's or connector's run loop."""

from __future__ import annotations

import os
from functools import partial
import time as _time
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable

import orjson

from kit._platform._records import StepError, freeze, utc
from kit._stepper._report import StepReport
from kit._runtime import ThreadContext as _ThreadAs
from kit._runtime import user_file, user_traceback
from kit._stepper import _loops
from kit._stepper._worker import Worker, describe_frames, pause_text, where_text

if TYPE_CHECKING:
    from kit._platform._host import ComponentHost
    from kit._platform._platform import FakePlatform

_STORAGE_READ_LIMIT = 1_000_000


class StepTimeout(RuntimeError):
    """A step did not reach a pause point in time; ``report`` says where the component was."""

    def __init__(self, message: str, report: StepReport) -> None:
        super().__init__(message)
        self.report = report


class SimulationEnded(RuntimeError):
    """The component's worker is no longer running (finished, crashed or stopped)."""


def _seconds(seconds: float, minutes: float, hours: float, days: float) -> float:
    import math
    import numbers

    for name, value in (("seconds", seconds), ("minutes", minutes), ("hours", hours), ("days", days)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name}={value!r}: a duration is a number, e.g. run_for(hours=1) or run_for(minutes=90)")
        if not math.isfinite(value):
            raise ValueError(f"{name}={value!r}: a duration must be a finite number of {name}")
    total = seconds + 60 * minutes + 3600 * hours + 86400 * days
    if total < 0:
        raise ValueError(f"a duration must be >= 0, got {total} seconds")
    return total


def check_timeout(timeout: Any, what: str = "timeout") -> None:
    """A step timeout is a positive number of real seconds (or None for the default)."""
    import math
    import numbers

    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"{what}={timeout!r}: a step timeout is a number of real seconds > 0, e.g. {what}=10")


class Simulation:
    """A trigger or connector hosted by a :class:`kit.FakePlatform`, run one step at a time.

    A step runs the component's ``run()`` from one pause point (``time.sleep``,
    ``Event.wait``, ``self._stop_event.wait``, or ``run()`` returning) to the
    next; sleeping costs no real time, it moves the platform's virtual clock.
    Tables of what it did: :attr:`events`, :attr:`runs`, :attr:`logs`,
    :attr:`http`, :attr:`assets`, :attr:`steps`, :attr:`faults` (what it did after the faults of
    ``platform.faults``); all of it on the virtual clock: :meth:`timeline`.
    """

    def __init__(
        self,
        platform: "FakePlatform",
        component: type,
        host: "ComponentHost",
        build: Callable[[], Any],
        *,
        step_timeout: float,
    ) -> None:
        self.platform = platform
        self.component = component
        self.name = host.name
        self._host = host
        self._build = build
        self.step_timeout = step_timeout
        self.reports: list[StepReport] = []
        self.instance: Any = None
        self._worker: Worker | None = None
        self._storage_state: dict[str, tuple[tuple[int, int], Any]] = {}
        self._storage_view: MappingProxyType = MappingProxyType({})
        self._pending_marks: tuple | None = None
        self._generation = 0
        self._start_worker()

    # -- worker lifecycle -------------------------------------------------------------
    def _start_worker(self) -> None:
        self._host.signal_handlers.clear()
        self.instance = self._build()
        self._generation += 1
        instance = self.instance
        self._worker = Worker(self.platform.clock, self._host, instance.execute, f"{self.name}-{self._generation}")
        self._host.worker = self._worker

    @property
    def state(self) -> str:
        """new, paused, running, finished, crashed, stopped or abandoned."""
        return self._worker.state if self._worker else "new"

    @property
    def next_wake(self) -> float | None:
        """Virtual epoch at which the component wants to run next (None: blocked or ended)."""
        worker = self._worker
        if worker is None or not worker.alive:
            return None
        if worker.state == "new":
            return self.platform.clock.time()
        if worker.busy:
            return self.platform.clock.time()
        return worker.wake_time()

    # -- stepping ------------------------------------------------------------------------
    def step(self, n: int = 1, *, timeout: float | None = None) -> Any:
        """Run ``n`` steps; return the step's :class:`StepReport` (a list of them when ``n > 1``).

        ``timeout`` (real seconds, default the platform's ``step_timeout``) bounds
        each step: a component that never reaches a pause point raises
        :class:`StepTimeout` saying which file and line it is at.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"step(n={n!r}): n must be an integer >= 1")
        check_timeout(timeout)
        reports = [self._step_once(timeout) for _ in range(n)]
        return reports[0] if n == 1 else reports

    def _step_once(self, timeout: float | None) -> StepReport:
        worker = self._worker
        assert worker is not None
        if not worker.alive:
            raise SimulationEnded(
                f"{self.name} is not running any more (state: {worker.state}); "
                "call sim.restart() to start a new instance on the same storage"
            )
        host = self._host
        clock = self.platform.clock
        resuming = worker.busy  # a step that was interrupted or timed out: wait for it again
        if resuming and self._pending_marks is not None:
            number, start, slept, marks = self._pending_marks
        else:
            number = len(self.reports) + 1
            if worker.deadlocked():
                report = self._report(number, clock.time(), None, self._marks(), "deadlock", self._deadlock_text())
                self._replace_or_add(report)
                return report
            wake = worker.wake_time()
            if worker.grouped:
                slept = None if wake is None else wake - clock.time()
            else:
                pause = worker.pause
                slept = pause.seconds if pause is not None else None
            if wake is not None:
                self.platform._advance_to(wake)
            start = clock.time()
            marks = self._marks()
            self._pending_marks = (number, start, slept, marks)
        host.step = number
        wait = self.step_timeout if timeout is None else timeout
        finished_in_time = worker.resume(wait)
        if not finished_in_time:
            where, _file, _line = describe_frames(worker.current_thread.ident or 0)
            if worker.grouped:
                where = f"{worker.running.label if worker.running is not None else 'main'}: {where}"
            report = self._report(number, start, slept, marks, "timeout", where)
            self._replace_or_add(report)
            raise StepTimeout(
                f"step {number} of {self.name} did not reach a pause point (time.sleep, Event.wait or the end "
                f"of run()) within {wait:g} s: the component is at {where}. "
                "It may loop without sleeping or block on I/O; call sim.stop() to end it, "
                "or step(timeout=...) to give it more time.",
                report,
            )
        self._pending_marks = None
        status = worker.state if worker.state != "running" else "paused"
        if worker.state == "crashed" and worker.error is not None:
            host.errors.append((number, StepError.from_exception("worker", worker.error, host.mask)))
        where = None
        if status == "paused" and worker.deadlocked():
            status, where = "deadlock", self._deadlock_text()
        report = self._report(number, start, slept, marks, status, where)
        self._replace_or_add(report)
        return report

    def _marks(self) -> tuple:
        host = self._host
        return (len(host.runs), len(host.logs), len(host.http), len(host.rejected), len(host.errors),
                host.intake.pushed, len(host.assets))

    def _deadlock_text(self) -> str:
        return (
            "every thread of the group waits for another one and none has a wake time: "
            + "; ".join(self._worker.describe_threads())
            + ". sim.stop() ends them."
        )

    def _replace_or_add(self, report: StepReport) -> None:
        if self.reports and self.reports[-1].number == report.number:
            self.reports[-1] = report
        else:
            self.reports.append(report)

    def _report(self, number: int, start: float, slept: Any, marks: tuple, status: str, where: str | None) -> StepReport:
        host = self._host
        worker = self._worker
        runs0, logs0, http0, rejected0, errors0, events0, assets0 = marks
        pause = worker.pause if worker is not None else None
        pause_text_ = (
            pause_text(pause.kind, pause.seconds, pause.file, pause.line)
            if status == "paused" and pause is not None
            else None
        )
        before = self._storage_view
        after = self._snapshot_storage()
        events1 = host.intake.pushed
        recorder = host.intake
        nothing = ()
        return StepReport(
            number=number,
            component=self.name,
            status=status,
            start=utc(start),
            end=utc(self.platform.clock.time()),
            slept=slept,
            pause=pause_text_,
            where=where,
            threads=worker.describe_threads() if worker is not None else (),
            runs=tuple(host.runs[runs0:]) if len(host.runs) > runs0 else nothing,
            events_pushed=events1 - events0,
            logs=tuple(host.logs[logs0:]) if len(host.logs) > logs0 else nothing,
            http=tuple(host.http[http0:]) if len(host.http) > http0 else nothing,
            rejected=tuple(host.rejected[rejected0:]) if len(host.rejected) > rejected0 else nothing,
            errors=tuple(e for _, e in host.errors[errors0:]) if len(host.errors) > errors0 else nothing,
            storage_before=before,
            storage_after=after,
            assets=tuple(host.assets[assets0:]) if len(host.assets) > assets0 else nothing,
            _events=partial(_slice_events, recorder, events0, events1),
            _warnings=partial(_kit_warnings, host, number),
            _mask=host.mask,
        )

    def _snapshot_storage(self) -> MappingProxyType:
        root = self._host.data_path
        state: dict[str, tuple[tuple[int, int], Any]] = {}
        previous = self._storage_state
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    continue
                stat = entry.stat()
                key = (stat.st_size, stat.st_mtime_ns)
                relative = Path(entry.path).relative_to(root).as_posix()
                old = previous.get(relative)
                if old is not None and old[0] == key:
                    state[relative] = old
                else:
                    state[relative] = (key, _read_storage_file(Path(entry.path), stat.st_size, self._host.mask))
        if state.keys() == previous.keys() and all(state[k] is previous[k] for k in state):
            return self._storage_view
        self._storage_state = state
        self._storage_view = MappingProxyType({k: v[1] for k, v in sorted(state.items())})
        return self._storage_view

    # -- longer runs -------------------------------------------------------------------
    def run_for(
        self,
        seconds: float = 0,
        *,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
        max_steps: int = 1_000_000,
        timeout: float | None = None,
        progress: Any = None,
    ) -> list[StepReport]:
        """Step through ``seconds``/``minutes``/``hours``/``days`` of virtual time; return the reports.

        Steps whose wake-up time falls in the span run in order (time-based rules of
        the platform fire in between); the clock ends exactly at the end of the span.
        """
        span = _seconds(seconds, minutes, hours, days)
        check_timeout(timeout)
        return self.platform._run_until_time(self.platform.clock.time() + span, [self], max_steps, timeout, progress)

    def run_until(
        self,
        predicate: Callable[["Simulation"], bool] | None = None,
        *,
        pauses: int | None = None,
        max_steps: int = 1000,
        timeout: float | None = None,
    ) -> list[StepReport]:
        """Step until ``predicate(sim)`` is true, or until the component has reached its
        ``pauses``-th pause point since it started (``len(sim.steps) == pauses``); raise if
        ``max_steps`` steps did not get there.  ``sim.step(n)`` runs ``n`` more pauses."""
        if (predicate is None) == (pauses is None):
            raise TypeError(
                "run_until: give either a function of the simulation (sim.run_until(lambda sim: len(sim.events) >= 10)) "
                "or a pause count (sim.run_until(pauses=10)), not both"
                if predicate is not None
                else "run_until: give a function of the simulation, e.g. sim.run_until(lambda sim: len(sim.events) >= 10), "
                "or a pause count, e.g. sim.run_until(pauses=10)"
            )
        if pauses is not None:
            if isinstance(pauses, bool) or not isinstance(pauses, int) or pauses < 0:
                raise ValueError(f"run_until(pauses={pauses!r}): give a whole number of pause points, e.g. pauses=10")
            predicate = lambda sim: len(sim.reports) >= pauses  # noqa: E731
        if not callable(predicate):
            raise TypeError(
                f"run_until({predicate!r}): give a function of the simulation, e.g. "
                "sim.run_until(lambda sim: len(sim.events) >= 10)"
            )
        check_timeout(timeout)
        reports: list[StepReport] = []
        for _ in range(max_steps):
            if predicate(self):
                return reports
            if not (self._worker and self._worker.alive):
                raise SimulationEnded(
                    f"run_until: {self.name} ended (state: {self.state}) after {len(reports)} step(s) "
                    "before the predicate became true"
                )
            reports.append(self._step_once(timeout))
        if predicate(self):
            return reports
        raise RuntimeError(
            f"run_until: the predicate was still false after max_steps={max_steps} steps of {self.name}; "
            "raise max_steps or check the predicate"
        )

    def stop(self, timeout: float = 5.0) -> str:
        """Stop the component and return its final state.

        A paused component is stopped as the platform would (``stop()``, so
        ``running`` becomes False, then its loop is let run to its end); one that
        does not end, or that is stuck in a step (a loop that never sleeps), is
        ended by raising ``WorkerStopped`` in its thread; one blocked reading a
        socket has that socket shut down first.  A thread blocked in any other
        system call cannot be interrupted: it is left behind as a daemon thread
        (state ``abandoned``) and the simulation can be restarted.  Every thread the
        component started is ended with it, and the processes it started are killed.
        """
        try:
            return self._stop(timeout)
        finally:
            if self._worker is not None:
                self._worker.kill_processes()
                if not self._worker.alive:
                    self._worker.reopen_pools()

    def _stop(self, timeout: float) -> str:
        worker = self._worker
        if worker is None or not worker.alive:
            return self.state
        self._pending_marks = None
        if worker.state == "new":
            worker.request_stop()
            worker.resume(timeout)
            return worker.state
        if not worker.busy:
            worker.stopping = True
            paused = worker.pause
            frames = _loops.user_frames(worker.thread.ident, user_file) if worker.thread.ident else []
            endless = _loops.endless_loop(frames)
            self._send_sigterm()
            stop = getattr(self.instance, "stop", None)
            if stop is not None:
                try:
                    stop()
                except Exception:  # noqa: S110 - forcing below
                    pass
            if endless is not None:
                # a `while True:` that never reads the stop state: the platform's stop would leave it
                # at this pause, so no further trip runs (nor is recorded)
                self.platform._warn(
                    f"{self.name}: the loop at {where_text(*endless)} never checks self.running, so stop() ended it "
                    f"at its pause ({_pause_text(paused)}); check `while self.running:` so it ends by itself"
                )
            else:
                deadline = _time.monotonic() + timeout / 2
                # let it go on to its next check of running; what it does on the way out (a last push,
                # a log) is recorded, but coming back to the same pause means the check did not end it
                for _ in range(10):
                    pauses = worker._pauses
                    if not worker.alive or not worker.resume(max(0.05, deadline - _time.monotonic())):
                        break
                    if worker._pauses == pauses:
                        break  # nothing could run (a deadlocked group): ended below
                    again = worker.pause
                    if _came_back(worker, paused, again):
                        self.platform._warn(
                            f"{self.name}: after stop() it paused again, at {_pause_text(again)}, instead of ending; "
                            "it was ended there"
                        )
                        break
                if not worker.alive:
                    return worker.state
        worker.request_stop()
        if worker.busy:
            worker.raise_in_thread()
            if not worker.resume(0.2):
                # blocked in a system call: a socket it reads from can be shut down, a child it waits
                # for killed, to wake it
                worker.unblock_sockets()
                worker.kill_processes()
        if worker.alive and not worker.resume(max(0.5, timeout / 2)):
            worker.state = "abandoned"
            self.platform._warn(
                f"{self.name}: the worker thread is blocked (in a system call?) and could not be stopped; "
                "it is left running in the background as a daemon thread. sim.restart() starts a new instance."
            )
        return worker.state

    def _send_sigterm(self) -> None:
        """Call the SIGTERM handler the component registered, as the platform's SIGTERM would."""
        import signal

        handler = self._host.signal_handlers.get(signal.SIGTERM)
        if callable(handler):
            try:
                with _ThreadAs(self.platform.clock, self._host):
                    handler(signal.SIGTERM, None)
            except Exception as error:  # the handler failing is part of what the step shows
                self._host.errors.append((len(self.reports), StepError.from_exception("SIGTERM handler", error,
                                                                                        self._host.mask)))

    def restart(self) -> "Simulation":
        """Stop this instance and start a new one on the same storage (as when the platform reboots it)."""
        self.stop()
        self._start_worker()
        return self

    def debug(self) -> None:
        """Open a post-mortem debugger on the last exception raised in a step."""
        for report in reversed(self.reports):
            for error in report.errors:
                if error.exception is not None and error.exception.__traceback__ is not None:
                    # at the component's line that called what failed (kit's fake answering it is below)
                    _post_mortem(user_traceback(error.exception.__traceback__) or error.exception.__traceback__)
                    return
        raise RuntimeError(f"no step of {self.name} raised an exception; nothing to debug")

    # -- views -----------------------------------------------------------------------------
    @property
    def now(self):
        """The platform's virtual time (tz-aware UTC)."""
        return self.platform.clock.now()

    @property
    def last(self) -> StepReport | None:
        return self.reports[-1] if self.reports else None

    @property
    def storage(self) -> MappingProxyType:
        """Current content of the component's storage (JSON files parsed, texts cut, secrets masked)."""
        return self._snapshot_storage()

    @property
    def data_path(self) -> Path:
        return self._host.data_path

    @property
    def run_records(self) -> tuple:
        """Playbook runs started by ``send_event``, as immutable records."""
        return tuple(self._host.runs)

    @property
    def log_records(self) -> tuple:
        return tuple(self._host.logs)

    @property
    def http_records(self) -> tuple:
        return tuple(self._host.http)

    @property
    def event_strings(self) -> list[str]:
        """Intake events as the JSON strings the intake received."""
        self._host.intake.materialize()
        return list(self._host.intake.strings)

    @property
    def events(self):
        """Intake events as a DataFrame: step, time, batch, then the events' JSON fields as columns."""
        from kit._platform import _tables

        return _tables.events_table([self._host])

    @property
    def runs(self):
        """Playbook runs as a DataFrame: step, time, event_name, then the event's fields."""
        from kit._platform import _tables

        return _tables.runs_table([self._host])

    @property
    def logs(self):
        """Log lines as a DataFrame."""
        from kit._platform import _tables

        return _tables.logs_table([self._host])

    @property
    def http(self):
        """Outbound HTTP calls as a DataFrame."""
        from kit._platform import _tables

        return _tables.http_table([self._host])

    @property
    def asset_records(self) -> tuple:
        """Assets pushed by an asset connector, as immutable records (one per asset)."""
        return tuple(self._host.assets)

    @property
    def assets(self):
        """Assets pushed by an asset connector as a DataFrame: step, time, component, batch, index, type,
        class_name, class_uid, uid, version, asset."""
        from kit._platform import _tables

        return _tables.assets_table([self._host])

    @property
    def metrics(self):
        """Prometheus metric changes (``inc``, ``dec``, ``set``, ``observe``) as a DataFrame: step, time,
        component, metric, type, operation, value, labels."""
        from kit._platform import _tables

        return _tables.metrics_table([self._host])

    @property
    def fault_records(self) -> tuple:
        """The faults of ``platform.faults`` injected into this component, each an immutable ``FaultRecord``
        with what the component did next."""
        return self.platform.faults.fault_records(self.name)

    @property
    def faults(self):
        """The faults injected into this component, one row per firing, with what it did next (retried after
        how long, logged what, skipped to which request, crashed with what), as a DataFrame with assertion
        helpers: ``sim.faults.assert_retried(after=30)``, ``assert_crashed(...)``, ``assert_logged(...)``."""
        from kit._platform._fault_table import fault_table

        return fault_table(self.fault_records)

    @property
    def steps(self):
        """One row per step."""
        from kit._platform import _tables

        return _tables.steps_table(self.reports, self._host.mask)

    def timeline(self, *, kinds: Any = None, max_marks: int = 3000, width: int = 800, **unknown: Any):
        """The timeline of this component on the virtual clock: a :class:`kit._timeline.Timeline`.

        One lane (one per thread when the component started threads) with a row per kind of mark:
        ``step``, ``push`` (intake pushes, sized by their events), ``event`` (``send_event``),
        ``http`` (coloured by status: 2xx, 3xx, 4xx, 5xx, error), ``log`` (by level), ``crash``
        (exceptions raised in a step), ``asset`` (assets pushed) and ``fault`` (injected faults, the
        reaction in the tooltip). In a notebook it shows as an interactive chart: hovering a
        mark shows its record (secrets masked); the panel's **Timeline** tab selects the step of a
        clicked mark in its tables. ``timeline.marks`` is the data drawn, as a DataFrame.

        Args:
            kinds: the kinds of marks to draw (default: all), e.g. ``kinds=["http", "log"]``.
            max_marks: past this many marks, marks are aggregated into time bins (one per lane, kind,
                colour and bin, sized by its count) so the chart stays responsive.
            width: the chart's width in pixels.

        Drawing needs the ``timeline`` extra: ``pip install 'sekoia-kit[timeline]'``.
        """
        from kit import _timeline

        call = "sim.timeline"
        _timeline.check_options(call, {"kinds": kinds, "max_marks": max_marks, "width": width}, unknown)
        return _timeline.prepare(
            [_timeline.Source(self.name, self._host, tuple(self.reports))],
            title=f"{self.name} ({self.component.__name__})",
            kinds=_timeline.check_kinds(call, kinds), max_marks=max_marks, width=width, mask=self._host.mask,
            empty_hint="step the component (sim.step(), sim.run_for(hours=1)), then draw it again",
        )

    @property
    def threads(self):
        """The threads of the component's group now, one row each: thread, state, what it waits for
        (``waits``, ``seconds``), until when (``wakes_at``, virtual time; empty: until another thread
        acts) and where (``file``, ``line``). Empty while the component started no thread."""
        from kit._platform import _tables

        worker = self._worker
        return _tables.threads_table(worker.thread_states() if worker is not None else (), self._host.mask)

    def __repr__(self) -> str:
        return (
            f"<Simulation {self.name} ({self.component.__name__}) state={self.state} steps={len(self.reports)} "
            f"runs={len(self._host.runs)} events={self._host.intake.pushed} "
            f"now={self.now.isoformat().replace('+00:00', 'Z')}>"
        )

    def _repr_html_(self) -> str:
        from kit._platform._tables import simulation_html

        return simulation_html(self)


def _pause_text(pause: Any) -> str:
    return "its start" if pause is None else pause_text(pause.kind, pause.seconds, pause.file, pause.line)


def _came_back(worker: Worker, paused: Any, again: Any) -> bool:
    """The component (no threads of its own) paused anew where it was paused when stopped."""
    if worker.grouped or paused is None or again is None or again is paused or again.file is None:
        return False  # a group's main thread re-pauses in its join: its threads' loops are theirs
    return (again.file, again.line) == (paused.file, paused.line)


def _kit_warnings(host: Any, step: int) -> tuple[str, ...]:
    host.intake.materialize()  # serialising the events is what finds dropped ones
    return tuple(r.message for r in host.logs if r.source == "kit" and r.step == step)


def _slice_events(recorder: Any, first: int, last: int) -> list[str]:
    return recorder.strings_between(first, last)


def _read_storage_file(path: Path, size: int, mask: Any) -> Any:
    """A file of the component's storage as kit shows it: JSON parsed, text cut, secrets masked (before the cut)."""
    if size > _STORAGE_READ_LIMIT:
        return f"<{size} bytes>"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.suffix == ".json":
        try:
            return freeze(mask.data(orjson.loads(data)))
        except orjson.JSONDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{size} bytes>"
    text = mask.text(text)
    return text if len(text) <= 2000 else text[:2000] + f"... <{size} bytes>"


def _post_mortem(tb: Any) -> None:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        from IPython.core.debugger import Pdb

        Pdb().interaction(None, tb)
    else:
        import pdb

        pdb.post_mortem(tb)

