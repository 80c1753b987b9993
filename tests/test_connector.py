"""kit.connector: intake capture with the real SDK's serialisation and limits, and the iterate style."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import orjson
import pytest
from pydantic import BaseModel

import kit


class Pusher(kit.Connector):
    batches: list = []

    def run(self):
        for batch in type(self).batches:
            self.push_events_to_intakes(batch)
            time.sleep(60)
        while self.running:
            time.sleep(3600)


def load(platform, batches, **kw):
    cls = type("Pusher", (Pusher,), {"batches": batches})
    return platform.load(cls, configuration={"intake_key": "k"}, **kw)


class Model(BaseModel):
    a: int


def test_events_are_serialised_like_the_real_sdk(platform):
    sim = load(platform, [[{"a": 1, "b": "é"}, "raw line", Model(a=2)]])
    report = sim.step()
    assert report.events_pushed == 3
    assert report.events == ['{"a":1,"b":"é"}', "raw line", '{"a":2}']
    assert sim.event_strings == report.events


def test_push_returns_one_id_per_event(platform):
    ids = []

    class Ids(kit.Connector):
        def run(self):
            ids.append(self.push_events_to_intakes([{"a": 1}, {"a": 2}]))
            ids.append(self.push_events_to_intakes([]))
            time.sleep(1)

    platform.load(Ids, configuration={"intake_key": "k"}).step()
    assert ids == [["0", "1"], []]


def test_other_objects_are_sent_as_repr_with_a_visible_warning(platform):
    class Thing:
        def __repr__(self):
            return "<Thing>"

    sim = load(platform, [[Thing(), {"ok": 1}]])
    with pytest.warns(kit.KitWarning) as caught:
        report = sim.step()
        assert report.events == ["<Thing>", '{"ok":1}']
    message = (
        "1 event(s) of type Thing were sent as their repr (str(event)), as the real SDK does; push dicts, "
        "strings or pydantic models instead"
    )
    assert str(caught[0].message) == f"Pusher: {message}"
    assert report.warnings == (message,)


def test_too_long_events_are_dropped_with_a_visible_warning(platform):
    big = "x" * 250_001
    ok = "y" * 250_000
    sim = load(platform, [[big, ok, "z"]])
    with pytest.warns(kit.KitWarning, match="1 too long events were discarded"):
        report = sim.step()
        assert report.events == [ok, "z"]
    assert report.events_pushed == 3
    assert sim.logs.query("source == 'kit'").message.tolist() == [
        "1 too long events were discarded (length > 250kb): the real SDK drops events over 250,000 characters"
    ]


def test_chunks_follow_the_real_sdk_limit(platform):
    event = "e" * 200_000
    sim = load(platform, [[event] * 100])  # 20,000,000 characters -> 3 chunks of at most 9,437,184
    sim.step()
    recorder = sim._host.intake
    recorder.materialize()
    assert list(recorder.batch_chunks) == [3]


def test_events_table_expands_json_and_has_step_and_time(platform):
    sim = load(platform, [[{"id": 1, "user": "a"}, {"id": 2, "user": "b"}], [{"id": 3, "step": "x"}]])
    sim.step(2)
    table = sim.events
    assert list(table.columns) == ["step", "time", "component", "batch", "id", "user", "event_step"]
    assert table["step"].tolist() == [1, 1, 2]
    assert str(table["time"].dt.tz) == "UTC"
    assert table["time"].iloc[2] == datetime(2024, 1, 1, 0, 1, tzinfo=timezone.utc)
    assert table["id"].tolist() == [1, 2, 3]


def test_events_table_with_plain_lines(platform):
    sim = load(platform, [["<13>Jan 1 host sshd: accepted", '{"a": 1}']])
    sim.step()
    table = sim.events
    assert table["raw"].tolist()[0] == "<13>Jan 1 host sshd: accepted"
    assert table["a"].tolist()[1] == 1


def test_publish_events_to_intake_is_an_alias(platform):
    class SeedConnector(kit.Connector):
        def run(self):
            self.publish_events_to_intake([{"a": 1}])
            time.sleep(1)

    sim = platform.load(SeedConnector, configuration={"intake_key": "k"})
    assert sim.step().events == ['{"a":1}']


def test_iterate_style_pushes_measures_and_sleeps_frequency(platform):
    class Iterating(kit.Connector):
        @property
        def frequency(self):
            return 30

        calls = 0

        def iterate(self):
            self.calls += 1
            if self.calls % 2:
                yield [{"at": time.time()}], datetime.now(timezone.utc)
            yield [], None

    sim = platform.load(Iterating, configuration={"intake_key": "k"})
    reports = sim.step(3)
    assert [r.events_pushed for r in reports] == [1, 0, 1]
    # events came: next_run() does not sleep, the step ends with it; nothing came: it sleeps frequency
    assert [r.pause.split(" (")[0] for r in reports] == ["next_run() ended", "sleep(30)", "next_run() ended"]
    assert [r.start.second for r in reports] == [0, 0, 30]


def test_iterate_errors_are_logged_and_the_loop_sleeps_frequency(platform):
    class Broken(kit.Connector):
        @property
        def frequency(self):
            return 10

        def iterate(self):
            raise ValueError("API changed")
            yield  # pragma: no cover

    sim = platform.load(Broken, configuration={"intake_key": "k"})
    report = sim.step()
    assert report.pause.startswith("sleep(10)")
    assert "Error while running connector Broken\nAPI changed" in [r.message for r in report.logs]


def test_default_connector_configuration_requires_intake_key(platform):
    class NoConfig(kit.Connector):
        def run(self):
            pass

    with pytest.raises(kit.exceptions.TriggerConfigurationError) as error:
        platform.load(NoConfig)
    assert str(error.value) == (
        "TriggerConfigurationError: configuration of NoConfig (DefaultConnectorConfiguration) is invalid (1 error):\n"
        "  - intake_key: required field is missing\n"
        "Fix these fields in the configuration you pass."
    )


def test_connector_without_run_or_iterate_is_refused(platform):
    class Empty(kit.Connector):
        pass

    with pytest.raises(TypeError) as error:
        platform.load(Empty, configuration={"intake_key": "k"})
    assert str(error.value) == (
        "platform.load(Empty): Empty defines neither run() nor iterate(); a Connector implements run(self) (its "
        "own loop calling push_events_to_intakes) or iterate(self) (yielding (events, last_event_date) batches)"
    )


def test_send_records_attaches_a_file(platform):
    class Records(kit.Connector):
        def run(self):
            self.send_records([{"a": 1}], event_name="records")
            time.sleep(1)

    sim = platform.load(Records, configuration={"intake_key": "k"})
    (run,) = sim.step().runs
    assert dict(run.event) == {"records_path": "event.json"}
    assert orjson.loads((run.files_path / "event.json").read_bytes()) == [{"a": 1}]


def test_an_event_that_cannot_be_serialised_is_left_out_with_a_warning_and_nothing_else_is_lost() -> None:
    import time as _time

    import kit
    from kit.connector import Connector

    class Pusher(Connector):
        def run(self) -> None:
            while self.running:
                self.push_events_to_intakes(events=[{"a": {1, 2}}] + [{"i": i} for i in range(9)])
                _time.sleep(60)

    with kit.FakePlatform() as platform:
        sim = platform.load(Pusher, {"intake_key": "k"})
        sim.step()
        with pytest.warns(kit.KitWarning) as caught:
            events = sim.events
        assert list(events["i"]) == list(range(9))
        message = (
            "Pusher: 1 event(s) pushed at step 1 cannot be serialised (TypeError: Type is not JSON serializable: set) "
            "and were left out: the real SDK raises this in push_events_to_intakes; push JSON data (no sets, bytes "
            "or objects)"
        )
        assert [str(w.message) for w in caught] == [message]
        assert platform.warnings[-1] == message


# -- outside a platform (a module's own tests under --kit-sdk): the intake's HTTP API ----------------
class _Unhosted(kit.Connector):
    def run(self):
        pass


def _unhosted(cls):
    module = kit.Module()
    module.configuration = {}
    connector = cls(module=module)
    connector.configuration = {"intake_key": "key-1", "intake_server": "https://intake.test.example"}
    return connector


def test_an_unhosted_connector_posts_its_chunks_to_the_intake_as_the_real_sdk():
    import responses

    connector = _unhosted(_Unhosted)
    with responses.RequestsMock() as mock:
        mock.post("https://intake.test.example/batch", json={"event_ids": ["id-1", "id-2"]})
        assert connector.push_events_to_intakes(["a", {"b": 1}]) == ["id-1", "id-2"]
        body = json.loads(mock.calls[0].request.body)
    assert body == {"intake_key": "key-1", "jsons": ["a", '{"b":1}']}


def test_an_unhosted_connector_without_configuration_says_how_to_load_it():
    with pytest.raises(RuntimeError) as error:
        _Unhosted().push_events_to_intakes(["a"])
    assert str(error.value) == (
        "_Unhosted.push_events_to_intakes: this component is not hosted by a kit platform. Load it with "
        "kit.FakePlatform().load(_Unhosted) (or run_action for an action), or export the module to run it on "
        "the real sekoia_automation SDK."
    )


def test_an_unhosted_async_connector_posts_with_its_session(local_api):
    import asyncio

    from kit.aio.connector import AsyncConnector

    class Async(AsyncConnector):
        def run(self):
            pass

    intake = local_api(lambda request: (200, {"event_ids": ["e-1"]}))
    connector = _unhosted(Async)
    connector.configuration = {"intake_key": "key-1", "intake_server": intake.url}

    async def push():
        try:
            return await connector.push_data_to_intakes(["x"])
        finally:
            await connector._session.close()

    assert asyncio.run(push()) == ["e-1"]
    assert [(method, path, json.loads(body)) for method, path, _, body in intake.seen] == [
        ("POST", "/batch", {"intake_key": "key-1", "jsons": ["x"]})
    ]


def test_unhosted_chunks_are_cut_where_the_real_sdk_cuts_them(monkeypatch):
    from kit import constants
    from kit.connector import _direct

    monkeypatch.setattr(constants, "CHUNK_BYTES_MAX_SIZE", 10)
    monkeypatch.setattr(constants, "EVENT_BYTES_MAX_SIZE", 8)
    assert _direct.chunks(["aaaa", "bbbb", "cc", "ddddddddd", "eeeeeee", {"f": 1}]) == [
        ["aaaa", "bbbb", "cc"], ["eeeeeee"], ['{"f":1}']
    ]
