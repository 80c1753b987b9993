"""Thread safety: a worker thread and the main thread, actions that call back, no deadlock."""

from __future__ import annotations

import threading

import pytest

from kit._rules import EventTrigger, RulesEngine, RulesError, Target, TimeIntervalTrigger

SUB, UNSUB = "CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED"


def test_concurrent_publishers_and_run_due_lose_no_event(clock):
    with RulesEngine(now=clock) as eng:
        r = eng.add_rule("KEY_ROTATION", [EventTrigger(SUB, 7)], [Target.client("alice")])
        eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("* * * * *")], [Target.topic("t")])
        n_threads, per_thread = 4, 300

        def work():
            for _ in range(per_thread):
                eng.publish(SUB, "alice", "news")

        threads = [threading.Thread(target=work) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for _ in range(200):
            clock.advance(seconds=30)
            eng.run_due()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive()
        eng.run_due()
        event_fires = [f for f in eng.fires if f.rule_id == r.id]
        assert len(event_fires) * 7 + eng.counter(r.triggers[0].id) == n_threads * per_thread


def test_publish_from_inside_an_action_is_processed_after_it_in_order(clock):
    log = []

    def run_action(action, targets, event):
        log.append(action.__name__)
        if action is first:
            assert eng.publish(UNSUB, "bob", "news") == ()  # queued: the enclosing call processes it
        return action.__name__

    def first(): ...
    def second(): ...

    eng = RulesEngine(now=clock, run_action=run_action)
    eng.add_rule(first, [EventTrigger(SUB, 1)], [Target.client("alice")])
    eng.add_rule(second, [EventTrigger(UNSUB, 1)], [Target.client("bob")])
    fires = eng.publish(SUB, "alice", "news")
    assert [f.result for f in fires] == ["first", "second"]
    assert log == ["first", "second"]
    eng.close()


def test_action_waiting_for_a_thread_that_publishes_does_not_deadlock(clock):
    """The Go engine could deadlock when two triggers of one rule fired together; here an action even
    waits for another thread that publishes to the engine."""
    done = []

    def run_action(action, targets, event):
        if event is None:  # the cron fire: wait for a worker that publishes meanwhile
            t = threading.Thread(target=lambda: done.append(eng.publish(SUB, "alice", "news")))
            t.start()
            t.join(timeout=10)
            assert not t.is_alive(), "deadlock"
        return "ok"

    def act(): ...

    eng = RulesEngine(now=clock, run_action=run_action)
    r = eng.add_rule(act, [TimeIntervalTrigger("*/5 * * * *"), EventTrigger(SUB, 1)], [Target.client("alice")])
    fires = eng.run_due()
    assert done == [()]  # handed over to the busy thread
    assert [f.trigger_id for f in fires] == [r.triggers[0].id, r.triggers[1].id]
    eng.close()


def test_crud_from_inside_an_action(clock):
    def run_action(action, targets, event):
        eng.add_rule("KEY_ROTATION", [TimeIntervalTrigger("@hourly")], [Target.client("new")])
        return None

    def act(): ...

    eng = RulesEngine(now=clock, run_action=run_action)
    eng.add_rule(act, [EventTrigger(SUB, 1)], [Target.client("alice")])
    fires = eng.publish(SUB, "alice", "news")
    assert len(fires) == 2  # the new rule's first run happens within the same call
    assert fires[1].reason == "first run: never executed, due at once"
    eng.close()


def test_close_from_inside_an_action_is_refused(clock):
    errors = []

    def run_action(action, targets, event):
        with pytest.raises(RulesError) as info:
            eng.close()
        errors.append(str(info.value))

    def act(): ...

    eng = RulesEngine(now=clock, run_action=run_action)
    eng.add_rule(act, [TimeIntervalTrigger("@hourly")])
    eng.run_due()
    assert errors == ["cannot close the rules engine from inside a rule's action: close it after the call returns"]
    eng.close()
