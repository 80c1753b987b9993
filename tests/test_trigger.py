"""kit.trigger: send_event, logs and the SDK's restart loop, as the real SDK behaves."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from pydantic import BaseModel

import kit
from kit.exceptions import InvalidDirectoryError, TriggerConfigurationError
from kit.storage import temp_directory


class Alert(BaseModel):
    id: int
    severity: str = "low"


class AlertTrigger(kit.Trigger):
    results_model = Alert

    def run(self):
        n = 0
        while self.running:
            n += 1
            self.send_event("alert", {"id": n})
            time.sleep(60)


def test_send_event_records_a_validated_run(platform):
    sim = platform.load(AlertTrigger)
    report = sim.step()
    assert report.status == "paused"
    assert report.pause.startswith("sleep(60) (test_trigger.py:")
    (run,) = report.runs
    assert run.event_name == "alert"
    assert dict(run.event) == {"id": 1, "severity": "low"}  # coerced and dumped by results_model
    assert run.time == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert run.to_dict()["name"] == "alert"


def test_records_are_immutable(platform):
    sim = platform.load(AlertTrigger)
    (run,) = sim.step().runs
    with pytest.raises(AttributeError):
        run.event_name = "x"
    with pytest.raises(TypeError):
        run.event["id"] = 2


def test_event_data_keyword_is_an_alias_of_event(platform):
    class Seed(kit.Trigger):
        def run(self):
            self.send_event(event_name="User Created", event_data={"user_id": "u1"})
            time.sleep(1)

    sim = platform.load(Seed)
    assert dict(sim.step().runs[0].event) == {"user_id": "u1"}


def test_event_and_event_data_together_is_an_error(platform):
    class Both(kit.Trigger):
        def run(self):
            self.send_event("x", {"a": 1}, event_data={"a": 2})

    report = platform.load(Both).step()
    assert report.error.message == "send_event() got both event and event_data; pass the event once, as event="


def _line_of(text: str) -> int:
    """The line of this file holding ``text`` (outside the assertions that look it up)."""
    return next(n for n, line in enumerate(open(__file__), 1) if text in line and "_line_of" not in line)


def test_event_failing_results_model_is_reported_and_not_recorded(platform):
    class Bad(kit.Trigger):
        results_model = Alert

        def run(self):
            self.send_event("alert", {"id": "not-a-number"})
            time.sleep(1)

    sim = platform.load(Bad)
    report = sim.step()
    assert report.runs == ()
    assert sim.run_records == ()
    (rejected,) = report.rejected
    assert rejected.error == (
        "event 'alert' of Bad (results_model Alert) is invalid (1 error):\n"
        "  - id: got 'not-a-number': Input should be a valid integer, unable to parse string as an integer\n"
        "No run was recorded. Fix the event or the results_model."
    )
    assert report.error.type == "ValidationError"
    sent = _line_of('self.send_event("alert", {"id": "not-a-number"})')
    assert report.pause == f"run() raised (test_trigger.py:{sent})"  # the SDK loop calls run() again


def test_model_event_without_results_model_is_refused_like_the_real_sdk(platform):
    class ModelEvent(kit.Trigger):
        def run(self):
            self.send_event("alert", Alert(id=1))

    report = platform.load(ModelEvent).step()
    assert report.error.message == (
        "send_event('alert', ...): the event is a Alert model but ModelEvent has no results_model, so the real "
        "SDK cannot serialise it. Set results_model = Alert or pass event.model_dump()."
    )


def test_send_event_with_missing_directory(platform):
    class NoDir(kit.Trigger):
        def run(self):
            self.send_event("x", {"a": 1}, directory="missing")

    sim = platform.load(NoDir)
    report = sim.step()
    assert report.error.type == "InvalidDirectoryError"
    assert report.error.message == (
        f"InvalidDirectoryError: send_event('x', directory='missing'): {sim.data_path / 'missing'} is not an "
        "existing directory. Create it under NoDir's data_path (for example with kit.storage.temp_directory()) "
        "before sending the event."
    )
    assert issubclass(InvalidDirectoryError, kit.exceptions.AutomationSDKError)


def test_directory_files_are_copied_and_removed(platform):
    class WithFiles(kit.Trigger):
        def run(self):
            directory = temp_directory(self.data_path)
            (self.data_path / directory / "report.txt").write_text("hello")
            (self.data_path / directory / "sub").mkdir()
            (self.data_path / directory / "sub" / "b.json").write_text("{}")
            self.send_event("file", {"file_path": "report.txt"}, directory, remove_directory=True)
            time.sleep(10)

    sim = platform.load(WithFiles)
    (run,) = sim.step().runs
    assert run.files == ("report.txt", "sub/b.json")
    assert (run.files_path / "report.txt").read_text() == "hello"
    assert list(sim.data_path.iterdir()) == []  # removed after the copy, as asked
    assert run.directory is not None and "/" not in run.directory


def test_directory_relative_to_data_storage_constant(platform):
    class SeedStyle(kit.Trigger):
        def run(self):
            import os

            from kit import constants

            dirpath = os.path.join(constants.DATA_STORAGE, "test_dir")
            os.makedirs(dirpath, exist_ok=True)
            with open(os.path.join(dirpath, "test.txt"), "w") as f:
                f.write("Hello !")
            self.send_event("event_name", {"file_path": "test.txt"}, "test_dir")
            time.sleep(5)

    sim = platform.load(SeedStyle)
    (run,) = sim.step().runs
    assert run.directory == "test_dir"
    assert run.files == ("test.txt",)


def test_run_returning_is_restarted_and_each_run_is_a_step(platform):
    calls = []

    class OneShot(kit.Trigger):
        def run(self):
            calls.append(time.time())
            self.send_event("tick", {})

    sim = platform.load(OneShot)
    reports = sim.step(3)
    assert [r.pause for r in reports] == ["run() returned"] * 3
    assert len(calls) == 3
    assert len(sim.run_records) == 3


def test_configuration_error_in_run_is_critical_then_waits_120s(platform):
    class NeedsConfig(kit.Trigger):
        def run(self):
            raise TriggerConfigurationError("bad field")

    sim = platform.load(NeedsConfig)
    first = sim.step()
    levels = [(r.level, r.message.splitlines()[0]) for r in first.logs if r.sent]
    assert ("critical", "Configuration error") in levels
    second = sim.step()
    assert second.pause.startswith("wait(120)")
    third = sim.step()
    assert third.start == datetime(2024, 1, 1, 0, 2, tzinfo=timezone.utc)
    # only one critical per instance: the next one is downgraded to error
    assert [r.level for r in third.logs if r.message == "Configuration error"] == ["error"]


def test_generic_errors_are_counted_and_reset_by_events(platform):
    class Flaky(kit.Trigger):
        fail = True

        def run(self):
            if type(self).fail:
                raise RuntimeError("source down")
            self.send_event("ok", {})
            time.sleep(1)

    sim = platform.load(Flaky)
    sim.step(4)
    assert sim.instance._error_count == 4
    Flaky.fail = False
    sim.step(1)
    assert sim.instance._error_count == 0


def test_successive_errors_become_critical_after_uptime_rules(platform):
    class AlwaysFails(kit.Trigger):
        def run(self):
            time.sleep(600)
            raise RuntimeError("nope")

    sim = platform.load(AlwaysFails)
    sim.run_for(hours=1)
    critical = [r for r in sim.log_records if r.level == "critical"]
    assert [r.message for r in critical] == ["5 successive uncatched errors"]
    # uptime >= 1800 s and uptime/5 <= time without events: first at the 5th error after 30 min
    assert critical[0].time == datetime(2024, 1, 1, 0, 50, tzinfo=timezone.utc)


def test_identical_logs_are_rate_limited_for_the_platform(platform):
    class Chatty(kit.Trigger):
        def run(self):
            while self.running:
                self.log("polling", "info")
                time.sleep(20)

    sim = platform.load(Chatty)
    sim.step(4)
    assert [r.sent for r in sim.log_records] == [True, False, False, True]


def test_log_default_level_is_info_and_fatal_maps_to_critical(platform):
    class Levels(kit.Trigger):
        def run(self):
            self.log("a")
            self.log("b", "fatal")
            time.sleep(1)

    logs = platform.load(Levels).step().logs
    assert [(r.level, r.message) for r in logs] == [("info", "a"), ("critical", "b")]


def test_running_and_stop(platform):
    class Loop(kit.Trigger):
        def run(self):
            while self.running:
                time.sleep(5)

    sim = platform.load(Loop)
    sim.step(2)
    assert sim.instance.running
    assert sim.stop() == "stopped"
    assert not sim.instance.running


def test_trigger_not_hosted_says_how_to_host_it():
    class Alone(kit.Trigger):
        def run(self):
            pass

    trigger = Alone(data_path="/tmp")
    with pytest.raises(RuntimeError) as error:
        trigger.send_event("x", {})
    assert str(error.value) == (
        "Alone.send_event: this component is not hosted by a kit platform. Load it with "
        "kit.FakePlatform().load(Alone) (or run_action for an action), or export the module to run it on the "
        "real sekoia_automation SDK."
    )


def test_name_defaults_to_lowercase_class_name():
    class MyTrigger(kit.Trigger):
        def run(self):
            pass

    assert MyTrigger(data_path="/tmp").name == "mytrigger"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("self.send_event('e', 'str')",
         "TypeError: send_event('e', 'str'): the event must be a dict (or a pydantic model, with results_model set), "
         "got str; e.g. send_event('e', {'value': ...})"),
        ("self.send_event(None, {'a': 1})",
         "ValueError: send_event(None, ...): the event name must be a non-empty string, e.g. "
         "send_event('new-alert', {'id': 1})"),
        ("self.send_event('', {'a': 1})",
         "ValueError: send_event('', ...): the event name must be a non-empty string, e.g. "
         "send_event('new-alert', {'id': 1})"),
    ],
)
def test_an_event_the_platform_would_refuse_fails_in_the_component_and_tables_stay_readable(call, message) -> None:
    import kit
    from kit.trigger import Trigger

    namespace: dict = {"Trigger": Trigger}
    exec(f"class Sender(Trigger):\n    def run(self):\n        {call}\n", namespace)
    with kit.FakePlatform() as platform:
        sim = platform.load(namespace["Sender"])
        step = sim.step()
        assert step.summary().endswith(message)
        assert len(sim.runs) == 0 and len(platform.runs) == 0
