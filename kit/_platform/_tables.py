"""pandas views of the records (pandas is imported only here, on first use)."""

from __future__ import annotations

import html
import io
from typing import Any, Iterable

import pandas as pd

from kit._platform._records import thaw

_META = ("step", "time", "component")


def _times(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="float64"), unit="s", utc=True)


def _prefix_collisions(frame: pd.DataFrame, reserved: Iterable[str]) -> pd.DataFrame:
    reserved = set(reserved)
    clashes = {c: f"event_{c}" for c in frame.columns if c in reserved}
    return frame.rename(columns=clashes) if clashes else frame


def masked_frame(frame: pd.DataFrame, mask: Any) -> pd.DataFrame:
    """``frame`` with the platform's secrets masked last: in column names and every text or data cell."""
    if not mask or frame.empty and not len(frame.columns):
        return frame
    names = {c: mask.text(c) for c in frame.columns if isinstance(c, str)}
    frame = frame.rename(columns={c: n for c, n in names.items() if n != c})
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            # built with the column's own dtype: Series.map would infer pandas' str dtype and turn None into NaN
            masked = [mask(value) if isinstance(value, str) or not _missing(value) else value for value in series]
            frame[column] = pd.Series(masked, index=series.index, dtype=series.dtype)
    return frame


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _mask_of(hosts: list[Any]) -> Any:
    return hosts[0].mask if hosts else None


def events_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Intake events: step, time, component, batch, then one column per JSON field."""
    hosts = list(hosts)
    frames = []
    for host in hosts:
        strings, steps, times, batches = host.intake.rows()  # masked by the recorder
        if not strings:
            continue
        joined = "\n".join(strings)
        if all(s[:1] == "{" for s in strings):
            try:
                data = pd.read_json(io.StringIO(joined), lines=True)
            except ValueError:
                data = _parse_mixed(strings)
        else:
            data = _parse_mixed(strings)
        threads = host.intake.threads()
        data = _prefix_collisions(data, (*_META, "batch", *(() if threads is None else ("thread",))))
        data.insert(0, "batch", batches)
        if threads is not None:
            data.insert(0, "thread", threads)
        data.insert(0, "component", host.name)
        data.insert(0, "time", pd.to_datetime(times, unit="s", utc=True))
        data.insert(0, "step", steps)
        frames.append(data)
    if not frames:
        return pd.DataFrame({"step": pd.Series(dtype="int64"), "time": _times([]), "component": pd.Series(dtype=object),
                             "batch": pd.Series(dtype="int64")})
    if len(frames) == 1:
        return masked_frame(frames[0], _mask_of(hosts))
    merged = pd.concat(frames, ignore_index=True)
    return masked_frame(merged.sort_values(["time", "step"], kind="stable", ignore_index=True), _mask_of(hosts))


def _parse_mixed(strings: list[str]) -> pd.DataFrame:
    import orjson

    rows = []
    for text in strings:
        row = None
        if text[:1] == "{":
            try:
                row = orjson.loads(text)
            except orjson.JSONDecodeError:
                row = None
        rows.append(row if isinstance(row, dict) else {"raw": text})
    return pd.DataFrame.from_records(rows)


def _with_thread(records: list[Any], columns: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """``columns`` with a ``thread`` column after ``component`` when a record was made by a component's thread."""
    if not any(r.thread for r in records):
        return columns
    at = [name for name, _, _ in columns].index("component") + 1
    # records made before the component started its first thread were made by its main thread
    return [*columns[:at], ("thread", lambda r: r.thread or "main", object), *columns[at:]]


def _frame(records: list[Any], columns: list[tuple[str, Any, str]]) -> pd.DataFrame:
    """A DataFrame with one column per ``(name, attribute name or function of a record, dtype)``.

    The dtype ``"time"`` makes a tz-aware UTC datetime column.
    """
    data = {}
    for name, source, dtype in columns:
        get = (lambda r, a=source: getattr(r, a)) if isinstance(source, str) else source
        values = [get(r) for r in records]
        if dtype == "time":
            data[name] = pd.to_datetime(pd.Series(values, dtype="object"), utc=True) if values else _times([])
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


def runs_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Playbook runs: step, time, component, event_name, request_id, directory, files, then event fields."""
    hosts = list(hosts)
    records = sorted((r for host in hosts for r in host.runs), key=lambda r: r.time)
    base = _frame(records, _with_thread(records, [
        ("step", "step", "int64"), ("time", "time", "time"), ("component", "component", object),
        ("event_name", "event_name", object), ("request_id", "request_id", object),
        ("directory", "directory", object), ("files", lambda r: list(r.files), object),
    ]))
    if not records:
        return base
    events = pd.json_normalize([thaw(r.event) for r in records], max_level=0)
    events = _prefix_collisions(events, base.columns)
    return masked_frame(pd.concat([base, events], axis=1), _mask_of(hosts))


def logs_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Log lines: step, time, component, level, message, sent (to the platform), source, extra, exception
    (see :class:`kit._platform._records.LogRecord`)."""
    hosts = list(hosts)
    records = sorted((r for host in hosts for r in host.logs), key=lambda r: (r.time, r.step))
    return masked_frame(_frame(records, _with_thread(records, [
        ("step", "step", "int64"), ("time", "time", "time"), ("component", "component", object),
        ("level", "level", object), ("message", "message", object), ("sent", "sent", bool),
        ("source", "source", object), ("extra", "extra", object), ("exception", "exception", object),
    ])), _mask_of(hosts))


def http_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Outbound HTTP calls: step, time, component, method, url, status, error, bodies."""
    hosts = list(hosts)
    records = sorted((r for host in hosts for r in host.http), key=lambda r: (r.time, r.step))
    return masked_frame(_frame(records, _with_thread(records, [
        ("step", "step", "int64"), ("time", "time", "time"), ("component", "component", object),
        ("method", "method", object), ("url", "url", object), ("status", "status", "Int64"),
        ("error", "error", object), ("request_body", "request_body", object),
        ("response_body", "response_body", object),
    ])), _mask_of(hosts))


def metrics_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Prometheus metric changes: step, time, component, metric, type, operation, value, labels."""
    hosts = list(hosts)
    records = sorted((r for host in hosts for r in host.metrics), key=lambda r: (r.time, r.step))
    return masked_frame(_frame(records, _with_thread(records, [
        ("step", "step", "int64"), ("time", "time", "time"), ("component", "component", object),
        ("metric", "metric", object), ("type", "type", object), ("operation", "operation", object),
        ("value", "value", "float64"), ("labels", lambda r: dict(r.labels), object),
    ])), _mask_of(hosts))


def assets_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Assets pushed by asset connectors: step, time, component, batch, index, type, class_name,
    class_uid, uid, version, then ``asset`` (the item as sent, a dict)."""
    hosts = list(hosts)
    records = sorted((r for host in hosts for r in host.assets), key=lambda r: (r.time, r.step))
    return masked_frame(_frame(records, _with_thread(records, [
        ("step", "step", "int64"), ("time", "time", "time"), ("component", "component", object),
        ("batch", "batch", "int64"), ("index", "index", "int64"), ("type", "type", object),
        ("class_name", "class_name", object), ("class_uid", "class_uid", "Int64"), ("uid", "uid", object),
        ("version", "version", object), ("asset", lambda r: thaw(r.asset), object),
    ])), _mask_of(hosts))


def steps_table(reports: Iterable[Any], mask: Any = None) -> pd.DataFrame:
    """One row per step: number, status, start, end, pause, [threads,] counts and error.

    ``threads`` (for a component that started threads) says where each thread is paused.
    """
    reports = list(reports)
    threads = [("threads", lambda r: list(r.threads), object)] if any(r.threads for r in reports) else []
    return masked_frame(_frame(reports, [
        ("step", "number", "int64"), ("component", "component", object), ("status", "status", object),
        ("start", "start", "time"), ("end", "end", "time"), ("paused_at", "pause", object), *threads,
        ("runs", lambda r: len(r.runs), "int64"), ("events", "events_pushed", "int64"),
        ("http", lambda r: len(r.http), "int64"), ("logs", lambda r: len(r.logs), "int64"),
        ("storage_changed", lambda r: bool(r.storage_changes), bool),
        ("error", lambda r: f"{r.errors[0].type}: {r.errors[0].message}" if r.errors else None, object),
    ]), mask)


def threads_table(states: Iterable[Any], mask: Any = None) -> pd.DataFrame:
    """The threads of a component's group: thread, state, waits, seconds, wakes_at, file, line."""
    return masked_frame(_frame(list(states), [
        ("thread", "thread", object), ("state", "state", object), ("waits", "waits", object),
        ("seconds", "seconds", "float64"),
        ("wakes_at", lambda r: None if r.wake_at is None else pd.Timestamp(r.wake_at, unit="s", tz="UTC"), "time"),
        ("file", "file", object), ("line", lambda r: r.line, "Int64"),
    ]), mask)


def actions_table(records: Iterable[Any], mask: Any = None) -> pd.DataFrame:
    """Action runs: time, action, ok, error, results, outputs."""
    return masked_frame(_frame(list(records), [
        ("time", "time", "time"), ("action", "action", object), ("ok", "ok", bool), ("error", "error", object),
        ("results", lambda r: thaw(r.results), object), ("outputs", lambda r: dict(r.outputs), object),
    ]), mask)


def playbook_runs_table(records: Iterable[Any], mask: Any = None) -> pd.DataFrame:
    """Playbook runs: time, playbook, trigger, event_name, ok, error, steps (action names), results."""
    return masked_frame(_frame(list(records), [
        ("time", "time", "time"), ("playbook", "playbook", object), ("trigger", "trigger", object),
        ("event_name", "event_name", object), ("ok", "ok", bool), ("error", "error", object),
        ("steps", lambda r: [s.action for s in r.steps], object),
        ("results", lambda r: [thaw(s.results) for s in r.steps], object),
    ]), mask)


def simulation_html(sim: Any) -> str:
    """A compact HTML summary of a simulation (for notebooks without widgets)."""
    last = sim.last
    rows = [
        ("component", f"{sim.name} ({sim.component.__name__})"),
        ("state", sim.state),
        ("virtual time", sim.now.isoformat().replace("+00:00", "Z")),
        ("steps", str(len(sim.reports))),
        ("runs", str(len(sim.run_records))),
        ("intake events", str(sim._host.intake.pushed)),
        ("HTTP calls", str(len(sim._host.http))),
        ("last step", last.summary() if last else "none yet: call sim.step()"),
    ]
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return sim._host.mask.text(f"<div><b>kit simulation</b><table>{body}</table></div>")
