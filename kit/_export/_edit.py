"""Export into an existing module directory: edit it, never replace it.

A module directory of a module repository (hand-written or made by kit earlier) already has
its package, its ``main.py``, its ``pyproject.toml`` and its ``CHANGELOG.md``. Exporting
components into it changes only what those components need:

- a new component: a new file in the module's package (the one ``main.py`` imports from) with
  the class and the models and helpers it uses; its manifest JSON; one import and one
  ``register`` line in ``main.py``; the distributions its imports need (and the test libraries
  of its generated test) added to ``pyproject.toml``; a test in ``tests/``;
- a component ``main.py`` already registers: its class (and the definitions of its file it
  uses) replaced in its own file, the rest of the file untouched; its manifest regenerated
  with the uuid, name, description and other hand-written keys kept;
- then ``manifest.json``'s version bumped (minor when a component is added, patch when one
  only changed) and an entry for it in ``CHANGELOG.md``, in the file's own heading style.

Unchanged components change nothing, so exporting the same code twice gives no diff.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

from kit._flavour import Flavour
from kit.utils import is_model_class, is_v1_model_class

from ._changelog import add_entry, bump
from ._format import black_mode, format_python
from ._fs import STATE_FILE, dump_state, load_state, read_text, refuse_symlinks, sha256, unified_diff, write_atomic
from ._mainpy import MainFile, add_registrations, parse_main
from ._manifests import (
    ExportError,
    arguments_model,
    component_kind,
    configuration_model,
    display_name,
    generate_manifests,
)
from ._package import _render_import, _rewrite, build_package, component_stem, distributions_for
from ._pyproject import add_dependencies
from ._schema import model_schema
from ._source import Analyzer, _order_key
from ._tests import example_for, write_component_test


def _json_like(current: str | None, data: dict) -> str:
    """``data`` as the module repository's linter (``linter.py check --changes``) demands every JSON
    file a change touches: ``json.dumps(indent=2)``, no trailing newline (``current``, the file's
    text today, is not followed where it differs: its next check would fail)."""
    return json.dumps(data, indent=2)


def _package_of(main: MainFile, root: Path) -> str:
    packages = main.local_packages(root)
    if main.module_class and main.module_class in main.imports:
        top = main.imports[main.module_class].split(".")[0]
        if top in packages:
            return top
    counts: dict[str, int] = {}
    for reg in main.registrations:
        top = main.imports.get(reg.class_name, "").split(".")[0]
        if top in packages:
            counts[top] = counts.get(top, 0) + 1
    if counts:
        return max(counts, key=lambda k: (counts[k], -packages.index(k)))
    if packages:
        return packages[0]
    raise ExportError(
        f"{root / 'main.py'} imports nothing from a package of {root}, so kit cannot tell which package new "
        "components go in; pass package='my_package' (CLI: --package)"
    )


def _class_file(root: Path, main: MainFile, class_name: str) -> str:
    dotted = main.imports.get(class_name)
    if dotted:
        base = root.joinpath(*dotted.split("."))
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py").relative_to(root).as_posix()
        if (base / "__init__.py").is_file():
            return (base / "__init__.py").relative_to(root).as_posix()
    raise ExportError(
        f"main.py registers {class_name} but kit cannot find the file that defines it (main.py imports it from "
        f"{dotted!r}); import it in main.py from the module of the package that defines it"
    )


def _statement_span(node: ast.stmt) -> tuple[int, int]:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return start, node.end_lineno or node.lineno


def replace_definitions(
    current: str, cls: type, keep: frozenset[str], relpath: str, flavour: Flavour | None = None
) -> str:
    """``current`` (the text of the file that defines ``cls``) with the definition of ``cls``
    and of every top-level definition of the file it uses replaced by their new source;
    definitions and imports it needs that the file lacks are added; nothing else changes.
    ``flavour``: what the module pins (its imports are written for it)."""
    try:
        tree = ast.parse(current)
    except SyntaxError as exc:
        raise ExportError(f"{relpath}, line {exc.lineno}: does not parse ({exc.msg}); fix it before exporting") from None
    analyzer = Analyzer(keep)
    root = analyzer.root(cls)
    defs: dict[str, ast.stmt] = {}
    imported: set[str] = set()
    last_import = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.split(".")[0] for a in node.names)
            last_import = node.end_lineno or node.lineno
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    defs[target.id] = node
    if cls.__name__ not in defs:
        raise ExportError(f"{relpath} does not define `class {cls.__name__}` at top level; kit cannot replace it")
    # what the class needs, not following what the file imports from elsewhere (that code
    # and what it needs stay where they are)
    closure: list[tuple] = []
    seen: set[tuple] = set()

    def visit(key: tuple) -> None:
        if key in seen:
            return
        seen.add(key)
        stmt = analyzer.stmts[key]
        if key != root and not stmt.is_import and stmt.defines and all(
            n in imported and n not in defs for n in stmt.defines
        ):
            return
        for dep in sorted({d for _, d in stmt.deps}, key=_order_key):
            visit(dep)
        closure.append(key)

    visit(root)
    _refuse_dev_kit_code(cls, [analyzer.stmts[key] for key in closure], relpath)
    used: dict[tuple, set[str]] = {}
    for key in closure:
        for name, dep in analyzer.stmts[key].deps:
            used.setdefault(dep, set()).add(name)
    lines = current.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (start, order, end, text): replace lines start..end
    root_start, _ = _statement_span(defs[cls.__name__])
    new_imports: list[str] = []
    for key in closure:
        stmt = analyzer.stmts[key]
        if stmt.future:
            continue
        if stmt.module_ref is not None:
            raise ExportError(
                f"{cls.__name__} uses the module {stmt.module_ref!r} as an object; kit can only update a component "
                "in place when it imports the names it uses (`from helpers import f`)"
            )
        if stmt.is_import:
            names = used.get(key, set(stmt.defines))
            if all(n in imported or n in defs for n in names):
                continue
            text = _rewrite(_render_import(stmt, names) + "\n", relpath, flavour)
            if text not in new_imports:
                new_imports.append(text)
            continue
        text = _rewrite(stmt.text.rstrip("\n") + "\n", relpath, flavour)
        node = next((defs[n] for n in stmt.defines if n in defs), None)
        if node is not None:
            start, end = _statement_span(node)
            if "".join(lines[start - 1 : end]).rstrip("\n") != text.rstrip("\n"):
                edits.append((start, 1, end, text))
        else:
            edits.append((root_start, 0, root_start - 1, text + "\n\n"))
    if new_imports:
        edits.append((last_import + 1, 0, last_import, "".join(new_imports)))
    for start, _, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start - 1 : end] = [text]
    out = "".join(lines)
    try:
        ast.parse(out)
    except SyntaxError as exc:  # pragma: no cover - each piece parsed on its own
        raise ExportError(f"{relpath}: the updated file does not parse (line {exc.lineno}: {exc.msg})") from None
    return out


def refuse_invalid_schemas(target: Path, files: dict[str, str]) -> None:
    """Refuse to write a manifest whose schemas are not valid draft-7 (the compliance checker fails it)."""
    from ._check import invalid_schemas

    manifests = {}
    for relpath, text in files.items():
        if relpath.endswith(".json") and "/" not in relpath:
            try:
                manifests[relpath] = json.loads(text)
            except ValueError:  # pragma: no cover - kit writes JSON it made
                continue
    problems = invalid_schemas(manifests)
    if problems:
        raise ExportError(
            f"export would write manifests that are not valid in {target}; nothing was written:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )


def _refuse_dev_kit_code(cls: type, stmts: list[Any], relpath: str) -> None:
    """Refuse a replacement that would copy notebook scaffolding into the module's file: a subclass
    of the loaded class itself, or code using kit's development kit (``kit.load_module_directory``,
    ``kit.FakePlatform``...) through ``import kit``."""
    from kit._imports import SUBMODULES, TOP_LEVEL

    for base in cls.__bases__:
        if base.__name__ == cls.__name__:
            raise ExportError(
                f"{cls.__name__} subclasses the {cls.__name__} loaded from {relpath}: export puts the code you give "
                f"in place of the class in that file, so a subclass would replace the whole class (and bring the "
                f"loading code with it); give the whole class: copy it into a cell (or %load_component it), change "
                f"it there and export that"
            )
    kit_names = {
        alias.asname or alias.name
        for stmt in stmts
        if stmt.is_import and isinstance(stmt.node, ast.Import)
        for alias in stmt.node.names
        if alias.name == "kit"
    }
    if not kit_names:
        return
    for stmt in stmts:
        if stmt.is_import or stmt.node is None:
            continue
        for node in ast.walk(stmt.node):
            if (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in kit_names
                and node.attr not in TOP_LEVEL and node.attr not in SUBMODULES
            ):
                raise ExportError(
                    f"{cls.__name__} needs `{stmt.text.strip().splitlines()[0]}` ({stmt.origin}, line {stmt.line}), "
                    f"which uses kit.{node.attr}, part of kit's development kit: it cannot go into {relpath}; keep "
                    "the loading and stepping code out of the class's cell and export the class alone"
                )


def _pydantic_major(model: Any) -> int | None:
    if not is_model_class(model):
        return None
    return 1 if is_v1_model_class(model) else 2


def check_pydantic_major(flavour: Flavour, components: list[type]) -> None:
    """Refuse components whose models are of a pydantic major the module's environment cannot run
    (:func:`pydantic_major_problems`).

    Raises:
        ExportError: the first problem.
    """
    problems = pydantic_major_problems(flavour, components)
    if problems:
        raise ExportError(problems[0])


def pydantic_major_problems(flavour: Flavour, components: list[type]) -> list[str]:
    """What in ``components`` the SDK and pydantic that ``flavour`` pins cannot run.

    - action arguments: the SDK before 1.23 wraps ``run`` with ``pydantic.v1.validate_arguments``
      (a v2 model fails there), 1.23 and later with pydantic v2's ``validate_call``, which fails on
      a ``pydantic.v1`` model (``TypeError: BaseModel.validate() takes 2 positional arguments but 3
      were given``);
    - connector configurations: before 1.23 ``DefaultConnectorConfiguration`` is a ``pydantic.v1``
      model (``kit.v1.connector``), a v2 model from 1.23 (``kit.connector``);
    - with pydantic 1 installed (SDK up to 1.18.2), no pydantic v2 model can run at all.
    """
    problems: list[str] = []
    if flavour.sdk is None and flavour.pydantic is None:
        return problems
    from kit import connector
    from kit.v1 import connector as connector_v1

    for cls in components:
        kind = component_kind(cls)
        models = {"configuration": configuration_model(cls)}
        if kind == "action":
            models["arguments"] = arguments_model(cls)
        for role, model in models.items():
            major = _pydantic_major(model)
            if major is None:
                continue
            if flavour.code_pydantic_1 and major == 2:
                problems.append(
                    f"{cls.__name__}: its {role} model {model.__name__} is a pydantic v2 model, but {flavour.origin} "
                    f"installs pydantic {'.'.join(map(str, flavour.pydantic or (1,)))}, where no v2 model can run; "
                    "write it with `from pydantic.v1 import BaseModel, Field` (export writes that as `from pydantic "
                    "import ...` there)" + (
                        " deriving from `kit.v1.connector.DefaultConnectorConfiguration`"
                        if issubclass(model, connector.DefaultConnectorConfiguration) else ""
                    ) + ", and export again"
                )
            elif role == "arguments" and flavour.sdk_v1_models and major == 2:
                problems.append(
                    f"{cls.__name__}: its arguments model {model.__name__} is a pydantic v2 model, but "
                    f"{flavour.pins()}, and the SDK before 1.23 validates action arguments with pydantic v1 (the "
                    "action would fail at run time there); write the model with `from pydantic.v1 import "
                    'BaseModel, Field`, or raise the pin to "^1.23" in pyproject.toml and export again'
                )
            elif role == "arguments" and flavour.sdk is not None and not flavour.sdk_v1_models and major == 1:
                problems.append(
                    f"{cls.__name__}: its arguments model {model.__name__} is a pydantic.v1 model, but "
                    f"{flavour.pins()}, and the SDK since 1.23 validates action arguments with pydantic v2's "
                    "validate_call, which fails on it at run time (TypeError: BaseModel.validate() takes 2 "
                    "positional arguments but 3 were given); write the model with `from pydantic import BaseModel, "
                    "Field`, or pin the SDK below 1.23 and export again"
                )
            elif flavour.sdk_v1_models and issubclass(model, connector.DefaultConnectorConfiguration):
                problems.append(
                    f"{cls.__name__}: its configuration {model.__name__} derives from kit.connector's "
                    f"DefaultConnectorConfiguration (pydantic v2), but {flavour.pins()}, whose "
                    "DefaultConnectorConfiguration is a pydantic.v1 model; derive from "
                    "`kit.v1.connector.DefaultConnectorConfiguration` with fields of `from pydantic.v1 import Field`, "
                    "and export again"
                )
            elif (
                flavour.sdk is not None and not flavour.sdk_v1_models
                and issubclass(model, connector_v1.DefaultConnectorConfiguration)
            ):
                problems.append(
                    f"{cls.__name__}: its configuration {model.__name__} derives from kit.v1.connector's "
                    f"DefaultConnectorConfiguration (pydantic.v1), but {flavour.pins()}, whose "
                    "DefaultConnectorConfiguration is a pydantic v2 model since 1.23; derive from "
                    "`kit.connector.DefaultConnectorConfiguration` with fields of `from pydantic import Field`, and "
                    "export again"
                )
    return problems


def _bump_manifest(text: str, old: str, new: str) -> str:
    data = json.loads(text)
    data["version"] = new
    return _json_like(text, data)


def _third_party(texts: list[str]) -> list[str]:
    out: set[str] = set()
    for text in texts:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                out.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                out.add(node.module.split(".")[0])
    return sorted(out)


def export_into(
    target: Path,
    components: list[type],
    module_class: type | None,
    *,
    package: str | None,
    version: str | None,
    changelog: list[str] | None,
    date: str | None,
    examples: Mapping[str, Mapping[str, Any]] | None,
    force: bool,
    lock: bool,
    round_trip: bool,
    flavour: Flavour,
) -> Any:
    """Add or update ``components`` in the existing module directory ``target``, which pins
    ``flavour`` (its manifests are generated in that flavour's layout by the caller's
    :func:`~kit._export._schema.v1_layout`).

    See the module docstring; :func:`kit.export` documents the arguments.
    """
    from kit._loader import read_sha, remember_written

    from ._writer import ExportConflict, ExportResult, existing_component_manifests

    main_path = target / "main.py"
    main = parse_main(read_text(main_path) or "", str(main_path))
    manifest_text = read_text(target / "manifest.json")
    if manifest_text is None:
        raise ExportError(
            f"{target} has a main.py but no manifest.json; a module directory needs both (kit new-module writes them)"
        )
    try:
        manifest = json.loads(manifest_text)
    except ValueError as exc:
        raise ExportError(f"{target / 'manifest.json'} is not valid JSON ({exc}); fix it before exporting") from None
    if not isinstance(manifest, dict) or not manifest.get("uuid"):
        raise ExportError(f"{target / 'manifest.json'} has no uuid; add one (any uuid4) and export again")
    package_name = package or _package_of(main, target)
    keep = frozenset({package_name})
    registered = main.registered()
    pyproject_text = read_text(target / "pyproject.toml")
    check_pydantic_major(flavour, components)

    files: dict[str, str] = {}
    added: list[type] = []
    changed: list[type] = []
    conflicts: dict[str, str] = {}
    new = [c for c in components if c.__name__ not in registered]
    existing = existing_component_manifests(target)
    if new:
        pkg = build_package(
            package_name, new, None, "KitUnusedModule", keep=keep, flavour=flavour,
            format_mode=black_mode(pyproject_text),
        )
        for relpath, text in pkg.files.items():
            if relpath == f"{package_name}/__init__.py":
                continue  # the package is the module's own: its __init__ is not kit's
            current = read_text(target / relpath)
            if current is not None and current != text:
                raise ExportError(
                    f"{target / relpath} already exists and is not the file kit would write for "
                    f"{', '.join(c.__name__ for c in new)}; rename the class (its file is named after it) or move "
                    "that file away"
                )
            files[relpath] = text
        files["main.py"] = add_registrations(main, [(r.module, r.class_name, r.class_name) for r in pkg.registrations])
        added.extend(new)
        http_components = pkg.http_components
        component_files = pkg.component_files
    else:
        http_components, component_files = {}, {}
    updated = [c for c in components if c.__name__ in registered]
    if module_class is not None and main.module_class == module_class.__name__:
        updated.append(module_class)
    code_changed: set[type] = set()  # registered classes (and the module class) whose code changes
    for cls in updated:
        relpath = _class_file(target, main, cls.__name__)
        current = files.get(relpath, read_text(target / relpath) or "")
        text = replace_definitions(current, cls, keep, relpath, flavour)
        if text == current:
            continue
        code_changed.add(cls)
        loaded = read_sha(target / relpath)
        if loaded is not None and loaded != sha256(read_text(target / relpath) or "") and not force:
            conflicts[relpath] = unified_diff(relpath, read_text(target / relpath) or "", text)
        files[relpath] = text
        if component_kind(cls) != "module":
            changed.append(cls)

    # manifests of the new components and of those whose code changes (kept keys: see
    # component_manifest); an unchanged class keeps its hand-written manifest as it is
    regenerate = [c for c in components if c in added or c in code_changed]
    manifests = generate_manifests(regenerate, manifest["uuid"], existing, {c: d for c, d in registered.items()})
    for file_name, data in manifests.items():
        if existing.get(file_name) == data:
            continue
        current = read_text(target / file_name)
        if current is not None and file_name not in existing:
            raise ExportError(f"{target / file_name} exists but is not a component manifest kit can read; fix or move it")
        files[file_name] = _json_like(current, data)
        cls = next(c for c in components if data.get("docker_parameters") in (registered.get(c.__name__), c.__name__))
        if cls not in added and cls not in changed:
            changed.append(cls)
    new_manifest_text = manifest_text
    if module_class in code_changed and configuration_model(module_class) is not None:
        configuration = model_schema(configuration_model(module_class))
        if manifest.get("configuration") != configuration:
            new_manifest_text = _json_like(manifest_text, {**manifest, "configuration": configuration})
            if not changed and not added:
                changed.append(module_class)

    notes: list[str] = []
    old_version = str(manifest.get("version") or "0.0.0")
    if added or changed or (version and version != old_version):
        new_version = version or bump(old_version, "minor" if added else "patch")
        new_manifest_text = _bump_manifest(new_manifest_text, old_version, new_version)
        names = {
            cls.__name__: data.get("name") or display_name(cls)
            for cls in components
            for data in manifests.values()
            if data.get("docker_parameters") in (registered.get(cls.__name__), cls.__name__)
        }

        def label(c: type) -> str:
            return names.get(c.__name__) or display_name(c)

        sections = {
            "Added": [f"Add the {component_kind(c)} {label(c)}" for c in added],
            "Changed": [
                "Change the module configuration" if component_kind(c) == "module" else
                f"Change the {component_kind(c)} {label(c)}"
                for c in changed
            ],
        }
        if changelog or not (added or changed):
            sections = {("Added" if added else "Changed"): list(changelog or ["Update"])}
        files["CHANGELOG.md"] = add_entry(
            read_text(target / "CHANGELOG.md"), new_version, date or _dt.date.today().isoformat(), sections
        )
    if new_manifest_text != manifest_text:
        files["manifest.json"] = new_manifest_text

    # tests of the new components
    test_libraries: list[str] = []
    module_import = (main.imports.get(main.module_class or "", "sekoia_automation.module"), main.module_class or "Module")

    def tests_of(cls: type, class_file: str, component_manifest: dict, example: Any, http: str | None) -> Any:
        return write_component_test(
            cls,
            component_module=class_file[: -len(".py")].replace("/", "."),
            module_import=module_import,
            component_manifest=component_manifest,
            module_manifest=manifest,
            example=example,
            http=http,
        )

    def take(test_files: dict[str, str], libraries: list[str]) -> None:
        files.update(test_files)
        test_libraries.extend(lib for lib in libraries if lib not in test_libraries)
        if not (target / "tests").exists():
            files["tests/__init__.py"] = ""

    for cls in added:
        file_name = next(f for f, m in manifests.items() if m.get("docker_parameters") == cls.__name__)
        test_files, libraries = tests_of(
            cls, component_files[cls.__name__], manifests[file_name], example_for(examples, cls),
            http_components.get(cls.__name__),
        )
        kept_tests = [relpath for relpath in test_files if (target / relpath).exists()]
        if kept_tests and not force:
            notes.append(f"kept your {', '.join(kept_tests)}")
            continue
        take(test_files, libraries)

    # a new recording of a component the module already has: its recording is refreshed (the
    # test that reads it is the author's once written), or its test written if it has none
    for cls in components:
        example = example_for(examples, cls)
        if cls in added or cls.__name__ not in registered or not example or "start" not in example:
            continue
        docker = registered[cls.__name__]
        current = next((m for m in existing.values() if m.get("docker_parameters") == docker), {})
        component_manifest = manifests.get(
            next((f for f, m in manifests.items() if m.get("docker_parameters") == docker), ""), current
        )
        test_files, libraries = tests_of(
            cls, _class_file(target, main, cls.__name__), component_manifest, example,
            "requests" if example.get("http") else None,
        )
        stem = component_stem(cls)
        test_rel, data_rel = f"tests/test_{stem}.py", f"tests/data/recorded_{stem}.json"
        if force or not ((target / data_rel).exists() or (target / test_rel).exists()):
            take(test_files, libraries)
        elif (target / data_rel).exists():
            files[data_rel] = test_files[data_rel]
            cassette_rel = f"tests/data/cassette_{stem}.yaml"
            if cassette_rel in test_files and (target / cassette_rel).exists():
                files[cassette_rel] = test_files[cassette_rel]  # the cassette a test of kit's reads
            notes.append(f"refreshed {data_rel} from the new recording (your {test_rel} reads it)")
        else:
            notes.append(f"kept your {test_rel}; the new recording of {cls.__name__} was not written (export it "
                         f"with force=True to replace that test with one that replays it)")

    if pyproject_text is not None:
        code = [t for p, t in files.items() if p.endswith(".py") and not p.startswith("tests/") and p != "main.py"]
        dependencies = distributions_for(_third_party(code), exclude={package_name, "tests"})
        text = add_dependencies(pyproject_text, dependencies, test_libraries, str(target / "pyproject.toml"))
        if text != pyproject_text:
            files["pyproject.toml"] = text
    else:
        notes.append("no pyproject.toml in the module: kit added no dependency")

    format_python(
        files, {relpath: read_text(target / relpath) for relpath in files}, files.get("pyproject.toml", pyproject_text)
    )

    # files kit wrote earlier (a module kit exported) and edited by hand since
    state = load_state(target)
    for relpath, text in files.items():
        current = read_text(target / relpath)
        if current is None or current == text or relpath not in state or force:
            continue
        if state[relpath] != sha256(current) and relpath not in conflicts:
            conflicts[relpath] = unified_diff(relpath, current, text)
    if conflicts:
        raise ExportConflict(target, conflicts)

    refuse_invalid_schemas(target, files)
    refuse_symlinks(target, [*files, STATE_FILE])
    originals = {relpath: read_text(target / relpath) for relpath in files}
    written: list[str] = []
    unchanged: list[str] = []
    for relpath, text in files.items():
        if read_text(target / relpath) == text:
            unchanged.append(relpath)
            continue
        write_atomic(target / relpath, text)
        remember_written(target / relpath, text)
        written.append(relpath)
    if (target / STATE_FILE).exists() and written:
        state.update({p: sha256(files[p]) for p in written})
        write_atomic(target / STATE_FILE, dump_state(state))
    if "pyproject.toml" in written or not (target / "poetry.lock").exists():
        before = read_text(target / "poetry.lock")
        notes.extend(lock_module(target, lock))
        if read_text(target / "poetry.lock") != before:
            written.append("poetry.lock")
    if round_trip and (added or changed):
        try:
            verify_edit(target, {f: d for f, d in manifests.items()})
        except Exception:
            # nothing lost: the module directory goes back to what it was
            for relpath in written:
                if relpath == "poetry.lock":
                    continue
                original = originals.get(relpath)
                if original is None:
                    (target / relpath).unlink(missing_ok=True)
                else:
                    write_atomic(target / relpath, original)
            raise
    return ExportResult(
        path=target,
        written=tuple(sorted(written)),
        unchanged=tuple(sorted(unchanged)),
        notes=tuple(notes),
    )


def lock_module(target: Path, lock: bool) -> list[str]:
    """Run ``poetry lock`` in ``target`` (keeping the versions already locked); a note when
    it cannot."""
    command = f"cd {target} && poetry lock"
    poetry = shutil.which("poetry")
    if not lock or poetry is None:
        why = "Poetry is not on PATH" if lock else "locking turned off: lock=False, --no-lock"
        return [f"poetry.lock not updated ({why}); update it with: {command}"]
    proc = subprocess.run([poetry, "--version"], capture_output=True, text=True, timeout=60)
    args = [poetry, "lock"]
    match = re.search(r"(\d+)\.(\d+)", proc.stdout)
    if match and int(match.group(1)) < 2:
        args.append("--no-update")  # Poetry 1 re-resolves every version without it
    proc = subprocess.run(args, cwd=target, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        return [f"`poetry lock` failed ({last}); run: {command}"]
    return []


_ROUND_TRIP = """
import json, sys
sys.path.insert(0, {kit_root!r})
from kit._export._generate import load_code
from kit._export._manifests import generate_manifests
from kit._export._schema import v1_layout
from kit._export._writer import existing_component_manifests
from kit._flavour import flavour_of
from pathlib import Path
root = Path({target!r})
loaded = load_code(root)
registered = {{cls.__name__: docker for docker, cls in loaded.registered}}
manifest = json.loads((root / "manifest.json").read_text())
with v1_layout(flavour_of(root).sdk_v1_models):
    out = generate_manifests(list(dict.fromkeys(cls for _, cls in loaded.registered)), manifest["uuid"],
                             existing_component_manifests(root), registered)
print("\\n@@KIT@@" + json.dumps(out))
"""


def verify_edit(target: Path, expected: dict[str, dict]) -> None:
    """Load the edited module in a fresh interpreter and compare the manifests its code gives
    for the exported components with the ones written.

    Raises:
        RoundTripError: the module does not load, or gives other manifests.
    """
    from ._writer import KIT_ROOT, RoundTripError

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    script = _ROUND_TRIP.format(kit_root=str(KIT_ROOT), target=str(target.resolve()))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=str(target), env=env)
    marker = proc.stdout.rfind("@@KIT@@")
    if proc.returncode != 0 or marker < 0:
        output = proc.stderr or proc.stdout
        last = output.strip().splitlines()[-1] if output.strip() else "no output"
        raise RoundTripError(
            f"round trip failed for {target}: loading the edited module in a fresh interpreter raised: {last}\n"
            "(nothing was changed: the module directory is as it was; fix the code, or install what the module "
            "needs in this interpreter, and export again; round_trip=False skips this check)\n" + output
        )
    regenerated = json.loads(proc.stdout[marker + len("@@KIT@@") :])
    problems = []
    for file_name, data in expected.items():
        if regenerated.get(file_name) != data:
            problems.append(
                unified_diff(file_name, json.dumps(data, indent=2), json.dumps(regenerated.get(file_name), indent=2))
            )
    if problems:
        raise RoundTripError(
            f"round trip failed for {target}: the edited module's code gives other manifests than the ones written "
            "(a class depends on state of the notebook that export cannot see?); nothing was changed:\n"
            + "\n".join(problems)
        )
