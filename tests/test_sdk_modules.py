"""The helper modules of the real SDK (timer, connector.workers, config, metrics, loguru, the aio HTTP
helpers) on kit: the same names and behaviour, on the virtual clock and recorded by the fake platform."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import kit

DATA = Path(__file__).parent / "data" / "sdk_modules"


def _timer_scenario(RepeatedTimer):
    """What a RepeatedTimer does, observed on the real clock: calls, states, one-way stop, thread kind."""
    calls = []
    done = threading.Event()

    def tick():
        calls.append(threading.current_thread().daemon)
        if len(calls) == 3:
            done.set()

    timer = RepeatedTimer(0.01, tick)
    states = [timer.is_running]
    timer.start()
    states.append(timer.is_running)
    timer.start()  # armed already: no second timer
    assert done.wait(5)
    timer.stop()
    states.append(timer.is_running)
    timer.start()  # stopped for good
    states.append(timer.is_running)
    count = len(calls)
    time.sleep(0.05)
    return states, calls[:3], len(calls) == count


def _workers_scenario(Worker, Workers):
    """Workers built, started, supervised after one died, stopped and joined."""

    class Counter(Worker):
        def __init__(self, box, die):
            super().__init__()
            self.box, self.die = box, die

        def run(self):
            self.box.append(self.KIND)
            while self.is_running and not self.die:
                time.sleep(0.005)

    box: list = []
    workers = Workers.create(2, Counter, box, False)
    dying = Counter(box, True)
    workers.append(dying)
    workers.start()
    dying.join(5)
    workers.supervise()  # the dead one was not stopped: replaced by a new Counter(box, False), started
    replaced = workers[2] is not dying and workers[2].is_alive()
    workers.stop(timeout_per_worker=5)
    return (
        len(workers),
        replaced,
        box,
        [w.is_running for w in workers],
        [w.is_alive() for w in workers],
        workers.positional_args,
        workers.keyword_args,
        isinstance(workers, list),
    )


def test_repeated_timer_behaves_as_the_real_one_outside_a_platform():
    from sekoia_automation.timer import RepeatedTimer as Real

    from kit.timer import RepeatedTimer

    assert (
        _timer_scenario(RepeatedTimer)
        == _timer_scenario(Real)
        == ([False, True, False, False], [False, False, False], True)
    )


def test_workers_behave_as_the_real_ones_outside_a_platform():
    from sekoia_automation.connector.workers import Worker as RealWorker, Workers as RealWorkers

    from kit.connector.workers import Worker, Workers

    real = _workers_scenario(RealWorker, RealWorkers)
    assert _workers_scenario(Worker, Workers) == real
    assert real[:2] == (3, True) and real[2] == ["worker"] * 4 and real[3] == [False] * 3


def test_a_repeated_timer_of_a_hosted_trigger_fires_on_the_virtual_clock(platform):
    cls = kit.load_component(f"{DATA / 'timers.py'}:RefreshingTrigger")
    sim = platform.load(cls, configuration={})
    sim.run_for(seconds=95)
    assert list(sim.runs["refreshes"]) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    logs = sim.logs
    assert list(logs["message"]) == ["refresh 1", "refresh 2", "refresh 3"]
    assert [t.isoformat() for t in logs["time"]] == [
        "2024-01-01T00:00:30+00:00",
        "2024-01-01T00:01:00+00:00",
        "2024-01-01T00:01:30+00:00",
    ]
    # each period is a new threading.Timer thread of the component, waiting its interval on the virtual clock
    assert list(logs["thread"]) == ["Thread-1", "Thread-2", "Thread-3"]
    assert sim.last.threads == ("main: sleep(10) (timers.py:21)", "Thread-3: finished", "Thread-4: wait(30)")
    sim.stop()


def test_workers_of_a_hosted_connector_push_on_the_virtual_clock(platform):
    cls = kit.load_component(f"{DATA / 'timers.py'}:WorkersConnector")
    sim = platform.load(cls, configuration={"intake_key": "k"})
    sim.run_for(seconds=11)
    events = sim.events
    assert list(events["raw"]) == ["fetcher 1", "fetcher 1", "fetcher 2", "fetcher 2", "fetcher 3", "fetcher 3"]
    assert list(events["thread"]) == ["Thread-1", "Thread-2"] * 3
    assert [t.isoformat()[11:19] for t in events["time"][::2]] == ["00:00:00", "00:00:05", "00:00:10"]
    sim.stop()


def _config_scenario(config, monkeypatch):
    monkeypatch.setenv("KIT_TEST_JSON", '{"a": 1}')
    monkeypatch.setenv("KIT_TEST_B64", "eyJiIjogMn0=")
    monkeypatch.setenv("KIT_TEST_TEXT", "plain")
    try:
        config.load_config("kit_test_missing")
    except Exception as error:  # FileNotFoundError up to SDK 1.26, MissingConfigurationError since
        missing = str(error)
    return (
        config.load_config("kit_test_json", "json"),
        config.load_config("kit_test_b64", "json"),
        config.load_config("kit_test_text"),
        config.load_config("kit_test_missing", non_exist_ok=True),
        missing,
        hash(config.configuration) == hash("/symphony"),
    )


def test_config_reads_the_environment_as_the_real_one_outside_a_platform(monkeypatch):
    from sekoia_automation import config as real

    from kit import config

    assert (
        _config_scenario(config, monkeypatch)
        == _config_scenario(real, monkeypatch)
        == ({"a": 1}, {"b": 2}, "plain", None, "/symphony/kit_test_missing does not exist.", True)
    )


def test_config_of_a_hosted_component_asks_the_platform(platform):
    cls = kit.load_component(f"{DATA / 'configs.py'}:ConfigReadingTrigger")
    sim = platform.load(cls, configuration={"frequency": 5})
    assert dict(sim.step().runs[0].event) == {
        "configuration": {"frequency": 5},
        "missing": (
            "/symphony/no_such_key does not exist. (kit: this key is not set for ConfigReadingTrigger; pass it to "
            "platform.load(...) if the component needs it)"
        ),
        "allowed": None,
    }
    sim.stop()
