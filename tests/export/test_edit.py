"""Export into an existing, hand-written module directory (shaped like the module
repository's action-only modules): only the exported components' changes are made."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import kit
import kit._export
from kit._loader import import_file

MAIN = textwrap.dedent('''\
    from sekoia_automation.module import Module

    from suffixes.list_action import ListSuffixesAction

    if __name__ == "__main__":
        module = Module()

        module.register(ListSuffixesAction, "list-suffixes")

        module.run()
''')
ACTION = textwrap.dedent('''\
    import requests
    from sekoia_automation.action import Action


    class ListSuffixesAction(Action):
        """
        List the public suffixes
        """

        url = "https://suffixes.example.com/list.dat"

        def run(self, arguments: dict) -> dict:
            response = requests.get(self.url)
            response.raise_for_status()
            return {"suffixes": response.text.splitlines()}
''')
PYPROJECT = textwrap.dedent('''\
    [build-system]
    requires = ["poetry-core>=1.0.0"]
    build-backend = "poetry.core.masonry.api"

    [tool.poetry]
    name = "Automation Module for Suffixes"
    description = ""
    version = "0.0"
    authors = []
    package-mode = false

    [tool.black]
    line-length = 119

    [tool.poetry.dependencies]
    python = ">=3.10,<3.12"
    sekoia-automation-sdk = "^1.13.0"
    requests = "*"

    [tool.poetry.dev-dependencies]
    pytest = "*"

    [tool.coverage.run]
    omit = ["tests/*", "main.py"]
''')
CHANGELOG = textwrap.dedent('''\
    # Changelog

    All notable changes to this project will be documented in this file.

    The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/),
    and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

    ## Unreleased

    ## 2024-05-28 - 1.4.0

    ### Changed

    - Upgrade sekoia-automation-sdk
''')
MANIFEST = {
    "configuration": {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {}, "type": "object"},
    "description": "Public suffixes",
    "name": "Suffixes",
    "uuid": "735b9f36-50eb-4a36-8d08-0996966ee9aa",
    "slug": "suffixes",
    "version": "1.4.0",
    "categories": ["Threat Intelligence"],
}
COMPONENT = {
    "arguments": {"type": "object", "properties": {}, "title": "Arguments"},
    "description": "List the public suffixes",
    "docker_parameters": "list-suffixes",
    "name": "List Suffixes",
    "results": {"type": "object", "properties": {"suffixes": {"type": "array"}}},
    "uuid": "9d990989-2faf-4e25-9607-baf7a4b2cc2c",
    "slug": "list_suffixes",
}
NEW_ACTION = textwrap.dedent('''\
    import requests
    from pydantic.v1 import BaseModel, Field

    from kit.action import Action


    class CountLabelsArguments(BaseModel):
        domain: str = Field(..., description="The domain to inspect")


    def count_labels(domain: str) -> int:
        return len([part for part in domain.split(".") if part])


    class CountLabelsAction(Action):
        def run(self, arguments: CountLabelsArguments) -> dict:
            requests.get("https://suffixes.example.com/list.dat", timeout=30)
            return {"labels": count_labels(arguments.domain)}
''')


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    root = tmp_path / "Suffixes"
    (root / "suffixes").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "main.py").write_text(MAIN)
    (root / "suffixes" / "__init__.py").write_text("")
    (root / "suffixes" / "list_action.py").write_text(ACTION)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "CHANGELOG.md").write_text(CHANGELOG)
    (root / "manifest.json").write_text(json.dumps(MANIFEST, indent=2))
    (root / "action_list_suffixes.json").write_text(json.dumps(COMPONENT, indent=2))
    (root / "tests" / "test_list_action.py").write_text("def test_nothing():\n    pass\n")
    return root


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_new_action_is_added_without_replacing_anything(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)
    before = _snapshot(module_dir)
    result = kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    after = _snapshot(module_dir)
    assert result.written == (
        "CHANGELOG.md", "action_countlabelsaction.json", "main.py", "manifest.json",
        "pyproject.toml", "suffixes/action_count_labels.py", "tests/data/recorded_action_count_labels.json",
        "tests/test_action_count_labels.py",
    )
    assert after["main.py"] == MAIN.replace(
        "from suffixes.list_action import ListSuffixesAction\n",
        "from suffixes.list_action import ListSuffixesAction\nfrom suffixes.action_count_labels import CountLabelsAction\n",
    ).replace(
        '    module.register(ListSuffixesAction, "list-suffixes")\n',
        '    module.register(ListSuffixesAction, "list-suffixes")\n    module.register(CountLabelsAction, "CountLabelsAction")\n',
    )
    assert after["pyproject.toml"] == PYPROJECT.replace(
        'requests = "*"\n', 'requests = "*"\npydantic = "*"\n'
    ).replace('pytest = "*"\n', 'pytest = "*"\nrequests-mock = "*"\nfreezegun = "*"\n')
    assert after["manifest.json"] == before["manifest.json"].replace('"version": "1.4.0"', '"version": "1.5.0"')
    assert after["CHANGELOG.md"] == CHANGELOG.replace(
        "## 2024-05-28 - 1.4.0\n",
        "## 2026-12-04 - 1.5.0\n\n### Added\n\n- Add the action CountLabelsAction\n\n## 2024-05-28 - 1.4.0\n",
    )
    for unchanged in ("suffixes/list_action.py", "action_list_suffixes.json", "suffixes/__init__.py"):
        assert after[unchanged] == before[unchanged]
    code = after["suffixes/action_count_labels.py"]
    assert "from sekoia_automation.action import Action" in code and "kit" not in code
    test = after["tests/test_action_count_labels.py"]
    assert "import kit" not in test and "from kit" not in test
    assert "from sekoia_automation.module import Module\n" in test
    assert "from suffixes.action_count_labels import CountLabelsAction\n" in test
    # the action calls an API and kit has no recorded answers: the test says so instead of failing
    assert (
        '@pytest.mark.skip(\n    reason="no recorded HTTP answers for CountLabelsAction: add the API\'s answers to "\n'
        "    'tests/data/recorded_action_count_labels.json (\"http\") and remove this mark'\n)\n"
    ) in test
    assert json.loads(after["tests/data/recorded_action_count_labels.json"]) == {
        "arguments": {"domain": "example"},
        "module_configuration": {},
        "http": [],
    }
    assert "def count_labels(domain: str) -> int:" in code
    manifest = json.loads(after["action_countlabelsaction.json"])
    import uuid

    assert manifest["uuid"] == str(uuid.uuid5(uuid.UUID(MANIFEST["uuid"]), "CountLabelsAction"))
    # exporting the same code again changes nothing
    again = kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    assert again.written == ()


def test_a_loaded_component_changed_in_a_cell_is_replaced_in_its_own_file(module_dir: Path) -> None:
    loaded = kit.load_module_directory(module_dir)
    assert loaded.component("list-suffixes").__name__ == "ListSuffixesAction"
    cell = ACTION.replace("from sekoia_automation.action", "from kit.action").replace(
        "requests.get(self.url)", "requests.get(self.url, timeout=60)"
    )
    import __main__

    namespace = __main__.__dict__
    exec(compile(cell, "<cell-3>", "exec"), namespace)
    cls = kit._export.capture_source(namespace["ListSuffixesAction"], cell, "notebook cell [3]")
    before = _snapshot(module_dir)
    result = kit.export(cls, to=module_dir, date="2026-12-04", lock=False)
    after = _snapshot(module_dir)
    assert result.written == ("CHANGELOG.md", "manifest.json", "suffixes/list_action.py")
    assert after["suffixes/list_action.py"] == ACTION.replace("requests.get(self.url)", "requests.get(self.url, timeout=60)")
    assert after["action_list_suffixes.json"] == before["action_list_suffixes.json"], "hand-written schemas kept"
    assert '"version": "1.4.1"' in after["manifest.json"]
    assert "## 2026-12-04 - 1.4.1\n\n### Changed\n\n- Change the action List Suffixes\n" in after["CHANGELOG.md"]


def test_a_v2_arguments_model_is_refused_for_an_sdk_before_1_23(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src2" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION.replace("from pydantic.v1 import", "from pydantic import"))
    with pytest.raises(kit._export.ExportError) as info:
        kit.export(import_file(source).CountLabelsAction, to=module_dir, lock=False)
    assert str(info.value) == (
        f"CountLabelsAction: its arguments model CountLabelsArguments is a pydantic v2 model, but "
        f"{module_dir / 'pyproject.toml'} pins sekoia-automation-sdk '^1.13.0', and the SDK before 1.23 validates "
        "action arguments with pydantic v1 (the action would fail at run time there); write the model with "
        "`from pydantic.v1 import BaseModel, Field`, or raise the pin to \"^1.23\" in pyproject.toml and export again"
    )


def test_kit_export_from_a_file_edits_the_module_and_its_tests_run_without_kit(
    module_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from kit.cli import main
    from tests.export.conftest import run_generated_tests

    source = tmp_path / "src3" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)
    code = main(["export", str(source), "--to", str(module_dir), "--no-lock"])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith(f"exported to {module_dir}: 8 written, 0 unchanged\n"), out
    assert "  wrote tests/test_action_count_labels.py\n" in out
    assert "Module()" in (module_dir / "main.py").read_text()
    proc = run_generated_tests(module_dir, tmp_path, "-rs")
    # the module's own test passes; the new action's test says it waits for the API's answers
    assert "1 passed, 1 skipped" in proc.stdout, proc.stdout + proc.stderr


def test_export_module_magic_edits_an_existing_module(module_dir: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import get_ipython

    get_ipython()
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kit")
    try:
        shell.run_cell_magic("component", "", NEW_ACTION)
        shell.run_line_magic("export_module", f"CountLabelsAction --to {module_dir} --no-lock")
        main = (module_dir / "main.py").read_text()
        assert '    module.register(CountLabelsAction, "CountLabelsAction")\n' in main
        assert '    module.register(ListSuffixesAction, "list-suffixes")\n' in main
        assert (module_dir / "suffixes" / "action_count_labels.py").is_file()
        assert '"version": "1.5.0"' in (module_dir / "manifest.json").read_text()
    finally:
        shell.run_line_magic("unload_ext", "kit")
        for name in ("CountLabelsAction", "CountLabelsArguments", "count_labels"):
            shell.user_ns.pop(name, None)


def test_a_pydantic_v1_arguments_model_is_refused_for_an_sdk_since_1_23(tmp_path: Path) -> None:
    source = tmp_path / "src4" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)  # pydantic.v1, as in Sekoia's tutorial
    target = tmp_path / "New"
    with pytest.raises(kit._export.ExportError) as info:
        kit.export(import_file(source).CountLabelsAction, to=target, name="New", lock=False)
    assert str(info.value) == (
        f"CountLabelsAction: its arguments model CountLabelsArguments is a pydantic.v1 model, but "
        f"{target / 'pyproject.toml'} pins sekoia-automation-sdk '^1.23', and the SDK since 1.23 validates action "
        "arguments with pydantic v2's validate_call, which fails on it at run time (TypeError: BaseModel.validate() "
        "takes 2 positional arguments but 3 were given); write the model with `from pydantic import BaseModel, "
        "Field`, or pin the SDK below 1.23 and export again"
    )
    assert not target.exists()


def test_kit_check_reports_an_arguments_model_the_pinned_sdk_cannot_validate(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src5" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)
    kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    pyproject = module_dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"^1.13.0"', '"^1.23"'))
    findings = [f for f in kit.check(module_dir) if f.file == "suffixes/action_count_labels.py"]
    assert [str(f) for f in findings] == [
        "suffixes/action_count_labels.py: $: CountLabelsAction: its arguments model CountLabelsArguments is a "
        f"pydantic.v1 model, but {pyproject} pins sekoia-automation-sdk '^1.23', and the SDK since 1.23 validates "
        "action arguments with pydantic v2's validate_call, which fails on it at run time (TypeError: "
        "BaseModel.validate() takes 2 positional arguments but 3 were given); write the model with `from pydantic "
        "import BaseModel, Field`, or pin the SDK below 1.23 (fix: change the model's import)"
    ]


def test_a_subclass_of_the_loaded_class_is_refused_and_nothing_changes(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src6" / "change.py"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(f'''\
        import kit

        m = kit.load_module_directory({str(module_dir)!r})
        Base = m.component("list-suffixes")


        class ListSuffixesAction(Base):
            def run(self, arguments: dict) -> dict:
                return {{"suffixes": []}}
        '''))
    before = _snapshot(module_dir)
    with pytest.raises(kit._export.ExportError) as info:
        kit.export(import_file(source).ListSuffixesAction, to=module_dir, lock=False)
    assert str(info.value) == (
        "ListSuffixesAction subclasses the ListSuffixesAction loaded from suffixes/list_action.py: export puts the "
        "code you give in place of the class in that file, so a subclass would replace the whole class (and bring "
        "the loading code with it); give the whole class: copy it into a cell (or %load_component it), change it "
        "there and export that"
    )
    assert _snapshot(module_dir) == before


def test_development_kit_code_is_never_copied_into_the_module(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src7" / "change.py"
    source.parent.mkdir()
    source.write_text(ACTION.replace("import requests\n", "import requests\n\nimport kit\n").replace(
        '    url = "https://suffixes.example.com/list.dat"\n',
        '    url = "https://suffixes.example.com/list.dat"\n    platform = kit.FakePlatform\n',
    ).replace("from sekoia_automation.action import Action", "from kit.action import Action"))
    before = _snapshot(module_dir)
    with pytest.raises(kit._export.ExportError) as info:
        kit.export(import_file(source).ListSuffixesAction, to=module_dir, lock=False)
    assert str(info.value).startswith(
        "ListSuffixesAction needs `class ListSuffixesAction(Action):` ("
    ) and str(info.value).endswith(
        "which uses kit.FakePlatform, part of kit's development kit: it cannot go into suffixes/list_action.py; "
        "keep the loading and stepping code out of the class's cell and export the class alone"
    )
    assert _snapshot(module_dir) == before


def test_a_failed_round_trip_puts_the_module_back_as_it_was(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src8" / "count_labels.py"
    source.parent.mkdir()
    # the action reads a file next to the notebook at import time: the module directory has no such file
    limit = tmp_path / "limit.txt"
    source.write_text(NEW_ACTION.replace(
        "def count_labels(", f"LIMIT = int(open({str(limit)!r}).read())\n\n\ndef count_labels("
    ).replace("return len(", "return min(LIMIT, len(").replace("if part])", "if part]))"))
    (tmp_path / "limit.txt").write_text("3\n")
    cls = import_file(source).CountLabelsAction
    (tmp_path / "limit.txt").unlink()
    before = _snapshot(module_dir)
    with pytest.raises(kit._export.RoundTripError) as info:
        kit.export(cls, to=module_dir, lock=False)
    assert "nothing was changed: the module directory is as it was" in str(info.value)
    assert "FileNotFoundError" in str(info.value)
    assert _snapshot(module_dir) == before


def test_exporting_a_loaded_component_unchanged_writes_nothing(module_dir: Path) -> None:
    # the hand-written manifest differs from what the code would generate: it is the author's, kept
    component = module_dir / "action_list_suffixes.json"
    component.write_text(component.read_text().replace('"List the public suffixes"', '"Lists every public suffix"'))
    before = _snapshot(module_dir)
    loaded = kit.load_module_directory(module_dir)
    result = kit.export(loaded.component("list-suffixes"), loaded.module_class, to=module_dir, lock=False)
    assert result.written == ()
    assert _snapshot(module_dir) == before


def test_a_new_recording_of_an_existing_component_refreshes_its_recording(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src9" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)
    action = import_file(source).CountLabelsAction
    url = "https://suffixes.example.com/list.dat"
    recordings = []
    for domain in ("a.example.com", "b.c.example.com"):
        with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
            platform.http.add("GET", url, body="com\n")
            recordings.append(platform.run_action(action, {"domain": domain}))
    kit.export(action, to=module_dir, simulations=[recordings[0]], date="2026-12-04", lock=False)
    data = module_dir / "tests" / "data" / "recorded_action_count_labels.json"
    assert json.loads(data.read_text())["results"] == {"labels": 3}
    test = (module_dir / "tests" / "test_action_count_labels.py").read_text()
    result = kit.export(action, to=module_dir, simulations=[recordings[1]], date="2026-12-04", lock=False)
    assert result.written == ("tests/data/recorded_action_count_labels.json",)
    assert result.notes[0] == (
        "refreshed tests/data/recorded_action_count_labels.json from the new recording (your "
        "tests/test_action_count_labels.py reads it)"
    )
    assert json.loads(data.read_text())["results"] == {"labels": 4}
    assert (module_dir / "tests" / "test_action_count_labels.py").read_text() == test


def test_a_pydantic_1_required_extra_is_not_written_into_the_schema(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src10" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION.replace(
        'domain: str = Field(..., description="The domain to inspect")',
        'domain: str = Field(..., description="The domain to inspect", required=True)',
    ))
    kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    schema = json.loads((module_dir / "action_countlabelsaction.json").read_text())["arguments"]
    assert schema["properties"]["domain"] == {"description": "The domain to inspect", "title": "Domain", "type": "string"}
    assert schema["required"] == ["domain"]


def test_a_manifest_with_an_invalid_schema_is_not_written(module_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "src11" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION.replace(
        'domain: str = Field(..., description="The domain to inspect")',
        'domain: str = Field(..., description="The domain to inspect", minLength="three")',
    ))
    before = _snapshot(module_dir)
    with pytest.raises(kit._export.ExportError) as info:
        kit.export(import_file(source).CountLabelsAction, to=module_dir, lock=False)
    assert str(info.value) == (
        f"export would write manifests that are not valid in {module_dir}; nothing was written:\n"
        "  - action_countlabelsaction.json: $.arguments.properties.domain.minLength: not a valid draft-7 JSON "
        "schema: 'three' is not of type 'integer' (fix: fix the schema (or regenerate it from the model))"
    )
    assert _snapshot(module_dir) == before


def test_every_json_file_an_export_touches_is_formatted_as_the_repository_linter_demands(
    module_dir: Path, tmp_path: Path
) -> None:
    # automation-library's `linter.py check --changes` wants each changed JSON to be exactly
    # json.dumps(json.loads(text), indent=2): a manifest kept with 4 spaces and a newline would fail it
    (module_dir / "manifest.json").write_text(json.dumps(MANIFEST, indent=4) + "\n")
    source = tmp_path / "src" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(NEW_ACTION)
    result = kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    touched = [p for p in result.written if p.endswith(".json")]
    assert touched == ["action_countlabelsaction.json", "manifest.json", "tests/data/recorded_action_count_labels.json"]
    for relpath in touched:
        text = (module_dir / relpath).read_text()
        assert text == json.dumps(json.loads(text), indent=2), relpath


def _black_clean(text: str) -> bool:
    import black

    return black.format_str(text, mode=black.Mode(line_length=119)) == text


def _cell_export(module_dir: Path, cell: str, name: str) -> Any:
    import __main__

    namespace = __main__.__dict__
    exec(compile(cell, "<cell-4>", "exec"), namespace)
    cls = kit._export.capture_source(namespace[name], cell, "notebook cell [4]")
    return kit.export(cls, to=module_dir, date="2026-12-04", lock=False)


def test_exported_code_is_black_clean_with_the_module_s_settings(module_dir: Path, tmp_path: Path) -> None:
    # the repository's CI runs `black --check` on each changed module (here line-length = 119)
    source = tmp_path / "src" / "count_labels.py"
    source.parent.mkdir()
    source.write_text(
        NEW_ACTION.replace('"https://suffixes.example.com/list.dat"', "'https://suffixes.example.com/list.dat'")
        .replace("return len([part for", "return len( [ part for")
    )
    kit.export(import_file(source).CountLabelsAction, to=module_dir, date="2026-12-04", lock=False)
    for relpath in ("suffixes/action_count_labels.py", "tests/test_action_count_labels.py", "main.py"):
        assert _black_clean((module_dir / relpath).read_text()), relpath
    assert "requests.get(\"https://suffixes.example.com/list.dat\", timeout=30)" in (
        module_dir / "suffixes" / "action_count_labels.py"
    ).read_text()


def test_a_class_replaced_in_a_black_clean_file_leaves_it_black_clean(module_dir: Path) -> None:
    kit.load_module_directory(module_dir)
    cell = ACTION.replace("from sekoia_automation.action", "from kit.action").replace(
        "requests.get(self.url)", "requests.get( self.url, timeout = 60 )"
    )
    _cell_export(module_dir, cell, "ListSuffixesAction")
    text = (module_dir / "suffixes" / "list_action.py").read_text()
    assert text == ACTION.replace("requests.get(self.url)", "requests.get(self.url, timeout=60)")


def test_a_file_black_would_already_change_keeps_its_other_lines(module_dir: Path) -> None:
    # not black-clean before the export (single quotes): only the replaced class changes, as written
    unformatted = ACTION.replace('url = "https://suffixes.example.com/list.dat"', "url = 'https://suffixes.example.com/list.dat'")
    unformatted = "HEADERS = {'Accept':'text/plain'}\n" + unformatted
    (module_dir / "suffixes" / "list_action.py").write_text(unformatted)
    kit.load_module_directory(module_dir)
    cell = unformatted.replace("from sekoia_automation.action", "from kit.action").replace(
        "requests.get(self.url)", "requests.get(self.url, timeout=60)"
    )
    _cell_export(module_dir, cell, "ListSuffixesAction")
    text = (module_dir / "suffixes" / "list_action.py").read_text()
    assert text == unformatted.replace("requests.get(self.url)", "requests.get(self.url, timeout=60)")
