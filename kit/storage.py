"""Storage helpers, as in ``sekoia_automation.storage``.

Inside a component hosted by :class:`kit.FakePlatform` the data path is that
component's own folder; elsewhere it is ``constants.DATA_STORAGE``.  Unlike the
real SDK nothing is cached, so changing ``constants.DATA_STORAGE`` takes effect
at once, and :class:`PersistentJSON` writes atomically.
"""

from __future__ import annotations

import os
import tempfile
import time
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


_TEMP_MARK = ".kit-tmp-"  # in every temp file name: .<name>.kit-tmp-<pid>-<random>
_STALE_AFTER = 600.0  # seconds: a temp file this old is stale even if its pid runs (the pid was reused)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}{_TEMP_MARK}"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    # Write next to the target then rename: a crash mid-write leaves the old file (and a temp file
    # that the next load() removes, see _remove_stale_temp_files).
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}-", dir=path.parent)
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


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _remove_stale_temp_files(path: Path) -> None:
    """Remove the temp files that writers of ``path`` killed mid-write left (their process is gone)."""
    prefix = _temp_prefix(path)
    try:
        names = [name for name in os.listdir(path.parent) if name.startswith(prefix)]
    except OSError:
        return
    now = time.time()
    for name in names:
        pid_text = name[len(prefix) :].split("-", 1)[0]
        candidate = path.parent / name
        if pid_text.isdigit() and (int(pid_text) == os.getpid() or _process_alive(int(pid_text))):
            try:
                if now - candidate.stat().st_mtime < _STALE_AFTER:
                    continue  # a write under way, in this process or another one
            except OSError:
                continue
        try:
            candidate.unlink()
        except OSError:
            pass


class PersistentJSON:
    """A JSON file used as a dict: ``with PersistentJSON("context.json", self.data_path) as ctx:``.

    ``__enter__`` loads the file and returns the dict; ``__exit__`` always writes
    it back (even when the block raised), atomically.  A writer killed mid-write
    (``kill -9``) leaves the previous content and a ``.<name>.kit-tmp-<pid>-*``
    file, removed by the next load once that process is gone.
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
        """Read the file (once; an unreadable file gives ``{}``) and remove stale temp files of killed writers."""
        _remove_stale_temp_files(self._filepath)
        if not self._data and self._filepath.is_file():
            try:
                self._data = orjson.loads(self._filepath.read_bytes())
            except orjson.JSONDecodeError:
                self._data = {}
        return self._data

    def dump(self) -> None:
        """Write the dict back, atomically (a temp file in the same folder, then ``os.replace``)."""
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
