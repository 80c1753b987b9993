"""Model helpers, named as in ``sekoia_automation.utils``.

They accept pydantic v2 models and ``pydantic.v1`` models alike, and, unlike the
real SDK, resolve string annotations (``from __future__ import annotations``).
"""

from __future__ import annotations

import inspect
import sys
import typing
from functools import wraps
from typing import Any, Callable, Sequence

from pydantic import BaseModel


def _v1_base() -> Any:
    # pydantic.v1 costs ~20 ms to import: no v1 model can exist before it is imported.
    module = sys.modules.get("pydantic.v1")
    return None if module is None else module.BaseModel


def is_model_class(obj: Any) -> bool:
    """True for a pydantic v2 or ``pydantic.v1`` model class."""
    if not isinstance(obj, type):
        return False
    if issubclass(obj, BaseModel):
        return True
    base = _v1_base()
    return base is not None and issubclass(obj, base)


def is_v1_model_class(obj: Any) -> bool:
    """True for a ``pydantic.v1`` model class."""
    base = _v1_base()
    return base is not None and isinstance(obj, type) and issubclass(obj, base)


def is_model_instance(obj: Any) -> bool:
    """True for an instance of a pydantic v2 or ``pydantic.v1`` model."""
    return is_model_class(type(obj))


def _resolve(annotation: Any, owner: type) -> Any:
    if isinstance(annotation, str):
        module = sys.modules.get(owner.__module__)
        namespace = dict(vars(module)) if module else {}
        namespace.setdefault(owner.__name__, owner)
        try:
            return eval(annotation, namespace, dict(vars(owner)))  # noqa: S307 - annotations are code
        except Exception:
            return annotation
    return annotation


def get_annotation_for(cls: type, attribute: str) -> Any:
    """Return the annotation of ``attribute`` on the first class of ``cls``'s MRO that annotates it."""
    for base in inspect.getmro(cls):
        annotations = inspect.get_annotations(base)
        if attribute in annotations:
            return _resolve(annotations[attribute], base)
    return None


def model_annotation(cls: type, attribute: str) -> Any:
    """The model annotated as ``attribute`` on ``cls`` (None if none); a string kit cannot resolve is an error."""
    annotation = get_annotation_for(cls, attribute)
    if isinstance(annotation, property):
        return None
    if isinstance(annotation, str):
        raise TypeError(
            f"{cls.__name__}.{attribute} is annotated with the string {annotation!r}, which kit cannot resolve: "
            "with `from __future__ import annotations`, define that model at module level (not inside a function)"
        )
    return annotation


def get_as_model(model: Any, value: Any) -> Any:
    """Coerce ``value`` (a dict or a model) into ``model``; ``None`` passes through."""
    if model is None or value is None:
        return value
    if isinstance(model, type) and isinstance(value, model):
        return value
    if is_v1_model_class(model):
        if is_model_instance(value):
            value = model_dump(value)
        return model.parse_obj(value)
    if hasattr(model, "model_validate"):
        if is_model_instance(value) and not isinstance(value, BaseModel):
            value = model_dump(value)
        return model.model_validate(value)
    return value


def model_dump(value: Any) -> Any:
    """``model_dump()`` for v2 models, ``dict()`` for v1 models, anything else unchanged."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    base = _v1_base()
    if base is not None and isinstance(value, base):
        return value.dict()
    return value


def model_dump_json(value: Any) -> str:
    """JSON text of a v2 or v1 model instance."""
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return value.json()


def validate_with_model(model: Any, value: Any) -> Any:
    """Validate ``value`` with ``model`` and return it dumped to plain data."""
    if model is None or value is None:
        return value
    return model_dump(get_as_model(model, value))


def returns(model: Any) -> Callable:
    """Decorator: validate a function's return value with ``model`` and dump it."""

    def decorator(function: Callable) -> Callable:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return validate_with_model(model, function(*args, **kwargs))

        return wrapper

    return decorator


def capture_retry_error(retry_state: Any) -> None:
    """tenacity ``retry_error_callback`` of the real SDK (it reports to sentry; kit has none)."""


def chunks(sequence: Sequence, size: int):
    """Yield successive slices of ``size`` items."""
    for index in range(0, len(sequence), size):
        yield sequence[index : index + size]


def model_fields(model: Any) -> dict[str, Any]:
    """Field name -> field info of a v2 or v1 model class."""
    if is_v1_model_class(model):
        return dict(model.__fields__)
    return dict(getattr(model, "model_fields", {}))


def secret_fields(model: Any) -> set[str]:
    """Names of the fields of ``model`` that hold secrets.

    A field is secret when it is declared with ``json_schema_extra={"secret": True}``
    (the real SDK's convention, v1: ``Field(..., secret=True)`` or the same ``json_schema_extra``) or
    typed ``SecretStr``/``SecretBytes``.
    """
    if not is_model_class(model):
        return set()
    secrets: set[str] = set()
    for name, field in model_fields(model).items():
        if is_v1_model_class(model):
            extra = dict(field.field_info.extra or {})
            # v1 keeps an unknown json_schema_extra=... keyword as it is, among its extras
            if isinstance(extra.get("json_schema_extra"), dict):
                extra |= extra["json_schema_extra"]
            annotation = field.outer_type_
            alias = field.alias
        else:
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            annotation = field.annotation
            alias = field.alias
        text = repr(annotation)
        if extra.get("secret") or "SecretStr" in text or "SecretBytes" in text:
            secrets.add(name)
            if alias:
                secrets.add(alias)
    return secrets


def nested_secret_paths(model: Any, _seen: frozenset = frozenset()) -> set[tuple[str, ...]]:
    """The secret fields of the models ``model``'s fields hold (a model, an optional one, a list or a
    dict of them...), as paths from ``model``: ``{("credentials", "client_secret")}``; the top-level
    secret fields are :func:`secret_fields`'s."""
    import typing

    if not is_model_class(model) or model in _seen:
        return set()
    seen = _seen | {model}
    paths: set[tuple[str, ...]] = set()
    for name, field in model_fields(model).items():
        annotation = field.outer_type_ if is_v1_model_class(model) else field.annotation
        todo, inner = [annotation], []
        while todo:  # the model classes anywhere in the annotation (Optional[X], list[X], dict[str, X]...)
            current = todo.pop()
            if is_model_class(current):
                inner.append(current)
            else:
                todo.extend(typing.get_args(current))
        keys = {name} | ({field.alias} if getattr(field, "alias", None) else set())
        for nested in inner:
            tails = {(leaf,) for leaf in secret_fields(nested)} | nested_secret_paths(nested, seen)
            paths |= {(key, *tail) for key in keys for tail in tails}
    return paths


def run_arguments_annotation(cls: type) -> Any:
    """The annotation of the parameter after ``self`` of ``cls.run`` (string annotations resolved
    when they can be; a string left when they cannot), or ``None`` when there is none."""
    import inspect

    run = inspect.unwrap(getattr(cls, "run", None) or (lambda: None))
    try:
        params = list(inspect.signature(run).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - a builtin
        return None
    if len(params) < 2 or params[1].annotation is inspect.Parameter.empty:
        return None
    return type_hints(run).get(params[1].name, params[1].annotation)


def type_hints(function: Callable) -> dict[str, Any]:
    """``typing.get_type_hints`` that never raises (unresolvable hints are dropped)."""
    try:
        return typing.get_type_hints(function)
    except Exception:
        return {k: v for k, v in getattr(function, "__annotations__", {}).items() if not isinstance(v, str)}
