"""Rules engine of the fake Sekoia.io platform: TIME_INTERVAL and EVENT triggers.

A Python reimplementation of the C2 automation engine's trigger semantics on a virtual
clock, with state in SQLite. See :class:`RulesEngine`.

Importing this package does not import pandas (the ``*_table()`` methods do, lazily).
"""

from ._cron import ALIASES, CronExpression, is_due, next_after, parse_cron
from ._engine import RulesEngine
from ._errors import (
    ActionUnavailableWarning,
    CronNeverDueWarning,
    EngineClosed,
    InvalidCronExpression,
    InvalidTarget,
    InvalidTrigger,
    RuleNotFound,
    RulesError,
    UnknownAction,
    UnknownEventType,
    UnsupportedTargetType,
)
from ._keys import FakeKeyService
from ._model import (
    C2_EVENT_TYPES,
    ActionType,
    Event,
    EventTrigger,
    FireRecord,
    KeyRecord,
    Rule,
    Target,
    TargetType,
    TimeIntervalTrigger,
    Trigger,
    TriggerType,
    parse_target,
    parse_trigger,
)

__all__ = [
    "RulesEngine", "Rule", "Target", "TargetType", "TimeIntervalTrigger", "EventTrigger", "Trigger",
    "TriggerType", "ActionType", "Event", "FireRecord", "KeyRecord", "FakeKeyService", "C2_EVENT_TYPES",
    "parse_trigger", "parse_target", "parse_cron", "next_after", "is_due", "CronExpression", "ALIASES",
    "RulesError", "InvalidCronExpression", "InvalidTrigger", "UnknownEventType", "InvalidTarget",
    "UnknownAction", "RuleNotFound", "EngineClosed", "UnsupportedTargetType", "CronNeverDueWarning",
    "ActionUnavailableWarning",
]
