"""kit._stepper: steps, virtual time, timeouts, stop/restart, debugging, tables."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import requests

import kit
from kit.storage import PersistentJSON


class Counter(kit.Trigger):
    def run(self):
        with PersistentJSON("state.json", self.data_path) as state:
            state.setdefault("n", 0)
        while self.running:
            with PersistentJSON("state.json", self.data_path) as state:
                state["n"] += 1
                n = state["n"]
            self.send_event("count", {"n": n})
            time.sleep(30)


class Busy(kit.Trigger):
    def run(self):
        while True:
            pass


def test_a_step_ends_at_the_next_pause_point(platform):
    sim = platform.load(Counter)
    first, second = sim.step(2)
    assert (first.number, second.number) == (1, 2)
    assert first.start == first.end == datetime(2024, 1, 1, tzinfo=UTC)
    assert second.start == datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert second.slept == 30
    assert dict(first.storage_after) == {"state.json": {"n": 1}}
    assert second.storage_changes == {"state.json": ({"n": 1}, {"n": 2})}


def test_sleeping_costs_no_real_time(platform):
    sim = platform.load(Counter)
    started = time.monotonic()
    sim.run_for(days=1)
    assert time.monotonic() - started < 30  # 2,881 steps, each writing a JSON file
    assert len(sim.run_records) == 24 * 120 + 1
    assert sim.now == datetime(2024, 1, 2, tzinfo=UTC)


def test_run_for_ends_exactly_at_the_span_end(platform):
    sim = platform.load(Counter)
    reports = sim.run_for(minutes=1, seconds=15)
    assert [r.start.second for r in reports] == [0, 30, 0]
    assert sim.now == datetime(2024, 1, 1, 0, 1, 15, tzinfo=UTC)


def test_run_until(platform):
    sim = platform.load(Counter)
    sim.run_until(lambda s: len(s.run_records) >= 5)
    assert len(sim.run_records) == 5
    with pytest.raises(RuntimeError) as error:
        sim.run_until(lambda s: False, max_steps=3)
    assert str(error.value) == (
        "run_until: the predicate was still false after max_steps=3 steps of Counter; raise max_steps or check "
        "the predicate"
    )


def test_component_threads_see_virtual_time_others_real(platform):
    seen = {}

    class Clocks(kit.Trigger):
        def run(self):
            seen["time"] = time.time()
            seen["now"] = datetime.now(UTC)
            seen["utcnow"] = datetime.utcnow()
            seen["event"] = threading.Event().wait(15)
            seen["after_wait"] = time.time()
            time.sleep(1)

    sim = platform.load(Clocks)
    sim.step(2)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert seen["time"] == start.timestamp()
    assert seen["now"] == start
    assert seen["utcnow"] == start.replace(tzinfo=None)
    assert seen["event"] is False
    assert seen["after_wait"] == start.timestamp() + 15
    assert abs(time.time() - datetime.now(UTC).timestamp()) < 5  # this thread: real time
    assert datetime.now(UTC).year >= 2025


def test_step_timeout_says_where_the_component_is_and_stop_ends_it(platform):
    sim = platform.load(Busy)
    started = time.monotonic()
    with pytest.raises(kit.StepTimeout) as error:
        sim.step(timeout=0.5)
    assert time.monotonic() - started < 1.5
    first = Busy.run.__code__.co_firstlineno
    lines = {f"{__file__}:{first + 1} in run()", f"{__file__}:{first + 2} in run()"}  # `while` or `pass`
    message = str(error.value)
    where = message.split("the component is at ")[1].split(". It may")[0]
    assert where in lines
    assert message == (
        f"step 1 of Busy did not reach a pause point (time.sleep, Event.wait or the end of run()) within 0.5 s: "
        f"the component is at {where}. It may loop without sleeping or block on I/O; call "
        "sim.stop() to end it, or step(timeout=...) to give it more time."
    )
    assert error.value.report.status == "timeout"
    assert sim.stop() == "stopped"
    with pytest.raises(kit.SimulationEnded) as ended:
        sim.step()
    assert str(ended.value) == (
        "Busy is not running any more (state: stopped); call sim.restart() to start a new instance on the same storage"
    )


def test_restart_keeps_storage_and_records(platform):
    sim = platform.load(Counter)
    sim.step(3)
    first_instance = sim.instance
    sim.restart()
    assert sim.instance is not first_instance
    sim.step()
    assert [dict(r.event)["n"] for r in sim.run_records] == [1, 2, 3, 4]
    assert [r.number for r in sim.reports] == [1, 2, 3, 4]


def test_debug_opens_post_mortem_on_the_last_failure(platform, monkeypatch):
    class Fails(kit.Trigger):
        def run(self):
            local_value = 42  # noqa: F841 - inspected in the debugger
            raise KeyError("missing")

    sim = platform.load(Fails)
    sim.step()
    seen = []
    import kit._stepper._simulation as simulation_module

    monkeypatch.setattr(simulation_module, "_post_mortem", lambda tb: seen.append(tb))
    sim.debug()
    (tb,) = seen
    while tb.tb_next:
        tb = tb.tb_next
    assert tb.tb_frame.f_locals["local_value"] == 42


def test_debug_without_failure(platform):
    sim = platform.load(Counter)
    sim.step()
    with pytest.raises(RuntimeError, match="^no step of Counter raised an exception; nothing to debug$"):
        sim.debug()


def test_steps_table_has_one_row_per_step(platform):
    sim = platform.load(Counter)
    sim.step(3)
    table = sim.steps
    assert table["step"].tolist() == [1, 2, 3]
    assert table["runs"].tolist() == [1, 1, 1]
    assert table["paused_at"].str.startswith("sleep(30)").all()
    assert str(table["start"].dt.tz) == "UTC"


def test_step_n_must_be_positive(platform):
    sim = platform.load(Counter)
    with pytest.raises(ValueError, match=r"^step\(n=0\): n must be an integer >= 1$"):
        sim.step(0)


def test_a_finished_run_loop_is_reported(platform):
    class Once(kit.Trigger):
        def run(self):
            self.send_event("once", {})
            self.stop()

    sim = platform.load(Once)
    report = sim.step()
    assert report.pause == "run() returned"
    assert sim.step().status == "finished"


def test_two_platforms_have_their_own_clocks():
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as one, kit.FakePlatform(start="2030-01-01T00:00:00Z") as two:
        a, b = one.load(Counter), two.load(Counter)
        a.run_for(hours=1)
        b.step()
        assert a.now == datetime(2024, 1, 1, 1, tzinfo=UTC)
        assert b.run_records[0].time == datetime(2030, 1, 1, tzinfo=UTC)


def test_platform_advance_interleaves_components(platform):
    class Every(kit.Trigger):
        period = 0

        def run(self):
            while self.running:
                self.send_event(type(self).__name__, {})
                time.sleep(self.period)

    fast = platform.load(type("Fast", (Every,), {"period": 20}))
    slow = platform.load(type("Slow", (Every,), {"period": 50}))
    platform.advance(seconds=100)
    runs = platform.runs
    assert list(zip(runs["time"].dt.second + runs["time"].dt.minute * 60, runs["component"])) == sorted(
        zip(runs["time"].dt.second + runs["time"].dt.minute * 60, runs["component"]), key=lambda x: x[0]
    )
    assert len(fast.run_records) == 6 and len(slow.run_records) == 3


def test_keyboard_interrupt_keeps_records_and_resumes(platform):
    class Slow(kit.Trigger):
        def run(self):
            while self.running:
                self.send_event("x", {})
                _time_busy(1.0)
                time.sleep(10)

    import signal

    sim = platform.load(Slow)
    sim.step()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a kernel
    try:
        timer = threading.Timer(0.1, _interrupt_main)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            sim.step()
    finally:
        signal.signal(signal.SIGINT, previous)
    report = sim.step()  # the interrupted step is waited for again, not lost
    assert report.number == 2
    assert len(sim.run_records) == 2


def _time_busy(seconds):
    # perf_counter stays real in components (time.time and time.monotonic follow the virtual clock)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _interrupt_main():
    import _thread

    _thread.interrupt_main()


def test_a_component_blocked_on_a_socket_is_given_back_and_stopped(platform):
    import socket

    class Blocked(kit.Trigger):
        def run(self):
            reader, writer = socket.socketpair()
            reader.recv(10)  # nobody ever writes

    sim = platform.load(Blocked)
    started = time.monotonic()
    with pytest.raises(kit.StepTimeout) as error:
        sim.step(timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert f"{__file__}:{Blocked.run.__code__.co_firstlineno + 2} in run()" in str(error.value)
    assert sim.stop() == "stopped"
    assert not sim._worker.thread.is_alive() or sim._worker.thread.join(1) is None


def test_signal_handlers_of_components_are_kept_by_the_platform(platform):
    import signal

    stops = []

    class OktaStyle(kit.Connector):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._stop_event = threading.Event()
            signal.signal(signal.SIGINT, self.exit)  # as many real connectors do
            signal.signal(signal.SIGTERM, self.exit)

        def exit(self, signum, frame):
            stops.append(signum)
            self._stop_event.set()

        def run(self):
            while not self._stop_event.is_set():
                time.sleep(60)

    before = signal.getsignal(signal.SIGINT)
    sim = platform.load(OktaStyle, configuration={"intake_key": "k"})
    assert signal.getsignal(signal.SIGINT) is before  # the kernel keeps its interrupt button
    sim.step(2)
    assert sim.stop() == "stopped"
    assert stops == [signal.SIGTERM]  # the platform stops a component with SIGTERM


def test_bad_durations_timeouts_and_predicates_are_refused_with_the_fix() -> None:
    import time as _time

    import kit
    from kit.trigger import Trigger

    class Idle(Trigger):
        def run(self) -> None:
            while self.running:
                _time.sleep(5)

    with pytest.raises(ValueError) as info:
        kit.FakePlatform(step_timeout=-1)
    assert str(info.value) == "step_timeout=-1: a step timeout is a number of real seconds > 0, e.g. step_timeout=10"
    with kit.FakePlatform() as platform:
        sim = platform.load(Idle)
        cases = [
            (lambda: sim.run_for(hours="1"), TypeError,
             "hours='1': a duration is a number, e.g. run_for(hours=1) or run_for(minutes=90)"),
            (lambda: sim.run_for(hours=float("nan")), ValueError, "hours=nan: a duration must be a finite number of hours"),
            (lambda: platform.advance(minutes="3"), TypeError,
             "minutes='3': a duration is a number, e.g. run_for(hours=1) or run_for(minutes=90)"),
            (lambda: sim.step(timeout=-1), ValueError,
             "timeout=-1: a step timeout is a number of real seconds > 0, e.g. timeout=10"),
            (lambda: sim.step(timeout="5"), ValueError,
             "timeout='5': a step timeout is a number of real seconds > 0, e.g. timeout=10"),
            (lambda: sim.run_until("x"), TypeError,
             "run_until('x'): give a function of the simulation, e.g. sim.run_until(lambda sim: len(sim.events) >= 10)"),
            (lambda: platform.load(Idle, step_timeout=0), ValueError,
             "step_timeout=0: a step timeout is a number of real seconds > 0, e.g. step_timeout=10"),
        ]
        for call, error, message in cases:
            with pytest.raises(error) as info:
                call()
            assert str(info.value) == message
        assert sim.run_for(minutes=1) and sim.step(timeout=5)  # good input still works


def test_a_run_that_raises_at_once_stops_run_for_instead_of_spinning() -> None:
    import time as _time

    import kit
    from kit.trigger import Trigger

    class Boom(Trigger):
        def run(self) -> None:
            raise RuntimeError("boom")

    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        sim = platform.load(Boom)
        began = _time.monotonic()
        with pytest.raises(RuntimeError) as info:
            sim.run_for(hours=1)
        assert _time.monotonic() - began < 30
        assert str(info.value) == (
            "stopped after 100 steps in a row of Boom that failed at once, at 2024-01-01T00:00:00+00:00 (virtual "
            "time does not move): step 100 [paused] 2024-01-01T00:00:00Z: 2 logs; paused at run() raised (test_simulation.py:345); "
            "RuntimeError: boom. The real SDK restarts a run() that raises at once, spinning like this; sleep "
            "after an error (time.sleep(...) in an except) or fix the error. Every step so far is in sim.steps."
        )
        assert len(sim.steps) == 100


class CallsAnUnregisteredApi(kit.Trigger):
    def run(self):
        while self.running:
            requests.get("https://api.unregistered.test/alerts")  # the failing call
            time.sleep(5)


def test_a_run_that_raises_points_at_the_components_line_and_its_traceback_leaves_kit_out(platform):
    sim = platform.load(CallsAnUnregisteredApi)
    report = sim.step()
    line = next(n for n, text in enumerate(open(__file__), 1) if text.rstrip().endswith("# the failing call"))
    here = __file__.rsplit("/", 1)[-1]
    assert report.pause == f"run() raised ({here}:{line})"
    (error,) = report.errors
    assert f'File "{__file__}", line {line}, in run' in error.traceback
    assert "/kit/" not in error.traceback  # the fake platform answering the call is not the component's story
    assert error.traceback.rstrip().endswith(
        "Register one with platform.http.add(responses.GET, 'https://api.unregistered.test/alerts', json=...) "
        "or allow real network with FakePlatform(allow_network=True)."
    )
    from kit._runtime import user_traceback

    cut = user_traceback(error.exception.__traceback__)
    while cut.tb_next is not None:
        cut = cut.tb_next
    assert (cut.tb_frame.f_code.co_name, cut.tb_lineno) == ("run", line)  # where sim.debug() opens
