"""kit._platform: hosting, HTTP fakes, secrets, bad input."""

from __future__ import annotations

import time

import pytest
import requests
import responses
from pydantic import BaseModel, Field, SecretStr

import kit


class Poller(kit.Trigger):
    def run(self):
        while self.running:
            response = requests.get("https://api.test/items", params={"page": 1}, timeout=5)
            self.send_event("items", {"count": len(response.json())})
            time.sleep(60)


def test_http_calls_are_answered_from_the_registry_and_recorded(platform):
    platform.http.get("https://api.test/items", json=[1, 2, 3])
    sim = platform.load(Poller)
    report = sim.step()
    assert dict(report.runs[0].event) == {"count": 3}
    (call,) = report.http
    assert (call.method, call.url, call.status, call.response_body) == (
        "GET", "https://api.test/items?page=1", 200, "[1, 2, 3]"
    )
    assert sim.http[["step", "method", "status"]].values.tolist() == [[1, "GET", 200]]


def test_unregistered_calls_fail_and_list_what_is_registered(platform):
    platform.http.post("https://api.test/other", json={})
    sim = platform.load(Poller)
    report = sim.step()
    assert report.error.type == "ConnectionError"
    assert report.error.message == (
        "kit: no fake response is registered for GET https://api.test/items?page=1.\n"
        "Registered:\n"
        "  - POST https://api.test/other\n"
        "Register one with platform.http.add(responses.GET, 'https://api.test/items?page=1', json=...) or allow "
        "real network with FakePlatform(allow_network=True)."
    )
    assert sim.http["error"].iloc[0] == report.error.message


def test_other_threads_keep_real_http(platform):
    # the test's own thread is not a component: its requests are not intercepted by the platform
    with responses.RequestsMock() as outside:
        outside.get("https://elsewhere.test/", body="real adapter path")
        assert requests.get("https://elsewhere.test/", timeout=5).text == "real adapter path"
    assert platform.http_calls.empty


class SecretConfig(BaseModel):
    api_key: str = Field(json_schema_extra={"secret": True})
    password: SecretStr
    host: str


class SecretModule(kit.Module):
    configuration: SecretConfig


class Leaky(kit.Trigger):
    module: SecretModule

    def run(self):
        config = self.module.configuration
        self.log(f"connecting with {config.api_key} and {config.password.get_secret_value()}", "info")
        requests.get(
            f"https://{config.host}/x?key={config.api_key}",
            headers={"Authorization": f"Bearer {config.api_key}", "X-Custom": config.api_key},
            timeout=5,
        )
        self.send_event("leak", {"key": config.api_key})
        raise RuntimeError(f"failed with {config.password.get_secret_value()}")


def test_secrets_never_appear_in_tables_logs_reprs_or_errors(platform):
    platform.http.get("https://h.test/x", json={})
    secrets = {"api_key": "key-abcdef-123", "password": "hunter2-pass", "host": "h.test"}
    sim = platform.load(Leaky, module_configuration=secrets, module=SecretModule)
    report = sim.step()
    shown = "\n".join(
        [
            sim.logs.to_string(),
            sim.http.to_string(),
            repr(report),
            report._repr_html_(),
            str([dict(c.request_headers) for c in sim.http_records]),
            report.error.message,
            report.error.traceback,
            sim.runs.to_string(),
            repr(sim),
        ]
    )
    for value in ("key-abcdef-123", "hunter2-pass"):
        assert value not in shown
    assert "***" in sim.logs.message.iloc[0]


def test_secrets_listed_in_the_manifest_are_masked(platform):
    class Logs(kit.Trigger):
        def run(self):
            self.log(f"token is {self.module.configuration['token']}", "info")
            time.sleep(1)

    manifest = {"configuration": {"properties": {"token": {"type": "string"}}, "secrets": ["token"]}}
    sim = platform.load(Logs, module_configuration={"token": "tok-999999"}, manifest=manifest)
    assert sim.step().logs[0].message == "token is ***"


def test_load_refuses_what_is_not_a_trigger_or_connector(platform):
    class NotAComponent:
        pass

    class AnAction(kit.Action):
        def run(self, arguments):
            return {}

    class NoRun(kit.Trigger):
        pass

    cases = [
        (NotAComponent, "platform.load(NotAComponent): NotAComponent is not a subclass of kit's Trigger; expected a "
                        "Trigger or Connector class."),
        (AnAction, "platform.load(AnAction): AnAction is an Action; run it with platform.run_action(AnAction, "
                   "arguments=...)"),
        (NoRun, "platform.load(NoRun): NoRun does not define run(); a Trigger implements run(self), the loop that "
                "calls send_event and sleeps"),
        ("Poller", "platform.load('Poller'): expected a Trigger or Connector class, got str"),
    ]
    for component, message in cases:
        with pytest.raises(TypeError) as error:
            platform.load(component)
        assert str(error.value) == message


def test_real_sdk_subclass_gets_a_hint(platform):
    sdk = pytest.importorskip("sekoia_automation.trigger")

    class Real(sdk.Trigger):
        def run(self):
            pass

    with pytest.raises(TypeError) as error:
        platform.load(Real)
    assert str(error.value) == (
        "platform.load(Real): Real is not a subclass of kit's Trigger; expected a Trigger or Connector class. It "
        "subclasses the real sekoia_automation SDK: load its file through kit (kit.load_component("
        "'path/to/file.py:Class') or %load_component) so its imports run on kit."
    )


def test_configuration_models_are_accepted_as_values(platform):
    class Cfg(BaseModel):
        frequency: int = 10

    class Uses(kit.Trigger):
        configuration: Cfg

        def run(self):
            time.sleep(self.configuration.frequency)

    Uses.__annotations__["configuration"] = Cfg
    sim = platform.load(Uses, configuration=Cfg(frequency=5))
    sim.step(2)
    assert sim.reports[1].slept == 5


def test_closed_platform_refuses_work():
    platform = kit.FakePlatform()
    storage = platform.storage
    platform.close()
    assert not storage.exists()
    with pytest.raises(RuntimeError, match="^this FakePlatform is closed; create a new one$"):
        platform.load(Poller)


def test_bad_start_time():
    with pytest.raises(ValueError) as error:
        kit.FakePlatform(start="yesterday")
    assert str(error.value) == "start time 'yesterday' is not an ISO 8601 date; write it like '2024-01-01T00:00:00Z'"


def test_python_logging_from_components_is_recorded(platform):
    import logging

    class UsesLogging(kit.Trigger):
        def run(self):
            logging.getLogger("acme.client").warning("rate limited")
            time.sleep(1)

    sim = platform.load(UsesLogging)
    assert [(r.level, r.message, r.source) for r in sim.step().logs] == [
        ("warning", "rate limited", "logging:acme.client")
    ]


def test_real_network_only_when_allowed(local_api):
    url = local_api(lambda request: (200, b"[1]")).url + "/items"

    class Local(kit.Trigger):
        def run(self):
            self.send_event("got", {"body": requests.get(url, timeout=5).text})
            time.sleep(1)

    with kit.FakePlatform(allow_network=True) as allowed:
        assert allowed.load(Local).step().runs[0].event["body"] == "[1]"
    with kit.FakePlatform() as closed:
        assert closed.load(Local).step().error.type == "ConnectionError"


def test_configuration_may_be_json_text(platform):
    class Uses(kit.Trigger):
        def run(self):
            time.sleep(self.configuration["frequency"])

    sim = platform.load(Uses, configuration='{"frequency": 7}')
    sim.step(2)
    assert sim.reports[1].slept == 7
    with pytest.raises(ValueError) as error:
        platform.load(Uses, configuration="{frequency: 7}")
    assert str(error.value) == (
        "configuration '{frequency: 7}' is not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)); pass a dict, a pydantic model or JSON text"
    )


def test_names_and_files_never_reach_outside_the_platform_storage() -> None:
    import time as _time

    import kit
    from kit.action import Action
    from kit.trigger import Trigger

    class Idle(Trigger):
        def run(self) -> None:
            while self.running:
                _time.sleep(5)

    class Reader(Action):
        def run(self, arguments: dict) -> dict:
            return {}

    with kit.FakePlatform() as platform:
        for name in ("../../x", "Get IP/Domain", ".."):
            sim = platform.load(Idle, name=name)
            assert sim.name == name  # the display name is kept
            assert sim._host.data_path.resolve().is_relative_to(platform.storage.resolve())
        with pytest.raises(ValueError) as info:
            platform.run_action(Reader, {}, files={"../../x": "y"})
        assert str(info.value) == (
            "run_action(files={'../../x': ...}): a file name is a path inside the action's storage (no '..', not "
            "absolute), e.g. files={'input.json': {...}}"
        )


def test_a_configuration_that_is_not_a_mapping_is_refused() -> None:
    import kit
    from kit.trigger import Trigger

    class Idle(Trigger):
        def run(self) -> None:
            pass

    with kit.FakePlatform() as platform:
        with pytest.raises(TypeError) as info:
            platform.load(Idle, module_configuration=3.5)
        assert str(info.value) == (
            "module_configuration=3.5: a configuration is a dict, a pydantic model or JSON text, e.g. "
            "module_configuration={'api_key': '...'}"
        )


def test_records_are_read_only_and_json_serialisable() -> None:
    import copy
    import json

    import kit
    from kit.action import Action

    class Lookup(Action):
        def run(self, arguments: dict) -> dict:
            return {"ip": arguments["ip"], "tags": ["a", {"b": 1}]}

    with kit.FakePlatform() as platform:
        record = platform.run_action(Lookup, {"ip": "1.2.3.4"})
    assert json.loads(json.dumps(record.results)) == {"ip": "1.2.3.4", "tags": ["a", {"b": 1}]}
    assert json.loads(json.dumps(record.arguments)) == {"ip": "1.2.3.4"}
    with pytest.raises(TypeError) as info:
        record.results["ip"] = "x"
    assert str(info.value) == (
        "recorded data is read-only; copy it to change it: dict(value), or json.loads(json.dumps(value)) for "
        "nested data"
    )
    assert copy.deepcopy(record.results) == record.results
    changed = dict(record.results)
    changed["ip"] = "x"
    assert record.results["ip"] == "1.2.3.4"
