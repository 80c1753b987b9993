"""EVENT semantics (document §5) and the seed's MaxOccurence example."""

from __future__ import annotations

import sqlite3

import pytest
from rules_helpers import dt

from kit._rules import EventTrigger, RulesEngine, Target, TriggerType, UnknownEventType

SUB, UNSUB = "CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED"


def add_event_rule(engine, max_occ, targets=(Target.client("alice"),), event_type=SUB, action="KEY_ROTATION"):
    return engine.add_rule(action, [EventTrigger(event_type, max_occ)], list(targets))


def counter(engine, rule):
    return engine.counter(rule.triggers[0].id)


def test_counts_matching_events_and_fires_at_max_then_resets(engine, clock):
    r = add_event_rule(engine, 3)
    assert engine.publish(SUB, "alice", "news") == ()
    assert engine.publish(SUB, "alice", "sport") == ()
    assert counter(engine, r) == 2
    (fire,) = engine.publish(SUB, "alice", "news")
    assert fire.reason == "counter 3 >= maxOccurrence 3"
    assert fire.trigger_type is TriggerType.EVENT
    assert fire.event.type == SUB and fire.event.source == "alice" and fire.event.target == "news"
    assert fire.time == dt(2024, 6, 7, 12, 3, 10)
    assert counter(engine, r) == 0
    assert engine.publish(SUB, "alice", "news") == ()  # needs 3 more


def test_target_types_match_source_target_or_both(engine):
    client = add_event_rule(engine, 100, [Target.client("x")])
    topic = add_event_rule(engine, 100, [Target.topic("x")])
    any_ = add_event_rule(engine, 100, [Target.any("x")])
    engine.publish(SUB, "x", "other")  # source = client
    assert [counter(engine, r) for r in (client, topic, any_)] == [1, 0, 1]
    engine.publish(SUB, "other", "x")  # target = topic
    assert [counter(engine, r) for r in (client, topic, any_)] == [1, 1, 2]


def test_matching_is_exact_and_case_sensitive(engine):
    r = add_event_rule(engine, 100, [Target.client("alice")])
    engine.publish(SUB, "Alice", "news")
    engine.publish(SUB, "alice2", "news")
    engine.publish(SUB, "al.*", "news")
    assert counter(engine, r) == 0


def test_several_matching_targets_add_only_one(engine):
    r = add_event_rule(engine, 100, [Target.client("alice"), Target.topic("news"), Target.any("alice"), Target.any("news")])
    engine.publish(SUB, "alice", "news")
    assert counter(engine, r) == 1


def test_other_event_type_is_ignored(engine):
    r = add_event_rule(engine, 1)
    assert engine.publish(UNSUB, "alice", "news") == ()
    assert counter(engine, r) == 0


def test_rule_with_zero_targets_never_counts(engine):
    r = add_event_rule(engine, 1, [])
    engine.publish(SUB, "alice", "news")
    assert counter(engine, r) == 0 and engine.fires == ()


def test_seed_example_lowering_max_occurrence_fires_on_the_next_matching_event(engine):
    r = add_event_rule(engine, 10)
    for _ in range(5):
        engine.publish(SUB, "alice", "news")
    assert counter(engine, r) == 5
    r = engine.update_rule(r.id, triggers=[r.triggers[0].replace(max_occurrence=3)])  # same id: counter kept
    assert counter(engine, r) == 5
    (fire,) = engine.publish(SUB, "alice", "news")
    assert fire.reason == "counter 6 >= maxOccurrence 3"
    assert counter(engine, r) == 0
    assert engine.publish(SUB, "alice", "news") == ()
    assert engine.publish(SUB, "alice", "news") == ()
    assert len(engine.publish(SUB, "alice", "news")) == 1  # 3 more matching events


def test_check_runs_on_non_matching_events_too(engine):
    r = add_event_rule(engine, 10)
    for _ in range(5):
        engine.publish(SUB, "alice", "news")
    r = engine.update_rule(r.id, triggers=[r.triggers[0].replace(max_occurrence=3)])
    (fire,) = engine.publish(SUB, "bob", "sport")  # does not match: no +1, but 5 >= 3 fires
    assert fire.reason == "counter 5 >= maxOccurrence 3 (checked on a non-matching event)"
    assert counter(engine, r) == 0
    # an event of another type does not run the check
    r = engine.update_rule(r.id, triggers=[r.triggers[0].replace(max_occurrence=10)])
    for _ in range(5):
        engine.publish(SUB, "alice", "news")
    engine.update_rule(r.id, triggers=[r.triggers[0].replace(max_occurrence=2)])
    assert engine.publish(UNSUB, "bob", "sport") == ()
    assert counter(engine, r) == 5


def test_new_trigger_id_resets_the_counter(engine):
    r = add_event_rule(engine, 10)
    for _ in range(5):
        engine.publish(SUB, "alice", "news")
    r2 = engine.update_rule(r.id, triggers=[EventTrigger(SUB, 3)])  # no id: a new trigger
    assert r2.triggers[0].id != r.triggers[0].id
    assert counter(engine, r2) == 0
    assert engine.publish(SUB, "alice", "news") == ()


def test_settings_given_as_api_dict_with_id_keep_the_counter(engine):
    r = add_event_rule(engine, 10)
    for _ in range(4):
        engine.publish(SUB, "alice", "news")
    tid = r.triggers[0].id
    engine.update_rule(r.id, triggers=[{"id": tid, "type": "EVENT", "settings": {"eventType": SUB, "MaxOccurence": 4}}])
    assert engine.counter(tid) == 4
    assert len(engine.publish(SUB, "bob", "x")) == 1


def test_one_counter_per_trigger_and_a_fire_resets_only_its_own(engine):
    r = engine.add_rule("KEY_ROTATION", [EventTrigger(SUB, 2), EventTrigger(SUB, 3)], [Target.client("alice")])
    t1, t2 = (t.id for t in r.triggers)
    engine.publish(SUB, "alice", "news")
    (fire,) = engine.publish(SUB, "alice", "news")
    assert fire.trigger_id == t1
    assert (engine.counter(t1), engine.counter(t2)) == (0, 2)
    (fire,) = engine.publish(SUB, "alice", "news")
    assert fire.trigger_id == t2
    assert (engine.counter(t1), engine.counter(t2)) == (1, 0)


def test_counter_is_never_time_windowed(engine, clock):
    r = add_event_rule(engine, 2)
    engine.publish(SUB, "alice", "news")
    clock.advance(days=365)
    engine.run_due()
    assert len(engine.publish(SUB, "alice", "news")) == 1
    assert engine.fires[0].time == dt(2025, 6, 7, 12, 3, 10)
    assert counter(engine, r) == 0


def test_max_occurrence_one_fires_on_every_matching_event_and_writes_nothing(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock) as eng:
        r = add_event_rule(eng, 1)
        assert len(eng.publish(SUB, "alice", "news")) == 1
        assert len(eng.publish(SUB, "alice", "news")) == 1
        rows = sqlite3.connect(db).execute("SELECT * FROM trigger_state").fetchall()
        assert rows == []  # 0 -> 1 -> fire -> 0: unchanged, nothing to write
        assert counter(eng, r) == 0


def test_counter_is_written_when_it_changes(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock) as eng:
        r = add_event_rule(eng, 5)
        eng.publish(SUB, "alice", "news")
        eng.publish(SUB, "alice", "news")
        # committed before publish returned: visible to another connection
        rows = sqlite3.connect(db).execute("SELECT trigger_id, counter FROM trigger_state").fetchall()
        assert rows == [(r.triggers[0].id, 2)]


def test_no_check_at_startup(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock) as eng:
        r = add_event_rule(eng, 10)
        for _ in range(5):
            eng.publish(SUB, "alice", "news")
    # lower the max in the database while the engine is down
    con = sqlite3.connect(db)
    con.execute("UPDATE triggers SET settings = ? WHERE id = ?", ('{"eventType": "CLIENT_SUBSCRIBED", "maxOccurrence": 3}', r.triggers[0].id))
    con.commit()
    con.close()
    with RulesEngine(db, now=clock) as eng:
        assert eng.run_due() == ()  # stored 5 >= 3 does nothing at startup
        assert eng.counter(r.triggers[0].id) == 5
        (fire,) = eng.publish(UNSUB, "alice", "news") or (None,)
        assert fire is None  # another type: no check
        (fire,) = eng.publish(SUB, "zoe", "x")  # next event of that type
        assert fire.reason == "counter 5 >= maxOccurrence 3 (checked on a non-matching event)"


def test_removing_a_target_keeps_the_counter_and_zero_targets_still_check(engine):
    r = add_event_rule(engine, 10)
    for _ in range(4):
        engine.publish(SUB, "alice", "news")
    r = engine.update_rule(r.id, targets=[], triggers=[r.triggers[0].replace(max_occurrence=2)])
    (fire,) = engine.publish(SUB, "anyone", "x")
    assert fire.reason == "counter 4 >= maxOccurrence 2 (checked on a non-matching event)"


def test_custom_event_types(clock):
    with RulesEngine(now=clock, event_types=["alert_created"]) as eng:
        eng.register_event_type("case_closed")
        assert eng.event_types == ("CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED", "alert_created", "case_closed")
        r = eng.add_rule("KEY_ROTATION", [EventTrigger("alert_created", 2)], [Target.client("my-trigger")])
        eng.publish("alert_created", "my-trigger", "", data={"alert": 1})
        (fire,) = eng.publish("alert_created", "my-trigger", "", data={"alert": 2})
        assert fire.event.data["alert"] == 2
        assert fire.rule_id == r.id


def test_declared_event_types_are_persisted(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock, event_types=["alert_created"]):
        pass
    with RulesEngine(db, now=clock) as eng:
        assert "alert_created" in eng.event_types


def test_publish_unknown_type(engine):
    with pytest.raises(UnknownEventType) as info:
        engine.publish("CLIENT_SUBSCRIBE", "alice", "news")
    assert str(info.value) == (
        "unknown event type 'CLIENT_SUBSCRIBE' published (did you mean 'CLIENT_SUBSCRIBED'?): known types are "
        "CLIENT_SUBSCRIBED, CLIENT_UNSUBSCRIBED; declare a new one with engine.register_event_type('CLIENT_SUBSCRIBE') "
        "or RulesEngine(..., event_types=[...])")


def test_publish_many_is_one_call(engine):
    r = add_event_rule(engine, 3)
    fires = engine.publish_many([(SUB, "alice", "a"), (SUB, "alice", "b"), {"type": SUB, "source": "alice", "target": "c"},
                                 (SUB, "alice", "d", {"n": 4})])
    assert len(fires) == 1 and fires[0].event.target == "c"
    assert counter(engine, r) == 1


def test_publish_many_validates_everything_first(engine):
    r = add_event_rule(engine, 3)
    with pytest.raises(UnknownEventType):
        engine.publish_many([(SUB, "alice", "a"), ("NOPE", "alice", "b")])
    assert counter(engine, r) == 0


def test_rotation_covers_all_targets_on_event_fire(engine):
    engine.add_rule("KEY_ROTATION", [EventTrigger(SUB, 1)],
                    [Target.client("alice"), Target.topic("news"), Target.client("bob")])
    (fire,) = engine.publish(SUB, "alice", "elsewhere")
    assert [(k.target_type.value, k.name) for k in fire.result] == [("CLIENT", "alice"), ("TOPIC", "news"), ("CLIENT", "bob")]
