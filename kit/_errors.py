"""Readable messages for validation errors, with secrets masked."""

from __future__ import annotations

from typing import Any, Iterable

from kit._platform._secrets import MASK


def _location(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts) if parts else "(root)"


def describe_validation_error(
    exc: Exception, *, what: str, secrets: Iterable[str] = (), fix: str | None = None
) -> str:
    """Turn a pydantic (v2 or v1) ``ValidationError`` into one message naming each field.

    Each line names the field, shows the value that was given (``***`` for a secret
    field, and for the secret fields inside a whole object a model-level validator was given)
    and says what was expected.
    """
    secret_names = set(secrets)
    errors = exc.errors() if hasattr(exc, "errors") else []
    lines = [f"{what} is invalid ({len(errors)} error{'s' if len(errors) != 1 else ''}):"]
    for error in errors:
        loc = tuple(error.get("loc", ()))
        name = _location(loc)
        if any(str(p) in secret_names for p in loc):
            shown = MASK
        elif error.get("type") == "missing" or error.get("type") == "value_error.missing":
            shown = None
        else:
            shown = repr(_hide(error["input"], secret_names)) if "input" in error else None
        message = error.get("msg", "invalid value")
        if error.get("type") in {"missing", "value_error.missing"}:
            lines.append(f"  - {name}: required field is missing")
        elif shown is None:
            lines.append(f"  - {name}: {message}")
        else:
            lines.append(f"  - {name}: got {shown}: {message}")
    if fix:
        lines.append(fix)
    return "\n".join(lines)


def _hide(value: Any, secret_names: set[str]) -> Any:
    """``value`` with the values of its keys named in ``secret_names`` shown as ``***`` (nested too)."""
    if isinstance(value, dict):
        return {k: (MASK if str(k) in secret_names else _hide(v, secret_names)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_hide(v, secret_names) for v in value]
    if hasattr(value, "get_secret_value"):
        return MASK
    return value
