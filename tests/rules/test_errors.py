"""Bad input: every message names the thing, shows the bad value and says the fix."""

from __future__ import annotations

import pytest

from kit._rules import (
    EngineClosed,
    EventTrigger,
    InvalidCronExpression,
    InvalidTarget,
    InvalidTrigger,
    RuleNotFound,
    RulesEngine,
    Target,
    TimeIntervalTrigger,
    UnknownEventType,
    parse_target,
    parse_trigger,
)


def msg(exc_type, fn, *args, **kw):
    with pytest.raises(exc_type) as info:
        fn(*args, **kw)
    return str(info.value)


def test_invalid_cron_in_a_trigger(engine):
    assert msg(InvalidCronExpression, lambda: engine.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/75 * * * *")])) == (
        "invalid cron expression '*/75 * * * *': minute field '*/75': step 75 is out of range 1-59")
    assert engine.list_rules() == ()  # nothing half-created


def test_invalid_cron_in_an_api_dict(engine):
    assert msg(ValueError, engine.add_rule, "KEY_ROTATION", [{"type": "TIME_INTERVAL", "settings": '{"expr": "0 25 * * *"}'}]) == (
        "invalid cron expression '0 25 * * *': hour field '25': value 25 is out of range 0-23")


def test_empty_cron(engine):
    assert msg(InvalidTrigger, TimeIntervalTrigger, "  ") == (
        "TIME_INTERVAL trigger needs a cron expression, got '  ': e.g. '*/5 * * * 1-5 *'")


def test_unknown_event_type_in_a_trigger(engine):
    assert msg(UnknownEventType, engine.add_rule, "KEY_ROTATION", [EventTrigger("CLIENT_CONNECTED", 3)]) == (
        "unknown event type 'CLIENT_CONNECTED' in EVENT trigger: known types are CLIENT_SUBSCRIBED, CLIENT_UNSUBSCRIBED; "
        "declare a new one with engine.register_event_type('CLIENT_CONNECTED') or RulesEngine(..., event_types=[...])")


def test_unknown_event_type_suggests_a_close_name(engine):
    assert msg(UnknownEventType, engine.add_rule, "KEY_ROTATION", [EventTrigger("CLIENT_UNSUBSCRIBE", 3)]) == (
        "unknown event type 'CLIENT_UNSUBSCRIBE' in EVENT trigger (did you mean 'CLIENT_UNSUBSCRIBED'?): known types "
        "are CLIENT_SUBSCRIBED, CLIENT_UNSUBSCRIBED; declare a new one with "
        "engine.register_event_type('CLIENT_UNSUBSCRIBE') or RulesEngine(..., event_types=[...])")


def test_empty_event_type_name(engine):
    assert msg(UnknownEventType, engine.register_event_type, "") == (
        "event type name '' is empty: give a non-empty name such as 'alert_created'")
    assert msg(InvalidTrigger, EventTrigger, "", 3) == (
        "EVENT trigger needs an event type, got '': e.g. 'CLIENT_SUBSCRIBED'")


@pytest.mark.parametrize("bad", [0, -2])
def test_max_occurrence_below_one(bad):
    assert msg(InvalidTrigger, EventTrigger, "CLIENT_SUBSCRIBED", bad) == (
        f"EVENT trigger maxOccurrence must be at least 1, got {bad}: it is the number of matching events that fire "
        "the rule (1 = every matching event)")


def test_max_occurrence_not_a_number():
    assert msg(InvalidTrigger, EventTrigger, "CLIENT_SUBSCRIBED", "5") == (
        "EVENT trigger maxOccurrence must be a whole number >= 1, got '5'")


def test_max_occurrence_spellings_are_accepted_case_insensitively():
    for key in ("maxOccurrence", "MaxOccurence", "maxOccurence", "MAXOCCURRENCE"):
        t = parse_trigger({"type": "event", "settings": {"EventType": "CLIENT_SUBSCRIBED", key: 4}})
        assert t == EventTrigger("CLIENT_SUBSCRIBED", 4)


def test_missing_max_occurrence_key():
    assert msg(InvalidTrigger, parse_trigger, {"type": "EVENT", "settings": {"eventType": "CLIENT_SUBSCRIBED", "maxOcc": 4}}) == (
        "EVENT trigger settings {'eventType': 'CLIENT_SUBSCRIBED', 'maxOcc': 4} have no 'maxOccurrence' (the spelling "
        "'MaxOccurence' is accepted too): give a whole number >= 1")


def test_unknown_trigger_type():
    assert msg(InvalidTrigger, parse_trigger, {"type": "WEBHOOK", "settings": {}}) == (
        "unknown trigger type 'WEBHOOK': use one of TIME_INTERVAL, EVENT")


def test_empty_target_name(engine):
    assert msg(InvalidTarget, engine.add_rule, "KEY_ROTATION", [], [{"type": "CLIENT", "expr": ""}]) == (
        "CLIENT target name '' is empty: give the client name to match, e.g. Target.client('alice')")
    assert engine.list_rules() == ()
    assert msg(InvalidTarget, Target.client, "") == (
        "CLIENT target name '' is empty: give the client name to match, e.g. Target.client('alice')")
    assert msg(InvalidTarget, parse_target, {"type": "TOPIC", "expr": ""}) == (
        "TOPIC target name '' is empty: give the topic name to match, e.g. Target.client('alice')")
    assert msg(InvalidTarget, parse_target, ("ANY", "")) == (
        "ANY target name '' is empty: give the client or topic name to match, e.g. Target.client('alice')")


def test_target_name_must_compile_as_a_regexp_like_the_original():
    assert msg(InvalidTarget, Target.client, "a(b") == (
        "CLIENT target name 'a(b' is not a valid regular expression (missing ), unterminated subpattern at position 1); "
        "the original engine rejects such names although it matches names exactly: escape the special characters")


def test_unknown_target_type():
    assert msg(InvalidTarget, parse_target, ("USER", "bob")) == "unknown target type 'USER': use one of ANY, TOPIC, CLIENT"


def test_target_without_type_is_any_like_the_protobuf_default():
    assert parse_target({"expr": "x"}).type.value == "ANY"


def test_rule_not_found(engine):
    engine.add_rule("KEY_ROTATION")
    assert msg(RuleNotFound, engine.get_rule, 9) == "no rule with id 9: the rule ids are [1]; see engine.list_rules()"
    assert msg(LookupError, engine.remove_rule, 9) == "no rule with id 9: the rule ids are [1]; see engine.list_rules()"


def test_foreign_trigger_id_in_update(engine):
    a = engine.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 2)])
    b = engine.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 2)])
    assert msg(InvalidTrigger, engine.update_rule, b.id, triggers=[a.triggers[0]]) == (
        "trigger id 1 is not a trigger of rule 2 (its triggers are [2]): pass it without an id to create a new trigger")
    assert msg(InvalidTrigger, engine.update_rule, a.id, triggers=[a.triggers[0], a.triggers[0]]) == (
        "trigger id 1 is given twice in the update of rule 1: give each kept trigger once")


def test_closed_engine(clock):
    eng = RulesEngine(now=clock)
    eng.close()
    eng.close()  # idempotent
    assert msg(EngineClosed, eng.publish, "CLIENT_SUBSCRIBED", "a", "b") == (
        "the rules engine on ':memory:' is closed: open a new RulesEngine on the same database to continue")
    assert msg(EngineClosed, eng.add_rule, "KEY_ROTATION").startswith("the rules engine on ':memory:' is closed")


def test_now_must_be_callable():
    assert msg(TypeError, RulesEngine, now=5.0) == (
        "now must be a callable returning the virtual time in epoch seconds, got 5.0")


def test_records_are_immutable(engine):
    r = engine.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 2)], [Target.client("a")])
    with pytest.raises(AttributeError):
        r.description = "x"
    with pytest.raises(AttributeError):
        r.triggers[0].max_occurrence = 1
    with pytest.raises(AttributeError):
        r.targets[0].name = "b"
    assert isinstance(r.triggers, tuple) and isinstance(r.targets, tuple)
