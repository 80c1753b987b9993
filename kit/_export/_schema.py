"""JSON schemas from pydantic models, as the real generator writes them.

pydantic v2 models give ``model_json_schema()``. ``pydantic.v1`` models give ``.schema()``,
which this module normalises to what pydantic v2 would write for the same model: ``$defs``
instead of ``definitions``, ``anyOf [..., null]`` and ``"default": null`` for optional
fields, a bare ``$ref`` instead of ``allOf [{$ref}]``, ``additionalProperties: true`` on
plain ``dict`` fields, and keys sorted the way pydantic v2 sorts them. For a module whose
pinned SDK is older than 1.23 (:func:`v1_layout`), they keep pydantic 1's layout, as that
SDK's generator writes them.

Secrets: a property marked ``Field(json_schema_extra={"secret": True})`` (v2),
``Field(..., secret=True)`` (v1), or typed ``SecretStr``/``SecretBytes`` is listed, in field
order, in a ``secrets`` list appended at the end of the schema; the ``secret`` key is
removed from the property (the SDK's ``add_secrets_to_configuration`` does the same).
"""

from __future__ import annotations

import contextlib
import copy
from contextvars import ContextVar
from typing import Any, Iterator

# set while kit writes or checks the manifests of a module whose pinned SDK (before 1.23) writes
# pydantic.v1 models' schemas as `.schema()` gives them
_V1_LAYOUT: ContextVar[bool] = ContextVar("kit_v1_schema_layout", default=False)


@contextlib.contextmanager
def v1_layout(enabled: bool) -> Iterator[None]:
    """Within the block, ``pydantic.v1`` models' schemas keep pydantic 1's layout (``enabled``), as the
    generator of the SDK before 1.23 writes them, instead of being normalised to pydantic v2's."""
    token = _V1_LAYOUT.set(enabled)
    try:
        yield
    finally:
        _V1_LAYOUT.reset(token)


_OUTER_KEYS = ("title", "description", "default", "examples", "secret", "deprecated", "readOnly")


def is_model_class(obj: Any) -> bool:
    """True for a pydantic v2 or ``pydantic.v1`` model class."""
    if not isinstance(obj, type):
        return False
    from pydantic import BaseModel

    if issubclass(obj, BaseModel):
        return True
    return is_v1_model_class(obj)


def is_v1_model_class(obj: Any) -> bool:
    """True for a ``pydantic.v1`` model class."""
    try:
        from pydantic import v1
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, type) and issubclass(obj, v1.BaseModel)


def sort_like_pydantic(value: Any, parent_key: str | None = None) -> Any:
    """Sort dict keys recursively as pydantic v2's ``GenerateJsonSchema.sort`` does.

    Keys are sorted except directly under ``properties`` and ``default`` (field order and
    default values are kept as they are).
    """
    if isinstance(value, dict):
        keys = list(value.keys())
        if parent_key not in ("properties", "default"):
            keys = sorted(keys)
        return {k: sort_like_pydantic(value[k], parent_key=k) for k in keys}
    if isinstance(value, list):
        return [sort_like_pydantic(v, parent_key=parent_key) for v in value]
    return value


def _rewrite_refs(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/definitions/"):
                out[k] = "#/$defs/" + v[len("#/definitions/") :]
            else:
                out[k] = _rewrite_refs(v)
        return out
    if isinstance(value, list):
        return [_rewrite_refs(v) for v in value]
    return value


def _normalise_v1_property(prop: dict, allow_none: bool, required: bool, has_default_none: bool) -> dict:
    prop = dict(prop)
    all_of = prop.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        del prop["allOf"]
        inner = all_of[0]
        if "$ref" in inner:
            prop.pop("title", None)  # pydantic v2 writes no title next to a model reference
        prop.update(inner)
    elif "$ref" in prop:
        prop.pop("title", None)
    if prop.get("type") == "object" and "properties" not in prop and "additionalProperties" not in prop:
        prop["additionalProperties"] = True
    if allow_none and not ("anyOf" in prop and {"type": "null"} in prop["anyOf"]):
        outer = {k: prop[k] for k in _OUTER_KEYS if k in prop}
        inner = {k: v for k, v in prop.items() if k not in _OUTER_KEYS}
        if inner:
            prop = {**outer, "anyOf": [inner, {"type": "null"}]}
    if has_default_none and not required and "default" not in prop:
        prop["default"] = None
    return prop


def _normalise_v1_schema(model: type, schema: dict) -> dict:
    schema = _rewrite_refs(_without_required_extras(copy.deepcopy(schema)))
    if "definitions" in schema:
        schema["$defs"] = schema.pop("definitions")
    models = {model.__name__: model}
    _collect_v1_models(model, models)
    _normalise_v1_object(model, schema)
    for name, sub in schema.get("$defs", {}).items():
        sub_model = models.get(name)
        if sub_model is not None:
            _normalise_v1_object(sub_model, sub)
    return sort_like_pydantic(schema)


def _collect_v1_models(model: type, seen: dict) -> None:
    import typing

    for field in model.__fields__.values():
        candidates = [field.outer_type_, field.type_]
        for candidate in list(candidates):
            candidates.extend(typing.get_args(candidate))
        for candidate in candidates:
            if is_v1_model_class(candidate) and candidate.__name__ not in seen:
                seen[candidate.__name__] = candidate
                _collect_v1_models(candidate, seen)


def _without_required_extras(schema: dict) -> dict:
    # `Field(required=True)` in pydantic 1 is an extra (it does not make the field required)
    # that lands in the schema, where `required` must be a list: not a schema keyword there
    for sub in [schema, *schema.get("definitions", {}).values()]:
        for key, prop in sub.get("properties", {}).items():
            if isinstance(prop, dict) and isinstance(prop.get("required"), bool):
                sub["properties"][key] = {k: v for k, v in prop.items() if k != "required"}
    return schema


def _normalise_v1_object(model: type, schema: dict) -> None:
    props = schema.get("properties", {})
    for name, field in model.__fields__.items():
        key = field.alias
        if key not in props:
            continue
        props[key] = _normalise_v1_property(
            props[key],
            allow_none=bool(field.allow_none),
            required=bool(field.required),
            # a default_factory leaves `default` None in pydantic.v1; pydantic v2 writes no default for it
            has_default_none=field.default is None and field.default_factory is None and not field.required,
        )


def _is_secret_type(prop: dict) -> bool:
    if prop.get("writeOnly") is True and prop.get("format") == "password":
        return True
    for alternative in prop.get("anyOf", []) or []:
        if isinstance(alternative, dict) and _is_secret_type(alternative):
            return True
    return False


def apply_secrets(schema: dict) -> dict:
    """Move ``secret`` markers of the top-level properties into a ``secrets`` list.

    Returns the same (mutated) schema. ``SecretStr``-typed properties are listed too.
    """
    secrets: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        marked = prop.pop("secret", False)
        if marked or _is_secret_type(prop):
            secrets.append(name)
    if secrets:
        existing = [s for s in schema.get("secrets", []) if s not in secrets]
        schema.pop("secrets", None)
        schema["secrets"] = existing + secrets
    return schema


def model_schema(model: Any, *, secrets: bool = True) -> dict:
    """Return the JSON schema of ``model`` as the real generator writes it (pydantic v2 layout).

    Args:
        model: a pydantic v2 or ``pydantic.v1`` model class.
        secrets: move secret fields into a ``secrets`` list (see the module docstring).

    Raises:
        TypeError: ``model`` is not a pydantic model class.
        MixedPydanticError: ``model`` uses the other pydantic major's Field or validators
            (:func:`mixed_pydantic`), which would lose defaults without a word.
    """
    if not is_model_class(model):
        raise TypeError(
            f"expected a pydantic model class (pydantic v2 BaseModel or pydantic.v1 BaseModel), got {model!r}; "
            "annotate the component with a BaseModel subclass"
        )
    from kit._pydantic import MixedPydanticError, mixed_pydantic

    problems = mixed_pydantic(model)
    if problems:
        raise MixedPydanticError("; ".join(problems))
    if is_v1_model_class(model) and _V1_LAYOUT.get():
        schema = _without_required_extras(copy.deepcopy(model.schema()))
    elif is_v1_model_class(model):
        schema = _normalise_v1_schema(model, model.schema())
    else:
        schema = model.model_json_schema()
    if secrets:
        apply_secrets(schema)
    return schema


# what an author writes by hand in a schema and kit's generator cannot know better
_HAND_WRITTEN = ("title", "description", "examples", "$schema")


def merge_schema(generated: dict, existing: Any) -> dict:
    """``generated`` with what the author wrote by hand in ``existing`` kept: ``$schema``, titles,
    descriptions and examples, of the schema and of each property still in the code. Everything
    that validates (types, defaults, patterns, ``required``, ``secrets``) is the code's; properties
    the code no longer has are dropped."""
    if not isinstance(existing, dict):
        return generated
    merged = dict(generated)
    for key in _HAND_WRITTEN:
        if key in existing:
            merged[key] = existing[key]
    old_props = existing.get("properties")
    if isinstance(old_props, dict) and isinstance(generated.get("properties"), dict):
        props = {}
        for name, prop in generated["properties"].items():
            old = old_props.get(name)
            if isinstance(old, dict) and isinstance(prop, dict):
                prop = {**prop, **{k: v for k, v in old.items() if k in _HAND_WRITTEN}}
            props[name] = prop
        merged["properties"] = props
    return merged
