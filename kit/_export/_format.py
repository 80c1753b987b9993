"""Python files an export writes, formatted as the module repository's CI checks them.

Sekoia's repository runs ``black --check`` on every changed module with the module's own
``[tool.black]`` settings. A new file is formatted whole; an edited file only when it was
black-clean before the edit (then only kit's change can differ), so a file that black would
already reformat keeps its lines and ``git diff`` shows just the export's change.
"""

from __future__ import annotations

import tomllib
from typing import Any


def black_mode(pyproject_text: str | None) -> Any:
    """black's ``Mode`` for a module's ``[tool.black]`` settings (black's defaults without them)."""
    import black

    try:
        settings = tomllib.loads(pyproject_text or "").get("tool", {}).get("black", {})
    except tomllib.TOMLDecodeError:
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    targets = set()
    for name in settings.get("target-version", []) or []:
        version = getattr(black.TargetVersion, str(name).upper(), None)
        if version is not None:
            targets.add(version)
    return black.Mode(
        target_versions=targets,
        line_length=int(settings.get("line-length", black.DEFAULT_LINE_LENGTH)),
        string_normalization=not settings.get("skip-string-normalization", False),
        magic_trailing_comma=not settings.get("skip-magic-trailing-comma", False),
        preview=bool(settings.get("preview", False)),
    )


def formatted_code(text: str, mode: Any) -> str | None:
    """``text`` formatted by black with ``mode``; None when black cannot parse it."""
    import black

    try:
        return black.format_str(text, mode=mode)
    except Exception:  # noqa: BLE001 - black refuses code it cannot parse (kit's checks report that)
        return None


def format_python(files: dict[str, str], current: dict[str, str | None], pyproject_text: str | None) -> None:
    """Format, in place, the ``.py`` texts of ``files`` that are new (``current[path]`` None) or whose
    current text is black-clean."""
    mode = None
    for relpath, text in files.items():
        if not relpath.endswith(".py") or not text.strip():
            continue
        mode = mode or black_mode(pyproject_text)
        before = current.get(relpath)
        if before is not None and formatted_code(before, mode) != before:
            continue
        formatted = formatted_code(text, mode)
        if formatted is not None:
            files[relpath] = formatted
