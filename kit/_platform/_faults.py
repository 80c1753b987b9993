"""Fault schedules: break a component's world on purpose and see what it did next.

``platform.faults`` (a :class:`Faults`) holds the scheduled faults of one platform.  A request
fault is looked at first thing for every outbound HTTP call of a hosted component (every client
funnels into ``kit._platform._http.send``); a platform fault when a connector pushes to the intake
or a component writes to its storage.  Each firing is kept, and turned into a
:class:`FaultRecord` (with what the component did next) when it is read.
"""

from __future__ import annotations

import dataclasses
import errno
import http.client
import math
import numbers
import os
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from kit import _runtime
from kit._platform._records import FrozenDict, utc

REQUEST_KINDS = ("status", "delay", "timeout", "connection_error", "truncate")
PLATFORM_KINDS = ("intake_refused", "read_only_storage")
KINDS = REQUEST_KINDS + PLATFORM_KINDS
INTAKE_URL = "https://intake.kit.invalid/batch"
_EXAMPLE = "e.g. platform.faults.add('status', status=429, headers={'Retry-After': '30'})"


class _Default:
    """A default that reads well in ``help()``: an argument not given."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


_UNSET: Any = _Default("<not given>")
_TIMES: Any = _Default("<1; None for read_only_storage>")


class _Skipping(threading.local):
    active = False


_skipping = _Skipping()  # per thread: kit is answering a request a fault already handled (truncate, a slow answer)


@dataclass(frozen=True, slots=True)
class Fault:
    """One scheduled fault (returned by :meth:`Faults.add`); ``fault.fired`` counts its firings so far.

    ``fault.records`` are its firings with the component's reaction; ``fault.assert_reaction(...)``
    checks them; ``fault.remove()`` unschedules it.
    """

    id: int
    kind: str
    url: Any = None
    method: str | None = None
    component: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=FrozenDict)
    body: bytes | None = None
    seconds: float | None = None
    keep: int | None = None
    step: int | None = None
    after: float | None = None
    nth: int | None = None
    probability: float | None = None
    times: int | None = 1
    _faults: Any = field(default=None, compare=False, repr=False)

    @property
    def fired(self) -> int:
        """How many times it fired so far."""
        return self._faults._fired.get(self.id, 0)

    @property
    def active(self) -> bool:
        """False once removed or once it fired ``times`` times."""
        return self._faults._is_active(self)

    @property
    def records(self) -> tuple["FaultRecord", ...]:
        """Its firings, each with what the component did next."""
        return tuple(r for r in self._faults.fault_records() if r.fault == self.id)

    def remove(self) -> None:
        """Unschedule it (its firings stay in the records)."""
        self._faults.remove(self)

    def assert_reaction(self, **expected: Any) -> None:
        """Assert the component's reaction to every firing of this fault; see :func:`assert_reaction`."""
        assert_reaction(self.records, str(self), **expected)

    def describe(self) -> str:
        """What it injects, e.g. ``status 429 (Retry-After: 30)``."""
        if self.kind in ("status", "intake_refused"):
            text = f"{self.kind} {self.status}" if self.kind == "intake_refused" else f"status {self.status}"
            if self.headers:
                text += " (" + ", ".join(f"{k}: {v}" for k, v in self.headers.items()) + ")"
            return text
        if self.kind == "delay":
            return "delay past the timeout" if self.seconds is None else f"delay {self.seconds:g} s"
        if self.kind == "truncate":
            return "truncate (half the body)" if self.keep is None else f"truncate to {self.keep} bytes"
        return self.kind

    def __str__(self) -> str:
        parts = [f"fault {self.id}: {self.describe()}"]
        if self.kind in REQUEST_KINDS:
            url = "any URL" if self.url is None else (
                f"/{self.url.pattern}/" if isinstance(self.url, re.Pattern) else self.url
            )
            parts.append(f"on {self.method or 'any method'} {url}")
        if self.component is not None:
            parts.append(f"of {self.component}")
        if self.step is not None:
            parts.append(f"at step {self.step}")
        if self.after is not None:
            parts.append(f"after {utc(self.after).isoformat().replace('+00:00', 'Z')}")
        if self.nth is not None:
            parts.append(f"from the {_ordinal(self.nth)} matching request")
        if self.probability is not None:
            parts.append(f"with probability {self.probability:g}")
        parts.append("until removed" if self.times is None else f"times={self.times}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class _Firing:
    """One firing, as it happened; the reaction is worked out from the host's records when read."""

    fault: int
    kind: str
    component: str
    thread: str
    step: int
    time: float
    method: str
    url: str
    injected: str
    mark: int  # index of its call in host.http (request faults) or of its attempt (intake)
    logs: int  # len(host.logs) when it fired
    errors: int  # len(host.errors) when it fired
    host: Any = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """An injected fault and what the component did next.

    ``time`` is when the fault reached the component (after the wait of a ``delay`` or ``timeout``);
    ``method`` and ``url`` are the request's (``POST https://intake.kit.invalid/batch`` for the intake;
    the operation, ``open``, ``mkdir``..., and the path for read-only storage).
    ``retried_after``: virtual seconds until the component made the same request again (same method
    and URL; for the intake, its next push; not worked out for storage), at step ``retry_step``; ``logged``: what it logged after
    the fault and before the retry (in the same step when it did not retry); ``skipped``: it made
    other requests before any retry (``next_request`` is the first); ``crashed``: the step raised
    (``"Type: message"``).  ``reaction`` sums it up.
    """

    fault: int
    kind: str
    component: str
    thread: str
    step: int
    time: datetime
    method: str
    url: str
    injected: str
    reaction: str
    retried_after: float | None
    retry_step: int | None
    logged: tuple[str, ...]
    skipped: bool
    next_request: str | None
    crashed: str | None


class Faults:
    """The fault schedule of one :class:`kit.FakePlatform`: ``platform.faults``.

    ``platform.faults.add(kind, url, ...)`` schedules a fault (see :meth:`add`); ``remove``,
    ``clear`` unschedule; ``scheduled`` lists them (``table`` as a DataFrame); ``records`` is every
    firing with the component's reaction (a DataFrame with ``assert_*`` helpers; ``sim.faults``
    holds one component's). Probabilities draw from ``random.Random(seed)`` owned by the platform
    (seed 0 unless :meth:`seed` says otherwise), so a run is reproducible.
    """

    def __init__(self, platform: Any) -> None:
        self._platform = platform
        self._faults: list[Fault] = []
        self._removed: set[int] = set()
        self._fired: dict[int, int] = {}
        self._matched: dict[int, int] = {}
        self._firings: list[_Firing] = []
        self._intake_attempts: dict[str, list[tuple[float, int]]] = {}
        self._random = random.Random(0)
        self._next_id = 1
        self._has_intake_faults = False  # from the first intake fault on, every push attempt is noted (retries)
        self._has_storage_faults = False  # writes of hosted threads are looked at from the first storage fault on
        self._lock = threading.RLock()

    # -- scheduling --------------------------------------------------------------------------
    def seed(self, seed: int) -> None:
        """Restart the random draws of ``probability=`` faults from ``seed``."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"platform.faults.seed({seed!r}): a seed is an int, e.g. platform.faults.seed(42)")
        self._random.seed(seed)

    def add(
        self,
        kind: str,
        url: Any = None,
        *,
        method: str | None = None,
        component: Any = None,
        status: int | None = None,
        headers: Mapping[str, Any] | None = None,
        body: str | bytes | None = None,
        json: Any = _UNSET,
        seconds: float | None = None,
        keep: int | None = None,
        step: int | None = None,
        after: Any = None,
        nth: int | None = None,
        probability: float | None = None,
        times: int | None = _TIMES,
    ) -> Fault:
        """Schedule a fault; return it (``fault.records``, ``fault.assert_reaction(...)``, ``fault.remove()``).

        Kinds of a request (``url``: the URL up to its query string, or a compiled regex searched in
        the whole URL; ``method``: ``"GET"``...; both default to any):

        - ``"status"``: answer ``status`` with ``headers`` and ``body`` (or ``json``) instead of the
          registered response: ``add("status", url, status=429, headers={"Retry-After": "30"})``,
          ``status=503``, ``status=401`` for an expired token.
        - ``"delay"``: the server answers too late: the virtual clock moves by the request's read
          timeout and the client's own timeout error is raised (``requests.ReadTimeout``,
          ``httpx.ReadTimeout``, ``aiohttp.ServerTimeoutError``, urllib3's ``ReadTimeoutError``,
          ``TimeoutError`` for http.client).  ``seconds=`` sets the delay: shorter than the timeout,
          the registered answer comes after it.  A request without a timeout would wait for ever:
          kit raises the timeout error at once and says so.
        - ``"timeout"``: the connection cannot be set up in time: the clock moves by the connect
          timeout and the client's connect-timeout error is raised.
        - ``"connection_error"``: the connection is refused (``requests.ConnectionError``,
          ``httpx.ConnectError``, ``aiohttp.ClientConnectionError``...).
        - ``"truncate"``: the connection drops mid-page: the registered answer comes with its body
          cut after ``keep`` bytes (default: half), so a JSON page no longer parses.

        Platform kinds (for ``component``, or every component):

        - ``"intake_refused"``: the intake answers ``status`` (default 503) to a batch of
          ``push_events_to_intakes``; kit's connector then retries as the real SDK does (waits of
          1, 2, 4, 8, then 10 s, for up to an hour, then logs "Failed to forward N events");
          ``AsyncConnector.push_data_to_intakes`` logs each failed attempt and raises after an hour.
        - ``"read_only_storage"``: from then on, opening a file of the component's storage for
          writing (``open``, ``Path.write_text``, ``os.open``, ``os.replace``, ``os.mkdir``...)
          raises ``OSError(EROFS, "Read-only file system")``; every refused write is a firing.

        When it fires (all given conditions hold): ``step`` (during that step of the component),
        ``after`` (at or after that virtual time: datetime, ISO 8601 text or epoch seconds), ``nth``
        (from the n-th matching request on, counted from now), ``probability`` (each matching
        request, drawn from the platform's seeded random). ``times``: how many firings (default 1;
        ``None``: until removed, the default of ``"read_only_storage"``).
        """
        with self._lock:
            fault = self._check(
                kind, url, method, component, status, headers, body, json, seconds, keep, step, after, nth,
                probability, times,
            )
            if kind == "read_only_storage":
                _install_storage_guard()
                self._has_storage_faults = True
            if kind == "intake_refused":
                self._has_intake_faults = True
            self._faults.append(fault)
            self._next_id += 1
        return fault

    def remove(self, fault: Fault | int) -> None:
        """Unschedule a fault (a :class:`Fault` or its id); its firings stay in :attr:`records`."""
        ident = fault.id if isinstance(fault, Fault) else fault
        with self._lock:
            if isinstance(ident, bool) or ident not in {f.id for f in self._faults}:
                known = ", ".join(str(f.id) for f in self._faults) or "none"
                raise KeyError(
                    f"platform.faults.remove({fault!r}): no scheduled fault has that id (ids: {known}); "
                    "pass the Fault platform.faults.add returned, or its id"
                )
            self._removed.add(ident)

    def clear(self) -> None:
        """Unschedule every fault (their firings stay in :attr:`records`)."""
        with self._lock:
            self._removed.update(f.id for f in self._faults)

    @property
    def scheduled(self) -> tuple[Fault, ...]:
        """Every fault added, removed ones included (``fault.active`` says which still can fire)."""
        return tuple(self._faults)

    @property
    def table(self):
        """The scheduled faults as a DataFrame: fault, kind, component, method, url, when, times, fired, active."""
        import pandas as pd

        rows = [
            {
                "fault": f.id, "kind": f.describe(), "component": f.component, "method": f.method,
                "url": f.url.pattern if isinstance(f.url, re.Pattern) else f.url, "when": _when(f),
                "times": f.times, "fired": f.fired, "active": f.active,
            }
            for f in self._faults
        ]
        columns = ["fault", "kind", "component", "method", "url", "when", "times", "fired", "active"]
        return pd.DataFrame(rows, columns=columns)

    @property
    def records(self):
        """Every firing with the component's reaction, as a DataFrame (``records.assert_retried(...)``...)."""
        from kit._platform._fault_table import fault_table

        return fault_table(self.fault_records())

    def fault_records(self, component: str | None = None) -> tuple[FaultRecord, ...]:
        """Every firing (of ``component``'s, when given) as an immutable :class:`FaultRecord`."""
        with self._lock:
            firings = [f for f in self._firings if component is None or f.component == component]
        return _reactions(firings)

    def __len__(self) -> int:
        return len(self._faults)

    def __iter__(self) -> Any:
        return iter(self.scheduled)

    def __repr__(self) -> str:
        if not self._faults:
            return "<Faults: none scheduled; platform.faults.add(...) schedules one>"
        lines = [f"  {f}: fired {f.fired}{'' if f.active else ' (inactive)'}" for f in self._faults]
        return "<Faults\n" + "\n".join(lines) + ">"

    # -- where it fires ------------------------------------------------------------------------
    def _is_active(self, fault: Fault) -> bool:
        return fault.id not in self._removed and (fault.times is None or self._fired.get(fault.id, 0) < fault.times)

    def _due(self, fault: Fault, host: Any) -> bool:
        """Whether ``fault`` fires now for ``host`` (its kind and request already matched); counts it."""
        if not self._is_active(fault):
            return False
        if fault.component is not None and fault.component != host.name:
            return False
        if fault.step is not None and host.step != fault.step:
            return False
        if fault.after is not None and self._platform.clock.time() < fault.after:
            return False
        count = self._matched[fault.id] = self._matched.get(fault.id, 0) + 1
        if fault.nth is not None and count < fault.nth:
            return False
        if fault.probability is not None and self._random.random() >= fault.probability:
            return False
        return True

    def _fire(self, fault: Fault, host: Any, method: str, url: str, mark: int, injected: str | None = None) -> None:
        self._fired[fault.id] = self._fired.get(fault.id, 0) + 1
        self._firings.append(
            _Firing(
                fault.id, fault.kind, host.name, host.thread(), host.step, self._platform.clock.time(), method,
                url, injected or fault.describe(), mark, len(host.logs), len(host.errors), host,
            )
        )

    def _intercept(self, host: Any, adapter: Any, request: Any, kwargs: dict) -> Any:
        """A response (or an exception raised) when a scheduled fault fires for ``request``; else None."""
        if not self._faults or _skipping.active:
            return None
        with self._lock:
            # every matching fault counts the request (nth=), the first one due fires
            due = [f for f in self._faults if f.kind in REQUEST_KINDS and _matches(f, request) and self._due(f, host)]
            fault = due[0] if due else None
            if fault is None:
                return None
            started = self._platform.clock.time()
            connect, read = _timeouts(kwargs.get("timeout"))
            waited = _waited(fault, connect, read)
            if waited:  # the client waits that long before it gets the fault: its time is after the wait
                self._platform.clock.advance(waited)
            mark = len(host.http)
            self._fire(fault, host, request.method, host.mask.text(request.url), mark)
        return _inject(self._platform, host, adapter, request, kwargs, fault, started, connect, read)

    def _intake_refusal(self, host: Any, count: int) -> Exception | None:
        """The error the intake answers a batch of ``count`` events with, when a fault fires; else None."""
        if not self._has_intake_faults:  # no lock taken on the hot path
            return None
        with self._lock:
            attempts = self._intake_attempts.setdefault(host.name, [])
            attempts.append((self._platform.clock.time(), host.step))
            due = [f for f in self._faults if f.kind == "intake_refused" and self._due(f, host)]
            fault = due[0] if due else None
            if fault is None:
                return None
            self._fire(fault, host, "POST", INTAKE_URL, len(attempts) - 1, f"intake_refused {fault.status} "
                       f"({count} events)")
        import requests

        reason = http.client.responses.get(fault.status, "")
        kind = "Client" if fault.status < 500 else "Server"
        request = requests.Request("POST", INTAKE_URL).prepare()
        response = _response(None, request, fault.status, {"Content-Type": "text/plain"}, reason.encode())
        return requests.exceptions.HTTPError(
            f"{fault.status} {kind} Error: {reason} for url: {INTAKE_URL} (kit fault {fault.id})", response=response
        )

    def _storage_refusal(self, host: Any, path: str, operation: str) -> OSError | None:
        """The error a write to ``path`` of ``host``'s storage raises while its storage is read-only; else None."""
        with self._lock:
            due = [f for f in self._faults if f.kind == "read_only_storage" and self._due(f, host)]
            fault = due[0] if due else None
            if fault is None:
                return None
            self._fire(fault, host, operation, path, -1, f"read_only_storage ({operation})")
        return OSError(errno.EROFS, os.strerror(errno.EROFS), path)

    # -- checks --------------------------------------------------------------------------------
    def _check(
        self, kind: Any, url: Any, method: Any, component: Any, status: Any, headers: Any, body: Any, json: Any,
        seconds: Any, keep: Any, step: Any, after: Any, nth: Any, probability: Any, times: Any,
    ) -> Fault:
        call = f"platform.faults.add({kind!r})"
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(
                f"platform.faults.add(kind={kind!r}): unknown kind; use one of "
                f"{', '.join(repr(k) for k in KINDS)}, {_EXAMPLE}"
            )
        request_kind = kind in REQUEST_KINDS
        if not request_kind:
            for name, value in (("url", url), ("method", method), ("headers", headers), ("body", body),
                                ("seconds", seconds), ("keep", keep)):
                if value is not None:
                    raise ValueError(
                        f"{call}: {name}={value!r} is for faults of a request ({', '.join(REQUEST_KINDS)}); "
                        f"an {kind!r} fault takes component, step, after, nth, probability and times"
                    )
            if json is not _UNSET:
                raise ValueError(f"{call}: json= is for a 'status' fault; remove it")
        if url is not None and not isinstance(url, (str, re.Pattern)):
            raise TypeError(
                f"{call}: url={url!r}: give the URL up to its query string, or a compiled regex searched in the "
                "whole URL, e.g. url='https://api.vendor.test/items' or url=re.compile(r'/items')"
            )
        if method is not None:
            if not isinstance(method, str) or not method.isalpha():
                raise TypeError(f"{call}: method={method!r}: an HTTP method is a word, e.g. method='GET'")
            method = method.upper()
        name = _component_name(self._platform, component, call)
        if kind in ("status", "intake_refused"):
            if status is None and kind == "status":
                raise ValueError(f"{call}: a 'status' fault needs the status to answer, e.g. status=503")
            status = 503 if status is None else status
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise TypeError(
                    f"{call}: status={status!r}: an HTTP status is an int from 100 to 599, e.g. status=429"
                )
        elif status is not None:
            raise ValueError(f"{call}: status={status!r} is for the 'status' and 'intake_refused' kinds; remove it")
        if kind != "status" and request_kind:
            for arg, value in (("headers", headers), ("body", body)):
                if value is not None:
                    raise ValueError(f"{call}: {arg}= is for a 'status' fault; remove it")
            if json is not _UNSET:
                raise ValueError(f"{call}: json= is for a 'status' fault; remove it")
        if headers is not None and not isinstance(headers, Mapping):
            raise TypeError(f"{call}: headers={headers!r}: give a dict, e.g. headers={{'Retry-After': '30'}}")
        frozen_headers = FrozenDict({str(k): str(v) for k, v in (headers or {}).items()})
        if body is not None and json is not _UNSET:
            raise ValueError(f"{call}: give body= or json=, not both")
        if json is not _UNSET:
            import json as _json

            body = _json.dumps(json)
            frozen_headers = FrozenDict({"Content-Type": "application/json", **frozen_headers})
        if body is not None and not isinstance(body, (str, bytes)):
            raise TypeError(f"{call}: body={body!r:.60}: give str or bytes (or json=... for JSON data)")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if seconds is not None and kind != "delay":
            raise ValueError(f"{call}: seconds= is for a 'delay' fault; remove it")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not math.isfinite(seconds)
            or seconds <= 0
        ):
            raise ValueError(
                f"{call}: seconds={seconds!r}: a delay is a number of virtual seconds > 0, e.g. seconds=60"
            )
        if keep is not None and kind != "truncate":
            raise ValueError(f"{call}: keep= is for a 'truncate' fault; remove it")
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
            raise ValueError(f"{call}: keep={keep!r}: the bytes of the body kept, an int >= 0, e.g. keep=100")
        for arg, value in (("step", step), ("nth", nth)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{call}: {arg}={value!r}: give an int >= 1, e.g. {arg}=3")
        if step is not None and name is not None:
            done = _steps_done(self._platform, name)
            if done >= step:
                raise ValueError(
                    f"{call}: step={step}: step {step} of {name} is over (it has run {done} steps), so this fault "
                    f"could never fire; give a later step, e.g. step={done + 1}"
                )
        if after is not None:
            after = _epoch(after, call)
        if probability is not None:
            if isinstance(probability, bool) or not isinstance(probability, numbers.Real) or not (
                0 <= probability <= 1
            ):
                raise ValueError(
                    f"{call}: probability={probability!r}: a probability is a number from 0 to 1, e.g. "
                    "probability=0.1 (one matching request in ten, on average)"
                )
            if probability == 0:
                raise ValueError(f"{call}: probability=0: this fault could never fire; give a probability > 0")
            probability = float(probability)
        if times is _TIMES:
            times = None if kind == "read_only_storage" else 1
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError(
                f"{call}: times={times!r}: how many firings, an int >= 1 (or None: until removed), e.g. times=3"
            )
        return Fault(
            self._next_id, kind, url, method, name, status, frozen_headers, body, seconds, keep, step, after, nth,
            probability, times, self,
        )


# -- matching and injecting ----------------------------------------------------------------------
def _matches(fault: Fault, request: Any) -> bool:
    if fault.method is not None and request.method.upper() != fault.method:
        return False
    if fault.url is None:
        return True
    if isinstance(fault.url, re.Pattern):
        return fault.url.search(request.url) is not None
    return _without_query(request.url) == _without_query(fault.url)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/")


def _timeouts(value: Any) -> tuple[float | None, float | None]:
    """(connect, read) timeouts from a ``timeout=`` (a number, a pair, urllib3's ``Timeout``)."""

    def number(x: Any) -> float | None:
        return float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else None

    if isinstance(value, tuple) and len(value) == 2:
        return number(value[0]), number(value[1])
    if hasattr(value, "connect_timeout") or hasattr(value, "read_timeout"):
        total = number(getattr(value, "total", None))
        return (number(getattr(value, "connect_timeout", None)) or total,
                number(getattr(value, "read_timeout", None)) or total)
    return number(value), number(value)


def _waited(fault: Fault, connect: float | None, read: float | None) -> float:
    """Virtual seconds the client waits before ``fault`` reaches it."""
    if fault.kind == "timeout":
        return connect or 0.0
    if fault.kind == "delay":
        if fault.seconds is not None and (read is None or fault.seconds < read):
            return fault.seconds
        return read or 0.0
    return 0.0


def _inject(
    platform: Any, host: Any, adapter: Any, request: Any, kwargs: dict, fault: Fault, started: float,
    connect: float | None, read: float | None,
) -> Any:
    """Answer ``request`` as ``fault`` says (recorded in ``host.http``), or raise the error it injects."""
    import requests

    from kit._platform._http import _text

    label = f"kit fault {fault.id}"
    method, url = request.method, host.mask.text(request.url)

    def record(status: int | None, body: Any, error: str | None) -> None:
        from kit._platform._http import _SENSITIVE_HEADERS
        from kit._platform._records import HttpCall
        from kit._platform._secrets import MASK

        mask = host.mask
        headers = {
            mask.text(k): (MASK if k.lower() in _SENSITIVE_HEADERS else mask(v))
            for k, v in (request.headers or {}).items()
        }
        host.record_http(HttpCall(host.name, host.step, utc(started), method, url, status, headers,
                                  _text(request.body, mask), _text(body, mask), error, host.thread()))

    if fault.kind == "status":
        response = _response(adapter, request, fault.status, dict(fault.headers), fault.body or b"")
        record(fault.status, fault.body, None)
        return response
    if fault.kind == "connection_error":
        message = f"{label}: the connection to {_origin(url)} was refused ({method} {url})"
        record(None, None, message)
        raise requests.exceptions.ConnectionError(message, request=request)
    if fault.kind == "timeout":
        message = f"{label}: the connection to {_origin(url)} timed out " + (
            f"(connect timeout {connect:g} s)" if connect is not None else "(the request has no timeout)"
        )
        record(None, None, message)
        raise requests.exceptions.ConnectTimeout(message, request=request)
    if fault.kind == "delay":
        if fault.seconds is not None and (read is None or fault.seconds < read):
            return _answer_unfaulted(platform, host, adapter, request, kwargs)  # a slow answer, in time
        if read is None:
            message = (
                f"{label}: {method} {url} got no answer, and it has no timeout: a real client would wait for ever "
                "here; pass a timeout to the call (e.g. timeout=30)"
            )
        else:
            message = f"{label}: {method} {url} got no answer within its read timeout ({read:g} s)"
        record(None, None, message)
        raise requests.exceptions.ReadTimeout(message, request=request)
    # truncate: the registered answer, its body cut
    start = len(host.http)
    response = _answer_unfaulted(platform, host, adapter, request, kwargs)
    content = response.content or b""
    keep = len(content) // 2 if fault.keep is None else min(fault.keep, len(content))
    response._content = content[:keep]
    response.headers["Content-Length"] = str(keep)
    with host._lock:
        if len(host.http) > start:
            call = host.http[-1]
            host.http[-1] = dataclasses.replace(
                call, response_body=_text(content[:keep], host.mask),
                error=f"{label}: the connection dropped after {keep} of {len(content)} bytes of the body",
            )
    return response


def _answer_unfaulted(platform: Any, host: Any, adapter: Any, request: Any, kwargs: dict) -> Any:
    """The registered answer to ``request`` (recorded), no fault looked at."""
    previous = _skipping.active
    _skipping.active = True
    try:
        return platform._http_send(host, adapter, request, **kwargs)
    finally:
        _skipping.active = previous


def _response(adapter: Any, request: Any, status: int, headers: dict, body: bytes) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    import io

    import urllib3

    headers = {"Content-Length": str(len(body)), **headers}
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers)
    # what an adapter's urllib3 Retry reads (Retry-After, the status) when kit applies it
    response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), headers=headers, status=status,
                                        preload_content=False, decode_content=False)
    response._content = body
    response._content_consumed = True
    response.url = request.url
    response.request = request
    response.reason = http.client.responses.get(status, "")
    response.encoding = get_encoding_from_headers(response.headers)
    response.connection = adapter
    return response


def _origin(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


# -- reactions -----------------------------------------------------------------------------------
def _reactions(firings: list[_Firing]) -> tuple[FaultRecord, ...]:
    """The records of ``firings``, each host's records read once (and indexed by request) for all of them."""
    hosts: dict[int, tuple[Any, list[_Firing]]] = {}
    for firing in firings:
        hosts.setdefault(id(firing.host), (firing.host, []))[1].append(firing)
    records: dict[int, FaultRecord] = {}
    for host, group in hosts.values():
        with host._lock:
            http, logs, errors = list(host.http), list(host.logs), list(host.errors)
        calls: dict[tuple[str, str], list[int]] = {}
        for index, call in enumerate(http):
            calls.setdefault((call.method, call.url), []).append(index)
        attempts = list(host.platform.faults._intake_attempts.get(host.name, ()))
        for firing in group:
            records[id(firing)] = _reaction(firing, http, calls, logs, errors, attempts)
    return tuple(records[id(f)] for f in firings)


def _reaction(
    firing: _Firing, http: list, calls: dict, logs: list, errors: list, attempts: list
) -> FaultRecord:
    from bisect import bisect_right

    retry_time = retry_step = None
    next_request = None
    if firing.kind == "intake_refused":
        if firing.mark + 1 < len(attempts):
            retry_time, retry_step = attempts[firing.mark + 1]
    elif firing.kind in REQUEST_KINDS:
        same = calls.get((firing.method, firing.url), [])
        at = bisect_right(same, firing.mark)
        retry = same[at] if at < len(same) else None
        if retry is not None:
            retry_time, retry_step = http[retry].time.timestamp(), http[retry].step
        for call in http[firing.mark + 1: retry]:  # what it asked for instead, in the same step
            if call.step != firing.step:
                break
            if call.thread == firing.thread:
                next_request = f"{call.method} {call.url}"
                break
    logged = []
    for line in logs[firing.logs:]:
        if (line.step, line.time.timestamp()) > ((firing.step, math.inf) if retry_time is None else (
            retry_step, retry_time
        )):
            break
        if line.source != "kit":
            logged.append(line)
    crash = None
    for step, error in errors[firing.errors:]:
        if step != firing.step:
            break
        crash = error
        break
    crashed = None if crash is None else f"{crash.type}: {crash.message}"
    retried_after = None if retry_time is None else round(retry_time - firing.time, 6)
    parts = []
    if crashed is not None:
        parts.append(f"crashed ({crashed})")
    if next_request is not None:
        parts.append(f"skipped to {next_request}")
    if retried_after is not None:
        parts.append(f"retried after {retried_after:g} s (step {retry_step})")
    if logged:
        parts.append("logged " + "; ".join(repr(r.message) for r in logged))
    return FaultRecord(
        firing.fault, firing.kind, firing.component, firing.thread, firing.step, utc(firing.time), firing.method,
        firing.url, firing.injected, ", ".join(parts) or "nothing (yet)", retried_after, retry_step,
        tuple(r.message for r in logged), next_request is not None, next_request, crashed,
    )


def assert_reaction(
    records: Any, what: str = "the faults", *, retried_after: Any = _UNSET, logged: Any = _UNSET,
    skipped: Any = _UNSET, crashed: Any = _UNSET,
) -> None:
    """Assert what the component did after each firing in ``records`` (``FaultRecord`` s).

    ``retried_after``: virtual seconds (``None``: not retried; ``True``: retried at all); ``logged``:
    text found in a line it logged (a compiled regex is searched; ``None``/``False``: logged
    nothing); ``skipped``: True/False; ``crashed``: an exception type or its name (``True``: crashed
    at all, ``None``/``False``: did not crash).  A failure names the fault, what was expected and
    what happened.
    """
    records = tuple(records)
    if not records:
        raise AssertionError(f"{what}: never fired, so there is no reaction to check")
    problems = []
    for record in records:
        wrong = _mismatches(record, retried_after, logged, skipped, crashed)
        if wrong:
            problems.append(
                f"fault {record.fault} ({record.injected}) on {record.method} {record.url} at step {record.step} "
                f"({record.time.isoformat().replace('+00:00', 'Z')}): " + "; ".join(wrong)
                + f". What it did: {record.reaction}"
            )
    if problems:
        raise AssertionError(f"{what}: the reaction differs:\n" + "\n".join(f"- {p}" for p in problems))


def _mismatches(record: FaultRecord, retried_after: Any, logged: Any, skipped: Any, crashed: Any) -> list[str]:
    wrong = []
    got_retry = "not retried" if record.retried_after is None else f"retried after {record.retried_after:g} s"
    if retried_after is not _UNSET:
        if retried_after is True:
            if record.retried_after is None:
                wrong.append("expected a retry, got none")
        elif retried_after is None or retried_after is False:
            if record.retried_after is not None:
                wrong.append(f"expected no retry, got {got_retry}")
        elif record.retried_after is None or not math.isclose(record.retried_after, retried_after, abs_tol=1e-6):
            wrong.append(f"expected retried after {retried_after:g} s, got {got_retry}")
    if logged is not _UNSET:
        if logged is None or logged is False:
            if record.logged:
                wrong.append(f"expected no log line, got {list(record.logged)!r}")
        else:
            found = any(
                (logged.search(m) is not None) if isinstance(logged, re.Pattern) else str(logged) in m
                for m in record.logged
            )
            if not found:
                shown = logged.pattern if isinstance(logged, re.Pattern) else logged
                wrong.append(f"expected a log line with {shown!r}, got {list(record.logged)!r}")
    if skipped is not _UNSET and bool(skipped) != record.skipped:
        wrong.append(
            "expected it to skip to another request, it did not" if skipped
            else f"expected no other request before the retry, got {record.next_request}"
        )
    if crashed is not _UNSET:
        if crashed is None or crashed is False:
            if record.crashed is not None:
                wrong.append(f"expected no crash, got {record.crashed}")
        elif record.crashed is None:
            wrong.append(f"expected a crash{'' if crashed is True else f' ({_type_name(crashed)})'}, got none")
        elif crashed is not True and record.crashed.split(":", 1)[0] != _type_name(crashed):
            wrong.append(f"expected a crash with {_type_name(crashed)}, got {record.crashed}")
    return wrong


def _type_name(value: Any) -> str:
    return value.__name__ if isinstance(value, type) else str(value)


# -- helpers -------------------------------------------------------------------------------------
def _component_name(platform: Any, component: Any, call: str) -> str | None:
    if component is None:
        return None
    name = getattr(component, "name", component) if not isinstance(component, str) else component
    hosted = [h.name for h in platform._hosts] + [s.name for s in platform._simulations]
    if not isinstance(name, str) or name not in hosted:
        listed = ", ".join(repr(n) for n in dict.fromkeys(hosted)) or "none yet"
        raise ValueError(
            f"{call}: component={component!r}: no component of this platform has that name (hosted: {listed}); "
            "pass the simulation platform.load returned, or its name"
        )
    return name


def _steps_done(platform: Any, name: str) -> int:
    for sim in platform._simulations:
        if sim.name == name:
            return len(sim.reports)
    return 0


def _epoch(value: Any, call: str) -> float:
    from kit._stepper._clock import to_epoch

    try:
        if isinstance(value, bool):
            raise TypeError(value)  # not a time, though an int to Python
        return to_epoch(value)
    except ValueError:
        raise ValueError(
            f"{call}: after={value!r} is not an ISO 8601 date; write it like after='2024-01-01T00:10:00Z'"
        ) from None
    except TypeError:
        raise TypeError(
            f"{call}: after={value!r}: a virtual time is a datetime, ISO 8601 text or epoch seconds, "
            "e.g. after='2024-01-01T00:10:00Z'"
        ) from None


def _when(fault: Fault) -> str:
    parts = []
    if fault.step is not None:
        parts.append(f"step {fault.step}")
    if fault.after is not None:
        parts.append(f"after {utc(fault.after).isoformat().replace('+00:00', 'Z')}")
    if fault.nth is not None:
        parts.append(f"from request {fault.nth}")
    if fault.probability is not None:
        parts.append(f"p={fault.probability:g}")
    return ", ".join(parts) or "next match"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- read-only storage ---------------------------------------------------------------------------
_guard_installed = False
_guard_lock = threading.Lock()
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _refusal(path: Any, operation: str) -> OSError | None:
    """The EROFS error for a write of the calling hosted thread to its read-only storage, else None."""
    context = _runtime._contexts.get(threading.get_ident())
    host = None if context is None else context.host
    platform = getattr(host, "platform", None)
    if platform is None or not platform.faults._has_storage_faults:
        return None
    try:
        full = os.path.abspath(os.fsdecode(path))
    except TypeError:
        return None  # a file descriptor
    root = os.path.abspath(host.data_path)
    if full != root and not full.startswith(root + os.sep):
        return None
    return platform.faults._storage_refusal(host, full, operation)


def _install_storage_guard() -> None:
    """Wrap the file-writing functions once per process; other threads and paths go through untouched."""
    global _guard_installed
    if _guard_installed:
        return
    with _guard_lock:
        if _guard_installed:
            return
        import builtins
        import io

        real_open = io.open

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if isinstance(mode, str) and any(c in mode for c in "wax+"):
                error = _refusal(file, "open")
                if error is not None:
                    raise error
            return real_open(file, mode, *args, **kwargs)

        real_os_open = os.open

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & _WRITE_FLAGS:
                error = _refusal(path, "open")
                if error is not None:
                    raise error
            return real_os_open(path, flags, *args, **kwargs)

        def guarded(real: Any, operation: str, two_paths: bool = False) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                for path in args[:2] if two_paths else args[:1]:
                    error = _refusal(path, operation)
                    if error is not None:
                        raise error
                return real(*args, **kwargs)

            wrapper.__name__ = real.__name__
            wrapper.__doc__ = real.__doc__
            return wrapper

        open_.__doc__ = real_open.__doc__
        builtins.open = io.open = open_  # type: ignore[assignment]
        os.open = os_open  # type: ignore[assignment]
        real_mkdir = os.mkdir

        def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
            # an existing directory is FileExistsError on a read-only file system too
            if not os.path.lexists(path):
                error = _refusal(path, "mkdir")
                if error is not None:
                    raise error
            return real_mkdir(path, *args, **kwargs)

        mkdir.__doc__ = real_mkdir.__doc__
        os.mkdir = mkdir  # type: ignore[assignment]
        for name in ("remove", "unlink", "rmdir"):
            setattr(os, name, guarded(getattr(os, name), name))
        for name in ("replace", "rename"):
            setattr(os, name, guarded(getattr(os, name), name, two_paths=True))
        _guard_installed = True
