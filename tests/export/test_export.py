"""Export: round trips, nothing lost over an existing directory, refusals."""


import json
import linecache
import sys
import types
from pathlib import Path

import pytest

import kit
from kit._export import ExportConflict, ExportError, RoundTripError, capture_source, regenerate
from kit._export._generate import generate_files
from kit._export._manifests import generate_manifests
from kit.action import Action
from kit.trigger import Trigger
from tests.export.conftest import MODULE_UUID, export_sample, tree


# -- round trip ------------------------------------------------------------------------


def test_regenerating_from_the_written_code_gives_what_was_written(exported: Path) -> None:
    regenerated = regenerate(exported)
    assert sorted(regenerated) == [
        "action_lookup_ip.json",
        "connector_auditconnector.json",
        "main.py",
        "manifest.json",
        "trigger_fetch_alerts.json",
    ]
    for relpath, text in regenerated.items():
        assert (exported / relpath).read_text() == text, relpath


def test_generate_files_on_an_exported_directory_changes_nothing(exported: Path) -> None:
    before = tree(exported)
    assert generate_files(exported) == []
    assert tree(exported) == before


def test_re_exporting_unchanged_code_changes_no_byte(exported: Path) -> None:
    before = tree(exported)
    stats = {p: (exported / p).stat().st_mtime_ns for p in before}
    result = export_sample(exported)
    assert result.written == ()
    assert tree(exported) == before
    assert {p: (exported / p).stat().st_mtime_ns for p in before} == stats


def test_no_temporary_file_is_left_behind(exported: Path) -> None:
    assert not [p for p in tree(exported) if p.endswith(".tmp")]


def test_round_trip_failure_points_at_the_notebook_cell(tmp_path: Path) -> None:
    namespace = _notebook()
    cell = 'from kit.trigger import Trigger\n\nclass Broken(Trigger):\n    boom = 1 / 0\n\n    def run(self):\n        pass\n'
    source = "from kit.trigger import Trigger\n\nclass Broken(Trigger):\n    def run(self):\n        pass\n"
    cls = _run_cell(namespace, source, "<cell-9>")
    capture_source(cls, cell, "notebook cell [9]")
    with pytest.raises(RoundTripError) as info:
        kit.export(cls, to=tmp_path / "B", name="Broken", uuid=MODULE_UUID, date="2024-05-01", lock=False)
    message = str(info.value)
    assert message.startswith(
        f"round trip failed for {tmp_path / 'B'}: importing the written module in a fresh interpreter raised at "
        "broken_modules/trigger_broken.py, line 5, which comes from notebook cell [9], line 4: "
        "ZeroDivisionError: division by zero\n(fix the code there and export again)\n"
    )


# -- nothing lost ----------------------------------------------------------------------


def test_a_file_changed_by_hand_is_kept_on_re_export(exported: Path) -> None:
    main = exported / "main.py"
    main.write_text(main.read_text().replace("    module.run()\n", "    module.run()  # mine\n"))
    test = exported / "tests" / "test_trigger_alert.py"
    test.write_text(test.read_text() + "\n# more assertions\n")
    result = export_sample(exported)
    assert result.written == ()
    assert main.read_text().endswith("    module.run()  # mine\n")
    assert test.read_text().endswith("# more assertions\n")


def test_uuid_version_and_changelog_entries_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "Acme"
    target.mkdir()
    (target / "manifest.json").write_text(
        json.dumps({"uuid": "11111111-2222-3333-4444-555555555555", "name": "Acme Alerts", "slug": "acme",
                    "description": "d", "version": "2.3.0", "categories": ["Network"], "configuration": {}})
    )
    (target / "CHANGELOG.md").write_text(
        "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/),\n"
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n"
        "## [2.3.0] - 2023-01-01\n\n### Added\n\n- Older work\n"
    )
    (target / "trigger_fetch_alerts.json").write_text(
        json.dumps({"name": "Fetch Alerts", "description": "x", "uuid": "aaaaaaaa-0000-0000-0000-000000000001",
                    "docker_parameters": "AlertTrigger", "arguments": {}, "results": {}, "slug": "fetch"})
    )
    with pytest.raises(ExportConflict) as info:
        export_sample(target, uuid=None)
    assert sorted(info.value.diffs) == ["manifest.json", "trigger_fetch_alerts.json"]
    export_sample(target, uuid=None, force=True)
    manifest = json.loads((target / "manifest.json").read_text())
    assert (manifest["uuid"], manifest["version"], manifest["slug"], manifest["categories"]) == (
        "11111111-2222-3333-4444-555555555555", "2.3.0", "acme", ["Network"]
    )
    trigger = json.loads((target / "trigger_fetch_alerts.json").read_text())
    assert trigger["uuid"] == "aaaaaaaa-0000-0000-0000-000000000001"
    assert trigger["slug"] == "fetch", "keys kit does not generate are kept"
    assert "- Older work" in (target / "CHANGELOG.md").read_text()
    # a new version adds an entry on top and keeps the old ones
    export_sample(target, uuid=None, version="2.4.0", changelog="Poll faster")
    changelog = (target / "CHANGELOG.md").read_text()
    assert changelog.index("## [2.4.0] - 2024-05-01\n\n### Changed\n\n- Poll faster\n") < changelog.index("## [2.3.0]")


def test_a_renamed_component_keeps_its_uuid(exported: Path) -> None:
    from tests.export import sample_components as sample

    old = json.loads((exported / "trigger_fetch_alerts.json").read_text())["uuid"]
    renamed = type("AlertTrigger", (sample.AlertTrigger,), {"name": "Fetch Acme Alerts", "__module__": sample.__name__})
    manifests = generate_manifests([renamed], MODULE_UUID, {"trigger_fetch_alerts.json": json.loads((exported / "trigger_fetch_alerts.json").read_text())})
    assert list(manifests) == ["trigger_fetch_alerts.json"], "the file keeps its name: no rename in the git diff"
    assert manifests["trigger_fetch_alerts.json"]["uuid"] == old
    assert manifests["trigger_fetch_alerts.json"]["name"] == "Fetch Acme Alerts", "a name the code declares wins"


# -- refusals --------------------------------------------------------------------------


def _trigger(class_name: str, **attrs) -> type:
    def run(self) -> None:
        pass

    return type(class_name, (Trigger,), {"run": run, "__module__": __name__, **attrs})


@pytest.mark.parametrize(
    ("display", "message"),
    [
        ("a/b", "AlertTrigger.name = 'a/b' would make the file name 'trigger_a/b.json'"),
        ("..", "AlertTrigger.name = '..' would make the file name 'trigger_...json'"),
        ("x\\y", "AlertTrigger.name = 'x\\\\y' would make the file name 'trigger_x\\\\y.json'"),
    ],
)
def test_names_with_path_parts_are_refused(tmp_path: Path, display: str, message: str) -> None:
    cls = _trigger("AlertTrigger", name=display)
    with pytest.raises(ExportError) as info:
        kit.export(cls, to=tmp_path / "M", name="M", lock=False, round_trip=False)
    assert str(info.value) == (
        message + ": component names must not be empty nor contain path separators ('/', '\\\\'), '..' or control "
        "characters; choose a plain display name such as 'Fetch new alerts'"
    )
    assert not (tmp_path / "M").exists()


def test_class_names_that_are_not_identifiers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        kit.export(_trigger("my-trigger"), to=tmp_path / "M", name="M", lock=False)
    assert str(info.value) == (
        "class name 'my-trigger' is not a Python identifier; it is the component's docker_parameters and is "
        "imported by main.py: rename the class (letters, digits and _ only, not starting with a digit)"
    )


def test_duplicate_docker_parameters_are_refused(tmp_path: Path) -> None:
    first, second = _trigger("Poller", name="One"), _trigger("Poller", name="Two")
    with pytest.raises(ExportError) as info:
        kit.export(first, second, to=tmp_path / "M", name="M", lock=False)
    assert str(info.value) == (
        f"two components have the docker_parameters 'Poller' ({__name__}.Poller and {__name__}.Poller): "
        "docker_parameters (the class name) must be unique in a module; rename one class"
    )


def test_bad_slug_version_category_and_package_are_refused(tmp_path: Path) -> None:
    cls = _trigger("Poller")
    cases = [
        (dict(slug="Bad Slug"), "slug 'Bad Slug' does not match ^[a-z]([a-z_.\\-]|\\d)*$ (lower-case letters, "
         "digits, '_', '.', '-', starting with a letter); pass slug='m'"),
        (dict(version="1.0"), "version '1.0' is not a semantic version; use e.g. '1.0.0'"),
        (dict(categories=["Fun"]), "category 'Fun' is not one of ['Applicative', 'Cloud Providers', "
         "'Collaboration Tools', 'Email', 'Endpoint', 'Generic', 'IAM', 'Network', 'Threat Intelligence']; "
         "pick from that list"),
        (dict(package="../evil"), "package '../evil' is not a valid package name: it must be a Python identifier "
         "other than 'tests' and 'main' (no '/', '.', '-' or spaces); pass package='my_module_modules'"),
    ]
    for options, message in cases:
        with pytest.raises(ExportError) as info:
            kit.export(cls, to=tmp_path / "M", name="M", lock=False, **options)
        assert str(info.value) == message
    assert not (tmp_path / "M").exists()


def test_a_module_without_a_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        kit.export(_trigger("Poller"), to=tmp_path / "M", lock=False)
    assert str(info.value) == (
        "the module has no name: pass module=kit.ModuleInfo(name='My Module', ...) or name='My Module' "
        "(or export into a directory whose manifest.json has a name)"
    )


# -- notebook cells --------------------------------------------------------------------


def _notebook() -> dict:
    module = types.ModuleType("kit_test_notebook")
    sys.modules[module.__name__] = module
    return vars(module)


def _run_cell(namespace: dict, source: str, filename: str) -> type | None:
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)
    classes = [v for k, v in namespace.items() if isinstance(v, type) and v.__module__ == "kit_test_notebook"]
    return classes[-1] if classes else None


def test_export_from_notebook_cells_takes_only_what_is_used(tmp_path: Path) -> None:
    namespace = _notebook()
    namespace["__name__"] = "kit_test_notebook"
    _run_cell(namespace, "from pydantic import BaseModel\nimport json\n", "<cell-1>")
    _run_cell(namespace, "class Args(BaseModel):\n    word: str\n\nclass Unused(BaseModel):\n    x: int\n", "<cell-2>")
    _run_cell(namespace, "def shout(text):\n    return text.upper() + SUFFIX\n\nSUFFIX = '!'\n", "<cell-3>")
    namespace["platform"] = object()  # a notebook object the action only shadows locally
    cell = (
        "from kit.action import Action\n\n"
        "class Shout(Action):\n"
        "    def run(self, arguments: Args) -> dict:\n"
        "        platform = 'local'\n"
        "        return {'text': shout(arguments.word), 'where': platform}\n"
    )
    cls = _run_cell(namespace, cell, "<cell-4>")
    capture_source(cls, "%%component\n" + cell, "notebook cell [4]")
    kit.export(cls, to=tmp_path / "S", name="Shouter", uuid=MODULE_UUID, date="2024-05-01", lock=False)
    code = (tmp_path / "S" / "shouter_modules" / "action_shout.py").read_text()
    assert code == (
        "from pydantic import BaseModel\n"
        "from sekoia_automation.action import Action\n\n\n"
        "class Args(BaseModel):\n    word: str\n\n\n"
        'SUFFIX = "!"\n\n\n'
        "def shout(text):\n    return text.upper() + SUFFIX\n\n\n"
        "class Shout(Action):\n"
        "    def run(self, arguments: Args) -> dict:\n"
        '        platform = "local"\n'
        '        return {"text": shout(arguments.word), "where": platform}\n'
    )
    manifest = json.loads((tmp_path / "S" / "action_shout.json").read_text())
    assert manifest["arguments"]["required"] == ["word"]


def test_capture_source_refuses_a_source_without_the_class() -> None:
    cls = _trigger("Poller")
    with pytest.raises(ValueError) as info:
        capture_source(cls, "x = 1\n", "notebook cell [2]")
    assert str(info.value) == (
        "capture_source: the source from notebook cell [2] does not define 'Poller' at top level (it defines "
        "['x']); pass the text of the cell or file that contains `class Poller`"
    )


def test_a_notebook_object_that_is_not_code_is_refused(tmp_path: Path) -> None:
    namespace = _notebook()
    namespace["CLIENT"] = object()
    cell = "from kit.action import Action\n\nclass Use(Action):\n    def run(self, arguments):\n        return CLIENT\n"
    cls = _run_cell(namespace, cell, "<cell-5>")
    capture_source(cls, cell, "notebook cell [5]")
    with pytest.raises(ExportError) as info:
        kit.export(cls, to=tmp_path / "U", name="U", lock=False)
    assert str(info.value) == (
        "notebook cell [5], line 3: 'CLIENT' is a object object that export cannot write as code; define it in the "
        "cell or file of the component (or in a cell the component uses) as a function, class or literal constant"
    )


# -- pydantic v1 -----------------------------------------------------------------------


def test_pydantic_v1_models_give_the_same_manifest_as_v2() -> None:
    from typing import Optional

    import pydantic
    from pydantic import v1

    class V2(pydantic.BaseModel):
        url: str = pydantic.Field(description="URL")
        token: Optional[str] = pydantic.Field(None, json_schema_extra={"secret": True})

    class V1(v1.BaseModel):
        url: str = v1.Field(description="URL")
        token: Optional[str] = v1.Field(None, secret=True)

    def action(model: type) -> type:
        def run(self, arguments) -> dict:
            return {}

        run.__annotations__ = {"arguments": model, "return": dict}

        return type("Fetch", (Action,), {"run": run, "__module__": __name__})

    a = generate_manifests([action(V2)], MODULE_UUID)["action_fetch.json"]["arguments"]
    b = generate_manifests([action(V1)], MODULE_UUID)["action_fetch.json"]["arguments"]
    b["title"] = a["title"]
    assert a == b
    assert a["secrets"] == ["token"]
    assert a["properties"]["token"] == {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Token"}


def test_export_refuses_to_write_through_a_symbolic_link(tmp_path: Path) -> None:
    from tests.export.conftest import export_sample

    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "Acme"
    target.mkdir()
    (target / "tests").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ExportError) as info:
        export_sample(target)
    assert str(info.value) == (
        f"{target / 'tests/__init__.py'} would be written through the symbolic link {target / 'tests'} (to "
        f"{outside}): kit writes only inside the module directory; replace the link with a real directory or "
        "export elsewhere"
    )
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["tests"]
