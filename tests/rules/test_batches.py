"""publish_many (one pass over a batch), the Fires view, and what a batch writes to the database."""

from __future__ import annotations

import random
import sqlite3

import pytest
from rules_helpers import dt, ts

from kit._rules import EventTrigger, Fires, RulesEngine, Target, TimeIntervalTrigger, UnknownEventType

SUB, UNSUB = "CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED"


def random_rules(rng: random.Random, n: int) -> list[tuple[list, list]]:
    rules = []
    for _ in range(n):
        triggers = [EventTrigger(rng.choice((SUB, UNSUB)), rng.randrange(1, 6))]
        if rng.random() < 0.3:
            triggers.append(EventTrigger(rng.choice((SUB, UNSUB)), rng.randrange(1, 6)))
        if rng.random() < 0.2:
            triggers.append(TimeIntervalTrigger("*/5 * * * *"))
        targets = [rng.choice((Target.client, Target.topic, Target.any))(f"n{rng.randrange(8)}")
                   for _ in range(rng.randrange(0, 3))]
        rules.append((triggers, targets))
    return rules


def random_events(rng: random.Random, n: int) -> list[tuple]:
    events = []
    for i in range(n):
        ev = (rng.choice((SUB, UNSUB)), f"n{rng.randrange(8)}", f"n{rng.randrange(8)}")
        events.append(ev + ({"i": i},) if rng.random() < 0.1 else ev)
    return events


def engine_with(rules, database, clock, calls):
    eng = RulesEngine(database, now=clock, run_action=lambda action, targets, event: calls.append(event) or len(calls))
    for triggers, targets in rules:
        eng.add_rule(print, triggers, targets)
    eng.run_due()  # the TIME_INTERVAL triggers' first runs
    return eng


def state(eng: RulesEngine) -> tuple:
    rules = eng.list_rules()
    counters = {t.id: eng.counter(t.id) for r in rules for t in r.triggers if isinstance(t, EventTrigger)}
    return [r.last_executed for r in rules], counters


@pytest.mark.parametrize("batch", [1, 7, 64, 5000])
@pytest.mark.parametrize("database", ["memory", "file"])
def test_publish_many_fires_and_stores_exactly_what_publish_one_by_one_does(tmp_path, clock, batch, database):
    rng = random.Random(batch)
    rules, events = random_rules(rng, 40), random_events(rng, 3000)
    one_calls, many_calls = [], []
    one_db, many_db = (":memory:", ":memory:") if database == "memory" else (tmp_path / "one.db", tmp_path / "many.db")
    one = engine_with(rules, one_db, clock, one_calls)
    many = engine_with(rules, many_db, clock, many_calls)
    for i in range(0, len(events), batch):
        part = events[i:i + batch]
        clock.advance(seconds=97)  # every batch at its own instant, so TIME_INTERVAL slots fall between them
        one_fires = [f for ev in part for f in one.publish(*ev)]
        many_fires = many.publish_many(part)
        assert list(many_fires) == one_fires
    assert len(many.fires) > 300 and many.fires == one.fires
    assert many_calls == one_calls
    assert state(many) == state(one)
    if database == "file":  # what was committed is what the engine holds
        expected = state(many)
        one.close()
        many.close()
        with RulesEngine(many_db, now=clock) as reopened:
            assert state(reopened) == expected


def test_a_batch_larger_than_the_rule_set_writes_every_change_in_one_commit(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock, run_action=lambda *a: None) as eng:
        r1 = eng.add_rule(print, [EventTrigger(SUB, 3)], [Target.client("alice")])
        r2 = eng.add_rule(print, [EventTrigger(SUB, 2)], [Target.topic("news")])
        eng.publish_many([(SUB, "alice", "news")] * 4 + [(SUB, "bob", "sport")])  # 5 events, 2 triggers
        con = sqlite3.connect(db)
        # r2 went 0 -> 2 (fire) -> 0 -> 2 (fire) -> 0: unchanged, so no row
        assert con.execute("SELECT trigger_id, counter FROM trigger_state ORDER BY 1").fetchall() == [
            (r1.triggers[0].id, 1)]
        assert con.execute("SELECT rule_id, last_executed FROM rule_state ORDER BY 1").fetchall() == [
            (r1.id, ts(2024, 6, 7, 12, 3, 10)), (r2.id, ts(2024, 6, 7, 12, 3, 10))]
        con.close()


def test_fires_view_reads_like_a_tuple_of_fire_records(engine):
    engine.add_rule(print, [EventTrigger(SUB, 1)], [Target.client("alice")], description="every event")
    fires = engine.publish_many([(SUB, "alice", "a"), (SUB, "bob", "b"), (SUB, "alice", "c", {"n": 3})])
    assert isinstance(fires, Fires) and len(fires) == 2 and fires
    assert [f.event.target for f in fires] == ["a", "c"]
    assert fires[-1].event.data == {"n": 3} and fires[0].time == dt(2024, 6, 7, 12, 3, 10)
    assert fires == engine.fires and fires == list(engine.fires) and engine.fires == fires
    assert fires[1:] == (engine.fires[1],) and isinstance(fires[1:], Fires)
    assert repr(fires) == repr(engine.fires)
    assert engine.publish_many([(SUB, "bob", "x")]) == () and not engine.publish(SUB, "bob", "x")
    with pytest.raises(TypeError, match="unhashable type: 'Fires'"):
        hash(fires)
    with pytest.raises(IndexError):
        fires[2]


def test_publish_many_takes_tuples_lists_mappings_and_generators(engine):
    r = engine.add_rule(print, [EventTrigger(SUB, 100)], [Target.client("alice")])
    engine.publish_many(ev for ev in [(SUB, "alice", "a"), [SUB, "alice", "b"], {"type": SUB, "source": "alice", "target": "c"},
                                      (SUB, "alice", "d", None), (SUB, None, None)])
    engine.publish_many([])
    assert engine.counter(r.triggers[0].id) == 4


@pytest.mark.parametrize("bad, message", [
    ((SUB, "alice"), "cannot read event ('CLIENT_SUBSCRIBED', 'alice'): give (type, source, target[, data]) or a mapping "
                     "with those keys"),
    ((SUB, "alice", "a", None, "extra"), "cannot read event ('CLIENT_SUBSCRIBED', 'alice', 'a', None, 'extra'): give "
                                         "(type, source, target[, data]) or a mapping with those keys"),
    ("CLIENT_SUBSCRIBED alice a", "cannot read event 'CLIENT_SUBSCRIBED alice a': give (type, source, target[, data]) or "
                                  "a mapping with those keys"),
    ((SUB, 7, "a"), "event source and target must be strings (the client and the topic), got 7 and 'a'"),
])
def test_publish_many_rejects_a_bad_event_before_counting_any(engine, bad, message):
    r = engine.add_rule(print, [EventTrigger(SUB, 100)], [Target.client("alice")])
    with pytest.raises(TypeError) as info:
        engine.publish_many([(SUB, "alice", "a")] * 3 + [bad])
    assert str(info.value) == message
    assert engine.counter(r.triggers[0].id) == 0


def test_publish_many_names_an_unhashable_event_type(engine):
    with pytest.raises(UnknownEventType) as info:
        engine.publish_many([(SUB, "alice", "a"), (["CLIENT_SUBSCRIBED"], "alice", "a")])
    assert str(info.value) == ("unknown event type ['CLIENT_SUBSCRIBED'] published: an event type is a name (a string); "
                               "known types are CLIENT_SUBSCRIBED, CLIENT_UNSUBSCRIBED")


def test_publish_many_unknown_type_names_it(engine):
    with pytest.raises(UnknownEventType, match=r"^unknown event type 'CLIENT_SUBSCRIBE' published \(did you mean"):
        engine.publish_many([(SUB, "alice", "a"), ("CLIENT_SUBSCRIBE", "alice", "a")])


def test_an_action_that_removes_a_rule_stops_its_counting_within_the_batch(clock):
    removed = []

    def run_action(action, targets, event):
        if not removed:
            removed.append(eng.remove_rule(victim.id))

    with RulesEngine(now=clock, run_action=run_action) as eng:
        eng.add_rule(print, [EventTrigger(SUB, 2)], [Target.client("alice")])
        victim = eng.add_rule(print, [EventTrigger(SUB, 3)], [Target.client("alice")])
        fires = eng.publish_many([(SUB, "alice", "x")] * 6)
        assert [f.rule_id for f in fires] == [1, 1, 1]  # the victim would have fired at the 3rd and 6th events
        assert removed[0].id == victim.id


def test_an_action_publishing_from_inside_a_batch_is_processed_after_it(clock):
    seen = []

    def run_action(action, targets, event):
        seen.append(event.target)
        if event.source == "alice":
            assert eng.publish(UNSUB, "bob", f"from {event.target}") == ()  # queued: processed after the batch

    with RulesEngine(now=clock, run_action=run_action) as eng:
        eng.add_rule(print, [EventTrigger(SUB, 1)], [Target.client("alice")])
        eng.add_rule(print, [EventTrigger(UNSUB, 1)], [Target.client("bob")])
        fires = eng.publish_many([(SUB, "alice", "a"), (SUB, "alice", "b")])
    assert seen == ["a", "b", "from a", "from b"]
    assert [f.event.type for f in fires] == [SUB, SUB, UNSUB, UNSUB]


def test_a_version_1_database_is_migrated(tmp_path, clock):
    db = tmp_path / "v1.db"
    with RulesEngine(db, now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *")], [Target.client("alice")])
        eng.run_due()
    con = sqlite3.connect(db)  # turn it into the layout of schema 1: last_executed was a column of rules
    con.executescript("""
        ALTER TABLE rules ADD COLUMN last_executed REAL;
        UPDATE rules SET last_executed = (SELECT last_executed FROM rule_state WHERE rule_id = rules.id);
        DROP TABLE rule_state;
        UPDATE meta SET value = '1' WHERE key = 'schema';
    """)
    con.close()
    with RulesEngine(db, now=clock) as eng:
        assert eng.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 3, 10)
        assert eng.next_due() == ts(2024, 6, 7, 12, 5)
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("2",)
    con.close()


def test_an_unknown_schema_version_is_refused(tmp_path, clock):
    db = tmp_path / "v9.db"
    with RulesEngine(db, now=clock):
        pass
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '9' WHERE key = 'schema'")
    con.commit()
    con.close()
    with pytest.raises(RuntimeError) as info:
        RulesEngine(db, now=clock)
    assert str(info.value) == f"rules database {str(db)!r} has schema version 9, this kit reads 2: use a new file"


def test_a_queued_batch_is_kept_even_if_the_caller_reuses_its_list(clock):
    buffer = [(SUB, "alice", "x")] * 3

    def run_action(action, targets, event):
        if event.target == "first":
            assert eng.publish_many(buffer) == ()  # queued behind this fire
            buffer.clear()  # the caller reuses its list

    with RulesEngine(now=clock, run_action=run_action) as eng:
        r = eng.add_rule(print, [EventTrigger(SUB, 1)], [Target.client("alice")])
        eng.publish(SUB, "alice", "first")
        assert [f.event.target for f in eng.fires] == ["first", "x", "x", "x"]
        assert eng.counter(r.triggers[0].id) == 0


def test_writes_stay_within_sqlite_parameter_limit(tmp_path, clock):
    db = tmp_path / "r.db"
    with RulesEngine(db, now=clock, run_action=lambda *a: None) as eng:
        rules = [eng.add_rule(print, [EventTrigger(SUB, 2)], [Target.client(f"c{i}")]) for i in range(25)]
        eng._store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 7)  # SQLite's own limit: 3 rows a statement
        eng.publish_many([(SUB, f"c{i}", "x") for i in range(25)] * 3)  # every counter 0 -> 1 -> 0 (fire) -> 1
    with RulesEngine(db, now=clock) as eng:
        assert {eng.counter(r.triggers[0].id) for r in rules} == {1}
        assert {r.last_executed for r in eng.list_rules()} == {dt(2024, 6, 7, 12, 3, 10)}
