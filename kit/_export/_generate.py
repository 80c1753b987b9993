"""``kit generate-files DIR``: manifests and ``main.py`` from the code of a module directory
(the SDK's ``generate-files-from-code``), and the regeneration used by export's round trip.

The code is loaded through ``kit._loader.load_module_directory`` (its ``sekoia_automation``
imports run on kit); when that loader is not available, it is imported as it is (which needs
the real ``sekoia-automation-sdk``).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ._fs import read_text, refuse_symlinks, write_atomic
from ._schema import v1_layout
from ._manifests import (
    ExportError,
    Registration,
    component_kind,
    dumps,
    generate_manifests,
    module_configuration,
    module_manifest,
    render_main,
)

_SKIP_DIRS = {"tests", "test", ".venv", "venv", "build", "dist", "__pycache__", "node_modules"}


def locate_classes(root: Path) -> dict[str, str]:
    """``{class name: dotted module}`` for every top-level class of the directory's code
    (``tests/``, ``main.py``, hidden and virtual-env folders excluded), found by AST."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        rel = Path(dirpath).relative_to(root)
        if rel.parts and not (Path(dirpath) / "__init__.py").exists():
            dirnames[:] = []
            continue
        for filename in sorted(filenames):
            if not filename.endswith(".py") or (not rel.parts and filename == "main.py"):
                continue
            try:
                tree = ast.parse(read_text(Path(dirpath) / filename) or "")
            except SyntaxError:
                continue
            parts = list(rel.parts)
            if filename != "__init__.py":
                parts.append(filename[:-3])
            dotted = ".".join(parts)
            if not dotted:
                continue
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    out.setdefault(node.name, dotted)
    return out


@dataclass(frozen=True)
class LoadedModule:
    """The classes found in a module directory."""

    module_class: type | None
    components: tuple[type, ...]
    registered: tuple[tuple[str, type], ...] = ()  # (docker_parameters, class) registered in main.py


def load_code(root: Path) -> LoadedModule:
    """Load the module directory's code and find its Module subclass and components."""
    try:
        from kit._loader import load_module_directory
    except ImportError:
        load_module_directory = None
    if load_module_directory is not None:
        loaded = load_module_directory(root)
        modules: list[type] = []
        components: list[type] = []
        namespaces = [vars(m) for m in loaded.import_code_modules()]
        if loaded.main is not None:
            namespaces.append(vars(loaded.main))
        for namespace in namespaces:
            for value in list(namespace.values()):
                kind = component_kind(value)
                if kind == "module" and value not in modules:
                    modules.append(value)
                elif kind in ("trigger", "connector", "action") and value not in components:
                    components.append(value)
        for cls in loaded.items.values():
            if component_kind(cls) in ("trigger", "connector", "action") and cls not in components:
                components.append(cls)
        module_class = loaded.module_class if loaded.module_class in modules else None
        if module_class is None and len(modules) == 1:
            module_class = modules[0]
        registered = tuple(
            (docker, cls) for docker, cls in loaded.items.items() if component_kind(cls) in ("trigger", "connector", "action")
        )
        return LoadedModule(module_class, tuple(components), registered)
    return _import_plainly(root)


def _import_plainly(root: Path) -> LoadedModule:
    sys.path.insert(0, str(root))
    modules: list[type] = []
    components: list[type] = []
    for _, name, ispkg in pkgutil.walk_packages([str(root)]):
        if ispkg or name == "tests" or name.startswith("tests.") or name == "main":
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            kind = component_kind(value)
            if kind == "module" and value not in modules:
                modules.append(value)
            elif kind in ("trigger", "connector", "action") and value not in components:
                components.append(value)
    return LoadedModule(modules[0] if len(modules) == 1 else None, tuple(components))


def regenerate(path: str | os.PathLike) -> dict[str, str]:
    """The manifests and ``main.py`` the code of a module directory generates, as
    ``{relative path: text}`` (nothing is written). Existing uuids are kept; schemas are laid out
    as the generator of the module's pinned SDK writes them.

    Raises:
        ExportError: no ``manifest.json``, or not exactly one Module subclass.
    """
    from kit._flavour import flavour_of

    with v1_layout(flavour_of(path).sdk_v1_models):
        return _regenerate(Path(path))


def _regenerate(root: Path) -> dict[str, str]:
    manifest_text = read_text(root / "manifest.json")
    if manifest_text is None:
        raise ExportError(
            f"no manifest.json in {root}: run it on a module's root directory (create one with `kit new-module`)"
        )
    try:
        manifest = json.loads(manifest_text)
    except ValueError as exc:
        raise ExportError(f"{root / 'manifest.json'} is not valid JSON ({exc}); fix it first") from None
    if not manifest.get("uuid"):
        raise ExportError(f"{root / 'manifest.json'} has no uuid; add one (any uuid4) and run again")
    loaded = load_code(root)
    if loaded.module_class is None:
        raise ExportError(
            f"found no Module subclass (or more than one) in the code of {root}; define exactly one "
            "`class MyModule(Module)` (kit new-module writes one)"
        )
    from ._writer import existing_component_manifests

    components = sorted(loaded.components, key=lambda c: c.__name__)
    out: dict[str, str] = {}
    registered = {cls.__name__: docker for docker, cls in loaded.registered}
    manifests = generate_manifests(components, manifest["uuid"], existing_component_manifests(root), registered)
    for file_name, data in manifests.items():
        out[file_name] = dumps(data)
    out["manifest.json"] = dumps(module_manifest(manifest, module_configuration(loaded.module_class, manifest)))
    where = locate_classes(root)
    missing = [c.__name__ for c in [loaded.module_class, *components] if c.__name__ not in where]
    if missing:
        raise ExportError(
            f"cannot find the file of {', '.join(missing)} in {root}: classes must be defined at the top level of a "
            "file of the module's package"
        )
    registrations = [
        Registration(component_kind(c), c.__name__, where[c.__name__], registered.get(c.__name__)) for c in components
    ]
    out["main.py"] = render_main((where[loaded.module_class.__name__], loaded.module_class.__name__), registrations)
    return out


def generate_files(path: str | os.PathLike) -> list[str]:
    """Write the manifests and ``main.py`` generated from the code (``kit generate-files``).

    Returns the relative paths written (files whose content did not change are not touched).
    """
    root = Path(path)
    written = []
    files = regenerate(root)
    refuse_symlinks(root, files)
    for relpath, text in files.items():
        if read_text(root / relpath) != text:
            write_atomic(root / relpath, text)
            written.append(relpath)
    return written
