"""Secrets: declared every way an author can, leaked every way code does, shown nowhere (issue 11)."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic import v1 as pydantic_v1

import kit
from kit._platform._secrets import Secrets
from kit.cli import main

SECRET = 'S3CR3T-7f3a"é'
# one value per declaration kind; all start with S3CR3T, so one search finds any of them (or a cut prefix)
MODULE_FIELD = SECRET + "-module-field"
MODULE_MANIFEST = SECRET + "-module-manifest"
CONFIG_SECRETSTR = SECRET + "-secretstr"
CONFIG_FIELD = SECRET + "-config-field"
ARG_FIELD = SECRET + "-arg-field"
ARG_SECRETSTR = SECRET + "-arg-secretstr"
ARG_V1 = SECRET + "-arg-v1"
ARG_V1_EXTRA = SECRET + "-arg-v1-extra"
PIN = 739182  # an int secret
SHORT = "x9"  # a secret too short to be looked for inside texts
LONG_VALUES = [MODULE_FIELD, MODULE_MANIFEST, CONFIG_SECRETSTR, CONFIG_FIELD]


def encodings(value: str) -> list[str]:
    """The forms a leaked value takes: raw, URL-encoded, JSON-escaped, inside Basic auth."""
    return [
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        base64.b64encode(f"user:{value}".encode()).decode(),
    ]


def assert_nothing_leaks(shown: str, values: list[str]) -> None:
    assert "S3CR3T" not in shown  # raw, URL-encoded, JSON-escaped, or a prefix of a cut text
    for value in values:
        for form in encodings(value):
            assert form not in shown, form
    for form in (str(PIN), f'"{SHORT}"', f"'{SHORT}'", f"={SHORT}", f": {SHORT}", f":{SHORT}"):
        assert form not in shown, form


class LeakModuleConfiguration(BaseModel):
    api_key: str = Field(json_schema_extra={"secret": True})
    pin: int = Field(json_schema_extra={"secret": True})
    short: str = Field(json_schema_extra={"secret": True})
    token: str = ""  # secret by the module manifest
    region: str = "eu-1"


class LeakModule(kit.Module):
    configuration: LeakModuleConfiguration


class LeakConfiguration(BaseModel):
    password: SecretStr
    client_secret: str = Field(json_schema_extra={"secret": True})
    note: str = "started 2024-01-01"


MODULE_MANIFEST_JSON = {
    "configuration": {
        "properties": {k: {"type": "string"} for k in ("api_key", "short", "token", "region")} | {"pin": {}},
        "secrets": ["token"],
    }
}
MODULE_CONFIGURATION = {"api_key": MODULE_FIELD, "pin": PIN, "short": SHORT, "token": MODULE_MANIFEST}


class Leaky(kit.Connector):
    module: LeakModule
    configuration: LeakConfiguration

    def run(self):
        m, c = self.module.configuration, self.configuration
        for value in (m.api_key, m.token, c.password.get_secret_value(), c.client_secret):
            self.log(f"value {value}", "info", extra={"value": value})
            logging.getLogger("leak").warning("quoted %s", quote_plus(value))
            requests.get(
                "https://api.test/q",
                params={"key": value, "pin": m.pin, "short": m.short},
                headers={"X-Key": value, "X-Pin": str(m.pin), "X-Short": m.short},
                auth=("user", value),
                timeout=5,
            )
            requests.post("https://api.test/form", data={"key": value, "short": m.short}, timeout=5)
            requests.post("https://api.test/json", json={"key": value, "pin": m.pin, "short": m.short}, timeout=5)
            requests.post("https://api.test/long", data="a" * 19_995 + value, timeout=5)
            self.send_event(
                "leak", {"value": value, f"k_{value}": 1, "pin": m.pin, "short": m.short, "nested": [value, m.pin]}
            )
            self.push_events_to_intakes([{"value": value, "pin": m.pin, "short": m.short}, json.dumps({"v": value})])
        (self.data_path / "state.json").write_text(json.dumps({"token": m.token, "pin": m.pin, "short": m.short}))
        self.log(f"pin={m.pin} short={m.short}", "info")
        local_secret = m.api_key  # noqa: F841 - shown by %debug_step's locals
        raise RuntimeError(f"failed with {m.api_key} and {c.client_secret}")


class ActionArguments(BaseModel):
    act_key: str = Field(json_schema_extra={"secret": True})
    act_pass: SecretStr
    note: str = "started 2024-01-01"


class LeakAction(kit.Action):
    def run(self, arguments: ActionArguments):
        key, password = arguments.act_key, arguments.act_pass.get_secret_value()
        self.log(f"using {key} and {password}", "info")
        requests.get("https://api.test/q", params={"k": key}, auth=("user", password), timeout=5)
        self.set_output(f"out_{key}")
        return {"echo": key, f"k_{password}": [password], "note": arguments.note, "pin": PIN}


class V1Arguments(pydantic_v1.BaseModel):
    v1_key: str = pydantic_v1.Field(secret=True)
    v1_extra: str = pydantic_v1.Field(json_schema_extra={"secret": True})


class LeakV1Action(kit.Action):
    def run(self, arguments: V1Arguments):
        self.log(f"{arguments.v1_key} {arguments.v1_extra}", "info")
        raise ValueError(f"bad {arguments.v1_key} / {arguments.v1_extra}")


def shown_by(platform, sims, records) -> str:
    """Everything kit shows or records about ``sims`` and ``records``, as one text."""
    from kit._platform._records import thaw

    parts = [repr(platform), *platform.warnings]
    for table in (platform.runs, platform.events, platform.logs, platform.http_calls, platform.actions):
        parts += [table.to_string(), repr(list(table.columns)), table.to_json(force_ascii=False, date_format="iso")]
    for sim in sims:
        for table in (sim.runs, sim.events, sim.logs, sim.http, sim.steps):
            parts += [
                table.to_string(),
                repr(list(table.columns)),
                table.to_json(force_ascii=False, date_format="iso"),
            ]
        parts += [repr(sim), sim._repr_html_(), *sim.event_strings]
        for report in sim.reports:
            parts += [repr(report), report._repr_html_(), *report.events, *report.warnings]
            parts += [f"{e.message}\n{e.traceback}" for e in report.errors]
            parts += [repr((r.event, r.to_dict())) for r in report.runs]
        for call in sim.http_records:
            parts.append(repr(call))
    for record in records:
        parts += [repr(record), record._repr_html_(), repr(thaw(record.arguments)), repr(thaw(record.results))]
        parts += [repr(dict(record.outputs)), str(record.error), *(repr(c) for c in record.http)]
    return "\n".join(parts)


def test_a_secret_of_each_declaration_kind_leaked_each_way_is_shown_nowhere(platform):
    for path in ("q", "form", "json", "long"):
        platform.http.add("GET" if path == "q" else "POST", f"https://api.test/{path}", json={"echo": MODULE_FIELD})
    sim = platform.load(
        Leaky,
        {"password": CONFIG_SECRETSTR, "client_secret": CONFIG_FIELD},
        MODULE_CONFIGURATION,
        module=LeakModule,
        manifest=MODULE_MANIFEST_JSON,
    )
    report = sim.step()
    assert report.error.message == "failed with *** and ***"
    assert len(report.runs) == 4 and len(sim.event_strings) == 8 and len(report.http) == 16
    assert dict(report.runs[0].event) == {
        "value": "***",
        "k_***": 1,
        "pin": "***",
        "short": "***",
        "nested": ["***", "***"],
    }
    assert sim.event_strings[:2] == ['{"value":"***","pin":"***","short":"***"}', '{"v": "***"}']
    get = report.http[0]
    assert get.url == "https://api.test/q?key=***&pin=***&short=***"
    assert {k: get.request_headers[k] for k in ("X-Key", "X-Pin", "X-Short", "Authorization")} == {
        "X-Key": "***",
        "X-Pin": "***",
        "X-Short": "***",
        "Authorization": "***",
    }
    assert get.response_body == '{"echo": "***"}'
    assert report.http[1].request_body == "key=***&short=***"
    assert report.http[2].request_body == '{"key": "***", "pin": "***", "short": "***"}'
    assert report.http[3].request_body == "a" * 19_995 + "***"
    assert sim.logs.message.tolist()[:2] == ["value ***", "quoted ***"]
    assert "pin=*** short=***" in sim.logs.message.tolist()
    assert "k_***" in sim.runs.columns
    assert sim.storage["state.json"] == {"token": "***", "pin": "***", "short": "***"}
    assert json.loads((sim.data_path / "state.json").read_text()) == {
        "token": MODULE_MANIFEST,
        "pin": PIN,
        "short": SHORT,
    }
    html = report._repr_html_()
    assert (
        "state.json</code>: None → {&#x27;token&#x27;: &#x27;***&#x27;, &#x27;pin&#x27;: &#x27;***&#x27;, &#x27;short&#x27;: &#x27;***&#x27;}"
        in html
    )

    first = platform.run_action(
        LeakAction, {"act_key": ARG_FIELD, "act_pass": ARG_SECRETSTR}, MODULE_CONFIGURATION, module=LeakModule
    )
    assert thaw_all(first) == (
        {"act_key": "***", "act_pass": "***"},
        {"echo": "***", "k_***": ["***"], "note": "started 2024-01-01", "pin": "***"},
        {"out_***": True},
        None,
    )
    second = platform.run_action(LeakV1Action, {"v1_key": ARG_V1, "v1_extra": ARG_V1_EXTRA})
    assert second.error.startswith("An unexpected error occurred: Traceback") and second.error.endswith(
        "ValueError: bad *** / ***\n"
    )

    shown = shown_by(platform, [sim], [first, second])
    assert_nothing_leaks(shown, [*LONG_VALUES, ARG_FIELD, ARG_SECRETSTR, ARG_V1, ARG_V1_EXTRA])


def thaw_all(record):
    from kit._platform._records import thaw

    return thaw(record.arguments), thaw(record.results), dict(record.outputs), record.error


def test_the_panel_and_debug_step_show_no_secret(platform):
    pytest.importorskip("ipywidgets")
    from kit.ipython import SimulationPanel
    from kit.ipython._magics import _describe_failure, _last_exception

    for path in ("q", "form", "json", "long"):
        platform.http.add("GET" if path == "q" else "POST", f"https://api.test/{path}", json={})
    sim = platform.load(
        Leaky,
        {"password": CONFIG_SECRETSTR, "client_secret": CONFIG_FIELD},
        MODULE_CONFIGURATION,
        module=LeakModule,
        manifest=MODULE_MANIFEST_JSON,
    )
    panel = SimulationPanel(sim)
    panel.step_button.click()
    configuration = json.loads(panel.pages["Configuration"].value[5:-6].replace("&quot;", '"'))
    assert configuration == {
        "configuration": {"password": "***", "client_secret": "***"},
        "module_configuration": {"api_key": "***", "pin": "***", "short": "***", "token": "***"},
    }
    report, error = _last_exception(sim)
    failure = _describe_failure(sim, report, error)
    assert "  local_secret = '***'" in failure
    shown = "\n".join([*(page.value for page in panel.pages.values()), panel.message.value, failure])
    assert_nothing_leaks(shown, LONG_VALUES)


def test_a_secret_longer_than_a_cut_is_masked_before_the_cut(platform):
    long_secret = "S3CR3T-" + "z" * 30_000

    class Big(kit.Trigger):
        def run(self):
            requests.post("https://api.test/big", data="a" * 19_990 + long_secret, timeout=5)
            time.sleep(60)

    platform.http.post("https://api.test/big", body="ok")
    sim = platform.load(
        Big, module_configuration={"key": long_secret}, manifest={"configuration": {"secrets": ["key"]}}
    )
    (call,) = sim.step().http
    assert call.request_body == "a" * 19_990 + "***"


def test_a_stored_text_is_masked_before_it_is_cut(platform):
    class Writes(kit.Trigger):
        def run(self):
            (self.data_path / "notes.txt").write_text("n" * 1_995 + self.module.configuration["key"])
            time.sleep(60)

    sim = platform.load(Writes, module_configuration={"key": SECRET}, manifest={"configuration": {"secrets": ["key"]}})
    report = sim.step()
    assert sim.storage["notes.txt"] == "n" * 1_995 + "***"
    assert "S3CR3T" not in report._repr_html_()


def test_non_secret_values_are_never_masked(platform):
    class Dates(kit.Trigger):
        def run(self):
            self.log("started 2024-01-01 with 2024 items, pin 1234567 and x9y", "info")
            self.send_event("e", {"year": "2024-01-01", "count": 2024, "token": "t2024", "n": 1234567})
            time.sleep(60)

    manifest = {"configuration": {"secrets": ["year", "pin", "short"]}}
    sim = platform.load(Dates, module_configuration={"year": "2024", "pin": 12345, "short": "x9"}, manifest=manifest)
    report = sim.step()
    assert report.logs[0].message == "started 2024-01-01 with 2024 items, pin 1234567 and x9y"
    # a whole value equal to a short secret is masked, a value that contains it is not
    assert dict(report.runs[0].event) == {"year": "2024-01-01", "count": "***", "token": "t2024", "n": 1234567}
    assert sim.runs[["year", "count", "token", "n"]].values.tolist() == [["2024-01-01", "***", "t2024", 1234567]]


def test_masking_rules():
    secrets = Secrets([SECRET, "2024", 42, "x9", True, None, ""])
    assert secrets.values == (SECRET, "2024", "42", "x9")
    basic = base64.b64encode(f"me:{SECRET}".encode()).decode()
    short_basic = base64.b64encode(b"me:x9").decode()
    cases = {
        f"a {SECRET} b": "a *** b",
        quote(SECRET, safe=""): "***",
        requests.Request("GET", f"https://h.test/u/{SECRET}+x y").prepare().url: "https://h.test/u/***+x%20y",
        repr(f"b {SECRET}".encode()): "b'b ***'",
        f"q=1&k={quote_plus(SECRET)}&z=2": "q=1&k=***&z=2",
        json.dumps({"k": SECRET}): '{"k": "***"}',
        f"Authorization: Basic {basic}": "Authorization: Basic ***",
        f"Basic {short_basic}": "Basic ***",
        f"blob {base64.b64encode(('xx' + SECRET + 'yy').encode()).decode()}": "blob eHhT***qXl5",
        "started 2024-01-01": "started 2024-01-01",
        "in 2024 we": "in 2024 we",
        "year=2024&b=1": "year=***&b=1",
        '{"year": 2024, "n": 42, "s": "x9", "t": "x99"}': '{"year": "***", "n": "***", "s": "***", "t": "x99"}',
        "{'n': 42}": "{'n': '***'}",
        '{"x9": 1, "k": "x9"}': '{"x9": 1, "k": "***"}',  # a short secret is not looked for in keys
        "[42, 420]": '["***", 420]',
        "2024": "***",
        "True": "True",
    }
    assert {text: secrets.text(text) for text in cases} == cases
    assert secrets.data({f"k_{SECRET}": [42, 43, "x9", "x9!"], 42: True, "flag": True}) == {
        "k_***": ["***", 43, "***", "x9!"],
        42: True,
        "flag": True,
    }
    assert secrets.bytes(f"b {SECRET}".encode()) == b"b ***"
    url = requests.Request("GET", "https://h.test/u/p+ss wörd!").prepare().url  # '+' and '!' stay, ' ' is quoted
    assert (url, Secrets(["p+ss wörd!"]).text(url)) == ("https://h.test/u/p+ss%20w%C3%B6rd!", "https://h.test/u/***")
    assert Secrets().text(f"a {SECRET}") == f"a {SECRET}"


def test_a_module_directory_masks_component_manifest_secrets_in_errors_and_in_kit_run(tmp_path, capsys):
    root = write_module(tmp_path)
    module = kit.load_module_directory(root)
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        with pytest.raises(kit.exceptions.TriggerConfigurationError) as error:
            module.simulate(platform, "leak_trigger", {"hex_key": SECRET, "forbidden": 1}, {"token": MODULE_MANIFEST})
        assert str(error.value) == (
            f"TriggerConfigurationError: arguments of leak_trigger ({root.name}) does not match the manifest schema "
            "(2 errors):\n"
            "  - (root): {'hex_key': '***', 'forbidden': 1} should not be valid under {'required': ['forbidden']}\n"
            "  - hex_key: invalid value (pattern)\n"
            "Fix these fields in the configuration you pass."
        )
        sim = module.simulate(
            platform, "leak_trigger", {"hex_key": "a" * 64, "plain_key": CONFIG_FIELD}, {"token": MODULE_MANIFEST}
        )
        report = sim.step()
        assert [r.message for r in report.logs] == ["plain *** token ***"]
        assert sim._host.secret_keys == {
            "module_configuration": frozenset({"hex_key", "pin", "plain_key", "short", "token"}),
            "configuration": frozenset({"hex_key", "plain_key"}),
        }
        record = module.run_action(platform, "leak_action", {"act_key": ARG_FIELD}, {"token": MODULE_MANIFEST})
        assert thaw_all(record)[:2] == ({"act_key": "***"}, {"echo": "***"})

    code = main(
        [
            "run",
            str(root),
            "leak_trigger",
            "--config",
            json.dumps({"hex_key": SECRET}),
            "--module-config",
            json.dumps({"token": MODULE_MANIFEST}),
        ]
    )
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err) == (
        1,
        "",
        f"kit run: TriggerConfigurationError: arguments of leak_trigger ({root.name}) does not match the manifest "
        "schema (1 error):\n"
        "  - hex_key: invalid value (pattern)\n"
        "Fix these fields in the configuration you pass.\n",
    )
    code = main(
        [
            "run",
            str(root),
            "leak_action",
            "--config",
            json.dumps({"act_key": ARG_FIELD}),
            "--module-config",
            json.dumps({"token": MODULE_MANIFEST}),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith('results: {\n  "echo": "***"\n}\n')
    assert_nothing_leaks(captured.out + captured.err, [MODULE_MANIFEST, ARG_FIELD])


class Checked(BaseModel):
    val_key: str = Field(json_schema_extra={"secret": True})
    pin: int = Field(json_schema_extra={"secret": True})
    other: str = "x"

    @model_validator(mode="after")
    def refuse(self):
        raise ValueError("always refused")


def test_model_validator_errors_mask_the_secrets_they_embed(platform):
    class Refused(kit.Trigger):
        configuration: Checked

        def run(self):
            time.sleep(1)

    with pytest.raises(kit.exceptions.TriggerConfigurationError) as error:
        platform.load(Refused, {"val_key": SECRET, "pin": PIN})
    assert str(error.value) == (
        "TriggerConfigurationError: configuration of Refused (Checked) is invalid (1 error):\n"
        "  - (root): got {'val_key': '***', 'pin': '***'}: Value error, always refused\n"
        "Fix these fields in the configuration you pass."
    )


def write_module(tmp_path: Path) -> Path:
    root = tmp_path / "Leak"
    (root / "leak_modules").mkdir(parents=True)
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "uuid": "7cf9ccf6-e20a-4e53-bd77-3c19cdc94155",
                "name": "Leak",
                "slug": "leak",
                "version": "1.0.0",
                "description": "x",
                "categories": ["Generic"],
                "configuration": {
                    "type": "object",
                    "properties": {
                        "token": {"type": "string"},
                        "pin": {"type": "integer"},
                        "short": {"type": "string"},
                    },
                    "secrets": ["token", "pin", "short"],
                },
            }
        )
    )
    (root / "trigger_leak.json").write_text(
        json.dumps(
            {
                "name": "Leak",
                "description": "x",
                "uuid": "0b6f6a8e-4a1f-5a9d-9c3e-6d2b4a1f0c12",
                "docker_parameters": "leak_trigger",
                "arguments": {
                    "type": "object",
                    "properties": {
                        "hex_key": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "plain_key": {"type": "string"},
                    },
                    "not": {"required": ["forbidden"]},
                    "secrets": ["hex_key", "plain_key"],
                },
                "results": {},
            }
        )
    )
    (root / "action_leak.json").write_text(
        json.dumps(
            {
                "name": "Leak action",
                "description": "x",
                "uuid": "0b6f6a8e-4a1f-5a9d-9c3e-6d2b4a1f0c13",
                "docker_parameters": "leak_action",
                "arguments": {"type": "object", "properties": {"act_key": {"type": "string"}}, "secrets": ["act_key"]},
                "results": {},
            }
        )
    )
    (root / "leak_modules" / "__init__.py").write_text(
        "import time\n"
        "from sekoia_automation.module import Module\n"
        "from sekoia_automation.trigger import Trigger\n"
        "from sekoia_automation.action import Action\n\n"
        "class LeakTrigger(Trigger):\n"
        "    def run(self):\n"
        "        m = self.module.configuration\n"
        "        self.log(f\"plain {self.configuration.get('plain_key')} token {m['token']}\", 'info')\n"
        "        if 'pin' in m:\n"
        "            self.log(f\"pin={m['pin']} short={m['short']}\", 'info')\n"
        "            self.send_event('e', {'pin': m['pin'], 'short': m['short'], 'note': 'started 2024-01-01'})\n"
        "        time.sleep(60)\n\n"
        "class LeakAction(Action):\n"
        "    def run(self, arguments):\n"
        "        return {'echo': arguments['act_key']}\n"
    )
    (root / "main.py").write_text(
        "from sekoia_automation.module import Module\n"
        "from leak_modules import LeakTrigger, LeakAction\n\n"
        "if __name__ == '__main__':\n"
        "    module = Module()\n"
        "    module.register(LeakTrigger, 'leak_trigger')\n"
        "    module.register(LeakAction, 'leak_action')\n"
        "    module.run()\n"
    )
    return root


class V1ModuleConfiguration(pydantic_v1.BaseModel):
    v1_module_key: pydantic_v1.SecretStr


class V1Module(kit.Module):
    configuration: V1ModuleConfiguration


class V1TriggerConfiguration(pydantic_v1.BaseModel):
    v1_trigger_key: str = pydantic_v1.Field(secret=True)
    v1_pin: int = pydantic_v1.Field(json_schema_extra={"secret": True})


class V1Trigger(kit.Trigger):
    module: V1Module
    configuration: V1TriggerConfiguration

    def run(self):
        key = self.module.configuration.v1_module_key.get_secret_value()
        self.log(f"{key} {self.configuration.v1_trigger_key} pin={self.configuration.v1_pin}", "info")
        self.send_event("e", {"module": key, "trigger": self.configuration.v1_trigger_key})
        time.sleep(60)


def test_pydantic_v1_configuration_models_declare_secrets(platform):
    module_key, trigger_key = SECRET + "-v1-module", SECRET + "-v1-trigger"
    sim = platform.load(
        V1Trigger, {"v1_trigger_key": trigger_key, "v1_pin": PIN}, {"v1_module_key": module_key}, module=V1Module
    )
    report = sim.step()
    assert [r.message for r in report.logs] == ["*** *** pin=***"]
    assert dict(report.runs[0].event) == {"module": "***", "trigger": "***"}
    assert sim._host.secret_keys == {
        "module_configuration": frozenset({"v1_module_key"}),
        "configuration": frozenset({"v1_trigger_key", "v1_pin"}),
    }
    assert_nothing_leaks(shown_by(platform, [sim], []), [module_key, trigger_key])


def test_a_refused_event_is_masked_before_its_repr_is_cut(platform):
    class SendsText(kit.Trigger):
        def run(self):
            self.send_event("e", "x" * 50 + self.module.configuration["key"])

    sim = platform.load(
        SendsText, module_configuration={"key": SECRET}, manifest={"configuration": {"secrets": ["key"]}}
    )
    report = sim.step()
    assert report.error.message == (
        "send_event('e', '" + "x" * 50 + "***'): the event must be a dict (or a pydantic model, with results_model "
        "set), got str; e.g. send_event('e', {'value': ...})"
    )
    assert "S3CR3T" not in report.error.message + report.error.traceback


class NestedCredentials(BaseModel):
    client_id: str
    client_secret: str = Field(json_schema_extra={"secret": True})
    token: SecretStr | None = None


class NestedConfiguration(BaseModel):
    credentials: NestedCredentials
    fallbacks: list[NestedCredentials] = []


class UsesCredentials(kit.Trigger):
    configuration: NestedConfiguration

    def run(self):
        c = self.configuration
        self.log(f"{c.credentials.client_id} {c.credentials.client_secret} {c.credentials.token.get_secret_value()} "
                 f"{c.fallbacks[0].client_secret}", level="info")
        time.sleep(60)


def test_secret_fields_of_nested_models_are_masked_whatever_holds_them(platform):
    configuration = {
        "credentials": {"client_id": "client-1", "client_secret": "NESTED-S3CRET-1", "token": "NESTED-T0KEN-2"},
        "fallbacks": [{"client_id": "client-2", "client_secret": "NESTED-S3CRET-3"}],
    }
    as_dict = platform.load(UsesCredentials, configuration=configuration)
    as_model = platform.load(UsesCredentials, configuration=NestedConfiguration(**configuration), name="as_model")
    for sim in (as_dict, as_model):
        sim.step()
        assert sim.logs["message"].tolist() == ["client-1 *** *** ***"]
    from kit.utils import nested_secret_paths

    assert nested_secret_paths(NestedConfiguration) == {
        ("credentials", "client_secret"), ("credentials", "token"), ("fallbacks", "client_secret"), ("fallbacks", "token")
    }
