"""State in SQLite: written when it changes, committed before returning, read back on reopen."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

from rules_helpers import dt, ts

from kit._rules import EventTrigger, RulesEngine, Target, TimeIntervalTrigger

SUB = "CLIENT_SUBSCRIBED"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_close_and_reopen_resumes_rules_counters_and_schedules(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * 1-5 *"), EventTrigger(SUB, 10)],
                         [Target.client("alice"), Target.topic("news")], description="seed example")
        eng.run_due()
        for _ in range(5):
            eng.publish(SUB, "alice", "x")
        before = eng.list_rules()
    with RulesEngine(db, now=clock) as eng:
        assert eng.list_rules() == before
        assert eng.counter(r.triggers[1].id) == 5
        assert eng.next_due() == ts(2024, 6, 7, 12, 5)
        # the seed's example continues across the restart
        r = eng.update_rule(r.id, triggers=[r.triggers[0], r.triggers[1].replace(max_occurrence=3)])
    with RulesEngine(db, now=clock) as eng:
        assert eng.counter(r.triggers[1].id) == 5
        (fire,) = eng.publish(SUB, "alice", "x")
        assert fire.reason == "counter 6 >= maxOccurrence 3"


def test_nothing_acknowledged_is_lost_in_a_crash(tmp_path):
    db = tmp_path / "crash.db"
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {ROOT!r})
        from kit._rules import RulesEngine, EventTrigger, TimeIntervalTrigger, Target
        t = [{ts(2024, 6, 7, 12, 3, 10)!r}]
        eng = RulesEngine({str(db)!r}, now=lambda: t[0])
        eng.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 10), TimeIntervalTrigger("*/5 * * * *")],
                     [Target.client("alice")])
        eng.run_due()
        for _ in range(7):
            eng.publish("CLIENT_SUBSCRIBED", "alice", "news")
        t[0] += 420
        eng.run_due()
        os._exit(9)  # no close(), no flush at exit
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    with RulesEngine(db, now=lambda: ts(2024, 6, 7, 12, 10, 10)) as eng:
        assert eng.counter(1) == 7
        assert eng.get_rule(1).last_executed == dt(2024, 6, 7, 12, 10)


def test_a_fire_writes_only_last_executed_never_a_stale_rule_snapshot(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *")], [Target.client("alice")], description="old")
        eng.run_due()
        con = sqlite3.connect(db)
        con.execute("UPDATE rules SET description = 'edited elsewhere'")
        con.commit()
        clock.set(2024, 6, 7, 12, 5)
        assert len(eng.run_due()) == 1
        row = con.execute("SELECT description, last_executed FROM rules JOIN rule_state ON rule_id = id").fetchone()
        assert row == ("edited elsewhere", ts(2024, 6, 7, 12, 5))
        con.close()


def test_update_then_fire_persists_the_update(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *")], [Target.client("alice")])
        eng.update_rule(r.id, description="new", targets=[Target.topic("news")])
        eng.run_due()
    with RulesEngine(db, now=clock) as eng:
        r = eng.get_rule(r.id)
        assert r.description == "new"
        assert [(t.type.value, t.name) for t in r.targets] == [("TOPIC", "news")]
        assert r.last_executed == dt(2024, 6, 7, 12, 3, 10)


def test_dropped_trigger_state_is_cascade_deleted(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [EventTrigger(SUB, 10), EventTrigger(SUB, 10)], [Target.client("alice")])
        eng.publish(SUB, "alice", "x")
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM trigger_state").fetchone() == (2,)
        eng.update_rule(r.id, triggers=[r.triggers[0]])
        assert con.execute("SELECT trigger_id, counter FROM trigger_state").fetchall() == [(r.triggers[0].id, 1)]
        eng.remove_rule(r.id)
        tables = ("rules", "rule_state", "triggers", "targets", "trigger_state")
        assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables] == [0, 0, 0, 0, 0]
        con.close()


def test_ids_are_never_reused(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [EventTrigger(SUB, 3)])
        eng.remove_rule(r.id)
    with RulesEngine(db, now=clock) as eng:
        r2 = eng.add_rule("KEY_ROTATION", [EventTrigger(SUB, 3)])
        assert (r2.id, r2.triggers[0].id) == (2, 2)


def test_memory_database_starts_empty(clock):
    with RulesEngine(":memory:", now=clock) as eng:
        eng.add_rule("KEY_ROTATION")
    with RulesEngine(":memory:", now=clock) as eng:
        assert eng.list_rules() == ()


def test_update_from_inside_an_action_keeps_the_fire_state(tmp_path, clock):
    db = tmp_path / "rules.db"

    def run_action(action, targets, event):
        eng.update_rule(1, description="updated by its own action")

    def act(): ...

    eng = RulesEngine(db, now=clock, run_action=run_action)
    eng.add_rule(act, [EventTrigger(SUB, 1), EventTrigger(SUB, 5)], [Target.client("alice")])
    eng.publish(SUB, "alice", "x")
    eng.close()
    with RulesEngine(db, now=clock, run_action=run_action) as eng2:
        r = eng2.get_rule(1)
        assert r.description == "updated by its own action"
        assert r.last_executed == dt(2024, 6, 7, 12, 3, 10)
        assert eng2.counter(r.triggers[1].id) == 1
