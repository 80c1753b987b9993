"""The timeline of what hosted components did: marks prepared from the records, drawn with Altair.

This module reads records only (a component's host and its step reports); the platform and the
stepper hand it their :class:`Source` objects. Preparing the marks needs pandas and numpy; drawing
them needs the ``timeline`` extra (Altair, anywidget, vl-convert), imported on first draw.

A kind of mark is one entry of :data:`KINDS`: its name, labels, shape, the colour of each of its
categories and a function that collects its marks from a :class:`Source`, vectorised, with a
function that describes one mark (its tooltip). Adding a kind of record is adding one entry.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from kit._platform._records import thaw

__all__ = ["KINDS", "MAX_MARKS", "StepRange", "Source", "Timeline", "prepare"]

MAX_MARKS = 3000  # past this many marks, marks are aggregated into time bins
_MIN_MARKS = 10
_TEXT_LIMIT = 300  # characters of a text field in a tooltip (bodies, messages, tracebacks)
_SIZE_MIN, _SIZE_MAX = 30.0, 320.0  # square pixels of a mark of count 1 and of the largest count
_THREAD_SEPARATOR = " · "
_BIN_PIXELS = 12  # the narrowest time bin, in pixels of the chart's width
_EXTRA = "pip install 'sekoia-kit[timeline]'"


@dataclass(frozen=True, slots=True)
class Source:
    """What one component did, as the timeline reads it: its name, its host's records, its steps."""

    component: str
    host: Any  # a ComponentHost: runs, logs, http, rejected, errors, intake, mask
    reports: Sequence[Any] = ()  # StepReports (none for an action)


@dataclass(frozen=True, slots=True)
class StepRange:
    """The steps a clicked mark stands for: one step, or the steps of an aggregated bin."""

    component: str
    first: int
    last: int

    def __contains__(self, step: object) -> bool:
        return isinstance(step, numbers.Integral) and self.first <= step <= self.last  # type: ignore[operator]

    def __str__(self) -> str:
        return f"step {self.first}" if self.first == self.last else f"steps {self.first}–{self.last}"


@dataclass(frozen=True, slots=True)
class _Marks:
    """The marks of one kind collected from one source, as columns (numpy arrays or sequences)."""

    time: np.ndarray  # float64, virtual epoch seconds
    step: np.ndarray  # int64
    thread: Sequence[str] | str  # "" for the component's main thread (or a component without threads)
    category: Sequence[str] | str  # the colour of each mark (see Kind.colors)
    describe: Callable[[int], tuple[str, dict]]  # i -> (tooltip title, the record's fields)
    count: np.ndarray | None = None  # int64: what a mark stands for (events of a push); None: 1 each


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of mark: ``collect(source)`` returns its marks (or None), ``colors`` maps each of its
    categories to a colour, ``plural`` names many of them (tooltips of aggregated marks)."""

    name: str
    plural: str
    shape: str
    colors: dict[str, str]
    collect: Callable[[Source], _Marks | None]


def _seconds(datetimes: Iterable[datetime]) -> np.ndarray:
    return np.fromiter((d.timestamp() for d in datetimes), dtype=np.float64)


def _steps(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _iso(epoch: float) -> str:
    text = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return text.replace(".000+00:00", "Z").replace("+00:00", "Z")


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _TEXT_LIMIT:
        return value[: _TEXT_LIMIT - 1] + "…"
    return value


def _json(value: Any) -> str:
    import json

    return json.dumps(thaw(value), default=str, ensure_ascii=False)


# -- the kinds of marks ------------------------------------------------------------------------
def _step_marks(source: Source) -> _Marks | None:
    reports = list(source.reports)
    if not reports:
        return None

    def describe(i: int) -> tuple[str, dict]:
        r = reports[i]
        fields = {
            "status": r.status,
            "end": _iso(r.end.timestamp()),
            "slept": r.slept,
            "paused_at": r.pause,
            "where": r.where,
            "threads": "; ".join(r.threads) or None,
            "runs": len(r.runs),
            "events": r.events_pushed,
            "http": len(r.http),
            "logs": len(r.logs),
            "error": f"{r.errors[0].type}: {r.errors[0].message}" if r.errors else None,
        }
        return f"step {r.number} [{r.status}]", fields

    return _Marks(_seconds(r.start for r in reports), _steps(r.number for r in reports), "", "step", describe)


def _push_marks(source: Source) -> _Marks | None:
    intake = source.host.intake
    intake.materialize()
    if not len(intake.batch_step):
        return None
    ends = np.frombuffer(intake.batch_end, dtype=np.int64)
    counts = np.diff(ends, prepend=0)
    strings = intake.strings

    def describe(i: int) -> tuple[str, dict]:
        n = int(counts[i])
        first = strings[int(ends[i]) - n] if n else None
        fields = {"events": n, "chunks": int(intake.batch_chunks[i]), "first_event": first}
        return f"push of {n} event{'s' * (n != 1)}", fields

    return _Marks(
        np.frombuffer(intake.batch_time, dtype=np.float64).copy(),
        np.frombuffer(intake.batch_step, dtype=np.int64).copy(),
        intake.batch_thread,
        "push",
        describe,
        counts,
    )


def _event_marks(source: Source) -> _Marks | None:
    runs = list(source.host.runs)
    rejected = list(source.host.rejected)
    if not runs and not rejected:
        return None

    def describe(i: int) -> tuple[str, dict]:
        if i < len(runs):
            r = runs[i]
            fields = {"event_name": r.event_name, "request_id": r.request_id, "event": _json(r.event),
                      "directory": r.directory, "files": ", ".join(r.files) or None}
            return f"event {r.event_name}", fields
        r = rejected[i - len(runs)]
        return f"event {r.event_name} rejected", {"event_name": r.event_name, "error": r.error}

    both = runs + rejected
    return _Marks(
        _seconds(r.time for r in both),
        _steps(r.step for r in both),
        [r.thread for r in runs] + [""] * len(rejected),
        ["event"] * len(runs) + ["event rejected"] * len(rejected),
        describe,
    )


def _http_category(status: Any, error: Any) -> str:
    if error is not None or status is None:
        return "HTTP error"
    return _HTTP_CLASSES.get(status // 100, "HTTP other")


_HTTP_CLASSES = {2: "HTTP 2xx", 3: "HTTP 3xx", 4: "HTTP 4xx", 5: "HTTP 5xx"}


def _http_marks(source: Source) -> _Marks | None:
    calls = list(source.host.http)
    if not calls:
        return None

    def describe(i: int) -> tuple[str, dict]:
        c = calls[i]
        outcome = c.status if c.error is None else c.error
        fields = {"method": c.method, "url": c.url, "status": c.status, "error": c.error,
                  "request_headers": _json(c.request_headers) if c.request_headers else None,
                  "request_body": c.request_body, "response_body": c.response_body}
        return f"{c.method} {c.url} → {outcome}", fields

    return _Marks(
        _seconds(c.time for c in calls),
        _steps(c.step for c in calls),
        [c.thread for c in calls],
        [_http_category(c.status, c.error) for c in calls],
        describe,
    )


_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _log_marks(source: Source) -> _Marks | None:
    logs = list(source.host.logs)
    if not logs:
        return None
    known = {level: f"log {level}" for level in _LOG_LEVELS} | {"exception": "log error"}  # log_exception

    def describe(i: int) -> tuple[str, dict]:
        r = logs[i]
        return f"log {r.level}", {"level": r.level, "message": r.message, "sent": r.sent, "source": r.source}

    return _Marks(
        _seconds(r.time for r in logs),
        _steps(r.step for r in logs),
        [r.thread for r in logs],
        [known.get(r.level, "log other") for r in logs],
        describe,
    )


def _crash_marks(source: Source) -> _Marks | None:
    errors = list(source.host.errors)
    if not errors:
        return None
    # a StepError has no time of its own: it happened during its step, which ended at the report's end
    ends = {r.number: r.end.timestamp() for r in source.reports}
    fallback = source.host.platform.clock.time()

    def describe(i: int) -> tuple[str, dict]:
        _, e = errors[i]
        return f"{e.type}: {e.message.splitlines()[0] if e.message else ''}", {
            "where": e.where, "type": e.type, "message": e.message, "traceback": e.traceback[-_TEXT_LIMIT:]}

    return _Marks(
        np.fromiter((ends.get(step, fallback) for step, _ in errors), dtype=np.float64),
        _steps(step for step, _ in errors),
        "",
        "crash",
        describe,
    )


def _asset_marks(source: Source) -> _Marks | None:
    assets = list(getattr(source.host, "assets", ()))
    if not assets:
        return None

    def describe(i: int) -> tuple[str, dict]:
        r = assets[i]
        return f"asset {r.type} (batch {r.batch})", {
            "type": r.type, "class_name": r.class_name, "uid": r.uid, "batch": r.batch, "asset": _short(_json(r.asset))}

    return _Marks(_seconds(r.time for r in assets), _steps(r.step for r in assets), "", "asset", describe)


def _fault_marks(source: Source) -> _Marks | None:
    faults = getattr(source.host.platform, "faults", None)
    records = list(faults.fault_records(source.component)) if faults is not None else []
    if not records:
        return None

    def describe(i: int) -> tuple[str, dict]:
        r = records[i]
        return f"fault {r.fault}: {r.injected}", {
            "kind": r.kind, "request": f"{r.method} {r.url}", "injected": r.injected, "reaction": r.reaction,
            "retried_after": r.retried_after, "crashed": r.crashed}

    return _Marks(
        _seconds(r.time for r in records),
        _steps(r.step for r in records),
        [r.thread for r in records],
        ["fault" if r.crashed is None else "fault, then a crash" for r in records],
        describe,
    )


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("step", "steps", "square", {"step": "#757575"}, _step_marks),
        Kind("push", "pushes", "circle", {"push": "#1565c0"}, _push_marks),
        Kind("event", "events", "diamond", {"event": "#6a1b9a", "event rejected": "#d81b60"}, _event_marks),
        Kind("http", "HTTP calls", "triangle-up", {
            "HTTP 2xx": "#2e7d32", "HTTP 3xx": "#00897b", "HTTP 4xx": "#fb8c00", "HTTP 5xx": "#c62828",
            "HTTP error": "#4e342e", "HTTP other": "#8d6e63",
        }, _http_marks),
        Kind("log", "log lines", "triangle-down", {
            "log debug": "#b0bec5", "log info": "#607d8b", "log warning": "#fbc02d", "log error": "#e53935",
            "log critical": "#880e4f", "log other": "#9e9e9e",
        }, _log_marks),
        Kind("crash", "crashes", "cross", {"crash": "#000000"}, _crash_marks),
        Kind("asset", "assets", "triangle-right", {"asset": "#5d4037"}, _asset_marks),
        Kind("fault", "injected faults", "wedge", {"fault": "#ff6f00", "fault, then a crash": "#b71c1c"}, _fault_marks),
    )
}
"""The kinds of marks, in the order of their rows in a lane."""

_COLORS = {category: color for kind in KINDS.values() for category, color in kind.colors.items()}


# -- options ---------------------------------------------------------------------------------------
def check_options(call: str, options: dict[str, Any], unknown: dict[str, Any]) -> None:
    """Raise a clear error for an unknown option of ``call`` (e.g. ``sim.timeline``) or a bad value."""
    for name, value in unknown.items():
        close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}={value!r}? " if close else ""
        raise TypeError(
            f"{call}({name}={value!r}): {name!r} is not an option of {call}(); {hint}"
            f"the options are {', '.join(options)}"
        )
    max_marks = options.get("max_marks")
    if isinstance(max_marks, bool) or not isinstance(max_marks, numbers.Integral) or max_marks < _MIN_MARKS:
        raise ValueError(
            f"{call}(max_marks={max_marks!r}): max_marks is how many marks are drawn before they are aggregated "
            f"into time bins, an integer >= {_MIN_MARKS}; e.g. max_marks={MAX_MARKS} (the default)"
        )
    width = options.get("width")
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 100:
        raise ValueError(f"{call}(width={width!r}): width is the chart's width in pixels, an integer >= 100; e.g. width=800")


def check_kinds(call: str, kinds: Any) -> tuple[str, ...]:
    """The mark kinds asked for (all of them for None), or a clear error naming the bad one."""
    if kinds is None:
        return tuple(KINDS)
    items = [kinds] if isinstance(kinds, str) else kinds
    try:
        items = list(items)
    except TypeError:
        items = None
    if items is None or not items or not all(isinstance(k, str) for k in items):
        raise TypeError(
            f"{call}(kinds={kinds!r}): kinds is a list of mark kinds out of {', '.join(map(repr, KINDS))}; "
            "e.g. kinds=['http', 'log']"
        )
    for kind in items:
        if kind not in KINDS:
            close = difflib.get_close_matches(kind, list(KINDS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{call}(kinds={kinds!r}): {kind!r} is not a mark kind{hint}; the kinds are "
                f"{', '.join(map(repr, KINDS))}; e.g. kinds=['http', 'log']"
            )
    return tuple(k for k in KINDS if k in items)


# -- preparing the marks -------------------------------------------------------------------------------
_COLUMNS = ("lane", "component", "thread", "kind", "category", "time", "end", "step", "last_step", "count",
            "records", "record")
_KIND_NAMES = np.asarray(list(KINDS), dtype=object)
_KIND_CODES = {name: code for code, name in enumerate(KINDS)}
_CATEGORY_NAMES = np.asarray(list(_COLORS), dtype=object)
_CATEGORY_CODES = {name: code for code, name in enumerate(_COLORS)}


@dataclass(slots=True)
class _Lanes:
    """The lanes, top to bottom: each one's label, component and thread ("" for a component without threads)."""

    labels: list[str]
    components: list[str]
    threads: list[str]

    def add(self, component: str, thread: str | None) -> int:
        self.labels.append(component if thread is None else f"{component}{_THREAD_SEPARATOR}{thread}")
        self.components.append(component)
        self.threads.append(thread or "")
        return len(self.labels) - 1


@dataclass(slots=True)
class _Table:
    """Every mark as numbers: codes of lane, kind and category; time, step, count; where its record is."""

    lane: np.ndarray
    kind: np.ndarray
    category: np.ndarray
    time: np.ndarray
    step: np.ndarray
    count: np.ndarray
    source: np.ndarray  # which describe function
    index: np.ndarray  # its argument


def prepare(
    sources: Sequence[Source], *, title: str, kinds: Sequence[str] = tuple(KINDS), max_marks: int = MAX_MARKS,
    width: int = 800, mask: Any = None, empty_hint: str = "",
) -> "Timeline":
    """The :class:`Timeline` of ``sources``: their marks of ``kinds``, aggregated past ``max_marks``."""
    table, lanes, describers = _collect(sources, kinds)
    total = len(table.time)
    if total <= max_marks:
        marks = _single_marks(table, lanes, describers, mask)
        bin_seconds = None
    else:
        marks, bin_seconds = _binned_marks(table, lanes, max_marks, width)
    span = (float(table.time.min()), float(table.time.max())) if total else None
    return Timeline(title, marks, lanes.labels, total, span, bin_seconds, width, empty_hint)


def _codes(values: Sequence[str] | str, codes: dict[str, int], n: int) -> np.ndarray:
    if isinstance(values, str):
        return np.full(n, codes[values], dtype=np.int64)
    return np.fromiter(map(codes.__getitem__, values), dtype=np.int64, count=n)


def _collect(sources: Sequence[Source], kinds: Sequence[str]) -> tuple[_Table, _Lanes, list[Callable]]:
    """The marks of every source, vectorised: per kind, numpy arrays; lanes per component (and thread)."""
    lanes = _Lanes([], [], [])
    describers: list[Callable[[int], tuple[str, dict]]] = []
    columns: dict[str, list[np.ndarray]] = {name: [] for name in _Table.__slots__}
    for component in dict.fromkeys(s.component for s in sources):
        found = [(name, marks) for source in sources if source.component == component for name in kinds
                 if (marks := KINDS[name].collect(source)) is not None and len(marks.time)]
        threaded = any(marks.thread if isinstance(marks.thread, str) else any(marks.thread) for _, marks in found)
        lane_codes = _thread_lanes(component, found, lanes) if threaded else None
        main = lanes.add(component, None) if not threaded else None
        for (name, marks), threads in zip(found, lane_codes or [None] * len(found)):
            n = len(marks.time)
            columns["lane"].append(np.full(n, main, dtype=np.int64) if threads is None else threads)
            columns["kind"].append(np.full(n, _KIND_CODES[name], dtype=np.int64))
            columns["category"].append(_codes(marks.category, _CATEGORY_CODES, n))
            columns["time"].append(np.asarray(marks.time, dtype=np.float64))
            columns["step"].append(np.asarray(marks.step, dtype=np.int64))
            columns["count"].append(np.ones(n, dtype=np.int64) if marks.count is None else marks.count)
            columns["source"].append(np.full(n, len(describers), dtype=np.int64))
            columns["index"].append(np.arange(n, dtype=np.int64))
            describers.append(marks.describe)
    table = _Table(**{
        name: np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64 if name == "time" else np.int64)
        for name, parts in columns.items()
    })
    return table, lanes, describers


def _thread_lanes(component: str, found: list[tuple[str, _Marks]], lanes: _Lanes) -> list[np.ndarray]:
    """The lane code of each mark of a component that started threads: its main thread's lane first (marks
    made before the first thread started were made by it), then one per thread by its first mark."""
    names: dict[str, int] = {"main": 0, "": 0}
    per_marks = []
    for _, marks in found:
        threads = [marks.thread] if isinstance(marks.thread, str) else marks.thread
        for thread in dict.fromkeys(threads):
            names.setdefault(thread, len(names) - 1)
        per_marks.append(_codes(marks.thread, names, len(marks.time)))
    first = np.full(len(names) - 1, np.inf)
    for codes, (_, marks) in zip(per_marks, found):
        np.minimum.at(first, codes, marks.time)
    order = [0, *sorted(range(1, len(first)), key=lambda code: (first[code], code))]
    labels = {code: name for name, code in names.items() if name}
    to_lane = np.zeros(len(first), dtype=np.int64)
    for code in order:
        to_lane[code] = lanes.add(component, labels[code])
    return [to_lane[codes] for codes in per_marks]


def _datetimes(seconds: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(seconds, dtype="float64"), unit="s", utc=True)


def _frame(lanes: _Lanes, lane: np.ndarray, kind: np.ndarray, category: np.ndarray, **columns: Any) -> pd.DataFrame:
    labels = np.asarray(lanes.labels, dtype=object)
    return pd.DataFrame({
        "lane": labels[lane], "component": np.asarray(lanes.components, dtype=object)[lane],
        "thread": np.asarray(lanes.threads, dtype=object)[lane], "kind": _KIND_NAMES[kind],
        "category": _CATEGORY_NAMES[category], **columns,
    }, columns=list(_COLUMNS))


def _single_marks(table: _Table, lanes: _Lanes, describers: list[Callable], mask: Any) -> pd.DataFrame:
    """One mark per record, sorted by time, each with its record (the tooltip) masked and shortened."""
    order = np.lexsort((table.step, table.time))
    records = []
    for lane, time_, step, source, index in zip(
        table.lane[order].tolist(), table.time[order].tolist(), table.step[order].tolist(),
        table.source[order].tolist(), table.index[order].tolist(),
    ):
        title, fields = describers[source](index)
        record = {"title": title, "component": lanes.components[lane]}
        if lanes.threads[lane]:
            record["thread"] = lanes.threads[lane]
        record["step"] = step
        record["time"] = _iso(time_)
        record.update((k, v) for k, v in fields.items() if v is not None)
        if mask:
            record = mask.data(record)
        records.append({k: _short(v) for k, v in record.items()})
    times = _datetimes(table.time[order])
    steps = table.step[order]
    return _frame(
        lanes, table.lane[order], table.kind[order], table.category[order], time=times, end=times, step=steps,
        last_step=steps, count=table.count[order], records=np.ones(len(order), dtype=np.int64),
        record=pd.Series(records, dtype=object),
    )


_NICE_SECONDS = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800,
    1200, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
]


def _bin_width(seconds: float) -> float:
    """The smallest readable bin width (1 ms, 2 ms, 5 ms ... 1 min, 5 min ... 1 day, 1 week) >= ``seconds``."""
    for width in _NICE_SECONDS:
        if width >= seconds:
            return width
    return math.ceil(seconds / 604800) * 604800.0


def _binned_marks(table: _Table, lanes: _Lanes, max_marks: int, pixels: int) -> tuple[pd.DataFrame, float]:
    """One mark per (lane, kind, category, time bin): its count, time range and step range.

    At most ``max_marks`` marks in all, and bins no narrower than ``_BIN_PIXELS`` of the chart's
    ``pixels`` (narrower bins would draw their marks on top of each other)."""
    n_kinds, n_categories = len(_KIND_NAMES), len(_CATEGORY_NAMES)
    group = (table.lane * n_kinds + table.kind) * n_categories + table.category
    n_groups = len(np.unique(group))
    # bins aligned on multiples of the width: a span of k widths touches at most k + 1 bins
    per_group = max(1, min(max_marks // n_groups - 1, pixels // _BIN_PIXELS))
    span = float(table.time.max() - table.time.min())
    width = _bin_width(span / per_group)
    bins = np.floor(table.time / width).astype(np.int64)
    first_bin = int(bins.min())
    n_bins = int(bins.max()) - first_bin + 1
    key = group * n_bins + (bins - first_bin)
    order = np.argsort(key, kind="stable")
    keys = key[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    group_of, bin_of = np.divmod(keys[starts], n_bins)
    kind_category, category = np.divmod(group_of, n_categories)
    lane, kind = np.divmod(kind_category, n_kinds)
    times, steps = table.time[order], table.step[order]
    count = np.add.reduceat(table.count[order], starts)
    records_n = np.diff(np.append(starts, len(keys)))
    first, last = np.minimum.reduceat(times, starts), np.maximum.reduceat(times, starts)
    step, last_step = np.minimum.reduceat(steps, starts), np.maximum.reduceat(steps, starts)
    start = (bin_of + first_bin) * width
    out = np.lexsort((kind, lane, bin_of))
    records = []
    for i in out.tolist():
        name, n = _KIND_NAMES[kind[i]], int(records_n[i])
        category_name = _CATEGORY_NAMES[category[i]]
        title = f"{n} {KINDS[name].plural if n != 1 else name}" + (
            f" ({category_name})" if category_name != name else "")
        record = {"title": title, "component": lanes.components[lane[i]]}
        if lanes.threads[lane[i]]:
            record["thread"] = lanes.threads[lane[i]]
        record["steps"] = f"{step[i]}" if step[i] == last_step[i] else f"{step[i]}–{last_step[i]}"
        record["from"] = _iso(first[i])
        record["to"] = _iso(last[i])
        record["records"] = n
        if name == "push":
            record["events"] = int(count[i])
        record["bin"] = f"{_iso(start[i])} + {_duration(width)}"
        records.append(record)
    return _frame(
        lanes, lane[out], kind[out], category[out], time=_datetimes(start[out] + width / 2),
        end=_datetimes(start[out] + width), step=step[out], last_step=last_step[out],
        count=np.where(kind[out] == _KIND_CODES["push"], count[out], records_n[out]), records=records_n[out],
        record=pd.Series(records, dtype=object),
    ), width


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds * 1000:g} ms" if seconds < 1 else f"{seconds:g} s"


# -- the chart ------------------------------------------------------------------------------------------
class Timeline:
    """The timeline of what components did, on the platform's virtual time.

    One lane per component (one per thread for a component that started threads); in each lane one
    row per kind of mark: ``step``, ``push`` (intake pushes, sized by their events), ``event``
    (``send_event``; rejected ones in their own colour), ``http`` (coloured by status: 2xx, 3xx,
    4xx, 5xx, error), ``log`` (by level) and ``crash`` (exceptions raised in a step). Hovering a mark
    shows its record (secrets masked); clicking one selects its step (:meth:`widget`'s ``on_select``).

    Past ``max_marks`` marks, marks are aggregated: one per lane, kind, colour and time bin, sized
    by what it counts; its tooltip gives the count, the time range and the steps. The data drawn stays
    bounded by ``max_marks``.

    Attributes:
        title: the chart's title.
        marks: the marks drawn, one row each: ``lane``, ``component``, ``thread``, ``kind``,
            ``category`` (its colour), ``time`` (of the mark; the middle of its bin when aggregated),
            ``end``, ``step`` and ``last_step`` (the steps it stands for), ``count`` (events of a push,
            records of a bin), ``records`` and ``record`` (the tooltip's fields).
        lanes: the lanes, top to bottom.
        total: how many records the marks stand for.
        bin_seconds: the width of a time bin when the marks are aggregated, else None.

    In a notebook it displays as an interactive chart (:meth:`widget`); :attr:`chart` is the Altair
    chart (``timeline.chart.save("timeline.html")``), :attr:`spec` its Vega-Lite specification (what
    the browser is given).
    """

    def __init__(
        self, title: str, marks: pd.DataFrame, lanes: list[str], total: int, span: tuple[float, float] | None,
        bin_seconds: float | None, width: int, empty_hint: str = "",
    ) -> None:
        self.title = title
        self.marks = marks
        self.lanes = lanes
        self.total = total
        self._span = span
        self.bin_seconds = bin_seconds
        self.width = width
        self._empty_hint = empty_hint

    @property
    def aggregated(self) -> bool:
        """True when the marks are time bins (more than ``max_marks`` records)."""
        return self.bin_seconds is not None

    @property
    def subtitle(self) -> str:
        if self._span is None:
            return self._empty_hint
        span = f"{_iso(self._span[0])} → {_iso(self._span[1])}"
        if self.aggregated:
            return (f"{self.total:,} records in {len(self.marks):,} marks (bins of {_duration(self.bin_seconds)}); "
                    f"{span}; hover a mark for its counts, click it to select its steps")
        return f"{self.total:,} records; {span}; hover a mark for its record, click it to select its step"

    def values(self) -> list[dict]:
        """The data given to Vega: one dict per mark (time in epoch milliseconds), the larger ones first
        (drawn first, so a smaller mark at the same place stays visible on top)."""
        marks = self.marks
        if marks.empty:
            return []
        counts = marks["count"].to_numpy(dtype=np.float64)
        largest = marks.groupby("kind")["count"].transform("max").to_numpy(dtype=np.float64)  # per row of a lane
        sizes = _SIZE_MIN + (_SIZE_MAX - _SIZE_MIN) * np.sqrt(counts / largest)
        millis = marks["time"].dt.as_unit("ms").astype("int64").to_numpy()
        out = []
        rows = list(marks[["lane", "component", "kind", "category", "step", "last_step", "record"]]
                    .itertuples(index=False))
        for i in np.argsort(-counts, kind="stable").tolist():
            row = rows[i]
            steps = f"step {row.step}" if row.step == row.last_step else f"steps {row.step}–{row.last_step}"
            out.append({
                "lane": row.lane, "component": row.component, "kind": row.kind, "category": row.category,
                "time": int(millis[i]), "step": int(row.step), "last_step": int(row.last_step),
                "size": round(float(sizes[i]), 1),
                "label": f"{row.lane}: {steps}" if row.kind == "step" else f"{row.lane}: {row.category}, {steps}",
                "record": row.record,
            })
        return out

    def _skeleton(self) -> Any:
        """The chart without its data: it reads the dataset ``timeline`` (Altair validates what it is
        given, which costs seconds for thousands of marks; the data is plain JSON, added after)."""
        alt = _altair()
        present_kinds, present_categories = set(self.marks["kind"].tolist()), set(self.marks["category"].tolist())
        kinds = [k for k in KINDS if k in present_kinds] or list(KINDS)
        categories = [c for c in _COLORS if c in present_categories] or list(_COLORS)
        pick = alt.selection_point(name="pick", fields=["component", "step", "last_step"], on="click")
        rows = max(1, len(self.lanes)) * len(kinds)
        return alt.Chart(alt.NamedData(name=_DATASET)).mark_point(
            filled=True, tooltip=alt.ExprRef("datum.record"), cursor="pointer",
        ).encode(
            x=alt.X("time:T", title=self._axis_title(), scale=alt.Scale(type="utc"),
                    axis=alt.Axis(labelOverlap=True, grid=True, format=self._axis_format())),
            y=alt.Y("lane:N", sort=self.lanes or None, scale=alt.Scale(domain=self.lanes) if self.lanes else alt.Undefined,
                    title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("kind:N", sort=kinds, scale=alt.Scale(domain=kinds)),
            color=alt.Color("category:N", scale=alt.Scale(domain=categories, range=[_COLORS[c] for c in categories]),
                            legend=alt.Legend(title=None, orient="bottom", columns=6)),
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=[KINDS[k].shape for k in kinds]),
                            legend=None),
            size=alt.Size("size:Q", scale=None),
            opacity=alt.condition(pick, alt.value(0.9), alt.value(0.25)),
            description=alt.Description("label:N"),
        ).add_params(pick).properties(
            title=alt.Title(self.title if self._span else f"{self.title}: no records yet", subtitle=self.subtitle,
                            anchor="start"),
            width=self.width,
            height={"step": 20, "for": "offset"} if rows > 1 else 40,
        )

    def _axis_format(self) -> str:
        seconds = self._span[1] - self._span[0] if self._span else 0
        return "%H:%M:%S" if seconds <= 300 else "%H:%M" if seconds <= 2 * 86400 else "%b %d %H:%M"

    def _axis_title(self) -> str:
        if self._span is None:
            return "virtual time (UTC)"
        first, last = (_iso(t)[:10] for t in self._span)
        return f"virtual time (UTC), {first}" + (f" → {last}" if last != first else "")

    @functools.cached_property
    def spec(self) -> dict:
        """The Vega-Lite specification of the timeline, its data included (what the browser is given)."""
        spec = self._skeleton().to_dict()
        spec["datasets"] = {_DATASET: self.values()}
        return spec

    @property
    def chart(self) -> Any:
        """The timeline as an Altair chart (``alt.Chart``), e.g. ``timeline.chart.save("timeline.html")``."""
        alt = _altair()
        with alt.utils.schemapi.debug_mode(False):  # the data is not validated when the chart is built
            return self._skeleton().properties(datasets={_DATASET: self.values()})

    def widget(self, on_select: Callable[[StepRange], Any] | None = None) -> Any:
        """The chart as a Jupyter widget (``alt.JupyterChart``, rendered offline, as SVG).

        ``on_select(steps)`` is called with a :class:`StepRange` when a mark is clicked (the steps of
        a bin when the marks are aggregated).
        """
        widget = _widget_class()(None, embed_options=_EMBED_OPTIONS)
        self.draw(widget, on_select)
        return widget

    def draw(self, widget: Any, on_select: Callable[[StepRange], Any] | None = None) -> None:
        """Draw this timeline in ``widget`` (one made by :meth:`widget`), replacing what it showed.

        Its selection starts empty; ``on_select`` is called as :meth:`widget` says.
        """
        with widget.hold_sync():
            widget.chart = self._skeleton()  # sets the selections up (validated: it is small)
            widget.spec = self.spec
        if on_select is not None:
            connect(widget, on_select)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        if not _in_kernel():  # a terminal shows no widget: its text is enough
            return {"text/plain": repr(self)}
        bundle = self.widget()._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        if self.marks.empty:
            return f"<Timeline {self.title}: no records yet; {self._empty_hint}>"
        what = f"{len(self.marks):,} marks for {self.total:,} records" if self.aggregated else f"{self.total:,} marks"
        return f"<Timeline {self.title}: {what} in {len(self.lanes)} lane{'s' * (len(self.lanes) != 1)}>"


_EMBED_OPTIONS = {"renderer": "svg", "actions": False}
_DATASET = "timeline"  # not "marks": Vega gives that name to the chart's marks


def connect(widget: Any, on_select: Callable[[StepRange], Any]) -> None:
    """Call ``on_select(StepRange)`` when a mark of ``widget`` (a JupyterChart of a timeline) is clicked.

    An empty selection (the chart drawn again, a click beside the marks) calls nothing.
    """

    def changed(change: dict) -> None:
        points = getattr(change["new"], "value", None) or []
        if points:
            point = points[0]
            on_select(StepRange(str(point["component"]), int(point["step"]), int(point["last_step"])))

    widget.selections.observe(changed, names=["pick"])


def _in_kernel() -> bool:
    """True in a Jupyter kernel, where widgets render."""
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def _altair() -> Any:
    try:
        import altair
    except ImportError as error:
        raise ImportError(f"the timeline is drawn with Altair, which is not installed ({error}); {_EXTRA}") from None
    return altair


@functools.lru_cache(maxsize=None)
def _widget_class() -> type:
    """``alt.JupyterChart`` with Vega bundled in (vl-convert): it renders without reaching a CDN."""
    alt = _altair()
    try:
        import vl_convert
    except ImportError as error:
        raise ImportError(
            f"the timeline widget bundles Vega with vl-convert, which is not installed ({error}); {_EXTRA}"
        ) from None
    from altair.jupyter.jupyter_chart import load_js_src
    from altair.utils._importers import vl_version_for_vl_convert

    lines = load_js_src().split("\n")
    # the CDN imports at the top are replaced by vl-convert's bundle of the same modules
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)
    bundle = vl_convert.javascript_bundle("\n".join(lines), vl_version=vl_version_for_vl_convert())
    return type("TimelineChart", (alt.JupyterChart,), {"_esm": bundle, "__module__": __name__})
