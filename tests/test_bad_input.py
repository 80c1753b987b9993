"""Bad input answered with a message that names the thing, shows the bad value and says the fix (issue 11)."""

from __future__ import annotations

import time

import pytest
from pydantic import BaseModel

import kit


def test_a_rules_database_in_a_missing_folder_says_so():
    with pytest.raises(FileNotFoundError) as error:
        kit.FakePlatform(rules_database="/nonexistent/dir/r.db")
    assert str(error.value) == (
        "rules database '/nonexistent/dir/r.db': the folder /nonexistent/dir does not exist; create it or choose "
        "another path (the default ':memory:' keeps the rules in memory)"
    )


def test_a_text_file_as_rules_database_says_so(tmp_path):
    text = tmp_path / "r.db"
    text.write_text("not a database\n" * 20)
    with pytest.raises(ValueError) as error:
        kit.FakePlatform(rules_database=text)
    assert str(error.value) == (
        f"rules database '{text}' is not an SQLite database (file is not a database): choose a new file name "
        "(kit creates it) or a file a kit platform wrote"
    )


class Arguments(BaseModel):
    name: str
    count: int = 1


class Greets(kit.Action):
    def run(self, arguments: Arguments):
        return {"hello": arguments.name}


def test_a_missing_action_argument_is_one_line_naming_it(platform):
    record = platform.run_action(Greets, {})
    assert record.error == (
        "Greets: missing argument 'name'; add it to the arguments, e.g. {'name': ...} (arguments given: none)"
    )


def test_a_bad_action_argument_shows_its_value(platform):
    record = platform.run_action(Greets, {"name": "n", "count": "abc"})
    assert record.error == (
        "Greets: argument 'count'='abc': Input should be a valid integer, unable to parse string as an integer "
        "(arguments given: 'name', 'count')"
    )


class ModuleConfiguration(BaseModel):
    api_key: str
    frequency: int = 60


class Vendor(kit.Module):
    configuration: ModuleConfiguration


class TriggerConfiguration(BaseModel):
    intake_key: str = ""


class Quiet(kit.Trigger):
    configuration: TriggerConfiguration

    def run(self):
        time.sleep(60)


def test_unknown_configuration_keys_are_a_warning_as_the_real_sdk_ignores_them(platform):
    with pytest.warns(kit.KitWarning):
        platform.load(Quiet, {"intak_key": "x"}, {"api_key": "a", "frequncy": 3, "zz": 1}, module=Vendor)
    assert platform.warnings == [
        "Quiet: module_configuration: 'frequncy', 'zz' are not fields of ModuleConfiguration (its fields: api_key, "
        "frequency); the real SDK ignores unknown keys without a word. Fix the spelling or remove the key.",
        "Quiet: configuration: 'intak_key' is not a field of TriggerConfiguration (its fields: intake_key); the real "
        "SDK ignores unknown keys without a word. Fix the spelling or remove the key.",
    ]


class Pushes(kit.Connector):
    batch = None

    def run(self):
        self.push_events_to_intakes(type(self).batch)
        time.sleep(60)


@pytest.mark.parametrize(
    "batch, message",
    [
        (
            "not a list",
            "push_events_to_intakes('not a list'): events is a list of events (dicts, strings or models), got str "
            "(its characters would be pushed as events); wrap a single event in a list: push_events_to_intakes([event])",
        ),
        (
            {"a": 1},
            "push_events_to_intakes({'a': 1}): events is a list of events (dicts, strings or models), got a dict "
            "(its keys would be pushed as events); wrap a single event in a list: push_events_to_intakes([event])",
        ),
    ],
)
def test_one_event_pushed_instead_of_a_list_is_refused_in_the_component(platform, batch, message):
    Pushes.batch = batch
    sim = platform.load(Pushes, configuration={"intake_key": "k"})
    report = sim.step()
    assert [error.message for error in report.errors] == [message]
    assert len(sim.events) == 0


@pytest.mark.parametrize(
    "event, message",
    [
        (
            {"type": "CLIENT_SUBSCRIBED", "source": "alice"},
            "event {'type': 'CLIENT_SUBSCRIBED', 'source': 'alice'} has no 'target': give the client and the topic, "
            "e.g. {'type': ..., 'source': 'alice', 'target': 'news'} (None for none)",
        ),
        (
            {"type": "CLIENT_SUBSCRIBED", "src": "alice"},
            "event {'type': 'CLIENT_SUBSCRIBED', 'src': 'alice'} has no 'source' and no 'target': give the client and "
            "the topic, e.g. {'type': ..., 'source': 'alice', 'target': 'news'} (None for none)",
        ),
    ],
)
def test_publish_many_with_a_missing_source_or_target_is_refused(platform, event, message):
    with pytest.raises(TypeError) as error:
        platform.publish_many([event])
    assert str(error.value) == message


def test_already_answered_inputs_keep_their_messages(platform):
    import math

    with pytest.raises(TypeError) as error:
        platform.load(Quiet, module_configuration=3.5)
    assert str(error.value) == (
        "module_configuration=3.5: a configuration is a dict, a pydantic model or JSON text, e.g. "
        "module_configuration={'api_key': '...'}"
    )
    sim = platform.load(Quiet)
    with pytest.raises(ValueError) as error:
        sim.run_for(hours=math.nan)
    assert str(error.value) == "hours=nan: a duration must be a finite number of hours"
