"""Storage helpers, as in ``sekoia_automation.storage``.

Inside a component hosted by :class:`kit.FakePlatform` the data path is that
component's own folder; elsewhere it is ``constants.DATA_STORAGE``.  Unlike the
real SDK nothing is cached, so changing ``constants.DATA_STORAGE`` takes effect
at once, and :class:`PersistentJSON` writes atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson

from kit import constants

UPLOAD_CHUNK_SIZE = 52428800
FilePath = Path


def get_data_path(configuration: Any = None) -> Path:
    """The root folder components store data in."""
    return Path(constants.DATA_STORAGE)


def get_local_data_path() -> Path:
    return Path(constants.DATA_STORAGE)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    # Write next to the target then rename: a crash mid-write leaves the old file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class PersistentJSON:
    """A JSON file used as a dict: ``with PersistentJSON("context.json", self.data_path) as ctx:``.

    ``__enter__`` loads the file and returns the dict; ``__exit__`` always writes
    it back (even when the block raised), atomically.
    """

    def __init__(self, filepath: Path | str, data_path: Path | None = None) -> None:
        base = Path(data_path) if data_path is not None else get_data_path()
        filepath = Path(filepath)
        self._filepath = filepath if filepath.is_absolute() else base / filepath
        self._data: dict = {}

    @property
    def filepath(self) -> Path:
        return self._filepath

    def load(self) -> dict:
        if not self._data and self._filepath.is_file():
            try:
                self._data = orjson.loads(self._filepath.read_bytes())
            except orjson.JSONDecodeError:
                self._data = {}
        return self._data

    def dump(self) -> None:
        _atomic_write_bytes(self._filepath, orjson.dumps(self._data))

    def __enter__(self) -> dict:
        return self.load()

    def __exit__(self, *exc: object) -> None:
        self.dump()

    def __repr__(self) -> str:
        return f"PersistentJSON({str(self._filepath)!r})"


def temp_directory(data_path: Path | None = None) -> str:
    """Create ``<data_path>/<uuid4>`` and return its name."""
    base = Path(data_path) if data_path is not None else get_data_path()
    name = str(uuid4())
    (base / name).mkdir(parents=True)
    return name


def write(filename: str, content: dict | str | Any, temp_dir: bool = True, data_path: Path | None = None) -> Path:
    """Write ``content`` to a file and return its path relative to the data path."""
    base = Path(data_path) if data_path is not None else get_data_path()
    relative = Path(str(uuid4())) / filename if temp_dir else Path(filename)
    target = base / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else orjson.dumps(content)
    target.write_bytes(data)
    return relative


__all__ = [
    "FilePath",
    "PersistentJSON",
    "UPLOAD_CHUNK_SIZE",
    "get_data_path",
    "get_local_data_path",
    "temp_directory",
    "write",
]
