"""What one step did: the record returned by ``sim.step()``."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from kit._platform._records import AssetRecord, HttpCall, LogRecord, RejectedEvent, RunRecord, StepError, thaw


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class StepReport:
    """One step of a simulation: from a pause point of the component to the next one.

    ``status`` is ``paused`` (stopped at a pause point), ``finished`` (``run``
    ended for good), ``crashed``, ``stopped``, ``timeout`` (no pause point was
    reached in time; ``where`` says where the component was) or ``deadlock`` (every
    thread the component started waits for another one, with no wake time;
    ``where`` names each thread and the line it waits on).  ``threads`` says, for
    a component that started threads, where each of them is paused: ``"name: pause"``.
    """

    number: int
    component: str
    status: str
    start: datetime
    end: datetime
    slept: float | None
    pause: str | None
    where: str | None
    runs: tuple[RunRecord, ...]
    events_pushed: int
    logs: tuple[LogRecord, ...]
    http: tuple[HttpCall, ...]
    rejected: tuple[RejectedEvent, ...]
    errors: tuple[StepError, ...]
    storage_before: Mapping[str, Any]
    storage_after: Mapping[str, Any]
    threads: tuple[str, ...] = ()
    assets: tuple[AssetRecord, ...] = ()  # assets an asset connector pushed during the step
    _events: Any = field(default=None, repr=False, compare=False)
    _warnings: Any = field(default=None, repr=False, compare=False)
    _mask: Any = field(default=None, repr=False, compare=False)  # the platform's Secrets

    @property
    def events(self) -> list[str]:
        """The intake events pushed during this step, as the JSON strings the intake received."""
        return self._events() if self._events is not None else []

    @property
    def error(self) -> StepError | None:
        """The first exception raised during the step (``run`` raising, a rejected event, a crash)."""
        return self.errors[0] if self.errors else None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings kit added during the step (dropped or converted intake events...)."""
        return self._warnings() if self._warnings is not None else ()

    @property
    def storage_changes(self) -> dict[str, tuple[Any, Any]]:
        """Files whose content changed in this step: path -> (before, after)."""
        keys = set(self.storage_before) | set(self.storage_after)
        return {
            k: (self.storage_before.get(k), self.storage_after.get(k))
            for k in sorted(keys)
            if self.storage_before.get(k) != self.storage_after.get(k)
        }

    def summary(self) -> str:
        parts = [f"step {self.number} [{self.status}] {_iso(self.start)}"]
        if self.end != self.start:
            parts.append(f"-> {_iso(self.end)}")
        counts = []
        if self.runs:
            counts.append(f"{len(self.runs)} run{'s' * (len(self.runs) != 1)}")
        if self.events_pushed:
            counts.append(f"{self.events_pushed} event{'s' * (self.events_pushed != 1)}")
        if self.assets:
            counts.append(f"{len(self.assets)} asset{'s' * (len(self.assets) != 1)}")
        if self.http:
            counts.append(f"{len(self.http)} HTTP call{'s' * (len(self.http) != 1)}")
        if self.logs:
            counts.append(f"{len(self.logs)} log{'s' * (len(self.logs) != 1)}")
        if counts:
            parts.append(": " + ", ".join(counts))
        if self.pause:
            parts.append(f"; paused at {self.pause}")
        if self.errors:
            parts.append(f"; {self.errors[0].type}: {self.errors[0].message.splitlines()[0] if self.errors[0].message else ''}")
        if self.where and self.status in ("timeout", "deadlock"):
            parts.append(f"; at {self.where}")
        return " ".join(parts).replace(" :", ":").replace(" ;", ";")

    def __repr__(self) -> str:
        return f"<StepReport {self.summary()}>"

    def _repr_html_(self) -> str:
        color = {"paused": "#2e7d32", "finished": "#1565c0", "timeout": "#ef6c00"}.get(self.status, "#c62828")
        rows = [
            ("component", self.component),
            ("time", f"{_iso(self.start)} → {_iso(self.end)}"),
            ("paused at", self.pause or ""),
            ("threads", "; ".join(self.threads)),
            ("runs", ", ".join(f"{r.event_name}" for r in self.runs)),
            ("intake events", str(self.events_pushed)),
            ("assets", str(len(self.assets)) if self.assets else ""),
            ("HTTP", ", ".join(f"{c.method} {c.url} → {c.status or c.error}" for c in self.http)),
        ]
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td>{html.escape(v)}</td></tr>"
            for k, v in rows
            if v
        )
        changes = self.storage_changes
        storage = ""
        if changes:
            mask = self._mask or (lambda value: value)
            items = "".join(
                f"<li><code>{html.escape(mask(k))}</code>: {html.escape(repr(mask(thaw(b))))} → "
                f"{html.escape(repr(mask(thaw(a))))}</li>"
                for k, (b, a) in changes.items()
            )
            storage = f"<div>storage changes:<ul>{items}</ul></div>"
        errors = "".join(
            f"<details><summary style='color:#c62828'>{html.escape(e.type)}: {html.escape(e.message)}</summary>"
            f"<pre>{html.escape(e.traceback)}</pre></details>"
            for e in self.errors
        )
        logs = ""
        if self.logs:
            items = "".join(f"<li>{html.escape(r.level)}: {html.escape(r.message)}</li>" for r in self.logs)
            logs = f"<details><summary>{len(self.logs)} log lines</summary><ul>{items}</ul></details>"
        return (
            f"<div><b>Step {self.number}</b> <span style='color:{color}'>[{self.status}]</span>"
            f"<table>{body}</table>{storage}{errors}{logs}</div>"
        )
