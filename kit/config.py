"""``configuration`` and ``load_config``, as in ``sekoia_automation.config``.

The real module builds its configuration back-end at import time and reads
``/symphony/<name>``, then the environment variable ``NAME``.  On kit the same
object asks the fake platform when a hosted component calls it (it gets what
``platform.load(...)`` was given, as ``Module.load_config`` does), and reads the
file system and the environment like the real SDK otherwise.
"""

from __future__ import annotations

from typing import Any

from kit import _runtime
from kit.module import _CONFIG_VOLUME, _load_config


class FileSystemConfiguration:
    """The real SDK's file-system configuration, answered by the platform for a hosted component."""

    VOLUME_PATH = _CONFIG_VOLUME

    def load(self, name: str, type_: str = "str", non_exist_ok: bool = False) -> Any:
        """The value of configuration key ``name`` (parsed as JSON when ``type_ == "json"``).

        Raises ``FileNotFoundError`` when the key is not set, unless ``non_exist_ok`` (then ``None``).
        """
        host = _runtime.current_host()
        if host is not None:
            return host.load_config(name, type_, non_exist_ok)
        return _load_config(name, type_, non_exist_ok)

    def __hash__(self) -> int:
        return hash(self.VOLUME_PATH)


configuration: FileSystemConfiguration = FileSystemConfiguration()


def load_config(name: str, type_: str = "str", non_exist_ok: bool = False) -> Any:
    """The value of configuration key ``name``, as :meth:`FileSystemConfiguration.load`."""
    return configuration.load(name, type_, non_exist_ok)
