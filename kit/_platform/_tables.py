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


def events_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Intake events: step, time, component, batch, then one column per JSON field."""
    frames = []
    for host in hosts:
        strings, steps, times, batches = host.intake.rows()
        if not strings:
            continue
        joined = "\n".join(strings)
        mask = host.mask
        if mask and any(value in joined for value in mask.values):
            strings = [mask(s) for s in strings]
            joined = "\n".join(strings)
        if all(s[:1] == "{" for s in strings):
            try:
                data = pd.read_json(io.StringIO(joined), lines=True)
            except ValueError:
                data = _parse_mixed(strings)
        else:
            data = _parse_mixed(strings)
        data = _prefix_collisions(data, (*_META, "batch"))
        data.insert(0, "batch", batches)
        data.insert(0, "component", host.name)
        data.insert(0, "time", pd.to_datetime(times, unit="s", utc=True))
        data.insert(0, "step", steps)
        frames.append(data)
    if not frames:
        return pd.DataFrame({"step": pd.Series(dtype="int64"), "time": _times([]), "component": pd.Series(dtype=object),
                             "batch": pd.Series(dtype="int64")})
    if len(frames) == 1:
        return frames[0]
    merged = pd.concat(frames, ignore_index=True)
    return merged.sort_values(["time", "step"], kind="stable", ignore_index=True)


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


def runs_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Playbook runs: step, time, component, event_name, request_id, directory, files, then event fields."""
    records = sorted((r for host in hosts for r in host.runs), key=lambda r: r.time)
    base = pd.DataFrame(
        {
            "step": pd.Series([r.step for r in records], dtype="int64"),
            "time": pd.to_datetime(pd.Series([r.time for r in records], dtype="object"), utc=True)
            if records else _times([]),
            "component": pd.Series([r.component for r in records], dtype=object),
            "event_name": pd.Series([r.event_name for r in records], dtype=object),
            "request_id": pd.Series([r.request_id for r in records], dtype=object),
            "directory": pd.Series([r.directory for r in records], dtype=object),
            "files": pd.Series([list(r.files) for r in records], dtype=object),
        }
    )
    if not records:
        return base
    events = pd.json_normalize([thaw(r.event) for r in records], max_level=0)
    events = _prefix_collisions(events, base.columns)
    return pd.concat([base, events], axis=1)


def logs_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Log lines: step, time, component, level, message, sent (to the platform), source."""
    records = sorted((r for host in hosts for r in host.logs), key=lambda r: (r.time, r.step))
    return pd.DataFrame(
        {
            "step": pd.Series([r.step for r in records], dtype="int64"),
            "time": pd.to_datetime(pd.Series([r.time for r in records], dtype="object"), utc=True)
            if records else _times([]),
            "component": pd.Series([r.component for r in records], dtype=object),
            "level": pd.Series([r.level for r in records], dtype=object),
            "message": pd.Series([r.message for r in records], dtype=object),
            "sent": pd.Series([r.sent for r in records], dtype=bool),
            "source": pd.Series([r.source for r in records], dtype=object),
        }
    )


def http_table(hosts: Iterable[Any]) -> pd.DataFrame:
    """Outbound HTTP calls: step, time, component, method, url, status, error, bodies."""
    records = sorted((r for host in hosts for r in host.http), key=lambda r: (r.time, r.step))
    return pd.DataFrame(
        {
            "step": pd.Series([r.step for r in records], dtype="int64"),
            "time": pd.to_datetime(pd.Series([r.time for r in records], dtype="object"), utc=True)
            if records else _times([]),
            "component": pd.Series([r.component for r in records], dtype=object),
            "method": pd.Series([r.method for r in records], dtype=object),
            "url": pd.Series([r.url for r in records], dtype=object),
            "status": pd.Series([r.status for r in records], dtype="Int64"),
            "error": pd.Series([r.error for r in records], dtype=object),
            "request_body": pd.Series([r.request_body for r in records], dtype=object),
            "response_body": pd.Series([r.response_body for r in records], dtype=object),
        }
    )


def steps_table(reports: Iterable[Any]) -> pd.DataFrame:
    """One row per step: number, status, start, end, pause, counts and error."""
    reports = list(reports)
    return pd.DataFrame(
        {
            "step": pd.Series([r.number for r in reports], dtype="int64"),
            "component": pd.Series([r.component for r in reports], dtype=object),
            "status": pd.Series([r.status for r in reports], dtype=object),
            "start": pd.to_datetime(pd.Series([r.start for r in reports], dtype="object"), utc=True)
            if reports else _times([]),
            "end": pd.to_datetime(pd.Series([r.end for r in reports], dtype="object"), utc=True)
            if reports else _times([]),
            "paused_at": pd.Series([r.pause for r in reports], dtype=object),
            "runs": pd.Series([len(r.runs) for r in reports], dtype="int64"),
            "events": pd.Series([r.events_pushed for r in reports], dtype="int64"),
            "http": pd.Series([len(r.http) for r in reports], dtype="int64"),
            "logs": pd.Series([len(r.logs) for r in reports], dtype="int64"),
            "storage_changed": pd.Series([bool(r.storage_changes) for r in reports], dtype=bool),
            "error": pd.Series(
                [f"{r.errors[0].type}: {r.errors[0].message}" if r.errors else None for r in reports], dtype=object
            ),
        }
    )


def actions_table(records: Iterable[Any]) -> pd.DataFrame:
    """Action runs: time, action, ok, error, results, outputs."""
    records = list(records)
    return pd.DataFrame(
        {
            "time": pd.to_datetime(pd.Series([r.time for r in records], dtype="object"), utc=True)
            if records else _times([]),
            "action": pd.Series([r.action for r in records], dtype=object),
            "ok": pd.Series([r.ok for r in records], dtype=bool),
            "error": pd.Series([r.error for r in records], dtype=object),
            "results": pd.Series([thaw(r.results) for r in records], dtype=object),
            "outputs": pd.Series([dict(r.outputs) for r in records], dtype=object),
        }
    )


def simulation_html(sim: Any) -> str:
    """A compact HTML summary of a simulation (for notebooks without widgets)."""
    last = sim.last
    rows = [
        ("component", f"{sim.name} ({sim.component.__name__})"),
        ("state", sim.state),
        ("virtual time", sim.now.isoformat().replace("+00:00", "Z")),
        ("steps", str(len(sim.reports))),
        ("runs", str(len(sim.run_records))),
        ("intake events", str(sim._host.intake._next_id)),
        ("HTTP calls", str(len(sim._host.http))),
        ("last step", last.summary() if last else "none yet: call sim.step()"),
    ]
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return f"<div><b>kit simulation</b><table>{body}</table></div>"


def playbook_runs_table(records: Iterable[Any]) -> pd.DataFrame:
    """Playbook runs: time, playbook, trigger, event_name, ok, error, steps (action names), results."""
    records = list(records)
    return pd.DataFrame(
        {
            "time": pd.to_datetime(pd.Series([r.time for r in records], dtype="object"), utc=True)
            if records else _times([]),
            "playbook": pd.Series([r.playbook for r in records], dtype=object),
            "trigger": pd.Series([r.trigger for r in records], dtype=object),
            "event_name": pd.Series([r.event_name for r in records], dtype=object),
            "ok": pd.Series([r.ok for r in records], dtype=bool),
            "error": pd.Series([r.error for r in records], dtype=object),
            "steps": pd.Series([[s.action for s in r.steps] for r in records], dtype=object),
            "results": pd.Series([[thaw(s.results) for s in r.steps] for r in records], dtype=object),
        }
    )
