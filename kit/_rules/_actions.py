"""Rule actions: the built-in KEY_ROTATION, named actions, Python actions and playbooks.

An action spec is one of:

* ``"KEY_ROTATION"`` (any case) or :attr:`ActionType.KEY_ROTATION`, run by the engine
  against its fake C2 key service;
* a name registered with ``RulesEngine.register_action(name, obj)``;
* a Python class (e.g. a kit / sekoia_automation ``Action`` subclass) or any callable,
  handed to the engine's ``run_action(spec, targets, event)``;
* a non-empty list/tuple of those, or of mappings with a callable ``"action"`` key
  (a playbook), also handed to ``run_action``.

Specs are stored in SQLite as JSON: Python objects by ``module:qualname`` reference, which
is resolved again (lazily, when the rule fires) after the database is reopened.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ._errors import UnknownAction
from ._model import ActionType

__all__ = ["UnresolvedAction", "normalise_action", "action_to_json", "action_from_json", "describe_action", "resolve"]


@dataclass(frozen=True)
class UnresolvedAction:
    """A stored Python action that could not be imported (yet) after reopening the database."""

    ref: str
    reason: str

    def __str__(self) -> str:
        return f"<unresolved {self.ref}>"


@dataclass(frozen=True)
class NamedAction:
    """A reference to an action registered by name with ``RulesEngine.register_action``."""

    name: str

    def __str__(self) -> str:
        return self.name


def _is_step(item: Any) -> bool:
    if isinstance(item, (NamedAction, UnresolvedAction)):
        return True
    if isinstance(item, Mapping):
        return callable(item.get("action")) or isinstance(item.get("action"), (NamedAction, UnresolvedAction))
    return callable(item)


def _unknown(spec: Any, registered: Mapping[str, Any]) -> UnknownAction:
    names = ", ".join(sorted(registered)) or "none yet"
    return UnknownAction(
        f"unknown action {spec!r}: use 'KEY_ROTATION', a name registered with engine.register_action(name, action) "
        f"(registered: {names}), an Action class or callable, or a non-empty list of them (a playbook)"
    )


def normalise_action(spec: Any, registered: Mapping[str, Any], has_runner: bool) -> Any:
    """Validate *spec* and return the engine's form of it (lists become tuples, names NamedAction)."""
    if isinstance(spec, ActionType):
        return ActionType.KEY_ROTATION
    if isinstance(spec, str):
        if spec.strip().upper() == ActionType.KEY_ROTATION.value:
            return ActionType.KEY_ROTATION
        if spec in registered:
            out: Any = NamedAction(spec)
        else:
            raise _unknown(spec, registered)
    elif isinstance(spec, (list, tuple)):
        if not spec:
            raise UnknownAction(
                "empty playbook []: give at least one Action class or callable, or use 'KEY_ROTATION'"
            )
        steps = []
        for i, item in enumerate(spec):
            if isinstance(item, str) and item in registered:
                item = NamedAction(item)
            elif isinstance(item, Mapping) and isinstance(item.get("action"), str) and item["action"] in registered:
                item = {**item, "action": NamedAction(item["action"])}
            if not _is_step(item):
                raise UnknownAction(
                    f"playbook step {i} {item!r} is not an action: give an Action class, a callable, "
                    "a registered action name or a mapping with a callable 'action' key"
                )
            steps.append(item)
        out = tuple(steps)
    elif callable(spec) or isinstance(spec, UnresolvedAction):
        out = spec
    else:
        raise _unknown(spec, registered)
    if not has_runner:
        raise UnknownAction(
            f"action {describe_action(out)} needs a runner: create RulesEngine(..., run_action=...) "
            "(the platform provides one), or use 'KEY_ROTATION'"
        )
    return out


def _ref(obj: Any) -> str:
    if isinstance(obj, NamedAction):
        return f"name:{obj.name}"
    if isinstance(obj, UnresolvedAction):
        return obj.ref
    mod = getattr(obj, "__module__", None) or type(obj).__module__
    qual = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{mod}:{qual}"


def action_to_json(spec: Any) -> str:
    """Serialise a normalised action spec for the database."""
    if spec is ActionType.KEY_ROTATION:
        return json.dumps({"builtin": "KEY_ROTATION"})
    if isinstance(spec, tuple):
        steps = []
        for item in spec:
            if isinstance(item, Mapping):
                extra = {}
                for k, v in item.items():
                    if k == "action":
                        continue
                    try:
                        json.dumps(v)
                        extra[k] = v
                    except (TypeError, ValueError):
                        extra[k] = {"__unserialisable__": repr(v)}
                steps.append({"action": _ref(item["action"]), **extra})
            else:
                steps.append(_ref(item))
        return json.dumps({"playbook": steps})
    return json.dumps({"python": _ref(spec)})


def resolve(ref: str, registered: Mapping[str, Any]) -> Any:
    """Turn a stored reference back into an object; an UnresolvedAction if that fails."""
    if ref.startswith("name:"):
        name = ref[5:]
        return NamedAction(name) if name in registered else UnresolvedAction(ref, f"no action registered as {name!r}")
    mod_name, _, qual = ref.partition(":")
    if "<locals>" in qual or "<lambda>" in qual:
        return UnresolvedAction(ref, "it was defined inside a function, so it cannot be imported again")
    try:
        mod = sys.modules.get(mod_name) or importlib.import_module(mod_name)
        obj: Any = mod
        for part in qual.split("."):
            obj = getattr(obj, part)
        return obj
    except Exception as exc:  # any import problem leaves the rule loadable; its fires report the error
        return UnresolvedAction(ref, f"{type(exc).__name__}: {exc}")


def action_from_json(text: str, registered: Mapping[str, Any]) -> Any:
    """Inverse of :func:`action_to_json`."""
    data = json.loads(text)
    if "builtin" in data:
        return ActionType.KEY_ROTATION
    if "playbook" in data:
        steps: list[Any] = []
        for item in data["playbook"]:
            if isinstance(item, dict):
                steps.append({**item, "action": resolve(item["action"], registered)})
            else:
                steps.append(resolve(item, registered))
        return tuple(steps)
    return resolve(data["python"], registered)


def describe_action(spec: Any) -> str:
    """Short human text for tables: ``KEY_ROTATION``, ``MyAction``, ``playbook[A, B]``."""
    if spec is ActionType.KEY_ROTATION:
        return "KEY_ROTATION"
    if isinstance(spec, tuple):
        return "playbook[" + ", ".join(describe_action(s["action"] if isinstance(s, Mapping) else s) for s in spec) + "]"
    if isinstance(spec, (NamedAction, UnresolvedAction)):
        return str(spec)
    return getattr(spec, "__qualname__", None) or getattr(spec, "__name__", None) or repr(spec)


def materialise(spec: Any, registered: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The object to hand to ``run_action``: names replaced by their registered objects.

    Returns ``(obj, error)``; *error* says why a stored action cannot run.
    """
    def one(item: Any) -> Any:
        if isinstance(item, NamedAction):
            if item.name not in registered:
                raise LookupError(f"action name {item.name!r} is not registered: call engine.register_action({item.name!r}, ...)")
            return registered[item.name]
        if isinstance(item, UnresolvedAction):
            again = resolve(item.ref, registered)
            if isinstance(again, UnresolvedAction):
                raise LookupError(
                    f"action {item.ref} could not be imported after reopening the database ({again.reason}): "
                    "register it with engine.register_action(...) or give the rule a new action with update_rule"
                )
            return again
        return item

    try:
        if isinstance(spec, tuple):
            return [({**s, "action": one(s["action"])} if isinstance(s, Mapping) else one(s)) for s in spec], None
        return one(spec), None
    except LookupError as exc:
        return None, str(exc)


Runner = Callable[[Any, tuple, Any], Any]
