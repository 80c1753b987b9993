"""Test of AuditConnector, written by kit.

kit had no recorded run of AuditConnector: the configuration comes from the manifest's
schemas (kit.export(..., simulations=[sim]) writes a test that replays a stepped run).
Its data is in tests/data/recorded_connector_audit.json. Edit both freely: kit does not
overwrite a test you changed.
"""

import json
import threading
from pathlib import Path
from unittest.mock import Mock, patch

import pytest
import requests_mock
from freezegun import freeze_time

from acme_alerts_modules import AcmeModule
from acme_alerts_modules.connector_audit import AuditConnector

RECORDING = json.loads((Path(__file__).parent / "data" / "recorded_connector_audit.json").read_text())


def register_answers(http, answers):
    """Answer each (method, URL) with its recorded responses, in order (the last one repeats)."""
    responses = {}
    for answer in answers:
        response = {"status_code": answer.get("status", 200)}
        if "json" in answer:
            response["json"] = answer["json"]
        else:
            response["text"] = answer.get("body", "")
        responses.setdefault((answer["method"], answer["url"]), []).append(response)
    for (method, url), listed in responses.items():
        http.register_uri(method, url, listed)


class Pauses:
    """The pauses of the run loop (``time.sleep``, waits on the stop event) in this test.

    Each one moves the frozen clock by what it sleeps, as kit's virtual clock did; at the pause
    where the recorded run ended, the daemon is stopped, so its loop ends there.
    """

    def __init__(self, daemon, clock, last):
        self.daemon, self.clock, self.last, self.count = daemon, clock, last, 0

    def sleep(self, seconds=0):
        self.count += 1
        if self.clock is not None and seconds:
            self.clock.tick(seconds)
        if self.count >= self.last:
            self.daemon.stop()

    def iteration(self, next_run):
        """``next_run`` of the SDK's loop: a turn that returns without pausing counts as a pause."""

        def run(*args, **kwargs):
            before = self.count
            result = next_run(*args, **kwargs)
            if self.count == before:
                self.sleep(0)
            return result

        return run


def log_level(call):
    """The level of a ``log(message, level="info")`` call."""
    return call.kwargs.get("level") or (call.args[1] if len(call.args) > 1 else "info")


def event_ids(events, *args, **kwargs):
    """What the intake answers a push: one id per event."""
    return [str(number) for number, _ in enumerate(events)]


class StopEvent(threading.Event):
    """The daemon's stop event, whose timed waits are pauses."""

    def __init__(self, pauses):
        super().__init__()
        self.pauses = pauses

    def wait(self, timeout=None):
        if not self.is_set():
            self.pauses.sleep(timeout or 0)
        return self.is_set()


@pytest.fixture
def connector(tmp_path):
    module = AcmeModule()
    module.configuration = RECORDING["module_configuration"]
    connector = AuditConnector(module=module, data_path=tmp_path)
    connector.configuration = RECORDING["configuration"]
    # what reaches the platform is recorded by mocks
    connector.send_normalized_event = Mock()
    connector.push_events_to_intakes = Mock(side_effect=event_ids)
    connector.log = Mock()
    connector.log_exception = Mock()
    return connector


def test_connector_audit(connector):
    with (
        freeze_time("2024-01-01T00:00:00Z") as clock,
        requests_mock.Mocker() as http,
    ):
        register_answers(http, RECORDING["http"])
        pauses = Pauses(connector, clock, last=RECORDING["steps"])
        connector._stop_event = StopEvent(pauses)
        watchdog = threading.Timer(60, connector.stop)  # a loop that never pauses is stopped, not waited for
        watchdog.daemon = True
        watchdog.start()
        with patch("time.sleep", pauses.sleep):
            connector.run()
        watchdog.cancel()

    connector.log_exception.assert_not_called()
    errors = [c for c in connector.log.call_args_list if log_level(c) in ("error", "critical")]
    assert not errors, errors
