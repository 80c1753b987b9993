"""The helper modules of the real SDK (timer, connector.workers, config, metrics, loguru, the aio HTTP
helpers) on kit: the same names and behaviour, on the virtual clock and recorded by the fake platform."""

from __future__ import annotations

import json
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


def _import_real(name):
    """Import a fixture with the real SDK (a plain import, as its authors do); its metrics replace the ones of
    the same name kit loaded earlier, as kit's loader does."""
    import importlib
    import sys

    from kit._loader import _metrics_replaced

    sys.path.insert(0, str(DATA))
    try:
        with _metrics_replaced():
            return importlib.import_module(name)
    finally:
        sys.path.remove(str(DATA))


def _samples(module, key):
    """The values of the fixture's metrics for one intake key, as the exporter would serve them."""
    duration = module.FORWARD_EVENTS_DURATION.labels(intake_key=key)
    return {
        "collected": module.INCOMING_MESSAGES.labels(intake_key=key)._value.get(),
        "forwarded": module.OUTCOMING_EVENTS.labels(intake_key=key)._value.get(),
        "lag": module.EVENTS_LAG.labels(intake_key=key)._value.get(),
        "observations": sum(bucket.get() for bucket in duration._buckets),
        "duration": duration._sum.get(),
    }


def test_prometheus_metrics_match_the_real_sdk_and_are_recorded_on_the_virtual_clock(tmp_path, platform):
    requests_mock = pytest.importorskip("requests_mock")
    from sekoia_automation.module import Module as RealModule

    real = _import_real("prometheus_users")
    connector = real.MetricsConnector(module=RealModule(), data_path=tmp_path)
    connector.configuration = {"intake_key": "real-key", "intake_server": "https://intake.test"}
    connector.log = lambda *args, **kwargs: None
    with requests_mock.Mocker() as mock:
        mock.post("https://intake.test/batch", json={"event_ids": ["1", "2"]})
        connector.forward(1)
        connector.forward(2)
    real_samples = _samples(real, "real-key")

    cls = kit.load_component(f"{DATA / 'prometheus_users.py'}:MetricsConnector")
    sim = platform.load(cls, configuration={"intake_key": "kit-key"})
    sim.step(4)  # two trips, each paused once in the middle (sleep(0.2)) and once at the end (sleep(60))
    kit_samples = _samples(__import__("sys").modules[cls.__module__], "kit-key")
    assert (
        {k: v for k, v in kit_samples.items() if k != "duration"}
        == {k: v for k, v in real_samples.items() if k != "duration"}
        == {"collected": 3.0, "forwarded": 3.0, "lag": 20.0, "observations": 2.0}
    )
    assert real_samples["duration"] >= 0.4  # measured on the real clock
    assert kit_samples["duration"] == pytest.approx(0.4, abs=1e-6)  # on the virtual clock

    metrics = sim.metrics
    assert list(metrics.columns) == [
        "step",
        "time",
        "component",
        "thread",
        "metric",
        "type",
        "operation",
        "value",
        "labels",
    ]
    rows = [
        (
            r.step,
            r.time.strftime("%H:%M:%S.%f")[:12],
            r.thread,
            r.metric,
            r.type,
            r.operation,
            round(r.value, 6),
            r.labels,
        )
        for r in metrics.itertuples()
    ]
    key = {"intake_key": "kit-key"}
    assert rows == [
        (1, "00:00:00.000", "main", "kit_test_module_collected_messages", "counter", "inc", 1.0, key),
        (2, "00:00:00.200", "main", "kit_test_module_forwarded_events", "counter", "inc", 1.0, key),
        (2, "00:00:00.200", "main", "kit_test_module_events_lags", "gauge", "set", 10.0, key),
        (2, "00:00:00.200", "main", "kit_test_module_forward_events_duration", "histogram", "observe", 0.2, key),
        (3, "00:01:00.200", "main", "kit_test_module_collected_messages", "counter", "inc", 2.0, key),
        (4, "00:01:00.400", "main", "kit_test_module_forwarded_events", "counter", "inc", 2.0, key),
        (4, "00:01:00.400", "main", "kit_test_module_events_lags", "gauge", "set", 20.0, key),
        (4, "00:01:00.400", "main", "kit_test_module_forward_events_duration", "histogram", "observe", 0.2, key),
    ]
    assert platform.metrics.equals(metrics)
    # the exporter started by run() listens on no port: its thread waits until it is stopped
    assert sim.last.threads == ("main: sleep(60) (prometheus_users.py:59)", "Thread-1: wait()")
    sim.stop()


def test_metric_records_are_immutable(platform):
    cls = kit.load_component(f"{DATA / 'prometheus_users.py'}:MetricsConnector")
    sim = platform.load(cls, configuration={"intake_key": "k"})
    sim.step()
    record = sim._host.metrics[0]
    with pytest.raises(AttributeError):
        record.value = 2.0
    with pytest.raises(TypeError) as error:
        record.labels["intake_key"] = "other"
    assert str(error.value) == (
        "recorded data is read-only; copy it to change it: dict(value), or json.loads(json.dumps(value)) for "
        "nested data"
    )
    assert json.dumps(record.labels) == '{"intake_key": "k"}'
    sim.stop()


def test_the_prometheus_exporter_binds_no_port():
    from kit.metrics import PrometheusExporterThread, make_exporter

    exporter = make_exporter(PrometheusExporterThread, 8010)
    assert exporter.listening_address == ("0.0.0.0", 8010) and exporter.daemon
    from prometheus_client import REGISTRY

    assert exporter.httpd.registry is REGISTRY
    exporter.start()
    assert exporter.is_alive()
    exporter.stop()
    exporter.join(5)
    assert not exporter.is_alive()


@pytest.fixture
def restored_logging():
    """init_logging changes the process's logging (root handlers and level, every logger, loguru's sinks):
    put it back afterwards."""
    import logging
    import sys

    from loguru import logger

    from kit import _runtime
    from kit._platform import _loguru

    _runtime.install()  # kit's capture of logging records is part of what is put back
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (list(lg.handlers), lg.propagate)
        for name, lg in logging.root.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for name, (handlers, propagate) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:] = handlers
        lg.propagate = propagate
    logger.remove()
    logger.add(sys.stderr)
    _loguru._added = False


def _without_time(output):
    """Printed loguru lines without their time (``2024-01-01 00:00:00.000``)."""
    return [line[23:] if line[:4].isdigit() else line for line in output.splitlines()]


def _loguru_scenario(config, capsys):
    import logging

    from loguru import logger

    config.init_logging(config.LoggingConfig(log_lvl="info"))
    logging.getLogger("kit_test.scenario").info("from logging %s", "module")
    logging.getLogger("kit_test.scenario").debug("below the level")
    logger.bind(payload={"a": [1, 2]}).debug("with payload")
    logger.warning("plain {}", "loguru")
    root = logging.getLogger()
    lines = _without_time(capsys.readouterr().out)
    return lines, [type(h).__name__ for h in root.handlers][:1], logging.getLevelName(root.level)


def test_init_logging_behaves_as_the_real_one_outside_a_platform(restored_logging, capsys):
    import sekoia_automation.loguru.config as real

    from kit.loguru import config

    expected = (
        [
            " | INFO  | from logging module",
            " | DEBUG | with payload",
            "{'a': [1, 2]}",
            " | WARNING | plain loguru",
        ],
        ["InterceptHandler"],
        "INFO",
    )
    assert _loguru_scenario(real, capsys) == expected
    assert _loguru_scenario(config, capsys) == expected
    with pytest.raises(ValueError) as error:
        config.LoggingConfig(log_lvl="loud")
    assert "Incorrect log lvl variable loud" in str(error.value)
    assert config.LoggingConfig().model_dump() == real.LoggingConfig().model_dump()


def test_loguru_lines_of_a_hosted_component_are_recorded_once(restored_logging, capsys, platform):
    from kit.loguru.config import init_logging

    cls = kit.load_component(f"{DATA / 'loguru_users.py'}:LoguruTrigger")
    init_logging()  # as the module's main.py does before module.run()
    sim = platform.load(cls, configuration={})
    sim.step(2)
    logs = sim.logs
    rows = [(r.step, r.level, r.message, r.source, r.sent) for r in logs.itertuples()]
    payload = "{'users': [{'age': 87, 'name': 'Nick'}]}"
    assert rows == [
        (1, "info", 'fetched 1 alerts - Context: {"count": 1}', "loguru", False),
        (1, "debug", f'users payload - Context: {{"payload": "{payload}"}}', "loguru", False),
        (1, "warning", "slow page 1", "logging:kit_test.loguru_users", False),
        (2, "info", 'fetched 2 alerts - Context: {"count": 2}', "loguru", False),
        (2, "debug", f'users payload - Context: {{"payload": "{payload}"}}', "loguru", False),
        (2, "warning", "slow page 2", "logging:kit_test.loguru_users", False),
    ]
    # and printed on the output, as the container would
    out = _without_time(capsys.readouterr().out)
    assert out[:4] == [" | INFO  | fetched 1 alerts", " | DEBUG | users payload", payload, " | WARNING | slow page 1"]
    sim.stop()


def test_loguru_lines_are_recorded_without_init_logging(restored_logging, platform):
    cls = kit.load_component(f"{DATA / 'loguru_users.py'}:LoguruTrigger")
    sim = platform.load(cls, configuration={})
    sim.step()
    assert [(r.level, r.source) for r in sim.logs.itertuples()] == [
        ("info", "loguru"),
        ("debug", "loguru"),
        ("warning", "logging:kit_test.loguru_users"),
    ]
    sim.stop()
