"""Cron expressions with the field layout of the original engine (gorhill/cronexpr).

The original C2 automation engine used ``github.com/gorhill/cronexpr``, whose layout
differs from most Python libraries:

* 5 fields: ``minute hour day-of-month month day-of-week`` (second 0, any year);
* 6 fields: the same plus a **year** as the 6th field (``*/5 * * * 1-5 *`` is every
  5 minutes on weekdays), *not* seconds;
* 7 fields: ``second minute hour day-of-month month day-of-week year``;
* aliases ``@yearly``/``@annually``/``@monthly``/``@weekly``/``@daily``/``@hourly``.

This module validates an expression field by field (so that errors say which field
is wrong and why), rewrites it to gorhill's 7-field form in a syntax croniter reads
the same way, and evaluates it with croniter in UTC (``second_at_beginning=True``,
a 130-year search window so that ``0 0 1 1 * 2090`` is found).

Deliberate differences from gorhill, as the semantics document recommends: reversed
ranges (``5-2``) and steps out of range are rejected instead of yielding an empty set,
more than 7 fields are rejected instead of ignored, ``LW`` is rejected, and an
expression without a future match is "never due" (``next_after`` returns ``None``)
instead of returning the zero time that made the Go engine busy-loop.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from croniter import croniter
from croniter.croniter import CroniterBadCronError, CroniterBadDateError, CroniterError

from ._errors import InvalidCronExpression

__all__ = ["CronExpression", "parse_cron", "next_after", "is_due", "ALIASES"]

UTC = timezone.utc

#: gorhill's alias expansions (7-field form).
ALIASES = {
    "@yearly": "0 0 0 1 1 * *",
    "@annually": "0 0 0 1 1 * *",
    "@monthly": "0 0 0 1 * * *",
    "@weekly": "0 0 0 * * 0 *",
    "@daily": "0 0 0 * * * *",
    "@hourly": "0 0 * * * * *",
}

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_FULL = ["january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_DAY_FULL = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

_MONTH_NAMES = {**{n: i + 1 for i, n in enumerate(_MONTHS)}, **{n: i + 1 for i, n in enumerate(_MONTH_FULL)}}
_DAY_NAMES = {**{n: i for i, n in enumerate(_DAYS)}, **{n: i for i, n in enumerate(_DAY_FULL)}}


@dataclass(frozen=True)
class _Field:
    name: str
    lo: int
    hi: int  # highest value accepted in the field (day-of-week accepts 7 = Sunday)
    step_max: int  # gorhill: a step must be 1..descriptor max
    names: dict[str, int] | None = None
    digits: str = r"\d{1,2}"

    def describe_names(self) -> str:
        if self.names is _MONTH_NAMES:
            return ", a name (jan..dec)"
        if self.names is _DAY_NAMES:
            return ", a name (sun..sat)"
        return ""


_SECOND = _Field("second", 0, 59, 59)
_MINUTE = _Field("minute", 0, 59, 59)
_HOUR = _Field("hour", 0, 23, 23)
_DOM = _Field("day-of-month", 1, 31, 31)
_MONTH = _Field("month", 1, 12, 12, _MONTH_NAMES)
_DOW = _Field("day-of-week", 0, 7, 6, _DAY_NAMES)
# gorhill's year descriptor max is 2099, but its step parser only knows 0-59 and
# 1970-2099; a step wider than the field's span can only ever pick one year.
_YEAR = _Field("year", 1970, 2099, 129, None, r"\d{4}")
_FIELDS7 = (_SECOND, _MINUTE, _HOUR, _DOM, _MONTH, _DOW, _YEAR)

_STEP_RE = re.compile(r"^(.+?)/(\d+)$")


class _Bad(Exception):
    """Internal: one field is wrong; the caller adds the expression and field."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _value(field: _Field, tok: str) -> int:
    """Parse one value of *field* (a number or, in month/day-of-week, a name)."""
    if field.names is not None and tok in field.names:
        return field.names[tok]
    if not re.fullmatch(field.digits, tok):
        raise _Bad(
            f"{tok!r} is not a valid value: use a number {field.lo}-{field.hi}"
            f"{field.describe_names()}, '*', '?', a range 'a-b' or a step '*/n', 'a/n', 'a-b/n'"
        )
    v = int(tok)
    if not field.lo <= v <= field.hi:
        raise _Bad(f"value {v} is out of range {field.lo}-{field.hi}")
    return v


def _dow_single(v: int) -> int:
    return 0 if v == 7 else v


def _parse_item(field: _Field, item: str, whole_field: bool) -> tuple[str, set[int] | None]:
    """Validate one comma-separated item; return (croniter item, values or None).

    ``values`` is the set of plain values it stands for, or ``None`` for a wildcard
    or a special form (L, W, #).
    """
    if item == "":
        raise _Bad("empty list item (two commas in a row, or a trailing comma)")
    if item in ("*", "?"):
        return "*", None
    # Special forms of day-of-month / day-of-week.
    if field is _DOM:
        if item == "l":
            return "L", None
        if item == "lw":
            raise _Bad("'LW' (last weekday of the month) is not supported: use 'L' (last day of the month) or 'nW'")
        if item.endswith("w") and item[:-1].isdigit():
            day = _value(field, item[:-1])
            if not whole_field:
                raise _Bad(f"'{item.upper()}' (nearest weekday) must be the whole field, not part of a list")
            return f"{day}W", None
    if field is _DOW:
        if item.endswith("l") and item[:-1] and item[:-1] not in ("", "l"):
            day = _dow_single(_value(field, item[:-1]))
            if not whole_field:
                raise _Bad(f"'{item.upper()}' (last given weekday of the month) must be the whole field, not part of a list")
            return f"L{day}", None
        if "#" in item:
            day_s, _, k_s = item.partition("#")
            day = _dow_single(_value(field, day_s))
            if not re.fullmatch(r"\d+", k_s) or not 1 <= int(k_s) <= 5:
                raise _Bad(f"occurrence {k_s!r} in '{item}' is out of range 1-5 (write 'day#k', k = 1..5)")
            if not whole_field:
                raise _Bad(f"'{item}' (k-th given weekday of the month) must be the whole field, not part of a list")
            return f"{day}#{int(k_s)}", None

    step = None
    base = item
    m = _STEP_RE.match(item)
    if m:
        base, step_s = m.group(1), m.group(2)
        step = int(step_s)
        if not 1 <= step <= field.step_max:
            raise _Bad(f"step {step} is out of range 1-{field.step_max}")
    elif "/" in item:
        raise _Bad(f"{item!r} has a malformed step: write '*/n', 'a/n' or 'a-b/n' with a whole number n")

    if base in ("*", "?"):
        lo, hi = field.lo, (6 if field is _DOW else field.hi)
        if step is None:
            return "*", None
    elif "-" in base:
        a_s, _, b_s = base.partition("-")
        a, b = _value(field, a_s), _value(field, b_s)
        if field is _DOW:
            # gorhill maps 7 to Sunday (0) before building the range, so 'a-7' ends before it starts.
            if b == 7 and a != 7:
                fix = "'*'" if a == 0 else (f"'{a}-6,0'" if a < 6 else "'6,0'")
                raise _Bad(
                    f"range {a_s}-{b_s} ends at 7, which means Sunday (0) here, so the range is reversed: write {fix}"
                )
            a, b = _dow_single(a), _dow_single(b)
        if a > b:
            raise _Bad(
                f"range {a_s}-{b_s} is reversed ({a} > {b}) and would never match: ranges go from low to high; "
                f"for a wrap-around write two ranges, e.g. '{a}-{6 if field is _DOW else field.hi},{field.lo}-{b}'"
            )
        lo, hi = a, b
    else:
        v = _value(field, base)
        if field is _DOW:
            v = _dow_single(v)
        if step is None:
            return str(v), {v}
        # gorhill: 'a/n' means from a to the field's maximum, every n.
        lo, hi = v, (6 if field is _DOW else field.hi)
    step = step or 1
    values = set(range(lo, hi + 1, step))
    return (f"{lo}-{hi}/{step}" if step != 1 else f"{lo}-{hi}"), values


def _parse_field(field: _Field, text: str) -> str:
    items = text.split(",")
    out = [_parse_item(field, it, whole_field=len(items) == 1)[0] for it in items]
    if "*" in out:  # gorhill: a bare wildcard anywhere makes the whole field a wildcard
        return "*"
    return ",".join(out)


def _normalise(expr: str) -> str:
    """Return gorhill's 7-field form of *expr* in croniter syntax, or raise InvalidCronExpression."""
    if not isinstance(expr, str):
        raise InvalidCronExpression(
            repr(expr), f"expected a string such as '*/5 * * * *', got {type(expr).__name__}"
        ) from None
    text = expr.strip().lower()
    if not text:
        raise InvalidCronExpression(
            expr, "it is empty: give 5, 6 or 7 fields such as '*/5 * * * *', or an alias such as '@hourly'"
        )
    is_alias = text.startswith("@")
    if is_alias:
        if text not in ALIASES:
            raise InvalidCronExpression(
                expr, f"unknown alias {expr.strip()!r}: use one of {', '.join(ALIASES)} "
                "(@midnight and @reboot are not supported)"
            )
        text = ALIASES[text]
    parts = text.split()
    n = len(parts)
    # The user's own spelling of each field (case kept) for error messages; None = implied.
    shown: list[str | None] = list(parts) if is_alias else list(expr.strip().split())
    if n == 5:
        parts = ["0", *parts, "*"]
        shown = [None, *shown, None]
    elif n == 6:  # gorhill: the 6th field is the YEAR, not seconds
        parts = ["0", *parts]
        shown = [None, *shown]
    elif n != 7:
        raise InvalidCronExpression(
            expr,
            f"expected 5, 6 or 7 fields, got {n}: 5 = minute hour day-of-month month day-of-week, "
            "6 = the same plus year, 7 = second minute hour day-of-month month day-of-week year",
        )
    out = []
    for field, part, orig in zip(_FIELDS7, parts, shown):
        try:
            out.append(_parse_field(field, part))
        except _Bad as bad:
            raise InvalidCronExpression(expr, bad.reason, field=field.name, token=orig or part) from None
    return " ".join(out)


@dataclass(frozen=True, eq=False)
class CronExpression:
    """A validated cron expression. Build it with :func:`parse_cron`.

    ``source`` is the expression as given; ``normalized`` is gorhill's 7-field form
    (``second minute hour day-of-month month day-of-week year``) in croniter syntax.
    """

    source: str
    normalized: str

    def __post_init__(self) -> None:
        try:
            it = croniter(self.normalized, 0.0, second_at_beginning=True, max_years_between_matches=130)
        except (CroniterBadCronError, CroniterError) as exc:  # forms croniter cannot express
            raise InvalidCronExpression(self.source, f"not supported: {exc}") from None
        object.__setattr__(self, "_it", it)
        object.__setattr__(self, "_lock", threading.Lock())
        # One-entry memo: rules sharing an expression and fired at the same instant ask the same question.
        object.__setattr__(self, "_memo", (math.nan, None))

    def next_after(self, t: float) -> float | None:
        """First matching instant strictly after epoch *t* (UTC), or ``None`` if there is none.

        As in gorhill, the resolution is one second and *t*'s sub-second part is ignored:
        the next slot after 12:05:00.3 for ``*/5`` is 12:10:00.
        """
        start = float(math.floor(t))
        memo_t, memo_v = self._memo  # type: ignore[attr-defined]
        if memo_t == start:
            return memo_v
        with self._lock:  # type: ignore[attr-defined]
            it = self._it  # type: ignore[attr-defined]
            it.set_current(start, force=True)
            try:
                nxt: float | None = it.get_next(float)
            except CroniterBadDateError:
                nxt = None
        object.__setattr__(self, "_memo", (start, nxt))
        return nxt

    def next_after_datetime(self, t: datetime) -> datetime | None:
        """:meth:`next_after` for tz-aware datetimes (naive ones are taken as UTC)."""
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        nxt = self.next_after(t.timestamp())
        return None if nxt is None else datetime.fromtimestamp(nxt, UTC)

    def __repr__(self) -> str:
        return f"CronExpression({self.source!r})"


@lru_cache(maxsize=4096)
def parse_cron(expr: str) -> CronExpression:
    """Validate *expr* (gorhill layout) and return a :class:`CronExpression`.

    Raises :class:`InvalidCronExpression` (a ``ValueError``) naming the field and the reason,
    e.g. ``invalid cron expression '*/75 * * * *': minute field '*/75': step 75 is out of range 1-59``.
    """
    return CronExpression(expr, _normalise(expr))


def _to_epoch(t: datetime | float | int) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return t.timestamp()
    return float(t)


def next_after(expr: str, t: datetime | float) -> datetime | None:
    """First instant strictly after *t* matching *expr*, as a UTC datetime; ``None`` if none exists."""
    nxt = parse_cron(expr).next_after(_to_epoch(t))
    return None if nxt is None else datetime.fromtimestamp(nxt, UTC)


#: Go's zero time, the "never executed" marker of the original engine.
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def is_due(expr: str, last_executed: datetime | float | None, now: datetime | float) -> bool:
    """The original due condition, minus its busy loop.

    * never executed (``None``, Go's zero time, or any time before 1970): due at once,
      unless the expression has no match after *now*;
    * otherwise due when ``next_after(last_executed) <= now`` (equality fires);
    * an expression without a further match is never due (Go fired it in a tight loop).
    """
    cron = parse_cron(expr)
    now_s = _to_epoch(now)
    last_s = _to_epoch_safe(last_executed)
    if last_s is None:
        return cron.next_after(now_s) is not None
    nxt = cron.next_after(last_s)
    return nxt is not None and nxt <= now_s


def _to_epoch_safe(t: datetime | float | None) -> float | None:
    """Epoch seconds of a last-executed time, or None for "never executed" (None, zero time, pre-1970)."""
    if t is None:
        return None
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        if t.year < 1970:
            return None
    s = _to_epoch(t)
    return None if s < 0 else s


def count_slots(cron: CronExpression, after: float, until: float, cap: int = 1000) -> int:
    """Number of slots in ``(after, until]``, counting at most *cap* (used to explain catch-up fires)."""
    it = croniter(cron.normalized, float(math.floor(after)), second_at_beginning=True, max_years_between_matches=130)
    n = 0
    try:
        while n < cap and it.get_next(float) <= until:
            n += 1
    except CroniterBadDateError:
        pass
    return n
