"""Propose a draft-7 ``results`` schema from recorded events (``kit infer-schema``).

Types, nested objects and arrays come from `genson <https://pypi.org/project/genson/>`_;
``required`` lists the keys present in every event (of every object at that place); a
string gets a ``format`` (``date-time``, ``date``, ``email``, ``uuid``, ``ipv4``, ``ipv6``,
``uri``) when every sample at that place has it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

DRAFT7 = "http://json-schema.org/draft-07/schema#"

_FORMATS: list[tuple[str, Any]] = [
    (
        "date-time",
        re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"),
    ),
    ("date", re.compile(r"^\d{4}-\d{2}-\d{2}$")),
    ("uuid", re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")),
    ("ipv4", "ipv4"),
    ("ipv6", "ipv6"),
    ("uri", re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")),
]


def _matches(fmt: str, check: Any, value: str) -> bool:
    if check == "ipv4":
        try:
            ipaddress.IPv4Address(value)
            return True
        except ValueError:
            return False
    if check == "ipv6":
        try:
            ipaddress.IPv6Address(value)
            return True
        except ValueError:
            return False
    if not check.match(value):
        return False
    if fmt in ("date-time", "date"):
        import datetime as dt

        try:
            text = value[:10]
            dt.date.fromisoformat(text)
            if fmt == "date-time":
                dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00").replace("t", "T"))
        except ValueError:
            return False
    return True


def _string_format(values: list[str]) -> str | None:
    if not values:
        return None
    for fmt, check in _FORMATS:
        if all(_matches(fmt, check, v) for v in values):
            return fmt
    return None


def plain(value: Any) -> Any:
    """Recorded (frozen) data as plain JSON values: mappings -> dict, tuples -> list."""
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def load_events(source: Any) -> list[dict]:
    """Events from a list of dicts, run records (``.event``), a simulation (``.run_records``),
    or a path to a JSON-lines / JSON file.

    Raises:
        ValueError: an item is not a JSON object.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        text = path.read_text(encoding="utf-8")
        stripped = text.lstrip()
        if stripped.startswith("["):
            items = json.loads(text)
        else:
            items = []
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        items.append(json.loads(line))
                    except ValueError as exc:
                        raise ValueError(f"{path}, line {number}: not a JSON value ({exc}); write one event per line")
        return load_events(items)
    if hasattr(source, "run_records"):
        source = source.run_records
    events = []
    for index, item in enumerate(source):
        if hasattr(item, "event") and not isinstance(item, dict):
            item = item.event
        item = plain(item)
        if not isinstance(item, dict):
            raise ValueError(
                f"event #{index} is a {type(item).__name__} ({item!r:.80}); events must be JSON objects (dicts)"
            )
        events.append(item)
    return events


def _collect_strings(value: Any, path: tuple, out: dict[tuple, list[str]]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _collect_strings(sub, path + (("p", key),), out)
    elif isinstance(value, list):
        for sub in value:
            _collect_strings(sub, path + (("i",),), out)
    elif isinstance(value, str):
        out.setdefault(path, []).append(value)


def _apply_formats(schema: dict, path: tuple, strings: dict[tuple, list[str]]) -> None:
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            _apply_formats(option, path, strings)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and path in strings:
        fmt = _string_format(strings[path])
        if fmt and types == ["string"]:
            schema["format"] = fmt
    for key, sub in (schema.get("properties") or {}).items():
        _apply_formats(sub, path + (("p", key),), strings)
    items = schema.get("items")
    if isinstance(items, dict):
        _apply_formats(items, path + (("i",),), strings)


def infer_schema(events: Any, *, title: str | None = None) -> dict:
    """Propose a draft-7 JSON schema that every event fits.

    Args:
        events: dicts, run records, a simulation, or a path to a JSON-lines file.
        title: an optional ``title`` for the schema.

    Returns:
        ``{"$schema": draft-07, "type": "object", "properties": ..., "required": ...}``.

    Raises:
        ValueError: no events, or an event is not a JSON object.
    """
    items = load_events(events)
    if not items:
        raise ValueError("infer_schema needs at least one event; run the component first (sim.step()) or pass events")
    from genson import SchemaBuilder

    builder = SchemaBuilder(schema_uri=False)
    for item in items:
        builder.add_object(item)
    schema = builder.to_schema()
    strings: dict[tuple, list[str]] = {}
    for item in items:
        _collect_strings(item, (), strings)
    _apply_formats(schema, (), strings)
    out: dict[str, Any] = {"$schema": DRAFT7}
    if title:
        out["title"] = title
    out.update(schema)
    return out


def infer_schema_from(source: Iterable[Any] | str | os.PathLike, **kwargs: Any) -> dict:
    """Alias of :func:`infer_schema`."""
    return infer_schema(source, **kwargs)
