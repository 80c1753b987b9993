"""File writing for export: atomic writes and the record of what kit last wrote."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

STATE_FILE = ".kit-export.json"


def sha256(data: str | bytes) -> str:
    """Hex sha256 of text (utf-8) or bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def symlinked(root: Path, relpaths: Iterable[str]) -> tuple[str, Path] | None:
    """The first of ``relpaths`` that would be written through a symbolic link inside ``root``
    (a linked directory or file), with that link; None when every path stays inside."""
    for relpath in relpaths:
        here = root
        for part in Path(relpath).parts:
            here = here / part
            if here.is_symlink():
                return relpath, here
            if not here.exists():
                break
    return None


def refuse_symlinks(root: Path, relpaths: Iterable[str]) -> None:
    """Raise ``ExportError`` when a path to write goes through a symbolic link inside ``root``.

    Export writes only inside the module directory: a linked ``tests/`` or package would send
    the files wherever the link points.
    """
    found = symlinked(root, relpaths)
    if found is not None:
        from ._manifests import ExportError

        relpath, link = found
        raise ExportError(
            f"{root / relpath} would be written through the symbolic link {link} (to {link.resolve()}): kit writes "
            "only inside the module directory; replace the link with a real directory or export elsewhere"
        )


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(path: Path) -> str | None:
    """The text of ``path``, or ``None`` if it does not exist."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def load_state(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of the files kit wrote last time (empty if none)."""
    text = read_text(root / STATE_FILE)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return dict(files) if isinstance(files, dict) else {}


def dump_state(files: dict[str, str]) -> str:
    """Text of the state file."""
    return json.dumps({"generator": "kit", "files": dict(sorted(files.items()))}, indent=2) + "\n"


def unified_diff(relpath: str, current: str, new: str) -> str:
    """A unified diff from the file on disk to what kit would write."""
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{relpath} (on disk)",
            tofile=f"{relpath} (kit)",
        )
    )
