"""The kit command line: exit codes, --help, and each command end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kit.cli import main, parse_duration
from tests.export.conftest import exported  # noqa: F401 - the fixture

SAMPLE_FILE = Path(__file__).resolve().parent / "export" / "sample_components.py"


@pytest.mark.parametrize("command", ["new-module", "generate-files", "export", "check", "infer-schema", "run"])
def test_help_of_each_command(command: str, capsys: pytest.CaptureFixture) -> None:
    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: kit {command}")


def test_usage_errors_exit_with_2(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["run", "dir", "X", "--steps", "2", "--for", "1h"]) == 2
    assert "not allowed with argument --steps" in capsys.readouterr().err


def test_bad_json_option_exits_with_2(exported: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(exported), "LookupIP", "--config", "{nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kit run: error: --config: not valid JSON (Expecting property name enclosed in double quotes")


def test_check_exit_codes(exported: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", str(exported)]) == 1
    assert capsys.readouterr().out == (
        f"poetry.lock: $: missing (fix: run `cd {exported} && poetry lock`)\n1 problem found in {exported}\n"
    )
    (exported / "poetry.lock").write_text("")
    assert main(["check", str(exported), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_new_module_then_check_and_generate_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["new-module", str(tmp_path), "--module-name", "Test HTTP", "--description", "My test HTTP module",
                 "--uuid", "7cf9ccf6-e20a-4e53-bd77-3c19cdc94154"]) == 0
    root = tmp_path / "TestHTTP"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "CHANGELOG.md", "Dockerfile", "logo.svg", "main.py", "manifest.json", "pyproject.toml",
        "test_http_modules/__init__.py", "test_http_modules/models.py", "tests/__init__.py",
    ]
    manifest = json.loads((root / "manifest.json").read_text())
    assert list(manifest) == ["configuration", "description", "name", "slug", "categories", "uuid", "version"]
    assert manifest["slug"] == "test-http"
    # an action written against the real SDK, as in the tutorial
    (root / "test_http_modules" / "action_request.py").write_text(
        "from pydantic import BaseModel\n"
        "from sekoia_automation.action import Action\n\n\n"
        "class RequestArguments(BaseModel):\n    url: str\n\n\n"
        "class Request(Action):\n"
        "    def run(self, arguments: RequestArguments) -> dict:\n"
        "        return {'url': arguments.url}\n"
    )
    capsys.readouterr()
    assert main(["generate-files", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {root / 'action_request.json'}" in out and f"wrote {root / 'main.py'}" in out
    assert (root / "main.py").read_text() == (
        "from test_http_modules import TestHttpModule\n\n"
        "from test_http_modules.action_request import Request\n\n"
        'if __name__ == "__main__":\n'
        "    module = TestHttpModule()\n"
        '    module.register(Request, "Request")\n'
        "    module.run()\n"
    )
    action = json.loads((root / "action_request.json").read_text())
    import uuid

    assert action["uuid"] == str(uuid.uuid5(uuid.UUID("7cf9ccf6-e20a-4e53-bd77-3c19cdc94154"), "Request"))
    assert list(action) == ["name", "description", "uuid", "docker_parameters", "arguments", "results"]
    assert main(["generate-files", str(root)]) == 0
    assert "nothing to change" in capsys.readouterr().out
    findings = [line for line in _check_lines(root, capsys)]
    assert any(line.startswith("tests: $: tests/ holds no test") for line in findings)

    # main.py registers the action under another name, as many modules do: the new JSON follows it
    (root / "action_request.json").unlink()
    main_py = root / "main.py"
    main_py.write_text(main_py.read_text().replace('"Request")', '"request")'))
    assert main(["generate-files", str(root)]) == 0
    capsys.readouterr()
    assert json.loads((root / "action_request.json").read_text())["docker_parameters"] == "request"
    assert '    module.register(Request, "request")\n' in main_py.read_text()


def _check_lines(root: Path, capsys: pytest.CaptureFixture) -> list[str]:
    assert main(["check", str(root)]) == 1
    return capsys.readouterr().out.splitlines()


def test_export_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "Acme"
    code = main(["export", str(SAMPLE_FILE), "--to", str(target), "--module-name", "Acme Alerts", "--no-lock"])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith(f"exported to {target}: 21 written, 0 unchanged\n")
    assert f"  note: poetry.lock not updated (locking turned off: lock=False, --no-lock); update it with: cd {target} && poetry lock" in out
    assert sorted(json.loads((target / "manifest.json").read_text())) == [
        "categories", "configuration", "description", "name", "slug", "uuid", "version"
    ]
    assert main(["export", str(SAMPLE_FILE), "--to", str(target), "--class", "Nope"]) == 2
    assert capsys.readouterr().err == (
        f"kit export: error: --class Nope: not defined in {SAMPLE_FILE}; it defines AcmeModule, AlertTrigger, "
        "AuditConnector, LookupIP\n"
    )


def test_infer_schema_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"id": 1, "at": "2024-01-01T00:00:00Z"}\n{"id": 2, "at": "2024-01-02T00:00:00Z"}\n')
    assert main(["infer-schema", str(events)]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["at"] == {"type": "string", "format": "date-time"}
    assert main(["infer-schema", str(tmp_path / "missing.jsonl")]) == 1


def test_run_a_trigger_and_an_action(exported: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(exported), "AlertTrigger", "--config", '{"frequency": 10}',
                 "--module-config", '{"api_key": "k"}', "--for", "1m"]) == 0
    out = capsys.readouterr().out
    assert "== runs (7 rows)" in out and "alert-7" in out
    config = exported / "args.json"
    config.write_text('{"ip": "10.1.2.3"}')
    assert main(["run", str(exported), "LookupIP", "--config", f"@{config}", "--module-config", '{"api_key": "k"}']) == 0
    out = capsys.readouterr().out
    assert out.startswith('results: {\n  "ip": "10.1.2.3",\n  "known": true\n}\noutputs: {"known": true}\n')


def test_parse_duration() -> None:
    assert [parse_duration(t) for t in ("90", "30s", "15m", "1h", "2d", "1.5h")] == [90, 30, 900, 3600, 172800, 5400]


def test_python_dash_m_kit() -> None:
    proc = subprocess.run([sys.executable, "-m", "kit", "check", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: kit check")


def test_import_kit_and_the_cli_stays_light() -> None:
    code = (
        "import sys, kit, kit.cli, kit._export\n"
        "heavy = [m for m in ('pandas', 'jsonschema', 'IPython', 'genson') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.stdout.strip() == "[]", proc.stderr


ACME_DIR = Path(__file__).parent / "data" / "modules" / "Acme"


def test_run_with_fake_http_answers_from_a_file(tmp_path, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([{"method": "GET", "url": "https://api.acme.test/alerts",
                                    "json": {"items": [{"id": 1}, {"id": 2}]}}]))
    code = main(["run", str(ACME_DIR), "alerts_trigger", "--config", '{"frequency": 30}', "--module-config",
                 '{"api_key": "k-123456"}', "--for", "1m", "--http", str(answers), "--start", "2024-01-01T00:00:00Z"])
    out = capsys.readouterr().out
    assert code == 0
    assert "== runs (6 rows)" in out  # steps at 00:00, 00:30 and 01:00, two alerts each
    assert "k-123456" not in out


def test_run_refuses_a_bad_http_file(tmp_path, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    assert main(["run", str(ACME_DIR), "alerts_trigger", "--http", str(answers)]) == 2
    assert capsys.readouterr().err == (
        f'kit run: error: --http {answers}: expected a JSON list of answers like [{{"method": "GET", '
        '"url": "https://...", "json": {...}}]\n'
    )


def test_a_syntax_error_in_the_users_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import shutil

    source = tmp_path / "comp.py"
    source.write_text("import kit\nclass T(kit.Trigger)\n    def run(self): pass\n")
    assert main(["export", str(source), "--to", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"kit export: error: {source}:2: expected ':'; fix the file and run again\n"
    module = tmp_path / "Acme"
    shutil.copytree(Path(__file__).parent / "data" / "modules" / "Acme", module)
    broken = module / "acme_modules" / "trigger_alerts.py"
    lines = len(broken.read_text().splitlines())
    with broken.open("a") as handle:
        handle.write("def broken(:\n")
    assert main(["run", str(module), "alerts_trigger"]) == 2
    assert capsys.readouterr().err == (
        f"kit run: error: {broken}:{lines + 1}: invalid syntax; fix the file and run again\n"
    )


def test_run_records_a_cassette_then_replays_it_without_the_server(tmp_path, capsys, local_api):
    server = local_api(lambda request: (200, {"items": [{"id": 1}, {"id": 2}]}))  # the Acme API: GET /alerts
    cassette = tmp_path / "cassettes" / "acme.yaml"
    module_config = json.dumps({"api_key": "k-123456", "base_url": server.url})
    try:
        code = main(["run", str(ACME_DIR), "alerts_trigger", "--config", '{"frequency": 30}', "--module-config",
                     module_config, "--steps", "2", "--start", "2024-01-01T00:00:00Z", "--allow-network",
                     "--record", str(cassette)])
    finally:
        server.stop()
    assert code == 0
    assert "== runs (4 rows)" in capsys.readouterr().out
    text = cassette.read_text()
    assert text.count("- response:") == 2 and "k-123456" not in text
    code = main(["run", str(ACME_DIR), "alerts_trigger", "--config", '{"frequency": 30}', "--module-config",
                 module_config, "--steps", "2", "--replay", str(cassette)])
    out = capsys.readouterr().out
    assert code == 0
    assert "== runs (4 rows)" in out and "2024-01-01 00:00:30+00:00" in out  # the recording's clock


def test_run_record_needs_allow_network_and_replay_a_cassette(tmp_path, capsys):
    assert main(["run", str(ACME_DIR), "alerts_trigger", "--record", "c.yaml"]) == 2
    assert capsys.readouterr().err == "kit run: error: --record c.yaml writes the real HTTP exchanges: add --allow-network\n"
    assert main(["run", str(ACME_DIR), "alerts_trigger", "--record", "a.yaml", "--replay", "b.yaml"]) == 2
    assert "argument --replay: not allowed with argument --record" in capsys.readouterr().err
    missing = tmp_path / "none.yaml"
    assert main(["run", str(ACME_DIR), "alerts_trigger", "--replay", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"kit run: CassetteError: kit: the cassette {str(missing)!r} does not exist; record it first with "
        f"FakePlatform(record={str(missing)!r}, allow_network=True), or fix the path\n"
    )
