"""Rules engine of the fake Sekoia.io platform: TIME_INTERVAL and EVENT triggers.

A Python reimplementation of the C2 automation engine's trigger semantics on a virtual
clock, with state in SQLite. See :class:`RulesEngine`.

Importing this package does not import pandas (the ``*_table()`` methods do, lazily).

Typical use by the fake platform (which owns the virtual clock)::

    engine = RulesEngine(path_or_memory, now=clock.time, run_action=run_kit_action)
    engine.register_event_type("alert_created")        # a hosted trigger's event name
    rule = engine.add_rule("KEY_ROTATION",
                           [TimeIntervalTrigger("*/5 * * * 1-5 *"), EventTrigger("CLIENT_SUBSCRIBED", 10)],
                           [Target.client("alice"), Target.topic("news")])
    # as the clock advances: fire what is due, interleaved with the platform's own steps
    while (due := engine.next_due()) is not None and due <= target_time:
        clock.set(max(due, clock.time())); engine.run_due()
    engine.publish("CLIENT_SUBSCRIBED", "alice", "news")  # the platform's event stream
    engine.rules_table(); engine.fires_table(); engine.keys_table()
"""

from ._cron import ALIASES, CronExpression, is_due, next_after, parse_cron
from ._engine import Fires, RulesEngine
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
    "RulesEngine", "Fires", "Rule", "Target", "TargetType", "TimeIntervalTrigger", "EventTrigger", "Trigger",
    "TriggerType", "ActionType", "Event", "FireRecord", "KeyRecord", "FakeKeyService", "C2_EVENT_TYPES",
    "parse_trigger", "parse_target", "parse_cron", "next_after", "is_due", "CronExpression", "ALIASES",
    "RulesError", "InvalidCronExpression", "InvalidTrigger", "UnknownEventType", "InvalidTarget",
    "UnknownAction", "RuleNotFound", "EngineClosed", "UnsupportedTargetType", "CronNeverDueWarning",
    "ActionUnavailableWarning",
]
