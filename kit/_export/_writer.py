"""``kit.export``: write a complete module directory from component classes.

See :func:`export`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
import uuid as _uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from kit._flavour import flavour_from

from ._edit import check_pydantic_major, lock_module, refuse_invalid_schemas
from ._format import black_mode
from ._fs import STATE_FILE, dump_state, load_state, read_text, refuse_symlinks, sha256, unified_diff, write_atomic
from ._manifests import (
    ExportError,
    check_names,
    check_string_annotations,
    component_kind,
    configuration_model,
    dumps,
    generate_manifests,
    render_main,
)
from ._package import build_package, distributions_for, snake_case
from ._schema import model_schema, v1_layout
from ._changelog import add_entry
from ._pyproject import new_pyproject
from ._templates import DOCKERFILE, DRAFT7, LOGO_SVG
from ._tests import example_for, recordings, write_component_test

KIT_ROOT = Path(__file__).resolve().parents[2]  # the directory holding the kit package
SLUG_PATTERN = re.compile(r"^[a-z]([a-z_.\-]|\d)*$")
SEMVER_PATTERN = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
CATEGORIES = (
    "Applicative",
    "Cloud Providers",
    "Collaboration Tools",
    "Email",
    "Endpoint",
    "Generic",
    "IAM",
    "Network",
    "Threat Intelligence",
)
# Files kit writes once and then leaves to the author: a hand-edited copy is kept, not a conflict.
SEED_FILES = ("pyproject.toml", "Dockerfile", "logo.svg", "tests/__init__.py")


@dataclass(frozen=True)
class ModuleInfo:
    """What ``manifest.json`` says about a module.

    Attributes:
        name: display name, e.g. ``"Acme Alerts"``.
        slug: ``^[a-z]([a-z_.\\-]|\\d)*$``; default: the name lower-cased, spaces -> ``-``.
        description: one sentence.
        version: semantic version of this release (default ``"1.0.0"``).
        categories: from :data:`CATEGORIES` (default ``("Generic",)``).
        uuid: the module uuid; default: the existing manifest's, else a new uuid4.
        module_class: the author's ``kit.module.Module`` subclass (its ``configuration``
            annotation is the module configuration model); default: an empty one is generated.
    """

    name: str
    slug: str | None = None
    description: str = ""
    version: str | None = None
    categories: tuple[str, ...] | None = None
    uuid: str | None = None
    module_class: type | None = None


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` did.

    Attributes:
        path: the module directory.
        written: files written (created or changed), relative to ``path``.
        unchanged: files whose content was already what kit generates (not touched).
        kept: files the author changed by hand and kit left as they are (tests, pyproject...).
        deleted: manifests kit had written for components no longer exported.
        notes: one-line remarks (e.g. the command that makes ``poetry.lock``).
    """

    path: Path
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"exported to {self.path}: {len(self.written)} written, {len(self.unchanged)} unchanged"]
        lines += [f"  wrote {p}" for p in self.written]
        lines += [f"  kept your {p}" for p in self.kept]
        lines += [f"  deleted {p}" for p in self.deleted]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


class ExportConflict(ExportError):
    """Files in the target directory were changed by hand; nothing was written.

    Attributes:
        diffs: ``{relative path: unified diff from the file on disk to kit's version}``.
    """

    def __init__(self, path: Path, diffs: dict[str, str]):
        self.path = path
        self.diffs = dict(diffs)
        names = ", ".join(sorted(diffs))
        body = "\n".join(diffs[k] for k in sorted(diffs))
        super().__init__(
            f"not exporting to {path}: these files were changed by hand since kit wrote them (or were not written by "
            f"kit): {names}. Nothing was written. Re-run with force=True (CLI: --force) to overwrite them, or move "
            f"your changes into the code.\n{body}"
        )


class RoundTripError(ExportError):
    """The written module, imported in a fresh interpreter, does not regenerate what was written."""


def _title(name: str) -> str:
    return re.sub(r"\W", "", name.title().replace(" ", "")) or "Automation"


def _default_slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _module_info(module: Any, overrides: dict[str, Any]) -> ModuleInfo:
    if module is None:
        info = ModuleInfo(name="")
    elif isinstance(module, ModuleInfo):
        info = module
    elif isinstance(module, Mapping):
        unknown = set(module) - set(ModuleInfo.__dataclass_fields__)
        if unknown:
            raise ExportError(
                f"module={dict(module)!r}: unknown keys {sorted(unknown)!r}; use "
                f"{sorted(ModuleInfo.__dataclass_fields__)!r}"
            )
        info = ModuleInfo(**{"name": "", **module})
    elif isinstance(module, type) and component_kind(module) == "module":
        name = module.__name__[: -len("Module")] if module.__name__.endswith("Module") and module.__name__ != "Module" else module.__name__
        info = ModuleInfo(
            name=getattr(module, "module_name", None) or name,
            description=getattr(module, "module_description", None) or "",
            module_class=module,
        )
    else:
        raise ExportError(
            f"module={module!r}: pass a kit.module.Module subclass, a kit.ModuleInfo(name=...) or a dict of its "
            "fields"
        )
    values = {k: v for k, v in overrides.items() if v is not None}
    if values:
        info = ModuleInfo(**{**info.__dict__, **values})
    return info


def _existing_json(path: Path) -> dict | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def existing_component_manifests(root: Path) -> dict[str, dict]:
    """``{file name: manifest}`` of the ``trigger_*``, ``connector_*`` and ``action_*`` JSON files."""
    out: dict[str, dict] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*.json")):
        if path.name.split("_", 1)[0] in ("trigger", "connector", "action") and "_" in path.name:
            data = _existing_json(path)
            if data is not None:
                out[path.name] = data
    return out


def _validate_info(info: ModuleInfo) -> None:
    if not info.name or not info.name.strip():
        raise ExportError(
            "the module has no name: pass module=kit.ModuleInfo(name='My Module', ...) or name='My Module' "
            "(or export into a directory whose manifest.json has a name)"
        )
    if info.slug is not None and not SLUG_PATTERN.match(info.slug):
        raise ExportError(
            f"slug {info.slug!r} does not match ^[a-z]([a-z_.\\-]|\\d)*$ (lower-case letters, digits, '_', '.', '-', "
            f"starting with a letter); pass slug={_default_slug(re.sub(r'[^A-Za-z0-9 _.-]', '', info.name)) or 'my-module'!r}"
        )
    if info.version is not None and not SEMVER_PATTERN.match(info.version):
        raise ExportError(f"version {info.version!r} is not a semantic version; use e.g. '1.0.0'")
    for category in info.categories or ():
        if category not in CATEGORIES:
            raise ExportError(f"category {category!r} is not one of {list(CATEGORIES)!r}; pick from that list")
    if info.uuid is not None:
        try:
            _uuid.UUID(info.uuid)
        except ValueError:
            raise ExportError(f"uuid {info.uuid!r} is not a UUID; leave it out to get a new one") from None


def _check_target(to: Any) -> Path:
    if to is None or str(to).strip() == "":
        raise ExportError("export needs a target directory: to='path/MyModule'")
    target = Path(to)
    if target.exists() and not target.is_dir():
        raise ExportError(f"to={str(to)!r} is a file, not a directory; choose a directory path")
    return target


def export(
    *classes: type,
    to: str | os.PathLike,
    module: Any = None,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    version: str | None = None,
    categories: Iterable[str] | None = None,
    uuid: str | None = None,
    package: str | None = None,
    changelog: str | list[str] | None = None,
    date: str | None = None,
    examples: Mapping[str, Mapping[str, Any]] | None = None,
    simulations: Iterable[Any] = (),
    force: bool = False,
    round_trip: bool = True,
    lock: bool = True,
) -> ExportResult:
    """Write a complete module directory for ``classes``.

    Writes ``manifest.json``, one JSON per component, ``main.py``, the package with the
    classes and the models, helpers and imports they use (``kit`` imports rewritten to
    ``sekoia_automation``), ``tests/`` with one test per component on kit's fake platform,
    ``pyproject.toml`` (Poetry, ``package-mode = false``), ``Dockerfile``, ``CHANGELOG.md``
    and ``logo.svg``; ``poetry.lock`` when ``poetry`` is on PATH.

    Over an existing directory: uuids, version and CHANGELOG entries are kept; a file changed
    by hand since kit wrote it is not overwritten (:class:`ExportConflict` lists the files
    with diffs, and nothing is written) unless ``force=True``; files whose content does not
    change are not touched, so re-exporting unchanged code changes no byte. Each file is
    written atomically. After writing, the package is imported in a fresh interpreter and its
    manifests regenerated and compared (``round_trip=False`` skips it).

    Args:
        *classes: trigger, connector and action classes (a Module subclass may be among them).
        to: the module directory.
        module: a Module subclass, a :class:`ModuleInfo` or a dict of its fields.
        name, slug, description, version, categories, uuid: override ``module``'s fields.
        package: the package directory (default: the existing one, else ``<name>_modules``).
        changelog: lines of the CHANGELOG entry for a new version.
        date: the date of a new CHANGELOG entry (default: today, ``YYYY-MM-DD``).
        examples: ``{class name: {"configuration"|"arguments": ..., "module_configuration": ...,
            "http": [{"method": "GET", "url": ..., "json": ...}, ...]}}`` used by the generated
            tests (default: values made from the schemas; ``http`` items are the keyword
            arguments of ``responses.add`` registered before the component runs).
        simulations: simulations (``platform.load(...)``) of the components, after stepping them:
            their configuration and the HTTP answers they received become the generated tests'
            ``examples`` (secret values are replaced, query strings dropped so answers match again).
        force: overwrite files changed by hand.
        round_trip: check the written module in a fresh interpreter.
        lock: run ``poetry lock`` when Poetry is available.

    Returns:
        :class:`ExportResult`.

    Raises:
        ExportError: a name breaks a rule, a source cannot be found, or the round trip fails.
        ExportConflict: files were changed by hand (and ``force`` is false).
    """
    if simulations:
        examples = {**recordings(simulations), **dict(examples or {})}
    target = _check_target(to)
    from kit.module import Module

    # the SDK's own Module (what `loaded.module_class` is when main.py does `Module()`) is not the author's
    classes = tuple(c for c in classes if c is not Module)
    module_classes = [c for c in classes if component_kind(c) == "module"]
    components = [c for c in classes if component_kind(c) != "module"]
    if len(module_classes) > 1:
        raise ExportError(
            f"more than one Module subclass given ({', '.join(c.__name__ for c in module_classes)}); a module "
            "directory has exactly one"
        )
    if module_classes:
        if module is not None and not isinstance(module, (ModuleInfo, Mapping)):
            raise ExportError("a Module subclass was given both in classes and as module=; give it once")
        if module is None:
            module = module_classes[0]
        else:
            module = _module_info(module, {"module_class": module_classes[0]})
    if not components:
        raise ExportError("nothing to export: pass at least one trigger, connector or action class")
    check_names(components)
    check_string_annotations(components + module_classes + ([module] if isinstance(module, type) else []))
    if (target / "main.py").is_file():
        from ._edit import export_into

        lines = [changelog] if isinstance(changelog, str) else list(changelog) if changelog else None
        flavour = flavour_from(read_text(target / "pyproject.toml"), read_text(target / "poetry.lock"), target)
        with v1_layout(flavour.sdk_v1_models):
            return export_into(
                target,
                components,
                module_classes[0] if module_classes else (module if isinstance(module, type) else None),
                package=package,
                version=version,
                changelog=lines,
                date=date,
                examples=examples,
                force=force,
                lock=lock,
                round_trip=round_trip,
                flavour=flavour,
            )

    existing_manifest = _existing_json(target / "manifest.json") or {}
    info = _module_info(
        module,
        {
            "name": name,
            "slug": slug,
            "description": description,
            "version": version,
            "categories": tuple(categories) if categories is not None else None,
            "uuid": uuid,
        },
    )
    explicit_version = info.version
    info = ModuleInfo(
        name=info.name or existing_manifest.get("name") or "",
        slug=info.slug or existing_manifest.get("slug"),
        description=info.description or existing_manifest.get("description") or "",
        version=info.version or existing_manifest.get("version") or "1.0.0",
        categories=info.categories or tuple(existing_manifest.get("categories") or ()) or ("Generic",),
        uuid=existing_manifest.get("uuid") or info.uuid or str(_uuid.uuid4()),
        module_class=info.module_class,
    )
    _validate_info(info)
    slug_value = info.slug or _default_slug(info.name)
    if not SLUG_PATTERN.match(slug_value):
        raise ExportError(
            f"the slug made from the name {info.name!r} is {slug_value!r}, which does not match "
            "^[a-z]([a-z_.\\-]|\\d)*$; pass slug='my-module'"
        )
    package_name = package or f"{snake_case(re.sub(r'[^A-Za-z0-9]+', '_', info.name))}_modules"
    if not package_name.isidentifier() or package_name in ("tests", "main"):
        raise ExportError(
            f"package {package_name!r} is not a valid package name: it must be a Python identifier other than "
            "'tests' and 'main' (no '/', '.', '-' or spaces); pass package='my_module_modules'"
        )
    module_class = info.module_class
    if module_class is not None and component_kind(module_class) != "module":
        raise ExportError(f"module_class={module_class!r} is not a kit.module.Module subclass")
    module_class_name = module_class.__name__ if module_class else f"{_title(info.name)}Module"

    # formatted with the settings of the pyproject.toml the module will have (kit's, when it is new)
    black_settings = read_text(target / "pyproject.toml") or new_pyproject(
        slug="module", description="", dependencies=[], dev_dependencies=[]
    )
    pkg = build_package(package_name, components, module_class, module_class_name, format_mode=black_mode(black_settings))

    files: dict[str, str] = {}
    # manifest.json
    configuration = None
    if module_class is not None and configuration_model(module_class) is not None:
        configuration = model_schema(configuration_model(module_class))
    if existing_manifest:
        manifest = dict(existing_manifest)
        for key, value in (
            ("name", name or (info.name if not existing_manifest.get("name") else None)),
            ("slug", slug or (slug_value if not existing_manifest.get("slug") else None)),
            ("description", description),
            ("categories", list(categories) if categories is not None else None),
            ("version", explicit_version),
        ):
            if value is not None:
                manifest[key] = value
        for key, value in (("uuid", info.uuid), ("description", info.description), ("version", info.version)):
            manifest.setdefault(key, value)
        manifest.setdefault("categories", list(info.categories))
        if configuration is not None:
            manifest["configuration"] = configuration
        manifest.setdefault(
            "configuration",
            {"$schema": DRAFT7, "properties": {}, "title": info.name, "type": "object"},
        )
    else:
        manifest = {
            "uuid": info.uuid,
            "name": info.name,
            "slug": slug_value,
            "description": info.description,
            "version": info.version,
            "categories": list(info.categories),
            "configuration": configuration
            if configuration is not None
            else {"$schema": DRAFT7, "properties": {}, "title": info.name, "type": "object"},
        }
    files["manifest.json"] = dumps(manifest)
    module_version = manifest["version"]

    existing_components = existing_component_manifests(target)
    component_manifests = generate_manifests(components, manifest["uuid"], existing_components)
    for file_name, data in component_manifests.items():
        files[file_name] = dumps(data)

    files["main.py"] = render_main(pkg.module_import, pkg.registrations)
    files.update(pkg.files)

    # tests
    test_libraries: list[str] = []
    files["tests/__init__.py"] = ""
    for cls in components:
        data = component_manifests[next(f for f, m in component_manifests.items() if m["docker_parameters"] == cls.__name__)]
        test_files, libraries = write_component_test(
            cls,
            component_module=pkg.component_files[cls.__name__][: -len(".py")].replace("/", "."),
            module_import=pkg.module_import,
            component_manifest=data,
            module_manifest=manifest,
            example=example_for(examples, cls),
            http=pkg.http_components.get(cls.__name__),
        )
        files.update(test_files)
        test_libraries.extend(lib for lib in libraries if lib not in test_libraries)

    files["pyproject.toml"] = new_pyproject(
        slug=slug_value,
        description=manifest.get("description") or "",
        dependencies=distributions_for(pkg.third_party, exclude={package_name}),
        dev_dependencies=test_libraries,
    )
    # the pin that will hold: the author's pyproject.toml when there is one (kit keeps it)
    check_pydantic_major(
        flavour_from(read_text(target / "pyproject.toml") or files["pyproject.toml"], None, target), components
    )
    files["Dockerfile"] = DOCKERFILE
    if not (target / "logo.png").exists():
        files["logo.svg"] = LOGO_SVG
    lines = [changelog] if isinstance(changelog, str) else list(changelog) if changelog else None
    files["CHANGELOG.md"] = add_entry(
        read_text(target / "CHANGELOG.md"),
        module_version,
        date or _dt.date.today().isoformat(),
        {"Changed": lines or ["Update"]} if existing_changelog_versions(target) else {"Added": lines or ["Initial version"]},
    )

    # decide what to write
    state = load_state(target)
    to_write: dict[str, str] = {}
    unchanged: list[str] = []
    kept: list[str] = []
    conflicts: dict[str, str] = {}
    for relpath, text in files.items():
        current = read_text(target / relpath)
        if current == text:
            unchanged.append(relpath)
            continue
        if current is None or force or state.get(relpath) == sha256(current):
            to_write[relpath] = text
            continue
        if relpath in SEED_FILES or relpath.startswith(("tests/test_", "tests/data/recorded_")):
            kept.append(relpath)
            continue
        conflicts[relpath] = unified_diff(relpath, current, text)
    deleted: list[str] = []
    for file_name in existing_components:
        if file_name in files:
            continue
        current = read_text(target / file_name)
        if current is not None and state.get(file_name) == sha256(current):
            deleted.append(file_name)
    if conflicts:
        raise ExportConflict(target, conflicts)

    refuse_invalid_schemas(target, to_write)
    refuse_symlinks(target, [*to_write, *deleted, STATE_FILE])
    target.mkdir(parents=True, exist_ok=True)
    for relpath, text in to_write.items():
        write_atomic(target / relpath, text)
    for file_name in deleted:
        (target / file_name).unlink()
    new_state = {k: v for k, v in state.items() if k not in deleted and (target / k).exists()}
    for relpath in files:
        if relpath not in kept:
            new_state[relpath] = sha256(files[relpath])
    state_text = dump_state(new_state)
    if read_text(target / STATE_FILE) != state_text:
        write_atomic(target / STATE_FILE, state_text)

    notes: list[str] = []
    locked: list[str] = []  # poetry.lock, when `poetry lock` wrote it
    if "pyproject.toml" in kept:
        project_text = read_text(target / "pyproject.toml") or ""
        dependencies = distributions_for(pkg.third_party, exclude={package_name})
        missing = [d for d in dependencies if not re.search(rf"^\s*{re.escape(d)}\s*=", project_text, re.M | re.I)]
        if missing:
            notes.append(f"your pyproject.toml lacks {', '.join(missing)}: run `poetry add {' '.join(missing)}`")
    if "pyproject.toml" in to_write or not (target / "poetry.lock").exists():
        before = read_text(target / "poetry.lock")
        notes.extend(lock_module(target, lock))
        if read_text(target / "poetry.lock") != before:
            locked.append("poetry.lock")
    for file_name, data in existing_components.items():
        if file_name not in files and file_name not in deleted:
            notes.append(
                f"{file_name} ({data.get('docker_parameters')!r}) is no longer exported but was kept because you "
                "changed it; delete it if the component is gone"
            )

    if round_trip:
        verify_round_trip(target, pkg, files)

    return ExportResult(
        path=target,
        written=tuple(sorted([*to_write, *locked])),
        unchanged=tuple(sorted(unchanged)),
        kept=tuple(sorted(kept)),
        deleted=tuple(sorted(deleted)),
        notes=tuple(notes),
    )


_ROUND_TRIP_SCRIPT = """
import json, sys
sys.path.insert(0, {kit_root!r})
from kit._export._generate import regenerate
print("\\n@@KIT@@" + json.dumps(regenerate({target!r})))
"""


def verify_round_trip(target: Path, pkg: Any, files: dict[str, str]) -> None:
    """Import the written module in a fresh interpreter, regenerate manifests and ``main.py``
    and compare them with ``files``.

    Raises:
        RoundTripError: the import failed (the message points at the notebook cell or file
            and line the failing code came from) or a regenerated file differs.
    """
    kit_root = str(KIT_ROOT)
    script = _ROUND_TRIP_SCRIPT.format(kit_root=kit_root, target=str(target.resolve()))
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=str(target), env=env
    )
    marker = proc.stdout.rfind("@@KIT@@")
    if proc.returncode != 0 or marker < 0:
        raise RoundTripError(_explain_failure(target, pkg, proc.stderr or proc.stdout))
    regenerated: dict[str, str] = json.loads(proc.stdout[marker + len("@@KIT@@") :])
    problems = []
    for relpath, text in sorted(regenerated.items()):
        expected = files.get(relpath)
        if expected is None:
            problems.append(f"{relpath}: regenerated from the code but not written by export")
        elif expected != text:
            problems.append(unified_diff(relpath, expected, text))
    for relpath in files:
        if relpath.endswith(".json") and "/" not in relpath and relpath != "manifest.json" and relpath not in regenerated:
            problems.append(f"{relpath}: written by export but its component was not found when importing the code")
    if problems:
        raise RoundTripError(
            f"round trip failed for {target}: importing the written code in a fresh interpreter gives different "
            "manifests (a class depends on state of the notebook that export cannot see?):\n" + "\n".join(problems)
        )


def _explain_failure(target: Path, pkg: Any, output: str) -> str:
    resolved = str(target.resolve())
    location = ""
    for match in re.finditer(r'File "([^"]+)", line (\d+)', output):
        path, line = match.group(1), int(match.group(2))
        if not path.startswith(resolved + os.sep):
            continue
        relpath = os.path.relpath(path, resolved).replace(os.sep, "/")
        span = pkg.locate(relpath, line) if pkg is not None else None
        if span is not None:
            location = (
                f"{relpath}, line {line}, which comes from {span.origin}, line {span.origin_line + line - span.start}"
            )
        else:
            location = f"{relpath}, line {line}"
    last = output.strip().splitlines()[-1] if output.strip() else "no output"
    where = f" at {location}" if location else ""
    return (
        f"round trip failed for {target}: importing the written module in a fresh interpreter raised{where}: {last}\n"
        f"(fix the code there and export again)\n{output}"
    )


def existing_changelog_versions(target: Path) -> list[str]:
    """The versions ``CHANGELOG.md`` in ``target`` has entries for."""
    from ._changelog import versions

    return versions(read_text(target / "CHANGELOG.md") or "")
