"""``kit check DIR``: everything in a module directory that the platform or its maintainers
would reject, and every difference between the code's models and the manifests.

Each problem is a :class:`Finding` naming the file, a JSON path (``$`` for the whole file;
``line N`` for text files), what is wrong and how to fix it.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import re
import struct
import uuid as _uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._writer import CATEGORIES, SEMVER_PATTERN, SLUG_PATTERN

_KINDS = ("trigger", "connector", "action")
_REGEN = "run `kit generate-files DIR` (or export again) to regenerate the manifests from the code"


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`check`.

    Attributes:
        file: path relative to the module directory (``""`` for the directory itself).
        path: where in the file: a JSON path such as ``$.arguments.properties.url`` or ``line 3``.
        message: what is wrong, with the bad value.
        fix: what to do about it.
    """

    file: str
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.file else self.path
        return f"{where}: {self.message} (fix: {self.fix})"


class _Findings(list):
    def add(self, file: str, path: str, message: str, fix: str) -> None:
        self.append(Finding(file, path, message, fix))


def _load_json(root: Path, name: str, out: _Findings) -> Any:
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        out.add(name, "$", f"not valid JSON: {exc}", "fix the JSON syntax")
        return None


def _check_schema(file: str, path: str, schema: Any, out: _Findings) -> None:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        out.add(file, path, f"must be a JSON schema object, got {type(schema).__name__} {schema!r:.60}", "write a schema object, e.g. {}")
        return
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        where = path + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        out.add(file, where, f"not a valid draft-7 JSON schema: {exc.message}", "fix the schema (or regenerate it from the model)")
    secrets = schema.get("secrets")
    if secrets is not None:
        props = schema.get("properties") or {}
        if not isinstance(secrets, list) or not all(isinstance(s, str) for s in secrets):
            out.add(file, f"{path}.secrets", f"must be a list of property names, got {secrets!r}", "list property names")
        else:
            for name in secrets:
                if name not in props:
                    out.add(
                        file,
                        f"{path}.secrets",
                        f"secret {name!r} is not a property of the schema",
                        f"remove {name!r} from secrets or add the property",
                    )


def invalid_schemas(manifests: dict[str, dict]) -> list[Finding]:
    """Schema problems of manifests about to be written (``{file name: manifest}``)."""
    out = _Findings()
    for file, data in manifests.items():
        for key in ("arguments", "results", "configuration"):
            if isinstance(data.get(key), dict):
                _check_schema(file, f"$.{key}", data[key], out)
    return list(out)


def _check_manifest(root: Path, out: _Findings) -> dict | None:
    if not (root / "manifest.json").exists():
        out.add("manifest.json", "$", "missing", "create it (kit new-module or kit export write one)")
        return None
    manifest = _load_json(root, "manifest.json", out)
    if manifest is None:
        return None
    if not isinstance(manifest, dict):
        out.add("manifest.json", "$", f"must be a JSON object, got {type(manifest).__name__}", "write an object")
        return None
    for key in ("uuid", "name", "slug", "version", "configuration"):
        if not manifest.get(key):
            out.add("manifest.json", f"$.{key}", f"{key!r} is missing or empty", f"add a non-empty {key!r}")
    if manifest.get("uuid"):
        _check_uuid("manifest.json", "$.uuid", manifest["uuid"], out)
    slug = manifest.get("slug")
    if slug and (not isinstance(slug, str) or not SLUG_PATTERN.match(slug)):
        out.add(
            "manifest.json",
            "$.slug",
            f"slug {slug!r} does not match ^[a-z]([a-z_.\\-]|\\d)*$",
            "use lower-case letters, digits, '_', '.' and '-', starting with a letter",
        )
    version = manifest.get("version")
    if version and (not isinstance(version, str) or not SEMVER_PATTERN.match(version)):
        out.add("manifest.json", "$.version", f"version {version!r} is not a semantic version", "use e.g. '1.0.0'")
    categories = manifest.get("categories")
    if not isinstance(categories, list) or not categories:
        out.add(
            "manifest.json",
            "$.categories",
            f"categories must be a non-empty list, got {categories!r}",
            f"pick one or more of {list(CATEGORIES)!r}",
        )
    else:
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                out.add(
                    "manifest.json",
                    f"$.categories[{index}]",
                    f"category {category!r} is not allowed",
                    f"pick from {list(CATEGORIES)!r}",
                )
    if manifest.get("configuration"):
        _check_schema("manifest.json", "$.configuration", manifest["configuration"], out)
    return manifest


def _check_uuid(file: str, path: str, value: Any, out: _Findings) -> None:
    try:
        _uuid.UUID(str(value))
    except ValueError:
        out.add(file, path, f"{value!r} is not a UUID", "use a uuid (kit gives new components uuid5(module uuid, name))")


def _component_files(root: Path) -> list[str]:
    return sorted(
        p.name for p in root.glob("*.json") if "_" in p.name and p.name.split("_", 1)[0] in _KINDS
    )


def _check_components(root: Path, out: _Findings) -> dict[str, dict]:
    components: dict[str, dict] = {}
    for name in _component_files(root):
        data = _load_json(root, name, out)
        if data is None:
            continue
        if not isinstance(data, dict):
            out.add(name, "$", f"must be a JSON object, got {type(data).__name__}", "write an object")
            continue
        components[name] = data
        kind = name.split("_", 1)[0]
        if "docker_parameter" in data:
            out.add(
                name,
                "$.docker_parameter",
                "the key is spelt 'docker_parameter'; the platform reads 'docker_parameters' (plural)",
                "rename the key to 'docker_parameters'",
            )
        for key in ("name", "uuid", "description", "docker_parameters"):
            # an empty description is allowed, as the repository's compliance checker allows it
            if not isinstance(data.get(key), str) or (not data.get(key) and key != "description"):
                out.add(name, f"$.{key}", f"{key!r} must be a non-empty string, got {data.get(key)!r}", f"set {key!r}")
        if isinstance(data.get("uuid"), str) and data.get("uuid"):
            _check_uuid(name, "$.uuid", data["uuid"], out)
        if "arguments" not in data:
            out.add(name, "$.arguments", "'arguments' is missing", "add 'arguments' (a JSON schema, {} if none)")
        else:
            _check_schema(name, "$.arguments", data["arguments"], out)
        if kind in ("trigger", "action"):
            if "results" not in data:
                out.add(name, "$.results", f"a {kind} needs 'results'", "add 'results' (a JSON schema, {} if none)")
            else:
                _check_schema(name, "$.results", data["results"], out)
        elif "results" in data:
            out.add(name, "$.results", "connectors have no 'results'", "remove the 'results' key")
        if "outputs" in data:
            outputs = data["outputs"]
            if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
                out.add(name, "$.outputs", f"must map branch names to descriptions, got {outputs!r}", 'write {"branch": "description"}')
            elif kind != "action":
                out.add(name, "$.outputs", "only actions have output branches", "remove 'outputs'")
    return components


def _check_uuids(manifest: dict | None, components: dict[str, dict], out: _Findings) -> None:
    seen: dict[str, str] = {}
    entries = [("manifest.json", manifest.get("uuid") if manifest else None)]
    entries += [(name, data.get("uuid")) for name, data in components.items()]
    for file, value in entries:
        if not value:
            continue
        if value in seen and not _twins(seen[value], file, components):
            out.add(file, "$.uuid", f"uuid {value} is also the uuid of {seen[value]}", "every uuid must be unique: give this one a new uuid")
        else:
            seen.setdefault(value, file)


def _twins(first: str, second: str, components: dict[str, dict]) -> bool:
    """A connector's ``connector_*.json`` and its ``trigger_*.json`` twin (the same component, kept
    for older platforms, as most connectors of the repository have): they share the uuid."""
    kinds = {first.split("_", 1)[0], second.split("_", 1)[0]}
    docker = {components.get(first, {}).get("docker_parameters"), components.get(second, {}).get("docker_parameters")}
    return kinds == {"trigger", "connector"} and len(docker) == 1


def main_registrations(text: str) -> list[tuple[str, int]]:
    """``(docker_parameters, line)`` of every ``x.register(Class, "name")`` call in ``main.py``."""
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register":
            name = None
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                name = node.args[1].value
            for kw in node.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    name = kw.value.value
            if not name and node.args and isinstance(node.args[0], ast.Name):
                name = node.args[0].id  # register(Cls) uses the class's name (lower-cased at run time)
            if isinstance(name, str):
                out.append((name, node.lineno))
    return out


def _check_main(root: Path, components: dict[str, dict], out: _Findings) -> None:
    try:
        text = (root / "main.py").read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add("main.py", "$", "missing", "write main.py (kit generate-files DIR writes it from the code)")
        return
    try:
        registrations = main_registrations(text)
    except SyntaxError as exc:
        out.add("main.py", f"line {exc.lineno}", f"does not parse: {exc.msg}", "fix the syntax")
        return
    counts: dict[str, list[int]] = {}
    for name, line in registrations:
        counts.setdefault(name, []).append(line)
    docker = {}
    for file, data in components.items():
        value = data.get("docker_parameters")
        if isinstance(value, str):
            docker.setdefault(value, file)
    for value, file in sorted(docker.items()):
        lines = counts.get(value, [])
        if not lines:
            out.add(
                "main.py",
                "$",
                f"{value!r} ({file}) is not registered",
                f'add `module.register(<class>, "{value}")` before module.run() ({_REGEN})',
            )
        elif len(lines) > 1:
            out.add(
                "main.py",
                f"line {lines[1]}",
                f"{value!r} is registered {len(lines)} times (lines {', '.join(map(str, lines))})",
                "register each docker_parameters exactly once",
            )
    for value, lines in sorted(counts.items()):
        if value not in docker:
            out.add(
                "main.py",
                f"line {lines[0]}",
                f"{value!r} is registered but no component JSON has docker_parameters {value!r}",
                f"add its trigger_/connector_/action_ JSON or remove the registration ({_REGEN})",
            )


_HEADING = re.compile(r"^## (.*)$")
_VERSION_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>.+))?\s*$")
_SENTENCE_1 = "All notable changes to this project will be documented in this file."
_SENTENCE_2 = re.compile(r"The format is based on \[Keep a Changelog\].*adheres to \[Semantic Versioning\]", re.S)


def _semver_key(version: str) -> tuple:
    match = SEMVER_PATTERN.match(version)
    if not match:
        return (-1,)
    major, minor, patch, pre = match.group(1), match.group(2), match.group(3), match.group(4)
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def changelog_versions(text: str) -> list[str]:
    """Versions of the version headings, in file order (either style; ``Unreleased`` excluded)."""
    from ._changelog import versions

    return versions(text)


def _version_heading(line: str) -> tuple[str, str | None] | None:
    """``(version, date)`` of a heading ``## [1.2.0] - 2024-05-28`` or, as most modules of the
    repository write them, ``## 2024-05-28 - 1.2.0``."""
    from ._changelog import _DATE_FIRST, _VERSION_FIRST

    match = _DATE_FIRST.match(line) or _VERSION_FIRST.match(line)
    if match:
        return match.group("version"), match.group("date")
    loose = _VERSION_HEADING.match(line)  # `## [x] - ...` with a bad version or date: reported below
    return (loose.group("version"), loose.group("date")) if loose else None


def _check_changelog(root: Path, manifest: dict | None, out: _Findings) -> None:
    name = "CHANGELOG.md"
    try:
        text = (root / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add(name, "$", "missing", "write a Keep a Changelog file with an entry for the manifest's version")
        return
    lines = text.splitlines()
    if not lines or lines[0].strip() != "# Changelog":
        out.add(name, "line 1", f"first line must be '# Changelog', got {lines[0] if lines else ''!r}", "make '# Changelog' the first line")
    first_heading = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    header = "\n".join(lines[:first_heading])
    if _SENTENCE_1 not in header or not _SENTENCE_2.search(header):
        out.add(
            name,
            "line 2",
            "the header lacks the two standard Keep a Changelog sentences",
            f"add {_SENTENCE_1!r} and 'The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/), "
            "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).'",
        )
    versions: list[tuple[str, int]] = []
    for index, line in enumerate(lines):
        if not line.startswith("## "):
            continue
        heading = _version_heading(line)
        label = heading[0] if heading else line[3:].strip()
        if label.lower() in ("unreleased", "[unreleased]"):
            continue
        if heading is None:
            out.add(
                name, f"line {index + 1}",
                f"heading {line!r} is neither '## [x.y.z] - YYYY-MM-DD' nor '## YYYY-MM-DD - x.y.z'",
                "write version headings as '## 2024-01-31 - 1.0.0' (or '## [1.0.0] - 2024-01-31')",
            )
            continue
        version, date = heading
        if not SEMVER_PATTERN.match(version):
            out.add(name, f"line {index + 1}", f"version {version!r} is not a semantic version", "use e.g. 1.0.0")
        try:
            _dt.date.fromisoformat((date or "").strip())
        except ValueError:
            out.add(name, f"line {index + 1}", f"version {version!r} has no valid date (got {date!r})", "end the heading with ' - YYYY-MM-DD'")
        end = next((j for j in range(index + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
        if not any(l.startswith("### ") for l in lines[index + 1 : end]):
            out.add(name, f"line {index + 1}", f"version {version!r} has no '###' section", "add e.g. '### Added' with the changes")
        versions.append((version, index + 1))
    if not versions:
        out.add(name, "$", "no version entry", "add an entry '## [1.0.0] - YYYY-MM-DD' with a '### Added' section")
        return
    for (newer, _), (older, line) in zip(versions, versions[1:]):
        if _semver_key(older) >= _semver_key(newer):
            out.add(name, f"line {line}", f"version {older!r} comes after {newer!r} but is not older", "list versions newest first")
    if manifest and manifest.get("version") and manifest["version"] != versions[0][0]:
        out.add(
            name,
            f"line {versions[0][1]}",
            f"newest version is {versions[0][0]!r} but manifest.json says {manifest['version']!r}",
            "add an entry for the manifest's version (or set the manifest's version to the newest entry)",
        )


def _check_tests(root: Path, out: _Findings) -> None:
    tests = root / "tests"
    if not tests.is_dir():
        out.add("tests", "$", "the tests/ directory is missing", "add tests/ with __init__.py, conftest.py and a test file")
        return
    for path in sorted(tests.rglob("*.py")):
        if path.name.startswith("test_") or path.name.endswith("_test.py"):
            if re.search(r"^\s*(async\s+)?def test", path.read_text(encoding="utf-8", errors="replace"), re.M):
                return
    out.add("tests", "$", "tests/ holds no test (no test_*.py with a `def test...`)", "add at least one real test")


def _check_project(root: Path, out: _Findings) -> None:
    path = root / "pyproject.toml"
    if not path.exists():
        out.add("pyproject.toml", "$", "missing", "add a Poetry pyproject.toml (kit export writes one)")
    else:
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            out.add("pyproject.toml", "$", f"not valid TOML: {exc}", "fix the TOML syntax")
            data = None
        if data is not None:
            poetry = data.get("tool", {}).get("poetry", {})
            deps = dict(poetry.get("dependencies", {}))
            for spec in data.get("project", {}).get("dependencies", []) or []:
                deps[re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]] = spec
            if not any(k.lower().replace("_", "-") == "sekoia-automation-sdk" for k in deps):
                out.add("pyproject.toml", "$.tool.poetry.dependencies", "does not depend on sekoia-automation-sdk", "run `poetry add sekoia-automation-sdk`")
            if poetry.get("package-mode") is not False:
                out.add("pyproject.toml", "$.tool.poetry.package-mode", "package-mode is not false", "add `package-mode = false` under [tool.poetry]")
    if not (root / "poetry.lock").exists():
        out.add("poetry.lock", "$", "missing", f"run `cd {root} && poetry lock`")
    if not (root / "Dockerfile").exists():
        out.add("Dockerfile", "$", "missing", "add the common Dockerfile (kit export writes it)")


def _check_logo(root: Path, out: _Findings) -> None:
    png, svg = root / "logo.png", root / "logo.svg"
    if svg.exists():
        return
    if not png.exists():
        out.add("logo.svg", "$", "no logo.svg or logo.png", "add a logo (kit export writes a default logo.svg)")
        return
    data = png.read_bytes()
    if len(data) > 50 * 1024:
        out.add("logo.png", "$", f"is {len(data)} bytes, over 50 KiB", "shrink it or use an SVG")
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        out.add("logo.png", "$", "is not a PNG file", "save it as PNG")
        return
    width, height = struct.unpack(">II", data[16:24])
    if width != height:
        out.add("logo.png", "$", f"is {width}x{height}, not square", "make it square")


def _types(prop: dict) -> Any:
    if not isinstance(prop, dict):
        return None
    if "anyOf" in prop:
        return sorted(str(_types(p)) for p in prop["anyOf"])
    if "$ref" in prop:
        return "$ref:" + str(prop["$ref"]).rsplit("/", 1)[-1]
    kind = prop.get("type")
    if kind == "array":
        return ["array", _types(prop.get("items", {}))]
    return kind


_MISSING = object()


def diff_schemas(file: str, path: str, expected: dict, actual: Any, out: _Findings, what: str = "the model") -> None:
    """Report how ``actual`` (the manifest) differs from ``expected`` (generated from the model)."""
    if not isinstance(actual, dict):
        out.add(file, path, f"is {actual!r:.60}, but {what} gives a schema with properties {list(expected.get('properties', {}))}", _REGEN)
        return
    exp_props = expected.get("properties") or {}
    act_props = actual.get("properties") or {}
    for name, prop in exp_props.items():
        if name not in act_props:
            out.add(file, f"{path}.properties.{name}", f"property {name!r} is in {what} but missing from the manifest", _REGEN)
            continue
        act = act_props[name]
        if _types(prop) != _types(act):
            out.add(
                file,
                f"{path}.properties.{name}",
                f"type differs: the manifest says {_types(act)!r}, {what} says {_types(prop)!r}",
                _REGEN,
            )
        if prop.get("default", _MISSING) != (act.get("default", _MISSING) if isinstance(act, dict) else _MISSING):
            exp_d = prop.get("default", "<none>")
            act_d = act.get("default", "<none>") if isinstance(act, dict) else "<none>"
            out.add(file, f"{path}.properties.{name}.default", f"default differs: the manifest says {act_d!r}, {what} says {exp_d!r}", _REGEN)
        if isinstance(prop, dict) and isinstance(act, dict) and prop.get("type") == "object" and "properties" in prop:
            diff_schemas(file, f"{path}.properties.{name}", prop, act, out, what)
    for name in act_props:
        if name not in exp_props:
            out.add(file, f"{path}.properties.{name}", f"property {name!r} is in the manifest but not in {what}", _REGEN)
    exp_req, act_req = expected.get("required", []) or [], actual.get("required", []) or []
    for name in exp_req:
        if name not in act_req and name in act_props:
            out.add(file, f"{path}.required", f"{name!r} is required by {what} but not by the manifest", _REGEN)
    for name in act_req:
        if name not in exp_req and name in exp_props:
            out.add(file, f"{path}.required", f"{name!r} is required by the manifest but optional in {what}", _REGEN)
    exp_sec, act_sec = expected.get("secrets", []) or [], actual.get("secrets", []) or []
    if sorted(exp_sec) != sorted(act_sec):
        out.add(file, f"{path}.secrets", f"secrets differ: the manifest says {act_sec!r}, {what} says {exp_sec!r}", _REGEN)
    for name, sub in (expected.get("$defs") or {}).items():
        act_sub = (actual.get("$defs") or actual.get("definitions") or {}).get(name)
        if act_sub is None:
            out.add(file, f"{path}.$defs.{name}", f"definition {name!r} is in {what} but missing from the manifest", _REGEN)
        else:
            diff_schemas(file, f"{path}.$defs.{name}", sub, act_sub, out, what)


def _check_code(
    root: Path, manifest: dict | None, components: dict[str, dict], out: _Findings, flavour: Any
) -> None:
    from kit._pydantic import MixedPydanticError

    from ._generate import load_code
    from ._manifests import (
        component_kind,
        component_manifest,
        display_name,
        manifest_file_name,
        module_configuration,
    )

    try:
        loaded = load_code(root)
    except Exception as exc:  # noqa: BLE001 - any failure of the author's code is a finding
        out.add("main.py", "$", f"the module's code does not load: {type(exc).__name__}: {exc}", "fix the error, then run kit check again")
        return
    module_uuid = (manifest or {}).get("uuid") or str(_uuid.UUID(int=0))
    by_docker = {data.get("docker_parameters"): (file, data) for file, data in components.items()}
    # main.py says which docker_parameters runs which class (automation-library modules often register
    # `module.register(AlertsTrigger, "acme_alerts_trigger")`); other classes go by their name
    checked: list[tuple[str, type]] = list(loaded.registered)
    registered_classes = {cls for _, cls in checked}
    for cls in loaded.components:
        if cls in registered_classes:
            continue
        if cls.__name__ not in by_docker and any(
            other is not cls and issubclass(other, cls) for other in (*loaded.components, *registered_classes)
        ):
            continue  # a base class of other components (shared client, helpers), not a component itself
        checked.append((cls.__name__, cls))
    from kit._pydantic import mixed_pydantic

    from ._manifests import arguments_model, configuration_model

    mixed: set[type] = set()
    for cls in [*(c for _, c in checked), *([loaded.module_class] if loaded.module_class is not None else [])]:
        source = _relative_source(root, cls)
        for model in (configuration_model(cls), arguments_model(cls) if component_kind(cls) == "action" else None,
                      getattr(cls, "results_model", None)):
            for problem in mixed_pydantic(model) if model is not None and model not in mixed else ():
                out.add(source, "$", problem, "change the import, then run kit generate-files")
            if model is not None:
                mixed.add(model)
    from ._edit import pydantic_major_problems

    for cls in (c for _, c in checked):
        for problem in pydantic_major_problems(flavour, [cls]):
            out.add(_relative_source(root, cls), "$", problem.replace(" and export again", ""), "change the model's import")
    for docker, cls in checked:
        kind = component_kind(cls)
        if docker not in by_docker:
            if docker != cls.__name__:
                continue  # registered in main.py without a JSON: reported with main.py
            out.add(
                manifest_file_name(kind, display_name(cls)),
                "$",
                f"{kind} {cls.__name__} has no manifest (no JSON with docker_parameters {cls.__name__!r})",
                _REGEN,
            )
            continue
        file, actual = by_docker[docker]
        try:
            expected = component_manifest(cls, module_uuid, actual)
        except MixedPydanticError:
            continue  # reported above, in the class's file
        except Exception as exc:  # noqa: BLE001
            out.add(file, "$", f"cannot generate the manifest of {cls.__name__}: {exc}", "fix the class's models")
            continue
        # a connector's manifest may be a trigger_*.json (older platforms ran connectors as triggers)
        if not file.startswith(kind + "_") and not (kind == "connector" and file.startswith("trigger_")):
            out.add(file, "$", f"{cls.__name__} is a {kind} but its manifest is named {file!r}", f"rename it to {manifest_file_name(kind, display_name(cls))!r}")
        # `{}`: the code has no model (a dict configuration, `run(self, arguments)` untyped, no
        # results_model), so the hand-written schema of the manifest has nothing to be compared with
        if expected.get("arguments"):
            expected_arguments, actual_arguments = expected["arguments"], actual.get("arguments")
            if kind == "connector" and isinstance(actual_arguments, dict):
                # the SDK's intake_server (str | None = None): the repository's manifests describe it as
                # the platform fills it in (a string with the intake's address); not the author's drift
                expected_arguments = _without_property(expected_arguments, "intake_server")
                actual_arguments = _without_property(actual_arguments, "intake_server")
            diff_schemas(file, "$.arguments", expected_arguments, actual_arguments, out, f"{cls.__name__}'s model")
        if kind != "connector" and expected.get("results"):
            diff_schemas(file, "$.results", expected["results"], actual.get("results"), out, f"{cls.__name__}.results_model")
    if manifest is not None and loaded.module_class is not None:
        try:
            config = module_configuration(loaded.module_class, manifest)
        except MixedPydanticError:
            config = None  # reported above
        if config is not None:
            diff_schemas("manifest.json", "$.configuration", config, manifest.get("configuration"), out, f"{loaded.module_class.__name__}'s configuration model")


def _without_property(schema: dict, name: str) -> dict:
    properties = {k: v for k, v in (schema.get("properties") or {}).items() if k != name}
    required = [r for r in schema.get("required") or [] if r != name]
    out = {**schema, "properties": properties}
    if "required" in schema:
        out["required"] = required
    return out


def _relative_source(root: Path, cls: type) -> str:
    """The file of ``cls`` relative to the module directory (its module name if it is elsewhere)."""
    import inspect

    try:
        path = Path(inspect.getfile(cls)).resolve()
        return path.relative_to(root.resolve()).as_posix()
    except (TypeError, ValueError):
        return cls.__module__


def _event_items(events: Any) -> list[tuple[str | None, Any]]:
    from ._infer import plain

    if hasattr(events, "run_records"):
        events = events.run_records
    out = []
    for item in events:
        if isinstance(item, dict):
            out.append((None, plain(item)))
        elif hasattr(item, "event"):
            out.append((getattr(item, "event_name", None), plain(item.event)))
        else:
            out.append((None, plain(item)))
    return out


def _pick_component(components: dict[str, dict], component: Any, out: _Findings) -> tuple[str, dict] | None:
    candidates = {f: d for f, d in components.items() if not f.startswith("connector_")}
    if component is not None:
        key = component.__name__ if isinstance(component, type) else str(component)
        for file, data in candidates.items():
            if key in (file, data.get("docker_parameters"), data.get("name")):
                return file, data
        raise ValueError(
            f"component={key!r} matches no trigger or action of the directory; use one of "
            f"{sorted(d.get('docker_parameters') for d in candidates.values())!r}"
        )
    if len(candidates) == 1:
        return next(iter(candidates.items()))
    raise ValueError(
        "events given but the directory has "
        f"{len(candidates)} triggers/actions; say which one produced them: component=<docker_parameters> "
        f"(one of {sorted(d.get('docker_parameters') for d in candidates.values())!r})"
    )


def check_events(file: str, results: dict, events: Any, out: _Findings | None = None) -> list[Finding]:
    """Findings for events that do not fit ``results`` (a component's results schema)."""
    from jsonschema import Draft7Validator

    out = out if out is not None else _Findings()
    validator = Draft7Validator(results)
    for index, (event_name, event) in enumerate(_event_items(events)):
        label = f"event #{index}" + (f" ({event_name!r})" if event_name else "")
        for error in sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path)):
            at = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            schema_path = "$.results" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in list(error.absolute_schema_path)[:-1]
            )
            out.add(
                file,
                schema_path,
                f"{label} does not fit the results schema at {at}: {error.message}",
                "fix the event or the results_model (kit infer-schema proposes a schema from recorded events)",
            )
    return list(out)


def check(
    path: str | Path,
    *,
    events: Any = None,
    component: Any = None,
    code: bool = True,
) -> list[Finding]:
    """Check a module directory; return every problem found (an empty list when all is well).

    Checks the rules of the module format (manifest keys, slug, semantic version, categories,
    draft-7 schemas, component JSON keys, unique uuids, ``main.py`` registrations, CHANGELOG,
    tests, ``pyproject.toml``/``poetry.lock``, Dockerfile, logo), every difference between
    the code's models and the manifests (property missing or extra, type, required,
    default, secrets), and, when ``events`` are given, every event that does not fit the
    component's ``results`` schema.

    Args:
        path: the module directory.
        events: recorded events: dicts, run records (``.event``) or a simulation
            (``.run_records``).
        component: which trigger/action produced ``events`` (class, docker_parameters, name or
            file name); needed when the directory has more than one.
        code: also load the code and compare its models with the manifests.

    Raises:
        ValueError: ``events`` given and ``component`` does not pick one trigger or action.
    """
    root = Path(path)
    out = _Findings()
    if not root.is_dir():
        out.add("", "$", f"{root} is not a directory", "pass the path of a module directory")
        return list(out)
    manifest = _check_manifest(root, out)
    components = _check_components(root, out)
    _check_uuids(manifest, components, out)
    _check_main(root, components, out)
    _check_changelog(root, manifest, out)
    _check_tests(root, out)
    _check_project(root, out)
    _check_logo(root, out)
    if code and manifest is not None and (root / "main.py").exists():
        from kit._flavour import flavour_of

        from ._schema import v1_layout

        flavour = flavour_of(root)
        with v1_layout(flavour.sdk_v1_models):
            _check_code(root, manifest, components, out, flavour)
    if events is not None:
        picked = _pick_component(components, component, out)
        if picked is not None:
            file, data = picked
            results = data.get("results")
            if isinstance(results, dict):
                check_events(file, results, events, out)
    return list(out)
