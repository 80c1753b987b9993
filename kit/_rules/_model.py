"""Records of the rules engine: rules, triggers, targets, events, fires and keys.

Every record a user sees is a frozen dataclass. Inputs are accepted in the friendly
Python form (``TimeIntervalTrigger("*/5 * * * 1-5 *")``, ``Target.client("alice")``)
and in the API's JSON-like form (``{"type": "EVENT", "settings": {"eventType":
"CLIENT_SUBSCRIBED", "MaxOccurence": 5}}``, ``{"type": "CLIENT", "expr": "alice"}``).
"""

from __future__ import annotations

import json
import re
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from types import MappingProxyType
from typing import NamedTuple, Any, Mapping, Union

from ._cron import parse_cron
from ._errors import InvalidTarget, InvalidTrigger

UTC = timezone.utc

__all__ = [
    "TargetType", "TriggerType", "ActionType", "Target", "TimeIntervalTrigger", "EventTrigger",
    "Trigger", "Rule", "Event", "FireRecord", "KeyRecord", "C2_EVENT_TYPES",
    "parse_trigger", "parse_target",
]

#: The event types the C2 server emits (teserakt-io/c2 ``api.proto``).
C2_EVENT_TYPES = ("CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED")


class TargetType(str, Enum):
    """What a target name is compared with: ANY (source or target), TOPIC (target), CLIENT (source)."""

    ANY = "ANY"
    TOPIC = "TOPIC"
    CLIENT = "CLIENT"


class TriggerType(str, Enum):
    """The two trigger types of the original engine."""

    TIME_INTERVAL = "TIME_INTERVAL"
    EVENT = "EVENT"


class ActionType(str, Enum):
    """The one built-in action of the original engine."""

    KEY_ROTATION = "KEY_ROTATION"


def _utc(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def _enum(enum_cls: type[Enum], value: Any, what: str, exc: type[Exception]) -> Any:
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str) and value.strip().upper() in enum_cls.__members__:
        return enum_cls[value.strip().upper()]
    names = ", ".join(enum_cls.__members__)
    raise exc(f"unknown {what} {value!r}: use one of {names}")


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    """A rule target: a client or topic name, compared by exact, case-sensitive equality.

    ``type`` ANY matches the event's source or target, TOPIC its target, CLIENT its source.
    ``id`` is given by the engine; pass a target back with its id to keep it on update.
    """

    type: TargetType
    name: str
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", _enum(TargetType, self.type, "target type", InvalidTarget))
        if not isinstance(self.name, str) or not self.name:
            raise InvalidTarget(
                f"{self.type.value} target name {self.name!r} is empty: give the "
                f"{'client' if self.type is TargetType.CLIENT else 'topic' if self.type is TargetType.TOPIC else 'client or topic'} "
                "name to match, e.g. Target.client('alice')"
            )
        # The original validates names as Go regexps but matches by plain equality; keep the validation.
        try:
            re.compile(self.name)
        except re.error as exc:
            raise InvalidTarget(
                f"{self.type.value} target name {self.name!r} is not a valid regular expression ({exc}); "
                "the original engine rejects such names although it matches names exactly: escape the special characters"
            ) from None

    @classmethod
    def client(cls, name: str) -> "Target":
        """A CLIENT target (matches the event's source)."""
        return cls(TargetType.CLIENT, name)

    @classmethod
    def topic(cls, name: str) -> "Target":
        """A TOPIC target (matches the event's target)."""
        return cls(TargetType.TOPIC, name)

    @classmethod
    def any(cls, name: str) -> "Target":
        """An ANY target (matches the event's source or target; cannot be key-rotated)."""
        return cls(TargetType.ANY, name)

    def matches(self, source: str, target: str) -> bool:
        """The original ``matchTargets`` test for this one target."""
        if self.type is TargetType.CLIENT:
            return self.name == source
        if self.type is TargetType.TOPIC:
            return self.name == target
        return self.name == source or self.name == target

    def to_dict(self) -> dict[str, Any]:
        """API form: ``{"id": .., "type": "CLIENT", "expr": "alice"}``."""
        return {"id": self.id, "type": self.type.value, "expr": self.name}

    def __str__(self) -> str:
        return f"{self.type.value}:{self.name}"


def parse_target(value: Any) -> Target:
    """Accept a :class:`Target`, a ``(type, name)`` pair or a dict with ``type`` and ``expr``/``name``."""
    if isinstance(value, Target):
        return value
    if isinstance(value, Mapping):
        lowered = {str(k).lower(): v for k, v in value.items()}
        name = lowered.get("expr", lowered.get("name"))
        if name is None:
            raise InvalidTarget(f"target {dict(value)!r} has no name: give {{'type': 'CLIENT', 'expr': 'alice'}}")
        return Target(lowered.get("type", TargetType.ANY), name, lowered.get("id"))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return Target(value[0], value[1])
    raise InvalidTarget(
        f"cannot read target {value!r}: give Target.client('alice'), ('TOPIC', 'news') or "
        "{'type': 'CLIENT', 'expr': 'alice'}"
    )


# --------------------------------------------------------------------------- triggers


@dataclass(frozen=True, slots=True)
class TimeIntervalTrigger:
    """Fire the rule on a cron schedule (gorhill layout, UTC; see :mod:`kit._rules._cron`)."""

    expr: str
    id: int | None = None

    type = TriggerType.TIME_INTERVAL

    def __post_init__(self) -> None:
        if not isinstance(self.expr, str) or not self.expr.strip():
            raise InvalidTrigger(
                f"TIME_INTERVAL trigger needs a cron expression, got {self.expr!r}: e.g. '*/5 * * * 1-5 *'"
            )
        parse_cron(self.expr)  # raises InvalidCronExpression naming the field

    @property
    def settings(self) -> dict[str, Any]:
        """The settings JSON of the original API."""
        return {"expr": self.expr}

    def to_dict(self) -> dict[str, Any]:
        """API form: ``{"id": .., "type": .., "settings": {..}}``."""
        return {"id": self.id, "type": self.type.value, "settings": self.settings}

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed; the id is kept, so ``update_rule`` keeps the counter."""
        return dataclasses.replace(self, **changes)

    def __str__(self) -> str:
        return f"TIME_INTERVAL {self.expr!r}"


@dataclass(frozen=True, slots=True)
class EventTrigger:
    """Fire the rule once ``max_occurrence`` matching events of ``event_type`` were counted.

    Whether ``event_type`` is known is checked by the engine (it depends on what was declared).
    """

    event_type: str
    max_occurrence: int
    id: int | None = None

    type = TriggerType.EVENT

    def __post_init__(self) -> None:
        if not isinstance(self.event_type, str) or not self.event_type.strip():
            raise InvalidTrigger(
                f"EVENT trigger needs an event type, got {self.event_type!r}: e.g. 'CLIENT_SUBSCRIBED'"
            )
        mo = self.max_occurrence
        if isinstance(mo, bool) or not isinstance(mo, int):
            if isinstance(mo, float) and mo.is_integer():
                object.__setattr__(self, "max_occurrence", int(mo))
                mo = int(mo)
            else:
                raise InvalidTrigger(
                    f"EVENT trigger maxOccurrence must be a whole number >= 1, got {mo!r}"
                )
        if mo < 1:
            raise InvalidTrigger(
                f"EVENT trigger maxOccurrence must be at least 1, got {mo}: "
                "it is the number of matching events that fire the rule (1 = every matching event)"
            )

    @property
    def settings(self) -> dict[str, Any]:
        """The settings JSON of the original API (the ``maxOccurrence`` spelling of its HEAD)."""
        return {"eventType": self.event_type, "maxOccurrence": self.max_occurrence}

    def to_dict(self) -> dict[str, Any]:
        """API form: ``{"id": .., "type": .., "settings": {..}}``."""
        return {"id": self.id, "type": self.type.value, "settings": self.settings}

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed; the id is kept, so ``update_rule`` keeps the counter."""
        return dataclasses.replace(self, **changes)

    def __str__(self) -> str:
        return f"EVENT {self.event_type} x{self.max_occurrence}"


Trigger = Union[TimeIntervalTrigger, EventTrigger]

_MAXOCC_KEYS = ("maxoccurrence", "maxoccurence")


def parse_trigger(value: Any) -> Trigger:
    """Accept a trigger object or the API form ``{"id"?, "type", "settings": {...}}``.

    ``settings`` may be a dict or its JSON text. Keys match case-insensitively, as Go's
    ``encoding/json`` does, and both ``maxOccurrence`` and the seed's ``MaxOccurence``
    spelling are accepted.
    """
    if isinstance(value, (TimeIntervalTrigger, EventTrigger)):
        return value
    if not isinstance(value, Mapping):
        raise InvalidTrigger(
            f"cannot read trigger {value!r}: give TimeIntervalTrigger('*/5 * * * *'), "
            "EventTrigger('CLIENT_SUBSCRIBED', 5) or {'type': 'EVENT', 'settings': {...}}"
        )
    top = {str(k).lower(): v for k, v in value.items()}
    if "type" not in top:
        raise InvalidTrigger(f"trigger {dict(value)!r} has no type: use TIME_INTERVAL or EVENT")
    ttype = _enum(TriggerType, top["type"], "trigger type", InvalidTrigger)
    settings = top.get("settings", {k: v for k, v in value.items() if str(k).lower() not in ("id", "type")})
    if isinstance(settings, (bytes, str)):
        try:
            settings = json.loads(settings)
        except ValueError as exc:
            raise InvalidTrigger(f"{ttype.value} trigger settings {settings!r} are not valid JSON: {exc}") from None
    if not isinstance(settings, Mapping):
        raise InvalidTrigger(f"{ttype.value} trigger settings must be an object, got {settings!r}")
    s = {str(k).lower(): v for k, v in settings.items()}
    tid = top.get("id") or None
    if ttype is TriggerType.TIME_INTERVAL:
        if "expr" not in s:
            raise InvalidTrigger(
                f"TIME_INTERVAL trigger settings {dict(settings)!r} have no 'expr': "
                "give {'expr': '*/5 * * * 1-5 *'}"
            )
        return TimeIntervalTrigger(s["expr"], tid)
    if "eventtype" not in s:
        raise InvalidTrigger(
            f"EVENT trigger settings {dict(settings)!r} have no 'eventType': "
            "give {'eventType': 'CLIENT_SUBSCRIBED', 'maxOccurrence': 5}"
        )
    mo = next((s[k] for k in _MAXOCC_KEYS if k in s), None)
    if mo is None:
        raise InvalidTrigger(
            f"EVENT trigger settings {dict(settings)!r} have no 'maxOccurrence' "
            "(the spelling 'MaxOccurence' is accepted too): give a whole number >= 1"
        )
    return EventTrigger(s["eventtype"], mo, tid)


# --------------------------------------------------------------------------- rules and events


@dataclass(frozen=True)
class Rule:
    """A rule as stored: its action runs for all its targets when any of its triggers fires.

    ``last_executed`` is ``None`` until the first fire (the original's zero time).
    """

    id: int
    description: str
    action: Any
    last_executed: datetime | None
    triggers: tuple[Trigger, ...]
    targets: tuple[Target, ...]

    def trigger(self, trigger_id: int) -> Trigger:
        """The trigger with this id (for passing it back, possibly ``.replace()``-d, to ``update_rule``)."""
        for t in self.triggers:
            if t.id == trigger_id:
                return t
        raise LookupError(f"rule {self.id} has no trigger {trigger_id}: its triggers are {[t.id for t in self.triggers]}")


class _EventFields(NamedTuple):
    type: str
    source: str
    target: str
    time: datetime
    data: Mapping[str, Any] | None = None


class Event(_EventFields):
    """One event of the platform's event stream (C2 style: ``source`` is the client, ``target`` the topic).

    Immutable (a named tuple: made once per fire on the hot path); ``data`` is read-only.
    """

    __slots__ = ()

    def __new__(cls, type: str, source: str, target: str, time: datetime, data: Mapping[str, Any] | None = None):
        if isinstance(data, dict):
            data = MappingProxyType(dict(data))
        return super().__new__(cls, type, source, target, time, data)


class FireRecord(NamedTuple):
    """One fire of a rule: which trigger, when (virtual UTC time), why, and what the action did.

    Immutable (a named tuple: the engine records one per fire on its hot path).
    """

    rule_id: int
    trigger_id: int | None
    trigger_type: TriggerType
    time: datetime
    reason: str
    result: Any = None
    error: str | None = None
    event: Event | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A key the fake C2 key service generated. Only a fingerprint is kept, never the key."""

    time: datetime
    target_type: TargetType
    name: str
    fingerprint: str
    rule_id: int | None = None
    trigger_id: int | None = None


def with_id(obj: Any, new_id: int) -> Any:
    """A copy of a trigger or target with its id set."""
    return dataclasses.replace(obj, id=new_id)
