"""Helpers the OCSF models share: enum pairs built from one table, and the id/label sync.

OCSF gives most enumerations twice, as an integer id and as a caption (``type_id=1`` and
``type="Server"``); the SDK has one ``IntEnum`` and one ``StrEnum`` per enumeration whose
members share their names. Each pair here is built from one table of ``(member, id, caption)``
rows, so the two cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any, Iterable


def enum_pair(
    id_name: str, caption_name: str, rows: Iterable[tuple[str, int, str]], module: str
) -> tuple[type[IntEnum], type[StrEnum]]:
    """The ``IntEnum`` named ``id_name`` and the ``StrEnum`` named ``caption_name`` of ``rows``."""
    rows = list(rows)
    ids = IntEnum(id_name, [(member, number) for member, number, _ in rows], module=module)  # type: ignore[misc]
    captions = StrEnum(caption_name, [(member, caption) for member, _, caption in rows], module=module)  # type: ignore[misc]
    return ids, captions


def fill_pair(model: Any, caption_field: str, id_field: str, caption_enum: Any, id_enum: Any, *, when_truthy: bool = False) -> None:
    """Set whichever of ``model.<caption_field>`` / ``model.<id_field>`` is missing from the other, by
    member name (``algorithm_id=SHA256`` gives ``algorithm="SHA-256"``).

    ``when_truthy``: a value counts as given when it is truthy rather than not None (the SDK's
    ``SoftwareBillOfMaterials`` tests truthiness, so ``type_id=0`` (UNKNOWN) fills nothing).
    """
    caption, number = getattr(model, caption_field), getattr(model, id_field)

    def given(value: Any) -> bool:
        return bool(value) if when_truthy else value is not None

    if given(number) and not given(caption):
        setattr(model, caption_field, caption_enum[number.name])
    elif given(caption) and not given(number):
        setattr(model, id_field, id_enum[caption.name])
