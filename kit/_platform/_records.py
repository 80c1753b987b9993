"""Immutable records of what hosted components did."""

from __future__ import annotations

import html
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Mapping

import orjson


def _iso(dt: datetime | None) -> str:
    return "" if dt is None else dt.isoformat().replace("+00:00", "Z")


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class FrozenList(tuple):
    """A read-only list: a tuple that compares equal to a list with the same items."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return repr(list(self))


class FrozenDict(dict):
    """A read-only dict: records stay immutable, and ``json.dumps(record.results)`` still works
    (a mapping proxy is refused by json)."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "recorded data is read-only; copy it to change it: dict(value), or json.loads(json.dumps(value)) "
            "for nested data"
        )

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __reduce__(self) -> Any:  # copy, deepcopy and pickle build a new one instead of assigning items
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> "FrozenDict":
        return self

    def __deepcopy__(self, memo: dict) -> "FrozenDict":
        import copy

        return FrozenDict({k: copy.deepcopy(v, memo) for k, v in self.items()})


def freeze(value: Any) -> Any:
    """A read-only deep copy of JSON-like data (dicts become :class:`FrozenDict`, lists :class:`FrozenList`)."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return FrozenList(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A mutable deep copy of data frozen by :func:`freeze`."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A playbook run started by a trigger's ``send_event``."""

    component: str
    step: int
    time: datetime
    event_name: str
    event: Mapping[str, Any]
    request_id: str
    directory: str | None = None
    files: tuple[str, ...] = ()
    files_path: Path | None = None
    thread: str = ""  # the component's thread that made it ("" for a component without threads)
    remove_directory: bool = False  # send_event(..., remove_directory=True): the component's copy is deleted

    def to_dict(self) -> dict:
        """The event as the platform received it: ``{"name", "event", "request_id", ["directory"]}``."""
        data = {"name": self.event_name, "event": thaw(self.event), "request_id": self.request_id}
        if self.directory is not None:
            data["directory"] = self.directory
        return data


@dataclass(frozen=True, slots=True)
class LogRecord:
    """A log line; ``sent`` is False for lines the real SDK keeps local or rate-limits.

    ``source`` is ``component`` (the component's own ``log``/``log_exception`` calls), ``sdk`` (a
    line the SDK's code logs by itself: "Next batch in the future...", "Failed to forward..."),
    ``kit`` (kit's warnings), ``loguru`` or ``logging:<logger>``; ``extra`` holds the keyword
    arguments of the call (the real SDK gives them to Sentry); ``exception`` is
    ``"Type: message"`` of the exception a ``log_exception`` line is about.
    """

    component: str
    step: int
    time: datetime
    level: str
    message: str
    sent: bool = True
    source: str = "component"
    thread: str = ""  # the component's thread that logged it ("" for a component without threads)
    extra: Mapping[str, Any] | None = None
    exception: str | None = None


@dataclass(frozen=True, slots=True)
class HttpCall:
    """An outbound HTTP call made by a component (secrets masked)."""

    component: str
    step: int
    time: datetime
    method: str
    url: str
    status: int | None
    request_headers: Mapping[str, str]
    request_body: str | None
    response_body: str | None
    error: str | None = None
    thread: str = ""  # the component's thread that made it ("" for a component without threads)


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """One change of a Prometheus metric by a component (``inc``, ``dec``, ``set`` or ``observe``).

    ``metric`` is the metric's full name (namespace and subsystem included, without a counter's
    ``_total``), ``type`` its kind (``counter``, ``gauge``, ``histogram``, ``summary``), ``value`` the
    amount given and ``labels`` the label values of the child it was called on.
    """

    component: str
    step: int
    time: datetime
    metric: str
    type: str
    operation: str
    value: float
    labels: Mapping[str, str]
    thread: str = ""  # the component's thread that made it ("" for a component without threads)


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One asset an asset connector pushed to ``POST .../api/v2/asset-management/asset-connector/{uuid}``.

    ``batch`` numbers the component's pushes (from 0) and ``index`` the asset in its push; ``type``
    is which OCSF asset it is (``device``, ``user``, ``software``, ``vulnerability``, or ``unknown``),
    read from its fields as the platform receives JSON; ``class_name`` and ``class_uid`` are the
    OCSF class it states; ``uid`` is the id of its device, user or finding; ``version`` is the
    ``version`` of the pushed list; ``asset`` is the asset as sent (None values left out by the SDK).
    """

    component: str
    step: int
    time: datetime
    batch: int
    index: int
    type: str
    class_name: str | None
    class_uid: int | None
    uid: str | None
    version: Any
    connector_uuid: str
    asset: Mapping[str, Any]
    thread: str = ""  # the component's thread that pushed it ("" for a component without threads)


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """A ``send_event`` that did not start a run (it failed ``results_model``, or could not be sent)."""

    component: str
    step: int
    time: datetime
    event_name: str
    error: str


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """What an action run returned: results, outputs, error and logs."""

    action: str
    time: datetime
    arguments: Mapping[str, Any]
    results: Any
    outputs: Mapping[str, bool]
    error: str | None
    logs: tuple[LogRecord, ...]
    data_path: Path
    http: tuple[HttpCall, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the action reported no error."""
        return self.error is None

    def read_result_file(self, name: str) -> Any:
        """Load the JSON file an action returned with ``json_result`` (``<name>_path``)."""
        results = thaw(self.results) or {}
        key = f"{name}_path"
        if key not in results:
            raise KeyError(
                f"the results of {self.action} have no {key!r} (keys: {sorted(results)}); "
                f"json_result({name!r}, ...) returns {{'{name}_path': file}} only when the action was given a file"
            )
        return orjson.loads((self.data_path / results[key]).read_bytes())

    def __repr__(self) -> str:
        status = "ok" if self.ok else "error"
        return (
            f"<ActionRecord {self.action} {status} results={thaw(self.results)!r} "
            f"outputs={dict(self.outputs)!r} logs={len(self.logs)}>"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("action", self.action),
            ("time", _iso(self.time)),
            ("results", repr(thaw(self.results))),
            ("outputs", repr(dict(self.outputs))),
            ("error", self.error or ""),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td><pre style='margin:0'>{html.escape(v)}</pre></td></tr>"
            for k, v in rows
        )
        logs = "".join(f"<li>{html.escape(r.level)}: {html.escape(r.message)}</li>" for r in self.logs)
        return f"<table>{body}</table><details><summary>{len(self.logs)} log lines</summary><ul>{logs}</ul></details>"


def _without_kit_frames(exception: traceback.TracebackException) -> traceback.TracebackException:
    from kit._runtime import kit_file

    seen: set[int] = set()
    todo = [exception]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        kept = [frame for frame in current.stack if not kit_file(frame.filename)]
        if kept:
            current.stack = traceback.StackSummary.from_list(kept)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return exception


@dataclass(frozen=True, slots=True)
class StepError:
    """An exception raised during a step, with its formatted traceback."""

    where: str
    type: str
    message: str
    traceback: str
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_exception(cls, where: str, error: BaseException, mask: Any = None) -> "StepError":
        """The record of ``error``; its traceback leaves out kit's own frames (the fake platform answering
        a call is not the component's story) unless the error is kit's alone."""
        text = "".join(_without_kit_frames(traceback.TracebackException.from_exception(error)).format())
        message = str(error)
        if mask is not None:
            text, message = mask(text), mask(message)
        return cls(where, type(error).__name__, message, text, error)
