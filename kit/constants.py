"""Constants of the SDK, named as in ``sekoia_automation.constants``.

``DATA_STORAGE`` is resolved per thread: inside a component hosted by a
:class:`kit.FakePlatform` it is that component's own storage folder, elsewhere
it is ``/symphony_data`` as on the real platform.  Read it through the module
(``constants.DATA_STORAGE``), as the real SDK's README advises, so it is
resolved at call time; assigning it (as module tests do) changes it for the
threads that are not hosted components.
"""

from __future__ import annotations

import sys
import types

TLS_VOLUME_PATH = "/tmp/tls"
INTAKE_PAYLOAD_BYTES_MAX_SIZE = 10485760  # 10 MiB
CHUNK_BYTES_FACTOR = 0.9
CHUNK_BYTES_MAX_SIZE = int(INTAKE_PAYLOAD_BYTES_MAX_SIZE * CHUNK_BYTES_FACTOR)  # 9437184
EVENT_BYTES_MAX_SIZE = 250000

_DEFAULT_DATA_STORAGE = "/symphony_data"


class _Constants(types.ModuleType):
    """Resolves ``DATA_STORAGE`` per thread; assigning it (a test's set-up) sets the default elsewhere."""

    _data_storage_override: str | None = None

    @property
    def DATA_STORAGE(self) -> str:  # noqa: N802 - the SDK's name
        from kit import _runtime

        host = _runtime.current_host()
        if host is not None:
            # a hosted component always sees its own folder, whatever a test assigned
            return str(host.data_path)
        return self._data_storage_override or _DEFAULT_DATA_STORAGE

    @DATA_STORAGE.setter
    def DATA_STORAGE(self, value: str) -> None:  # noqa: N802
        self._data_storage_override = str(value)


sys.modules[__name__].__class__ = _Constants
