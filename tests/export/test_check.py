"""kit check: rules of the module format, drift between models and manifests, events."""

import json
from pathlib import Path

import pytest

from kit._export import Finding, check, infer_schema


@pytest.fixture
def module_dir(exported: Path) -> Path:
    (exported / "poetry.lock").write_text("# lock\n")
    return exported


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def test_an_exported_module_with_a_lock_file_has_no_finding(module_dir: Path) -> None:
    assert check(module_dir) == []


def test_the_missing_lock_file_is_reported(exported: Path) -> None:
    assert check(exported) == [
        Finding("poetry.lock", "$", "missing", f"run `cd {exported} && poetry lock`"),
    ]


def test_drift_between_models_and_manifests_is_reported(module_dir: Path) -> None:
    def drift(data: dict) -> None:
        props = data["arguments"]["properties"]
        del props["frequency"]
        props["severity"] = {"type": "integer", "default": 3}
        props["extra"] = {"type": "string"}
        data["arguments"]["required"] = ["severity"]

    _edit_json(module_dir / "trigger_fetch_alerts.json", drift)
    fix = "run `kit generate-files DIR` (or export again) to regenerate the manifests from the code"
    f = "trigger_fetch_alerts.json"
    assert check(module_dir) == [
        Finding(f, "$.arguments.properties.frequency", "property 'frequency' is in AlertTrigger's model but missing from the manifest", fix),
        Finding(f, "$.arguments.properties.severity", "type differs: the manifest says 'integer', AlertTrigger's model says \"['null', 'string']\"".replace("\"['null', 'string']\"", "['null', 'string']"), fix),
        Finding(f, "$.arguments.properties.severity.default", "default differs: the manifest says 3, AlertTrigger's model says None", fix),
        Finding(f, "$.arguments.properties.extra", "property 'extra' is in the manifest but not in AlertTrigger's model", fix),
        Finding(f, "$.arguments.required", "'severity' is required by the manifest but optional in AlertTrigger's model", fix),
    ]


def test_rules_of_the_module_format_are_reported(module_dir: Path) -> None:
    _edit_json(module_dir / "manifest.json", lambda d: d.update(slug="Acme Alerts", version="1.2", categories=["Fun"]))
    _edit_json(module_dir / "action_lookup_ip.json", lambda d: d.update(docker_parameter=d.pop("docker_parameters")))
    _edit_json(module_dir / "connector_auditconnector.json", lambda d: d.update(uuid=json.loads((module_dir / "trigger_fetch_alerts.json").read_text())["uuid"], results={}))
    (module_dir / "CHANGELOG.md").write_text("Changes\n\n## [1.0.0]\n\n- stuff\n")
    for test in (module_dir / "tests").glob("test_*.py"):
        test.unlink()
    messages = {(f.file, f.path, f.message) for f in check(module_dir, code=False)}
    expected = {
        ("manifest.json", "$.slug", "slug 'Acme Alerts' does not match ^[a-z]([a-z_.\\-]|\\d)*$"),
        ("manifest.json", "$.version", "version '1.2' is not a semantic version"),
        ("manifest.json", "$.categories[0]", "category 'Fun' is not allowed"),
        ("action_lookup_ip.json", "$.docker_parameter", "the key is spelt 'docker_parameter'; the platform reads 'docker_parameters' (plural)"),
        ("action_lookup_ip.json", "$.docker_parameters", "'docker_parameters' must be a non-empty string, got None"),
        ("connector_auditconnector.json", "$.results", "connectors have no 'results'"),
        ("main.py", "line 11", "'LookupIP' is registered but no component JSON has docker_parameters 'LookupIP'"),
        ("CHANGELOG.md", "line 1", "first line must be '# Changelog', got 'Changes'"),
        ("CHANGELOG.md", "line 2", "the header lacks the two standard Keep a Changelog sentences"),
        ("CHANGELOG.md", "line 3", "version '1.0.0' has no valid date (got None)"),
        ("CHANGELOG.md", "line 3", "version '1.0.0' has no '###' section"),
        ("tests", "$", "tests/ holds no test (no test_*.py with a `def test...`)"),
    }
    assert expected <= messages, expected - messages
    duplicate = [m for m in messages if m[1] == "$.uuid" and "is also the uuid of" in m[2]]
    assert len(duplicate) == 1


def test_version_must_match_the_newest_changelog_entry(module_dir: Path) -> None:
    _edit_json(module_dir / "manifest.json", lambda d: d.update(version="1.1.0"))
    assert check(module_dir, code=False) == [
        Finding(
            "CHANGELOG.md",
            "line 8",
            "newest version is '1.0.0' but manifest.json says '1.1.0'",
            "add an entry for the manifest's version (or set the manifest's version to the newest entry)",
        )
    ]


def test_invalid_schemas_are_reported(module_dir: Path) -> None:
    _edit_json(module_dir / "action_lookup_ip.json", lambda d: d["results"].update(type="thing"))
    findings = check(module_dir, code=False)
    assert [(f.file, f.path) for f in findings] == [("action_lookup_ip.json", "$.results.type")]
    assert findings[0].message.startswith("not a valid draft-7 JSON schema: 'thing' is not valid under any of the given schemas")


def test_events_that_do_not_fit_the_results_schema_are_reported(module_dir: Path) -> None:
    events = [
        {"id": "1", "severity": "low", "created_at": "2024-01-01T00:00:00Z"},
        {"id": 2, "severity": "low"},
    ]
    findings = check(module_dir, events=events, component="AlertTrigger", code=False)
    fix = "fix the event or the results_model (kit infer-schema proposes a schema from recorded events)"
    assert findings == [
        Finding("trigger_fetch_alerts.json", "$.results", "event #1 does not fit the results schema at $: 'created_at' is a required property", fix),
        Finding("trigger_fetch_alerts.json", "$.results.properties.id", "event #1 does not fit the results schema at $.id: 2 is not of type 'string'", fix),
    ]


def test_events_need_a_component_when_there_are_several(module_dir: Path) -> None:
    with pytest.raises(ValueError) as info:
        check(module_dir, events=[{}], code=False)
    assert str(info.value) == (
        "events given but the directory has 2 triggers/actions; say which one produced them: "
        "component=<docker_parameters> (one of ['AlertTrigger', 'LookupIP'])"
    )


def test_events_recorded_by_a_simulation_are_checked(module_dir: Path) -> None:
    import kit

    directory = kit.load_module_directory(module_dir)
    platform = kit.FakePlatform()
    sim = directory.simulate(platform, "AlertTrigger", {"frequency": 10}, {"api_key": "k"})
    try:
        sim.step(3)
    finally:
        sim.stop()
    assert len(sim.run_records) == 3
    assert check(module_dir, events=sim, component="AlertTrigger", code=False) == []
    schema = infer_schema(sim)
    assert schema["required"] == ["created_at", "id", "severity"]
    assert schema["properties"]["created_at"] == {"type": "string", "format": "date-time"}


def test_infer_schema_from_events() -> None:
    schema = infer_schema(
        [
            {"id": 1, "at": "2024-01-01T00:00:00Z", "src": {"ip": "10.0.0.1"}, "tags": ["a"], "note": "x"},
            {"id": 2, "at": "2024-01-02T10:00:00+02:00", "src": {"ip": "10.0.0.2", "port": 22}, "tags": []},
        ],
        title="Alert",
    )
    assert schema == {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Alert",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "src": {
                "type": "object",
                "properties": {"ip": {"type": "string", "format": "ipv4"}, "port": {"type": "integer"}},
                "required": ["ip"],
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
        },
        "required": ["at", "id", "src", "tags"],
    }
    from jsonschema import Draft7Validator

    Draft7Validator.check_schema(schema)


def test_infer_schema_refuses_non_objects(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(ValueError) as info:
        infer_schema(path)
    assert str(info.value) == "event #1 is a list ([1, 2]); events must be JSON objects (dicts)"


# -- a module directory written for the real SDK ---------------------------------------

SDK_MODULE = Path(__file__).resolve().parent / "sdk_module" / "AcmeCloud"


@pytest.fixture
def sdk_module(tmp_path: Path) -> Path:
    """A copy of tests/export/sdk_module/AcmeCloud: written for sekoia_automation as automation-library
    modules are (docker_parameters that are not class names, a base action class, a shared client,
    hand-written manifests with titles and descriptions of their own, an action without models)."""
    import shutil

    target = tmp_path / "AcmeCloud"
    shutil.copytree(SDK_MODULE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_a_module_written_for_the_real_sdk_has_no_finding(sdk_module: Path) -> None:
    assert "from sekoia_automation.trigger import Trigger" in (sdk_module / "acme_cloud" / "trigger_alerts.py").read_text()
    assert check(sdk_module) == []


def test_a_property_added_to_a_model_but_not_the_manifest_is_found(sdk_module: Path) -> None:
    models = sdk_module / "acme_cloud" / "models.py"
    models.write_text(
        models.read_text().replace(
            '    severity: Optional[str] = Field(None, description="Only alerts of this severity")\n',
            '    severity: Optional[str] = Field(None, description="Only alerts of this severity")\n'
            '    max_alerts: int = Field(100, description="Alerts fetched per poll")\n',
        )
    )
    fix = "run `kit generate-files DIR` (or export again) to regenerate the manifests from the code"
    assert check(sdk_module) == [
        Finding(
            "trigger_get_acme_cloud_alerts.json",
            "$.arguments.properties.max_alerts",
            "property 'max_alerts' is in AlertsTrigger's model but missing from the manifest",
            fix,
        )
    ]


def test_drift_of_the_module_configuration_and_of_a_required_field_is_found(sdk_module: Path) -> None:
    init = sdk_module / "acme_cloud" / "__init__.py"
    init.write_text(init.read_text().replace(
        "    api_key: str",
        '    tenant: str = Field(..., description="Tenant identifier")\n    api_key: str',
    ))
    models = sdk_module / "acme_cloud" / "models.py"
    models.write_text(models.read_text().replace("    known: bool\n", "    known: bool = False\n"))
    fix = "run `kit generate-files DIR` (or export again) to regenerate the manifests from the code"
    assert check(sdk_module) == [
        Finding(
            "action_lookup_ip.json",
            "$.results.properties.known.default",
            "default differs: the manifest says '<none>', LookupIPAction.results_model says False",
            fix,
        ),
        Finding(
            "action_lookup_ip.json",
            "$.results.required",
            "'known' is required by the manifest but optional in LookupIPAction.results_model",
            fix,
        ),
        Finding(
            "manifest.json",
            "$.configuration.properties.tenant",
            "property 'tenant' is in AcmeCloudModule's configuration model but missing from the manifest",
            fix,
        ),
    ]


def test_kit_check_on_the_command_line_names_file_path_and_fix(sdk_module: Path) -> None:
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "kit", "check", str(sdk_module)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    trigger = sdk_module / "acme_cloud" / "trigger_alerts.py"
    trigger.write_text(trigger.read_text().replace("    results_model = Alert\n", "    results_model = AlertsConfiguration\n"))
    drift = subprocess.run([sys.executable, "-m", "kit", "check", str(sdk_module)], capture_output=True, text=True)
    assert drift.returncode == 1
    assert (
        "trigger_get_acme_cloud_alerts.json: $.results.properties.frequency: property 'frequency' is in "
        "AlertsTrigger.results_model but missing from the manifest (fix: run `kit generate-files DIR`"
    ) in drift.stdout


def test_a_component_without_manifest_is_found_but_not_a_base_class(sdk_module: Path) -> None:
    trigger = sdk_module / "acme_cloud" / "trigger_alerts.py"
    trigger.write_text(trigger.read_text() + (
        "\n\nclass CriticalAlertsTrigger(AlertsTrigger):\n"
        '    name = "Get critical Acme Cloud alerts"\n'
    ))
    # AlertsTrigger is now subclassed but registered: still checked; AcmeCloudAction (a base class) never is
    assert [(f.file, f.message) for f in check(sdk_module)] == [
        (
            "trigger_get_critical_acme_cloud_alerts.json",
            "trigger CriticalAlertsTrigger has no manifest (no JSON with docker_parameters 'CriticalAlertsTrigger')",
        )
    ]


def test_a_pydantic_v1_field_in_a_v2_model_is_reported_in_its_file(module_dir: Path) -> None:
    code = module_dir / "acme_alerts_modules" / "connector_audit.py"
    code.write_text(code.read_text().replace("from pydantic import Field\n", "from pydantic.v1 import Field\n"))
    assert check(module_dir) == [
        Finding(
            "acme_alerts_modules/connector_audit.py",
            "$",
            "AuditConnectorConfiguration.batch_size is declared with pydantic.v1's Field in a pydantic v2 model (it "
            "subclasses DefaultConnectorConfiguration): pydantic v2 takes that Field as the default value itself, so "
            "the default and the description are lost and the code gets a FieldInfo object; import Field from "
            "pydantic (`from pydantic import Field`)",
            "change the import, then run kit generate-files",
        )
    ]
