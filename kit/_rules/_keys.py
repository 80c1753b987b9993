"""A fake C2 key service: the target of the KEY_ROTATION action.

C2 ``NewClientKey{client.name}`` and ``NewTopic{topic}`` each create (or replace) a key.
The fake keeps the keys private and records only a fingerprint (first 16 hex digits
of the key's SHA-256) with the virtual time and the rule/trigger that asked.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
from datetime import datetime, timezone

from ._errors import UnsupportedTargetType
from ._model import KeyRecord, Target, TargetType

__all__ = ["FakeKeyService"]

UTC = timezone.utc


class FakeKeyService:
    """Records each new client or topic key.

    ``seed`` makes the generated keys (hence fingerprints) reproducible; without it the
    keys come from :mod:`secrets`.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed) if seed is not None else None
        self._keys: dict[tuple[TargetType, str], bytes] = {}
        self._records: list[KeyRecord] = []
        self._lock = threading.Lock()

    def _new_key(self) -> bytes:
        return self._rng.randbytes(32) if self._rng is not None else secrets.token_bytes(32)

    def _store(self, ttype: TargetType, name: str, time: float, rule_id: int | None, trigger_id: int | None) -> KeyRecord:
        key = self._new_key()
        rec = KeyRecord(
            time=datetime.fromtimestamp(time, UTC),
            target_type=ttype,
            name=name,
            fingerprint=hashlib.sha256(key).hexdigest()[:16],
            rule_id=rule_id,
            trigger_id=trigger_id,
        )
        with self._lock:
            self._keys[(ttype, name)] = key
            self._records.append(rec)
        return rec

    def new_client_key(self, name: str, *, time: float, rule_id: int | None = None, trigger_id: int | None = None) -> KeyRecord:
        """C2 ``NewClientKey``: a new key for client *name*."""
        return self._store(TargetType.CLIENT, name, time, rule_id, trigger_id)

    def new_topic(self, topic: str, *, time: float, rule_id: int | None = None, trigger_id: int | None = None) -> KeyRecord:
        """C2 ``NewTopic``: create or replace the key of *topic*."""
        return self._store(TargetType.TOPIC, topic, time, rule_id, trigger_id)

    def rotate(self, target: Target, *, time: float, rule_id: int | None = None, trigger_id: int | None = None) -> KeyRecord:
        """Rotate the key of one rule target; ANY targets raise :class:`UnsupportedTargetType`."""
        if target.type is TargetType.CLIENT:
            return self.new_client_key(target.name, time=time, rule_id=rule_id, trigger_id=trigger_id)
        if target.type is TargetType.TOPIC:
            return self.new_topic(target.name, time=time, rule_id=rule_id, trigger_id=trigger_id)
        raise UnsupportedTargetType(
            f"cannot rotate the key of ANY target {target.name!r}: KEY_ROTATION needs to know whether it is "
            "a client or a topic; use Target.client(...) or Target.topic(...)"
        )

    def fingerprint(self, target_type: TargetType | str, name: str) -> str | None:
        """Fingerprint of the current key of a client or topic, or ``None`` if it never got one."""
        key = self._keys.get((TargetType(target_type), name))
        return None if key is None else hashlib.sha256(key).hexdigest()[:16]

    @property
    def records(self) -> tuple[KeyRecord, ...]:
        """Every key generated, oldest first."""
        with self._lock:
            return tuple(self._records)

    def __len__(self) -> int:
        return len(self._records)
