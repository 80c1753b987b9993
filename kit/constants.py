"""Constants of the SDK, named as in ``sekoia_automation.constants``.

``DATA_STORAGE`` is resolved per thread: inside a component hosted by a
:class:`kit.FakePlatform` it is that component's own storage folder, elsewhere
it is ``/symphony_data`` as on the real platform.  Read it through the module
(``constants.DATA_STORAGE``), as the real SDK's README advises, so it can be
resolved (and monkeypatched) at call time.
"""

from __future__ import annotations

TLS_VOLUME_PATH = "/tmp/tls"
INTAKE_PAYLOAD_BYTES_MAX_SIZE = 10485760  # 10 MiB
CHUNK_BYTES_FACTOR = 0.9
CHUNK_BYTES_MAX_SIZE = int(INTAKE_PAYLOAD_BYTES_MAX_SIZE * CHUNK_BYTES_FACTOR)  # 9437184
EVENT_BYTES_MAX_SIZE = 250000

_DEFAULT_DATA_STORAGE = "/symphony_data"


def __getattr__(name: str) -> str:
    # Module-level __getattr__ only runs for names that are not globals, so an
    # explicit ``constants.DATA_STORAGE = ...`` (a test's monkeypatch) still wins.
    if name == "DATA_STORAGE":
        from kit import _runtime

        host = _runtime.current_host()
        if host is not None:
            return str(host.data_path)
        return _DEFAULT_DATA_STORAGE
    raise AttributeError(f"module 'kit.constants' has no attribute {name!r}")
