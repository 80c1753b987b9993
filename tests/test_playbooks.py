"""kit._platform._playbooks and the platform's event stream: trigger -> playbook and rule chains."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

import kit


class Enrich(kit.Action):
    def run(self, arguments):
        return {"ip": arguments["ip"], "score": 90}


class Block(kit.Action):
    def run(self, arguments):
        self.set_output("blocked")
        return {"blocked": arguments["ip"]}


class Fails(kit.Action):
    def run(self, arguments):
        raise RuntimeError("firewall unreachable")


class Alerts(kit.Trigger):
    def run(self):
        n = 0
        while self.running:
            n += 1
            self.send_event("alert", {"ip": f"6.6.6.{n}", "user": "alice" if n % 2 else "bob"})
            time.sleep(600)


def test_trigger_events_start_a_playbook(platform):
    sim = platform.load(Alerts)
    platform.playbook([Enrich, (Block, lambda event, results: {"ip": results[0]["ip"]})], trigger=sim)
    sim.step(2)
    runs = platform.playbook_run_records
    assert [r.ok for r in runs] == [True, True]
    assert [[step.action for step in r.steps] for r in runs] == [["Enrich", "Block"]] * 2
    assert runs[1].steps[1].results == {"blocked": "6.6.6.2"}
    assert runs[0].run_id == sim.run_records[0].request_id
    table = platform.playbook_runs
    assert table["steps"].tolist() == [["Enrich", "Block"], ["Enrich", "Block"]]


def test_a_failing_step_stops_the_playbook(platform):
    sim = platform.load(Alerts)
    platform.playbook([Fails, Block], trigger=sim, event_name="alert")
    sim.step()
    (run,) = platform.playbook_run_records
    assert not run.ok
    assert run.error == "Fails failed: RuntimeError: firewall unreachable"
    assert [s.action for s in run.steps] == ["Fails"]


def test_playbook_refuses_what_is_not_an_action(platform):
    with pytest.raises(TypeError) as error:
        platform.playbook([Alerts])
    assert str(error.value).startswith("playbook step <class ")
    assert str(error.value).endswith(
        "is not an Action class; a playbook runs actions (load code written for sekoia_automation with "
        "kit.load_component first)"
    )
    with pytest.raises(ValueError) as error:
        platform.playbook([])
    assert str(error.value) == (
        "a playbook is a non-empty list of actions (Action classes, (Action, arguments) pairs or "
        "{'action': ..., 'arguments': ...} dicts), got []"
    )


def test_rules_count_a_triggers_events_and_start_an_action(platform):
    sim = platform.load(Alerts, event_target="user")
    platform.register_event_type("alert")
    rule = platform.add_rule(
        [{"action": Block, "arguments": lambda event, results: {"ip": event["event"]["data"]["ip"]}}],
        [{"type": "EVENT", "settings": {"eventType": "alert", "maxOccurrence": 2}}],
        [("TOPIC", "alice")],
    )
    sim.step(4)  # alice, bob, alice, bob: the counter reaches 2 at the third event
    fires = platform.rule_fires
    assert fires["rule_id"].tolist() == [rule.id]
    assert fires["reason"].tolist() == ["counter 2 >= maxOccurrence 2"]
    assert fires["time"].tolist() == [datetime(2024, 1, 1, 0, 20, tzinfo=UTC)]
    (fire,) = platform.rules_engine.fires
    assert fire.result.steps[0].results == {"blocked": "6.6.6.3"}


def test_time_interval_rules_follow_the_virtual_clock(platform):
    platform.add_rule("KEY_ROTATION", [{"type": "TIME_INTERVAL", "settings": {"expr": "*/5 * * * 1-5 *"}}],
                      [("CLIENT", "alice")])
    platform.advance(minutes=30)
    times = platform.rule_fires["time"].dt.minute.tolist()
    assert times == [0, 5, 10, 15, 20, 25, 30]  # 2024-01-01 is a Monday; the first run fires at once
    assert len(platform.keys) == 7


def test_rules_resume_from_their_database(tmp_path):
    database = tmp_path / "rules.db"
    with kit.FakePlatform(start="2024-01-01T00:00:00Z", rules_database=database) as platform:
        rule = platform.add_rule("KEY_ROTATION", [{"type": "EVENT", "settings": {"eventType": "CLIENT_SUBSCRIBED",
                                                                               "MaxOccurence": 10}}],
                                 [("CLIENT", "alice")])
        for _ in range(5):
            platform.publish("CLIENT_SUBSCRIBED", "alice", "news")
        trigger_id = rule.triggers[0].id
    with kit.FakePlatform(start="2024-01-02T00:00:00Z", rules_database=database) as platform:
        assert platform.rules_engine.counter(trigger_id) == 5
        # the seed's example: MaxOccurrence lowered from 10 to 3 while the counter holds 5
        kept = platform.rules_engine.get_rule(rule.id).triggers[0]
        platform.update_rule(rule.id, triggers=[kept.replace(max_occurrence=3)])
        fires = platform.publish("CLIENT_SUBSCRIBED", "alice", "news")
        assert [f.reason for f in fires] == ["counter 6 >= maxOccurrence 3"]
        assert platform.rules_engine.counter(trigger_id) == 0


def test_publish_many_replays_a_stream_through_the_rules():
    from kit.rules import EventTrigger, Target

    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        platform.add_rule("KEY_ROTATION", [EventTrigger("CLIENT_SUBSCRIBED", 3)], [Target.client("alice")])
        fires = platform.publish_many([("CLIENT_SUBSCRIBED", "alice", f"topic-{i}") for i in range(7)])
        assert [f.event.target for f in fires] == ["topic-2", "topic-5"]
        assert platform.rule_fires["event_target"].tolist() == ["topic-2", "topic-5"]
        assert len(platform.keys) == 2
        assert platform.rules_engine.counter(1) == 1
