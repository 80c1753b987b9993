"""Manifests (``manifest.json``, ``trigger_*.json``, ``connector_*.json``, ``action_*.json``) and
``main.py`` generated from component classes, in the layout of the SDK's ``FilesGenerator``.

Layout (see ``shared/reference/module-format.md`` and the SDK contract, section 4):

- component JSON keys, in order: ``name``, ``description``, ``uuid``, ``docker_parameters``,
  ``arguments``, ``results`` (connectors have no ``results``), then ``outputs`` for an action
  that declares output branches; written with ``json.dumps(indent=2)`` and no trailing newline;
- ``name`` is ``cls.name or cls.__name__``; ``description`` is ``cls.description or name``;
  ``docker_parameters`` is the class ``__name__``; the file is
  ``{kind}_{name.lower().replace(' ', '_')}.json``;
- a new component gets ``uuid5(UUID(module uuid), name)``; a component that already has a
  manifest (same ``docker_parameters``) keeps its uuid, whatever its name became;
- ``secrets`` lists (module configuration and component arguments) come from fields marked
  secret (see :mod:`kit._export._schema`).

Action output branches: an action declares them with a class attribute
``output_branches = {"found": "An IOC was found", "not_found": "..."}`` (branch name ->
description). Without it, the branch names passed as string literals to
``self.set_output("...")`` in the class's source are found by AST and described by their
name. (``outputs`` is not used as the attribute name: ``Action.outputs`` is the SDK property
that holds the branches activated at run time.)
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
import typing
import uuid as _uuid
from dataclasses import dataclass
from typing import Any, Literal

from ._schema import is_model_class, merge_schema, model_schema

Kind = Literal["trigger", "connector", "action", "module"]

_BASES: dict[str, Kind] = {
    "Action": "action",
    "Connector": "connector",
    "Trigger": "trigger",
    "Module": "module",
}
_SDK_PACKAGES = ("kit", "sekoia_automation")
KIND_ORDER: tuple[Kind, ...] = ("trigger", "connector", "action")


class ExportError(Exception):
    """A class, name or directory cannot be exported; the message says the rule and the fix."""


def _is_sdk_class(cls: type) -> bool:
    return cls.__module__.split(".")[0] in _SDK_PACKAGES


def component_kind(cls: Any) -> Kind | None:
    """Return ``"trigger"``, ``"connector"``, ``"action"`` or ``"module"`` for a class built on
    kit's or the real SDK's base classes, ``None`` for anything else (or the base classes)."""
    if not isinstance(cls, type):
        return None
    if _is_sdk_class(cls):
        return None  # the SDK's own classes (Trigger, AsyncConnector, GenericAPIAction...) are no components
    for base in cls.__mro__[1:]:
        if base.__name__ in _BASES and _is_sdk_class(base):
            kind = _BASES[base.__name__]
            return kind
    return None


def resolve_annotation(cls: type, attribute: str) -> Any:
    """The annotation of ``attribute`` on the first class of ``cls``'s MRO that has one,
    with string annotations evaluated in their module (like ``kit.utils.get_annotation_for``)."""
    for base in inspect.getmro(cls):
        annotations = base.__dict__.get("__annotations__", {})
        if attribute in annotations:
            value = annotations[attribute]
            if isinstance(value, str):
                module = sys.modules.get(base.__module__)
                namespace = dict(vars(module)) if module else {}
                try:
                    value = eval(value, namespace, dict(vars(base)))  # noqa: S307 - annotations are code
                except Exception as exc:
                    raise ExportError(
                        f"{cls.__name__}.{attribute}: cannot resolve the string annotation {value!r} ({exc}); "
                        f"define or import that name in {base.__module__!r}"
                    ) from None
            return value
    return None


def configuration_model(cls: type) -> Any:
    """The configuration model of a trigger, connector or module class, or ``None``."""
    model = resolve_annotation(cls, "configuration")
    return model if is_model_class(model) else None


def arguments_model(cls: type) -> Any:
    """The model annotating the first parameter of an action's ``run(self, arguments)``, or ``None``."""
    from kit.utils import run_arguments_annotation

    annotation = run_arguments_annotation(cls)
    if isinstance(annotation, str):
        run = inspect.unwrap(cls.run)
        name = list(inspect.signature(run).parameters)[1]
        try:
            typing.get_type_hints(run)
        except Exception as exc:  # the reason it could not be resolved
            raise ExportError(
                f"{cls.__name__}.run: cannot resolve the annotation {annotation!r} of {name!r} ({exc}); "
                f"define or import that name in {cls.__module__!r}"
            ) from None
    return annotation if is_model_class(annotation) else None


def display_name(cls: type) -> str:
    """``cls.name or cls.__name__`` (the SDK's display name)."""
    name = cls.__dict__.get("name") if isinstance(cls.__dict__.get("name"), str) else None
    if name is None:
        inherited = getattr(cls, "name", None)
        name = inherited if isinstance(inherited, str) else None
    return name or cls.__name__


def manifest_file_name(kind: Kind, name: str) -> str:
    """``{kind}_{name.lower().replace(' ', '_')}.json``."""
    return f"{kind}_{name.lower().replace(' ', '_')}.json"


def check_string_annotations(classes: list[type]) -> None:
    """Refuse a ``configuration`` annotated with a string (``from __future__ import annotations``).

    The real SDK reads that annotation with ``inspect.get_annotations`` without evaluating it, so a
    string there fails on the platform (``isinstance() arg 2 must be a type``) even though kit,
    which resolves it, runs the code fine.

    Raises:
        ExportError: naming the class, the annotation and the fix.
    """
    import inspect
    import sys

    for cls in classes:
        for base in inspect.getmro(cls):
            if base.__module__.split(".")[0] in ("kit", "sekoia_automation", "builtins", "abc"):
                continue
            annotation = inspect.get_annotations(base).get("configuration")
            if isinstance(annotation, str):
                origin = getattr(sys.modules.get(base.__module__), "__file__", None) or base.__module__
                raise ExportError(
                    f"{base.__name__}.configuration is annotated with the string {annotation!r} "
                    f"(`from __future__ import annotations` in {origin}): the real SDK does not evaluate "
                    "that annotation and fails with `isinstance() arg 2 must be a type` when it sets the "
                    "configuration; remove `from __future__ import annotations` from that file and export again"
                )
            if annotation is not None:
                break


def check_names(classes: list[type]) -> None:
    """Refuse names that would break the module directory.

    Raises:
        ExportError: with the rule broken, the bad value and the fix.
    """
    seen_docker: dict[str, type] = {}
    seen_files: dict[str, type] = {}
    for cls in classes:
        kind = component_kind(cls)
        if kind not in KIND_ORDER:
            raise ExportError(
                f"{cls!r} is not a trigger, connector or action: export only classes that subclass "
                "kit.trigger.Trigger, kit.connector.Connector or kit.action.Action"
            )
        if not cls.__name__.isidentifier():
            raise ExportError(
                f"class name {cls.__name__!r} is not a Python identifier; it is the component's docker_parameters "
                "and is imported by main.py: rename the class (letters, digits and _ only, not starting with a digit)"
            )
        name = display_name(cls)
        bad = [s for s in ("/", "\\", "..", "\0") if s in name]
        if not name.strip() or bad or any(ord(c) < 32 for c in name):
            raise ExportError(
                f"{cls.__name__}.name = {name!r} would make the file name {manifest_file_name(kind, name)!r}: "
                "component names must not be empty nor contain path separators ('/', '\\\\'), '..' or control "
                "characters; choose a plain display name such as 'Fetch new alerts'"
            )
        if cls.__name__ in seen_docker:
            other = seen_docker[cls.__name__]
            raise ExportError(
                f"two components have the docker_parameters {cls.__name__!r} ({other.__module__}.{other.__qualname__} "
                f"and {cls.__module__}.{cls.__qualname__}): docker_parameters (the class name) must be unique in a "
                "module; rename one class"
            )
        seen_docker[cls.__name__] = cls
        file_name = manifest_file_name(kind, name)
        if file_name in seen_files:
            raise ExportError(
                f"{seen_files[file_name].__name__} and {cls.__name__} would both write {file_name!r}: component "
                "display names must differ (case and spaces vs underscores included); change one `name`"
            )
        seen_files[file_name] = cls


def action_outputs(cls: type) -> dict[str, str] | None:
    """The output branches an action declares (see the module docstring), or ``None``."""
    declared = getattr(cls, "output_branches", None)
    if declared:
        if not isinstance(declared, dict) or not all(isinstance(k, str) for k in declared):
            raise ExportError(
                f"{cls.__name__}.output_branches = {declared!r}: it must be a dict of branch name -> description, "
                'e.g. {"found": "An IOC was found"}'
            )
        return {k: str(v) for k, v in declared.items()}
    names = set_output_calls(cls)
    return {n: n for n in names} if names else None


def set_output_calls(cls: type) -> list[str]:
    """Branch names passed as string literals to ``self.set_output(...)`` in ``cls``'s source."""
    from ._source import class_source

    try:
        source = class_source(cls)
    except ExportError:
        return []
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "set_output"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value not in found
        ):
            found.append(node.args[0].value)
    return found


def component_manifest(cls: type, module_uuid: str, existing: dict | None = None, docker: str | None = None) -> dict:
    """The manifest of one component, merged into ``existing`` (its current JSON) if given.

    ``docker`` is the name ``main.py`` registers the class as (default: the class name).

    What the author owns in ``existing`` is kept: the uuid, ``docker_parameters`` (what
    ``main.py`` registers the class as), the ``name`` and ``description`` (the module format
    tells authors to edit them in the JSON) unless the class declares its own, hand-written
    ``arguments``/``results`` when the code declares no model for them, and every key kit
    does not generate (``slug``, ``outputs``...), in place.
    """
    kind = component_kind(cls)
    name = display_name(cls)
    description = cls.__dict__.get("description") or getattr(cls, "description", None)
    manifest: dict[str, Any] = {
        "name": name,
        "description": description or name,
        "uuid": str(_uuid.uuid5(_uuid.UUID(module_uuid), name)),
        "docker_parameters": docker or cls.__name__,
        "arguments": {},
    }
    if kind == "action":
        model = arguments_model(cls)
    else:
        model = configuration_model(cls)
    if model is not None:
        manifest["arguments"] = model_schema(model)
    if kind != "connector":
        results = getattr(cls, "results_model", None)
        manifest["results"] = model_schema(results, secrets=False) if is_model_class(results) else {}
    if kind == "action":
        outputs = action_outputs(cls)
        if outputs:
            manifest["outputs"] = outputs
    if not existing:
        return manifest
    merged = dict(existing)
    declared_name = isinstance(getattr(cls, "name", None), str) and bool(getattr(cls, "name", None))
    for key in ("uuid", "name", "description", "docker_parameters"):
        # the JSON's value stands unless the code declares its own (`name = ...`, `description = ...`)
        declared = declared_name if key == "name" else bool(description) if key == "description" else False
        if isinstance(existing.get(key), str) and existing[key] and not declared:
            manifest[key] = existing[key]
    # a schema the code does not declare (`run(self, arguments: dict)`, no results_model) is
    # the author's, written in the JSON: kit has nothing to regenerate it from
    if model is None and isinstance(existing.get("arguments"), dict):
        manifest["arguments"] = existing["arguments"]
    elif model is not None:
        manifest["arguments"] = merge_schema(manifest["arguments"], existing.get("arguments"))
    if isinstance(manifest.get("results"), dict) and manifest["results"]:
        manifest["results"] = merge_schema(manifest["results"], existing.get("results"))
    if "results" in manifest and not is_model_class(getattr(cls, "results_model", None)) and isinstance(
        existing.get("results"), dict
    ):
        manifest["results"] = existing["results"]
    if kind == "connector":
        merged.pop("results", None)
    for key, value in manifest.items():
        merged[key] = value
    return merged


def module_configuration(module_cls: type | None, existing: dict | None) -> dict | None:
    """The module ``configuration`` schema from the module class, or ``None`` when it has no
    ``configuration`` annotation (then the manifest keeps the one it has)."""
    if module_cls is None:
        return None
    model = configuration_model(module_cls)
    if model is None:
        return None
    return merge_schema(model_schema(model), (existing or {}).get("configuration"))


def module_manifest(
    existing: dict,
    configuration: dict | None,
) -> dict:
    """``existing`` with its ``configuration`` replaced in place (appended if absent)."""
    manifest = dict(existing)
    if configuration is not None:
        manifest["configuration"] = configuration
    return manifest


def dumps(manifest: dict) -> str:
    """Serialise a manifest as the SDK does: ``json.dumps(indent=2)``, no trailing newline."""
    return json.dumps(manifest, indent=2)


@dataclass(frozen=True)
class Registration:
    """One line of ``main.py``: import ``class_name`` from ``module`` and register it."""

    kind: Kind
    class_name: str
    module: str
    docker: str | None = None  # what main.py registers it as (default: the class name)


def render_main(module_import: tuple[str, str], registrations: list[Registration]) -> str:
    """``main.py`` in the SDK layout (§4.4), components ordered by kind then class name."""
    module_path, module_class = module_import
    ordered = sorted(registrations, key=lambda r: (KIND_ORDER.index(r.kind), r.class_name))
    lines = [f"from {module_path} import {module_class}", ""]
    for reg in ordered:
        lines.append(f"from {reg.module} import {reg.class_name}")
    lines += ["", 'if __name__ == "__main__":', f"    module = {module_class}()"]  # one blank line, as black wants
    for reg in ordered:
        lines.append(f'    module.register({reg.class_name}, "{reg.docker or reg.class_name}")')
    lines.append("    module.run()")
    return "\n".join(lines) + "\n"


def generate_manifests(
    classes: list[type],
    module_uuid: str,
    existing: dict[str, dict] | None = None,
    registered: dict[str, str] | None = None,
) -> dict[str, dict]:
    """Manifests for ``classes`` as ``{file name: manifest}``.

    Args:
        classes: trigger, connector and action classes.
        module_uuid: the module's uuid (namespace of new component uuids).
        existing: current component manifests ``{file name: manifest}``; a component whose
            ``docker_parameters`` matches one of them keeps its file name, uuid and the keys
            its author owns (see :func:`component_manifest`).
        registered: ``{class name: docker_parameters}`` from ``main.py`` (default: the class
            name, as kit registers them).
    """
    check_names(classes)
    by_docker: dict[tuple[str, str], tuple[str, dict]] = {}
    for file_name, manifest in (existing or {}).items():
        if isinstance(manifest, dict) and isinstance(manifest.get("docker_parameters"), str):
            # a connector may have a trigger_*.json twin (older platforms): match within a kind
            by_docker.setdefault((file_name.split("_", 1)[0], manifest["docker_parameters"]), (file_name, manifest))
    out: dict[str, dict] = {}
    for cls in classes:
        kind = component_kind(cls)
        docker = (registered or {}).get(cls.__name__, cls.__name__)
        file_name, current = by_docker.get((kind, docker), (manifest_file_name(kind, display_name(cls)), None))
        out[file_name] = component_manifest(cls, module_uuid, current, docker)
    return out
