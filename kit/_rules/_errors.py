"""Errors and warnings of the rules engine.

Every user mistake raises a subclass of :class:`RulesError` whose message names the
thing, shows the bad value and says how to fix it. The classes also derive from the
matching built-in (``ValueError``, ``LookupError``, ``RuntimeError``) so callers that
catch those keep working.
"""

from __future__ import annotations


class RulesError(Exception):
    """Base class of every error raised by ``kit._rules``."""


class InvalidCronExpression(RulesError, ValueError):
    """A TIME_INTERVAL expression that the cron normaliser rejects.

    Attributes: ``expr`` (the expression as given), ``field`` (the field name such
    as ``"minute"``, or ``None`` when the problem is the whole expression) and
    ``reason``.
    """

    def __init__(self, expr: str, reason: str, field: str | None = None, token: str | None = None):
        self.expr = expr
        self.field = field
        self.token = token
        self.reason = reason
        where = f"{field} field '{token}': " if field is not None else ""
        super().__init__(f"invalid cron expression {expr!r}: {where}{reason}")


class InvalidTrigger(RulesError, ValueError):
    """A trigger whose type or settings are wrong (for example ``maxOccurrence`` < 1)."""


class UnknownEventType(InvalidTrigger):
    """An event type that was never declared to the engine."""


class InvalidTarget(RulesError, ValueError):
    """A rule target with an unknown type or an empty / invalid name."""


class UnknownAction(RulesError, ValueError):
    """A rule action the engine cannot run."""


class RuleNotFound(RulesError, LookupError):
    """No rule (or trigger) with the given id."""

    def __str__(self) -> str:  # LookupError would otherwise quote the message like KeyError
        return str(self.args[0]) if self.args else ""


class EngineClosed(RulesError, RuntimeError):
    """The engine was closed; open a new one on the same database to continue."""


class CronNeverDueWarning(UserWarning):
    """A TIME_INTERVAL expression has no future match: the trigger is never due.

    The original Go engine fired such a rule in a tight infinite loop; this engine
    warns instead and never fires it.
    """


class ActionUnavailableWarning(UserWarning):
    """A stored rule's Python action could not be re-imported after reopening the database."""


class UnsupportedTargetType(RulesError, ValueError):
    """KEY_ROTATION of an ANY target: the original C2 cannot tell a client from a topic."""
