"""kit.export(..., simulations=[...]): generated tests replay what the simulation saw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import kit
import kit._export
from tests.export.conftest import run_generated_tests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_exported_tests_replay_the_recorded_http_answers(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from acme import fake_api
    from acme.connector import AcmeAuditConnector
    from acme.models import AcmeModule
    from acme.trigger import SuspiciousLoginTrigger

    secret = "acme-secret-key-42"
    module_configuration = {"base_url": "https://api.acme.test", "api_key": secret}
    with kit.FakePlatform(start="2024-01-01T06:00:00Z") as platform:
        fake_api.register(platform.http)
        connector = platform.load(AcmeAuditConnector, {"intake_key": "intake-1", "frequency": 60},
                                  module_configuration, module=AcmeModule)
        trigger = platform.load(SuspiciousLoginTrigger, {"frequency": 300}, module_configuration, module=AcmeModule)
        platform.advance(minutes=5)
        target = tmp_path / "Acme"
        kit.export(AcmeAuditConnector, SuspiciousLoginTrigger, to=target, module=AcmeModule, name="Acme",
                   categories=["Applicative"], simulations=[connector, trigger])
    files = sorted((target / "tests").rglob("*.*"))
    assert secret not in "".join(path.read_text() for path in files)
    recording = json.loads((target / "tests" / "data" / "recorded_connector_acme_audit.json").read_text())
    assert recording["module_configuration"] == {"base_url": "https://api.acme.test", "api_key": "REDACTED"}
    assert recording["configuration"] == {"intake_key": "intake-1", "frequency": 60}
    assert recording["start"] == "2024-01-01T06:00:00+00:00"
    assert recording["steps"] == len(connector.reports)
    assert recording["http"][0]["method"] == "GET" and recording["http"][0]["url"] == "https://api.acme.test/api/v1/audit"
    assert recording["pushed_count"] == len(connector.events) > 0
    trigger_recording = json.loads((target / "tests" / "data" / "recorded_trigger_suspicious_login.json").read_text())
    assert [run["name"] for run in trigger_recording["events"]] == list(trigger.runs["event_name"])
    result = run_generated_tests(target, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_a_replayed_run_that_sends_something_else_fails(tmp_path, monkeypatch):
    """The generated test compares: a component whose output changed since the recording fails it."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from acme import fake_api
    from acme.connector import AcmeAuditConnector
    from acme.models import AcmeModule

    module_configuration = {"base_url": "https://api.acme.test", "api_key": "k"}
    with kit.FakePlatform(start="2024-01-01T06:00:00Z") as platform:
        fake_api.register(platform.http)
        connector = platform.load(AcmeAuditConnector, {"intake_key": "intake-1", "frequency": 60},
                                  module_configuration, module=AcmeModule)
        connector.step(2)
        target = tmp_path / "Acme"
        kit.export(AcmeAuditConnector, to=target, module=AcmeModule, name="Acme", simulations=[connector])
    data = target / "tests" / "data" / "recorded_connector_acme_audit.json"
    recording = json.loads(data.read_text())
    recording["pushed"][0] = {"changed": True}
    data.write_text(json.dumps(recording))
    result = run_generated_tests(target, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert "assert pushed[: len(RECORDING[\"pushed\"])] == RECORDING[\"pushed\"]" in result.stdout


SECRET_MODULE = '''
import time

import requests
from pydantic import BaseModel, Field

from kit.connector import Connector, DefaultConnectorConfiguration
from kit.module import Module


class VaultConfiguration(BaseModel):
    base_url: str = "https://vault.example.test"
    api_key: str = Field(json_schema_extra={"secret": True})
    pin: int = Field(json_schema_extra={"secret": True})


class VaultModule(Module):
    configuration: VaultConfiguration


class VaultConnector(Connector):
    configuration: DefaultConnectorConfiguration

    def run(self) -> None:
        while self.running:
            config = self.module.configuration
            answer = requests.get(f"{config.base_url}/whoami", headers={"X-Key": config.api_key}, timeout=5).json()
            self.push_events_to_intakes(events=[{"user": answer["user"], "key_seen": answer["key"] == config.api_key}])
            time.sleep(60)
'''


def test_secrets_never_reach_the_written_tests(tmp_path, monkeypatch):
    source = tmp_path / "src" / "vault.py"
    source.parent.mkdir()
    source.write_text(SECRET_MODULE)
    from kit._loader import import_file

    code = import_file(source)
    secret = "vault-S3CR3T-value-1234"
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        platform.http.add("GET", "https://vault.example.test/whoami", json={"user": "bot", "key": secret})
        sim = platform.load(code.VaultConnector, {"intake_key": "i"}, {"api_key": secret, "pin": 4321},
                            module=code.VaultModule)
        sim.step(2)
        target = tmp_path / "Vault"
        kit.export(code.VaultConnector, to=target, module=code.VaultModule, name="Vault", simulations=[sim],
                   lock=False)
    written = "".join(p.read_text() for p in (target / "tests").rglob("*.*"))
    assert secret not in written and "4321" not in written
    recording = json.loads((target / "tests" / "data" / "recorded_connector_vault.json").read_text())
    assert recording["module_configuration"] == {"api_key": "REDACTED", "pin": 0}  # as given, of their types
    assert recording["http"][0]["json"] == {"user": "bot", "key": "REDACTED"}
    assert recording["pushed"] == [{"user": "bot", "key_seen": True}] * 2
    # the replay runs with the placeholders and sees the same thing
    result = run_generated_tests(target, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_simulation_never_stepped_is_refused(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from acme.connector import AcmeAuditConnector
    from acme.models import AcmeModule

    with kit.FakePlatform() as platform:
        sim = platform.load(AcmeAuditConnector, {"intake_key": "i"}, {"api_key": "k"}, module=AcmeModule)
        with pytest.raises(kit._export.ExportError) as info:
            kit.export(AcmeAuditConnector, to=tmp_path / "A", module=AcmeModule, name="Acme", simulations=[sim])
    assert str(info.value) == (
        f"simulations=[...]: {sim.name} was never stepped, so there is no run to replay; step it first "
        "(sim.step(3), sim.run_for(hours=1)) or leave it out of simulations="
    )


CONSUMERS = '''\
import threading
import time

from kit.connector import Connector


class StreamConsumer(threading.Thread):
    def __init__(self, connector, stream):
        super().__init__(name=f"consumer-{stream}")
        self.connector, self.stream = connector, stream

    def run(self):
        while self.connector.running:
            self.connector.push_events_to_intakes([f"{self.stream} event"])
            time.sleep(60)


class StreamsConnector(Connector):
    def run(self):
        consumers = [StreamConsumer(self, stream) for stream in ("audit", "alerts")]
        for consumer in consumers:
            consumer.start()
        for consumer in consumers:
            consumer.join()
'''


def test_the_replay_of_a_thread_group_is_marked_skipped_with_the_reason(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "streams.py").write_text(CONSUMERS)
    from kit._loader import import_file

    code = import_file(tmp_path / "src" / "streams.py")
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        sim = platform.load(code.StreamsConnector, {"intake_key": "i"})
        sim.run_for(minutes=3)
        assert sorted(set(sim.events["raw"])) == ["alerts event", "audit event"]
        target = tmp_path / "Streams"
        kit.export(code.StreamsConnector, to=target, name="Streams", simulations=[sim], lock=False)
    recording = json.loads((target / "tests" / "data" / "recorded_connector_streams.json").read_text())
    assert recording["threads"] == ["consumer-alerts", "consumer-audit", "main"]
    test = (target / "tests" / "test_connector_streams.py").read_text()
    assert (
        "@pytest.mark.skip(\n"
        "    reason=\"StreamsConnector ran its threads (consumer-alerts, consumer-audit, main) as one group on kit's virtual "
        "clock; real threads \"\n"
        "    \"do not replay that pause by pause: assert what it sends with your own test and remove this mark\"\n"
        ")\n"
        "def test_connector_streams("
    ) in test
    result = run_generated_tests(target, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout


PAGER_MODULE = '''
import time

import requests
from pydantic import BaseModel, Field

from kit.connector import Connector, DefaultConnectorConfiguration
from kit.module import Module


class PagerConfiguration(BaseModel):
    base_url: str
    api_key: str = Field(json_schema_extra={"secret": True})


class PagerModule(Module):
    configuration: PagerConfiguration


class PagerConnector(Connector):
    configuration: DefaultConnectorConfiguration

    def run(self) -> None:
        page = 1
        while self.running:
            config = self.module.configuration
            answer = requests.get(f"{config.base_url}/events", params={"page": page, "key": config.api_key}, timeout=5)
            self.push_events_to_intakes(events=[event["id"] for event in answer.json()["events"]])
            page += 1
            time.sleep(60)
'''


def test_an_exported_test_replays_the_cassette_the_simulation_recorded(tmp_path, local_api):
    source = tmp_path / "src" / "pager.py"
    source.parent.mkdir()
    source.write_text(PAGER_MODULE)
    from kit._loader import import_file

    code = import_file(source)
    secret = "pager-S3CR3T-value-1234"
    # GET /events?page=N answers the events of page N
    server = local_api(lambda request: (200, {"events": [{"id": f"e{request.query['page']}-{n}"} for n in range(2)]}))
    base_url = server.url
    try:
        with kit.FakePlatform(start="2024-01-01T00:00:00Z", record=tmp_path / "pager.yaml",
                              allow_network=True) as platform:
            sim = platform.load(code.PagerConnector, {"intake_key": "i"}, {"base_url": base_url, "api_key": secret},
                                module=code.PagerModule)
            sim.step(3)
            target = tmp_path / "Pager"
            kit.export(code.PagerConnector, to=target, module=code.PagerModule, name="Pager", simulations=[sim],
                       lock=False)
    finally:
        server.stop()
    written = "".join(p.read_text() for p in (target / "tests").rglob("*.*"))
    assert secret not in written
    cassette = (target / "tests" / "data" / "cassette_connector_pager.yaml").read_text()
    assert [item["response"]["url"] for item in yaml.safe_load(cassette)["responses"]] == [
        f"{base_url}/events?page={page}&key=REDACTED" for page in (1, 2, 3)
    ]
    test = (target / "tests" / "test_connector_pager.py").read_text()
    assert "responses.RequestsMock(assert_all_requests_are_fired=False) as http" in test
    assert 'http._add_from_file(Path(__file__).parent / "data" / recording["cassette"])' in test
    assert "responses" in (target / "pyproject.toml").read_text()
    # the server is gone: the generated test (real SDK, no kit) is answered by the cassette
    result = run_generated_tests(target, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
