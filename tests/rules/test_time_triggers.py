"""TIME_INTERVAL semantics (document §4, §6) on the virtual clock."""

from __future__ import annotations

import warnings

import pytest
from rules_helpers import dt, ts

from kit._rules import (
    CronNeverDueWarning,
    EventTrigger,
    RulesEngine,
    Target,
    TimeIntervalTrigger,
    TriggerType,
)


def add_cron(engine, expr, action=None, targets=(Target.client("alice"),), **kw):
    return engine.add_rule(action or "KEY_ROTATION", [TimeIntervalTrigger(expr)], list(targets), **kw)


def test_first_run_fires_at_once(engine, clock):
    rule = add_cron(engine, "*/5 * * * 1-5 *")
    assert rule.last_executed is None
    assert engine.next_due() == clock()  # due immediately
    fires = engine.run_due()
    assert [(f.time, f.reason) for f in fires] == [(dt(2024, 6, 7, 12, 3, 10), "first run: never executed, due at once")]
    assert engine.get_rule(rule.id).last_executed == dt(2024, 6, 7, 12, 3, 10)
    assert engine.next_due() == ts(2024, 6, 7, 12, 5)


def test_fires_every_slot_as_the_clock_advances_then_skips_the_weekend(engine, clock):
    add_cron(engine, "*/5 * * * 1-5 *")
    engine.run_due()
    clock.set(2024, 6, 7, 12, 20)
    fires = engine.run_due()
    assert [f.time for f in fires] == [dt(2024, 6, 7, 12, m) for m in (5, 10, 15, 20)]
    assert [f.reason for f in fires] == [f"cron slot 2024-06-07T12:{m:02d}:00Z due" for m in (5, 10, 15, 20)]
    clock.set(2024, 6, 7, 23, 55)
    engine.run_due()
    clock.set(2024, 6, 10, 0, 5)  # across the weekend
    fires = engine.run_due()
    assert [f.time for f in fires] == [dt(2024, 6, 10, 0, 0), dt(2024, 6, 10, 0, 5)]


def test_run_due_until_fires_in_time_order_across_rules(engine, clock):
    a = add_cron(engine, "*/10 * * * *")
    b = add_cron(engine, "*/15 * * * *")
    engine.run_due()  # first runs of both
    fires = engine.run_due(until=ts(2024, 6, 7, 12, 30))
    assert [(f.rule_id, f.time.minute) for f in fires] == [
        (a.id, 10), (b.id, 15), (a.id, 20), (a.id, 30), (b.id, 30)]


def test_equal_due_times_fire_by_rule_id(engine, clock):
    ids = [add_cron(engine, "0 * * * *").id for _ in range(3)]
    fires = engine.run_due()
    assert [f.rule_id for f in fires] == ids


def test_equality_fires(engine, clock):
    add_cron(engine, "*/5 * * * *")
    engine.run_due()
    assert engine.run_due(until=ts(2024, 6, 7, 12, 5) - 0.001) == ()
    assert [f.time for f in engine.run_due(until=ts(2024, 6, 7, 12, 5))] == [dt(2024, 6, 7, 12, 5)]


def test_last_executed_is_the_fire_time(engine, clock):
    clock.t += 0.25
    r = add_cron(engine, "*/5 * * * *")
    clock.advance(seconds=30)
    engine.run_due()  # the first run happens at the time the rule was added
    assert engine.get_rule(r.id).last_executed.timestamp() == ts(2024, 6, 7, 12, 3, 10) + 0.25
    # Next(12:03:10.25) is 12:05
    assert engine.next_due() == ts(2024, 6, 7, 12, 5)


def test_catch_up_after_reopening_fires_once(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        r = add_cron(eng, "*/5 * * * *")
        eng.run_due()
        clock.set(2024, 6, 7, 12, 10)
        assert len(eng.run_due()) == 2  # 12:05 and 12:10
    clock.set(2024, 6, 10, 9, 2, 30)  # the engine was down for three days
    with RulesEngine(db, now=clock) as eng:
        assert eng.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 10)
        fires = eng.run_due()
        assert len(fires) == 1
        assert fires[0].time == dt(2024, 6, 10, 9, 2, 30)
        assert fires[0].reason == (
            "catch-up: 826 cron slots missed since 2024-06-07T12:15:00Z, fired once at 2024-06-10T09:02:30Z "
            "(no backfill)")
        # then on schedule: the next slot after the actual fire time
        assert eng.next_due() == ts(2024, 6, 10, 9, 5)
        clock.set(2024, 6, 10, 9, 5)
        assert [f.reason for f in eng.run_due()] == ["cron slot 2024-06-10T09:05:00Z due"]


def test_catch_up_reason_counts_a_few_missed_slots(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        add_cron(eng, "0 * * * *")
        eng.run_due()
    clock.set(2024, 6, 7, 15, 30)
    with RulesEngine(db, now=clock) as eng:
        (fire,) = eng.run_due()
        assert fire.reason == (
            "catch-up: 3 cron slots missed since 2024-06-07T13:00:00Z, fired once at 2024-06-07T15:30:00Z (no backfill)")
    clock.set(2024, 6, 7, 16, 0, 5)
    with RulesEngine(db, now=clock) as eng:
        (fire,) = eng.run_due()
        assert fire.reason == "catch-up: cron slot 2024-06-07T16:00:00Z was missed, fired once at 2024-06-07T16:00:05Z"


def test_reopen_before_the_next_slot_does_not_fire(tmp_path, clock):
    db = tmp_path / "rules.db"
    with RulesEngine(db, now=clock) as eng:
        add_cron(eng, "0 * * * *")
        eng.run_due()
    clock.set(2024, 6, 7, 12, 30)
    with RulesEngine(db, now=clock) as eng:
        assert eng.run_due() == ()
        assert eng.next_due() == ts(2024, 6, 7, 13)


def test_no_future_match_warns_and_is_never_due_no_busy_loop(engine, clock):
    with pytest.warns(CronNeverDueWarning) as rec:
        r = add_cron(engine, "* * * * * 2019")
    msg = (f"TIME_INTERVAL trigger {r.triggers[0].id} of rule {r.id}: cron expression '* * * * * 2019' has no match "
           "after 2024-06-07T12:03:10Z, so the trigger is never due (check the year and day fields, or remove the "
           "trigger)")
    assert str(rec[0].message) == msg
    assert engine.warnings == (msg,)
    assert engine.next_due() is None
    clock.advance(days=400)
    assert engine.run_due() == ()  # returns at once, never fires
    assert engine.fires == ()


def test_feb_31_is_never_due(engine, clock):
    with pytest.warns(CronNeverDueWarning):
        add_cron(engine, "0 0 31 2 *")
    assert engine.run_due(until=ts(2030, 1, 1)) == ()


def test_expression_running_out_of_matches_fires_its_last_slot_then_warns(engine, clock):
    add_cron(engine, "0 0 1 1 * 2025")
    engine.run_due()  # first run
    with pytest.warns(CronNeverDueWarning):
        fires = engine.run_due(until=ts(2026, 1, 1))
    assert [f.time for f in fires] == [dt(2025, 1, 1)]
    assert engine.next_due() is None


def test_last_executed_updated_even_when_the_action_fails(engine, clock, runner):
    runner.fail = True

    class Boom:
        pass

    r = add_cron(engine, "*/5 * * * *", action=Boom)
    (fire,) = engine.run_due()
    assert fire.error == "RuntimeError: action exploded"
    assert fire.result is None
    assert engine.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 3, 10)


def test_any_trigger_firing_updates_last_executed_for_every_trigger(engine, clock):
    # An EVENT fire sets last_executed; a cron trigger added afterwards is then NOT a first run.
    r = engine.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 1)], [Target.client("alice")])
    engine.publish("CLIENT_SUBSCRIBED", "alice", "news")
    assert engine.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 3, 10)
    clock.advance(minutes=1)
    r = engine.update_rule(r.id, triggers=[*r.triggers, TimeIntervalTrigger("0 0 1 * *")])
    assert engine.next_due() == ts(2024, 7, 1)  # Next(last_executed), not "at once"
    assert engine.run_due() == ()
    # whereas a rule that never ran fires its new cron trigger at once
    r2 = engine.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 5)], [Target.client("bob")])
    engine.update_rule(r2.id, triggers=[*r2.triggers, TimeIntervalTrigger("0 0 1 * *")])
    assert [f.rule_id for f in engine.run_due()] == [r2.id]


def test_event_fire_reschedules_the_cron_trigger_of_the_same_rule(engine, clock):
    r = engine.add_rule(
        "KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *"), EventTrigger("CLIENT_SUBSCRIBED", 1)], [Target.client("alice")])
    engine.run_due()  # first run at 12:03:10
    clock.set(2024, 6, 7, 12, 5)
    # event and cron slot at the same instant: serialised, no deadlock; the cron slot fires first (time order)
    fires = engine.publish("CLIENT_SUBSCRIBED", "alice", "news")
    assert [(f.trigger_type, f.time) for f in fires] == [
        (TriggerType.TIME_INTERVAL, dt(2024, 6, 7, 12, 5)), (TriggerType.EVENT, dt(2024, 6, 7, 12, 5))]
    assert engine.next_due() == ts(2024, 6, 7, 12, 10)
    assert engine.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 5)


def test_two_cron_triggers_of_one_rule_at_the_same_slot_fire_once(engine, clock):
    r = engine.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * *"), TimeIntervalTrigger("*/10 * * * *")],
                        [Target.client("alice")])
    assert len(engine.run_due()) == 1  # one first run: the first fire updates the other trigger's last_executed
    clock.set(2024, 6, 7, 12, 10)
    fires = engine.run_due()
    assert [(f.trigger_id, f.time.minute) for f in fires] == [(r.triggers[0].id, 5), (r.triggers[0].id, 10)]


def test_rule_without_triggers_never_runs(engine, clock):
    engine.add_rule("KEY_ROTATION", [], [Target.client("alice")])
    assert engine.next_due() is None
    clock.advance(days=1)
    assert engine.run_due() == ()


def test_update_keeps_last_executed_and_reschedules(engine, clock):
    r = add_cron(engine, "*/5 * * * *")
    engine.run_due()
    r = engine.update_rule(r.id, triggers=[r.triggers[0].replace(expr="0 * * * *")])
    assert engine.get_rule(r.id).last_executed == dt(2024, 6, 7, 12, 3, 10)
    assert engine.next_due() == ts(2024, 6, 7, 13)


def test_remove_rule_stops_its_schedule(engine, clock):
    r = add_cron(engine, "*/5 * * * *")
    engine.remove_rule(r.id)
    assert engine.next_due() is None
    assert engine.run_due() == ()


def test_rule_added_later_fires_at_its_add_time(engine, clock):
    add_cron(engine, "0 * * * *")
    engine.run_due()
    clock.set(2024, 6, 7, 12, 30)
    r = add_cron(engine, "0 * * * *")
    clock.set(2024, 6, 7, 13, 0)
    fires = engine.run_due()
    assert [(f.rule_id, f.time) for f in fires] == [
        (r.id, dt(2024, 6, 7, 12, 30)), (1, dt(2024, 6, 7, 13)), (r.id, dt(2024, 6, 7, 13))]


def test_no_warning_for_a_normal_expression(engine):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add_cron(engine, "*/5 * * * 1-5 *")
    assert engine.warnings == ()
