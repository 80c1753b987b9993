"""Actions: KEY_ROTATION on the fake key service, run_action for classes, callables and playbooks."""

from __future__ import annotations

import pytest
from rules_helpers import Runner, dt

from kit._rules import (
    ActionType,
    EventTrigger,
    FakeKeyService,
    RulesEngine,
    Target,
    TargetType,
    TimeIntervalTrigger,
    UnknownAction,
)

SUB = "CLIENT_SUBSCRIBED"


class NotifyAction:
    """Stands in for a kit / sekoia_automation Action class."""


class TagAction:
    pass


def notify(targets, event):  # a plain callable action
    return "notified"


def test_key_rotation_rotates_every_target_and_reports_any_as_an_error(engine):
    r = engine.add_rule("KEY_ROTATION", [TimeIntervalTrigger("@hourly")],
                        [Target.client("alice"), Target.any("both"), Target.topic("news")])
    (fire,) = engine.run_due()
    assert [(k.target_type, k.name, k.rule_id, k.trigger_id) for k in fire.result] == [
        (TargetType.CLIENT, "alice", r.id, r.triggers[0].id), (TargetType.TOPIC, "news", r.id, r.triggers[0].id)]
    assert fire.error == (
        "UnsupportedTargetType: cannot rotate the key of ANY target 'both': KEY_ROTATION needs to know whether it is a "
        "client or a topic; use Target.client(...) or Target.topic(...)")
    keys = engine.key_service.records
    assert [(k.name, k.time) for k in keys] == [("alice", dt(2024, 6, 7, 12, 3, 10)), ("news", dt(2024, 6, 7, 12, 3, 10))]
    assert all(len(k.fingerprint) == 16 for k in keys)
    assert engine.key_service.fingerprint("CLIENT", "alice") == keys[0].fingerprint
    assert engine.key_service.fingerprint("CLIENT", "nobody") is None


def test_each_rotation_makes_a_new_key(engine, clock):
    engine.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *")], [Target.client("alice")])
    engine.run_due()
    clock.set(2024, 6, 7, 12, 10)
    engine.run_due()
    fps = [k.fingerprint for k in engine.key_service.records]
    assert len(fps) == 3 and len(set(fps)) == 3


def test_seeded_key_service_is_reproducible(clock):
    def run():
        with RulesEngine(now=clock, key_service=FakeKeyService(seed=7)) as eng:
            eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("@hourly")], [Target.topic("news")])
            eng.run_due()
            return [k.fingerprint for k in eng.key_service.records]
    assert run() == run()


def test_key_rotation_spellings(engine):
    for spec in ("KEY_ROTATION", "key_rotation", ActionType.KEY_ROTATION):
        assert engine.add_rule(spec).action is ActionType.KEY_ROTATION


def test_class_action_goes_to_run_action_with_targets_and_event(engine, runner):
    r = engine.add_rule(NotifyAction, [EventTrigger(SUB, 1)], [Target.client("alice")])
    (fire,) = engine.publish(SUB, "alice", "news", {"k": "v"})
    ((action, targets, event),) = runner.calls
    assert action is NotifyAction
    assert targets == r.targets
    assert (event.type, event.source, event.target, event.data["k"]) == (SUB, "alice", "news", "v")
    assert fire.result == {"ran": "NotifyAction"} and fire.error is None


def test_time_interval_fire_passes_no_event(engine, runner):
    engine.add_rule(notify, [TimeIntervalTrigger("@daily")], [Target.topic("news")])
    engine.run_due()
    assert runner.calls[0][0] is notify and runner.calls[0][2] is None


def test_playbook_is_passed_through_as_a_list(engine, runner):
    r = engine.add_rule([NotifyAction, {"action": TagAction, "arguments": {"tag": "x"}}], [TimeIntervalTrigger("@daily")])
    assert r.action == (NotifyAction, {"action": TagAction, "arguments": {"tag": "x"}})
    engine.run_due()
    assert runner.calls[0][0] == [NotifyAction, {"action": TagAction, "arguments": {"tag": "x"}}]


def test_registered_names(clock, runner):
    with RulesEngine(now=clock, run_action=runner, actions={"notify": NotifyAction}) as eng:
        eng.register_action("tag", TagAction)
        eng.add_rule("notify", [TimeIntervalTrigger("@daily")])
        eng.add_rule(["notify", "tag"], [TimeIntervalTrigger("@daily")])
        eng.run_due()
        assert [c[0] for c in runner.calls] == [NotifyAction, [NotifyAction, TagAction]]
        assert eng.rules_table()["action"].tolist() == ["notify", "playbook[notify, tag]"]


def test_action_error_is_recorded_not_raised(engine, runner):
    runner.fail = True
    engine.add_rule(NotifyAction, [EventTrigger(SUB, 1)], [Target.client("alice")])
    (fire,) = engine.publish(SUB, "alice", "news")
    assert fire.error == "RuntimeError: action exploded" and not fire.ok


def test_unknown_action_string(engine):
    with pytest.raises(UnknownAction) as info:
        engine.add_rule("ROTATE_KEYS")
    assert str(info.value) == (
        "unknown action 'ROTATE_KEYS': use 'KEY_ROTATION', a name registered with engine.register_action(name, action) "
        "(registered: none yet), an Action class or callable, or a non-empty list of them (a playbook)")


@pytest.mark.parametrize("bad", [42, None, {"action": "x"}])
def test_unknown_action_objects(engine, bad):
    with pytest.raises(UnknownAction) as info:
        engine.add_rule(bad)
    assert str(info.value).startswith(f"unknown action {bad!r}: use 'KEY_ROTATION'")


def test_empty_playbook(engine):
    with pytest.raises(UnknownAction) as info:
        engine.add_rule([])
    assert str(info.value) == "empty playbook []: give at least one Action class or callable, or use 'KEY_ROTATION'"


def test_bad_playbook_step(engine):
    with pytest.raises(UnknownAction) as info:
        engine.add_rule([NotifyAction, 3])
    assert str(info.value) == (
        "playbook step 1 3 is not an action: give an Action class, a callable, a registered action name or a mapping "
        "with a callable 'action' key")


def test_python_action_needs_a_runner(clock):
    with RulesEngine(now=clock) as eng:
        with pytest.raises(UnknownAction) as info:
            eng.add_rule(NotifyAction)
        assert str(info.value) == (
            "action NotifyAction needs a runner: create RulesEngine(..., run_action=...) (the platform provides one), "
            "or use 'KEY_ROTATION'")


def test_reserved_and_bad_registered_names(engine):
    with pytest.raises(UnknownAction) as info:
        engine.register_action("key_rotation", NotifyAction)
    assert str(info.value) == "action name 'key_rotation' is reserved for the built-in key rotation: choose another name"
    with pytest.raises(UnknownAction) as info:
        engine.register_action("x", 5)
    assert str(info.value) == (
        "action 5 registered as 'x' is not runnable: give an Action class, a callable or a playbook list")


def test_python_actions_are_found_again_after_reopening(tmp_path, clock):
    db = tmp_path / "r.db"
    runner = Runner()
    with RulesEngine(db, now=clock, run_action=runner) as eng:
        eng.add_rule(NotifyAction, [TimeIntervalTrigger("@hourly")])
        eng.add_rule([notify, {"action": TagAction, "arguments": {"n": 1}}], [TimeIntervalTrigger("@hourly")])
        eng.run_due()
    clock.set(2024, 6, 7, 13)
    with RulesEngine(db, now=clock, run_action=runner) as eng:
        assert eng.get_rule(1).action is NotifyAction
        eng.run_due()
    assert runner.calls[-2][0] is NotifyAction
    assert runner.calls[-1][0] == [notify, {"action": TagAction, "arguments": {"n": 1}}]


def test_unimportable_action_after_reopening_is_a_fire_error(tmp_path, clock):
    db = tmp_path / "r.db"

    class Local:
        pass

    with RulesEngine(db, now=clock, run_action=Runner()) as eng:
        eng.add_rule(Local, [TimeIntervalTrigger("@hourly")])
    clock.set(2024, 6, 7, 13)
    with RulesEngine(db, now=clock, run_action=Runner()) as eng:
        (fire,) = eng.run_due()
        assert fire.error == (
            f"action {Local.__module__}:test_unimportable_action_after_reopening_is_a_fire_error.<locals>.Local could not be "
            "imported after reopening the database (it was defined inside a function, so it cannot be imported again): "
            "register it with engine.register_action(...) or give the rule a new action with update_rule")
        eng.update_rule(1, action=Local)
        clock.set(2024, 6, 7, 14)
        (fire,) = eng.run_due()
        assert fire.error is None
