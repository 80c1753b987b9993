"""Mixes of pydantic v2 and ``pydantic.v1`` in one model, which pydantic lets pass silently.

Used where kit takes a model in (loading a component, generating manifests, ``kit check``), so the
author hears of it with the fix, not from a ``FieldInfo`` in their arithmetic.
"""

from __future__ import annotations

from typing import Any


class MixedPydanticError(TypeError):
    """A model uses pieces of the other pydantic major (``pydantic.v1.Field`` in a v2 model...)."""


def _field_models(annotation: Any) -> list[type]:
    """Model classes inside an annotation (``X``, ``list[X]``, ``X | None``...)."""
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _field_models(arg)]


def mixed_pydantic(model: Any, _seen: set | None = None) -> list[str]:
    """What the pydantic v2 ``model`` (and the models of its fields) declares with ``pydantic.v1``.

    pydantic v2 takes a ``pydantic.v1.Field(...)`` as the field's default value (the field loses
    its default and description, and the code gets a ``FieldInfo`` object) and never calls a
    ``pydantic.v1`` validator, both without a word. (The reverse, v2 pieces in a ``pydantic.v1``
    model, fails when the class is created.) Each message names the class, the field and the fix.
    """
    from pydantic import BaseModel, v1

    seen = _seen if _seen is not None else set()
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or model in seen:
        return []  # pydantic.v1 models: v2 pieces in them fail when the class is created
    seen.add(model)
    bases = [b.__name__ for b in model.__mro__[1:] if issubclass(b, BaseModel) and b is not BaseModel]
    kind = "a pydantic v2 model" + (f" (it subclasses {bases[0]})" if bases else "")
    problems: list[str] = []
    for name, field in model.model_fields.items():
        if isinstance(field.default, v1.fields.FieldInfo):
            problems.append(
                f"{model.__name__}.{name} is declared with pydantic.v1's Field in {kind}: pydantic v2 takes that "
                "Field as the default value itself, so the default and the description are lost and the code gets "
                "a FieldInfo object; import Field from pydantic (`from pydantic import Field`)"
            )
        for inner in _field_models(field.annotation):
            problems.extend(mixed_pydantic(inner, seen))
    for attribute, value in vars(model).items():
        # pydantic.v1's decorators mark the classmethod they return
        if any(hasattr(value, key) for key in ("__validator_config__", "__root_validator_config__")):
            replacement = "model_validator" if hasattr(value, "__root_validator_config__") else "field_validator"
            problems.append(
                f"{model.__name__}.{attribute} is a pydantic.v1 validator in {kind}: pydantic v2 never calls it; "
                f"use pydantic's `{replacement}` (`from pydantic import {replacement}`)"
            )
    return problems
