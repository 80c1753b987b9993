"""Cassettes: the real HTTP exchanges of a platform's components, recorded to a file and replayed from it.

A cassette is a file in ``responses``' own recorder format (YAML)::

    responses:
    - response:
        method: GET
        url: https://api.vendor.test/items?page=1
        status: 200
        headers: {X-Rate-Limit: '10'}
        content_type: application/json
        auto_calculate_content_length: false
        body: '{"items": []}'
      kit: {component: acme, step: 1, thread: '', time: '2024-01-01T00:00:00Z', request: {...}}

so plain ``responses`` loads it (``responses._add_from_file(path)``) in a test without kit: its
loader reads ``response`` and ignores the ``kit`` keys (where, when and from which thread each
exchange happened, and the request's masked headers and body, which replay matches).

``FakePlatform(record=path, allow_network=True)`` wraps the real send of its registry's
passthrough: every exchange that reached the network (any client, any component thread) is
appended to the file as it happens, secrets masked, so nothing is lost if the process dies.
``FakePlatform(replay=path)`` makes the cassette the registry's passthrough: what
``platform.http`` registrations do not answer is answered from the file, each exchange once, the
first unused one that matches (method, URL, query, and the body where one was recorded);
anything else fails with kit's diagnostic naming the file.
"""

from __future__ import annotations

import http.client
import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

from kit import _runtime
from kit._platform._records import FrozenDict, utc
from kit._platform._secrets import MASK

# headers of a recorded response that would break its replay: kit stores the body decoded and whole
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"})
_SENSITIVE_RESPONSE = frozenset({"set-cookie", "www-authenticate", "proxy-authenticate"})
_HEADER = "# kit cassette, in responses' recorder format: responses._add_from_file(path) loads it as it is.\n"
_CLOSE_LIMIT = 5


class CassetteError(ValueError):
    """A cassette file kit cannot read: the message names the file, the item and the fix."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded HTTP exchange of a cassette (secrets masked when it was recorded).

    ``index`` is its place in the file's ``responses`` list; ``component``, ``step``, ``thread`` and
    ``time`` (ISO text, virtual) say where it happened, empty for an item written by hand.
    """

    index: int
    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    content_type: str | None
    body: str | bytes
    request_body: str | bytes | None = None
    component: str = ""
    step: int = 0
    thread: str = ""
    time: str = ""


# -- writing ---------------------------------------------------------------------------------------
def _dumper() -> Any:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> Any:  # multi-line bodies stay readable (a literal block)
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    Dumper.add_representer(FrozenDict, Dumper.represent_dict)
    return Dumper


def _decoded(data: bytes) -> str | bytes:
    """``data`` as text when it is UTF-8 (it replays as the same bytes), else the bytes (``!!binary``)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


class Recorder:
    """Appends every real exchange of a platform's components to a cassette file (see the module doc)."""

    mode = "record"

    def __init__(self, path: str | Path, secrets: Any, start: float) -> None:
        import yaml

        self.path = Path(path)
        self._secrets = secrets
        self._dumper = _dumper()
        self._exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as error:
            raise CassetteError(
                f"kit: cannot write the cassette {str(path)!r}: {error.strerror or error}; record to a path in a "
                "directory you can write, e.g. FakePlatform(record='cassettes/acme.yaml', allow_network=True)"
            ) from None
        meta = yaml.dump({"kit": {"start": _iso(start)}}, Dumper=self._dumper, sort_keys=False)
        self._prefix = (_HEADER + meta + "responses:").encode("utf-8")
        self._file.write(self._prefix + b" []\n")  # valid (and empty) until the first exchange
        self._file.flush()

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """The exchanges written so far, in order."""
        with self._lock:
            return tuple(self._exchanges)

    def wrap(self, real_send: Callable[..., Any]) -> Callable[..., Any]:
        """``real_send`` (the registry's passthrough) recording what it answers."""

        def send(adapter: Any, request: Any, **kwargs: Any) -> Any:
            response = real_send(adapter, request, **kwargs)
            self.record(_runtime.current_host(), request, response)
            return response

        return send

    def record(self, host: Any, request: Any, response: Any) -> None:
        """Write one exchange (``request`` a ``PreparedRequest``, ``response`` a ``requests.Response``)."""
        mask = self._secrets
        content = response.content or b""  # read now: requests keeps it for the component
        headers: dict[str, str] = {}
        content_type = None
        for key, value in response.headers.items():
            key, value = str(key), str(value)
            lower = key.lower()
            if lower == "content-type":
                content_type = value
            elif lower not in _DROPPED:
                headers[key] = MASK if lower in _SENSITIVE_RESPONSE else mask.text(value)
        body = _decoded(mask.bytes(content))
        request_body = request.body
        if isinstance(request_body, str):
            request_body = request_body.encode("utf-8")
        request_body = None if request_body is None else _decoded(mask.bytes(request_body))
        from kit._platform._http import _SENSITIVE_HEADERS

        request_headers = {
            str(key): MASK if str(key).lower() in _SENSITIVE_HEADERS else mask.text(str(value))
            for key, value in (request.headers or {}).items()
        }
        host_name = getattr(host, "name", "")
        with self._lock:
            if self._file.closed:  # a thread still calling after platform.close(): nothing to write to
                return
            exchange = Exchange(
                len(self._exchanges), str(request.method), mask.text(str(request.url)), int(response.status_code),
                FrozenDict(headers), content_type, body, request_body, host_name, getattr(host, "step", 0),
                host.thread() if host is not None else "", _iso(host.platform.clock.time()) if host is not None else "",
            )
            self._write(exchange, request_headers)
            self._exchanges.append(exchange)

    def _write(self, exchange: Exchange, request_headers: dict[str, str]) -> None:
        import yaml

        text = yaml.dump([item(exchange, request_headers)], Dumper=self._dumper, sort_keys=False,
                         allow_unicode=True, width=120)
        if not self._exchanges:  # the first item replaces the empty list
            self._file.seek(len(self._prefix))
            self._file.truncate()
            self._file.write(b"\n")
        self._file.write(text.encode("utf-8"))  # one write per exchange, flushed: a killed process loses none
        self._file.flush()

    def exchanges_of(self, component: str) -> list[Exchange]:
        """The exchanges recorded from ``component`` (its display name), in order."""
        return [exchange for exchange in self.exchanges if exchange.component == component]

    def close(self) -> None:
        """Close the file (everything is already written)."""
        with self._lock:
            self._file.close()


def item(exchange: Exchange, request_headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The cassette item of ``exchange``: responses' ``response`` and kit's ``kit`` keys."""
    response: dict[str, Any] = {"method": exchange.method, "url": exchange.url, "status": exchange.status}
    if exchange.headers:
        response["headers"] = dict(exchange.headers)
    response["content_type"] = exchange.content_type
    response["auto_calculate_content_length"] = False
    response["body"] = exchange.body
    request: dict[str, Any] = {}
    if request_headers is not None:
        request["headers"] = dict(request_headers)
    if exchange.request_body is not None:
        request["body"] = exchange.request_body
    kit: dict[str, Any] = {"component": exchange.component, "step": exchange.step, "thread": exchange.thread,
                           "time": exchange.time}
    if request:
        kit["request"] = request
    return {"response": response, "kit": kit}


def dump(items: list[dict[str, Any]], start: str | None = None) -> str:
    """The text of a cassette holding ``items`` (see :func:`item`), recorded from ``start`` (ISO)."""
    import yaml

    data: dict[str, Any] = {"kit": {"start": start}} if start else {}
    data["responses"] = items
    return _HEADER + yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=120)


def _iso(epoch: float) -> str:
    return utc(epoch).isoformat().replace("+00:00", "Z")


# -- reading ---------------------------------------------------------------------------------------
_ITEM_FIX = "each item is '- response: {method: GET, url: https://..., status: 200, body: ...}'"


def load(path: str | Path) -> tuple[list[Exchange], float | None]:
    """The exchanges of the cassette at ``path`` and the virtual start it was recorded from (or None).

    Raises :class:`CassetteError` naming the file, the item and the fix for a missing file, text
    that is not YAML, or an item without ``method``/``url``.
    """
    import yaml

    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(
            f"kit: the cassette {where!r} does not exist; record it first with "
            f"FakePlatform(record={where!r}, allow_network=True), or fix the path"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CassetteError(f"kit: cannot read the cassette {where!r}: {error}; pass a cassette file kit wrote") from None
    try:
        data = _parse(text)
    except yaml.YAMLError:
        error = _python_yaml_error(text)
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CassetteError(
            f"kit: the cassette {where!r} is not valid YAML{at}: {problem}; fix the file there, or record it again "
            f"with FakePlatform(record={where!r}, allow_network=True)"
        ) from None
    if data is None:
        data = {"responses": []}
    if not isinstance(data, dict) or not isinstance(data.get("responses", []), (list, type(None))):
        raise CassetteError(
            f"kit: the cassette {where!r} is not a cassette: expected a mapping with a 'responses' list "
            f"(responses' recorder format), got {_short(data)}; {_ITEM_FIX}"
        )
    start = None
    meta = data.get("kit")
    if isinstance(meta, dict) and meta.get("start"):
        from kit._stepper._clock import to_epoch

        try:
            start = to_epoch(meta["start"])
        except (TypeError, ValueError):
            raise CassetteError(
                f"kit: the cassette {where!r}: kit.start {_short(meta['start'])} is not a time; write an ISO 8601 "
                "time such as '2024-01-01T00:00:00Z' or delete it"
            ) from None
    return [_exchange(where, index, item) for index, item in enumerate(data.get("responses") or [])], start


def _parse(text: str) -> Any:
    """``yaml.safe_load(text)`` with libyaml's parser when PyYAML has it (a cassette of days is big)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def _python_yaml_error(text: str) -> Any:
    """The error of PyYAML's Python parser for ``text`` (its messages say what it expected; libyaml's do not)."""
    import yaml

    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        return error
    return yaml.YAMLError("not valid YAML")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _exchange(where: str, index: int, item: Any) -> Exchange:
    def bad(problem: str) -> CassetteError:
        return CassetteError(f"kit: the cassette {where!r}: item {index} (responses[{index}]) {problem}; {_ITEM_FIX}")

    response = item.get("response") if isinstance(item, dict) else None
    if not isinstance(response, dict):
        return _raise(bad(f"has no 'response' mapping: {_short(item)}"))
    for key in ("method", "url"):
        if not isinstance(response.get(key), str) or not response[key]:
            found = f": got {_short(response[key])}" if key in response else ""
            return _raise(bad(f"has no '{key}'{found}; add it (e.g. {key}: "
                              f"{'GET' if key == 'method' else 'https://api.vendor.test/items'}) or delete the item"))
    status = response.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return _raise(bad(f"has status {_short(status)}; a status is an HTTP code such as 200"))
    headers = response.get("headers") or {}
    if not isinstance(headers, dict):
        return _raise(bad(f"has headers {_short(headers)}; headers are a mapping such as {{X-Rate-Limit: '10'}}"))
    body = response.get("body", "")
    if body is None:
        body = ""
    elif not isinstance(body, (str, bytes)):
        body = json.dumps(body)  # a body edited as YAML data
    content_type = response.get("content_type")
    meta = item.get("kit") if isinstance(item.get("kit"), dict) else {}
    request = meta.get("request") if isinstance(meta.get("request"), dict) else {}
    request_body = request.get("body")
    if request_body is not None and not isinstance(request_body, (str, bytes)):
        request_body = json.dumps(request_body)
    headers = {str(k): str(v) for k, v in headers.items() if str(k).lower() not in _DROPPED}
    if response.get("auto_calculate_content_length"):
        headers["Content-Length"] = str(len(body.encode("utf-8") if isinstance(body, str) else body))
    return Exchange(
        index, response["method"].upper(), response["url"], status, FrozenDict(headers),
        None if content_type is None else str(content_type), body, request_body, str(meta.get("component", "")),
        meta["step"] if isinstance(meta.get("step"), int) else 0, str(meta.get("thread", "")),
        str(meta.get("time", "")),
    )


def _raise(error: Exception) -> Any:
    raise error


def _split(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(the URL without its query and fragment, its query pairs sorted)."""
    base, _, query = url.partition("?")
    query = query.partition("#")[0]
    return base.partition("#")[0], tuple(sorted(parse_qsl(query, keep_blank_values=True)))


def _normal_body(body: Any) -> Any:
    """A body to compare: parsed JSON when it is JSON (key order and spacing do not matter), else bytes."""
    if body is None:
        return None
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if data[:1] in (b"{", b"["):
        try:
            return ("json", json.loads(data))
        except ValueError:
            pass
    return data


class _Entry:
    """An exchange ready to answer: its match keys, its body and headers as bytes, and whether it was used."""

    __slots__ = ("exchange", "query", "body", "content", "headers", "used")

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.query = _split(exchange.url)[1]
        self.body = _normal_body(exchange.request_body)
        self.content = exchange.body.encode("utf-8") if isinstance(exchange.body, str) else exchange.body
        headers = dict(exchange.headers)
        if exchange.content_type is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = exchange.content_type
        self.headers = headers
        self.used = False


class Replayer:
    """Answers a platform's unregistered HTTP calls from a cassette (see the module doc)."""

    mode = "replay"

    def __init__(self, path: str | Path, secrets: Any) -> None:
        self.path = Path(path)
        exchanges, self.start = load(path)
        self._exchanges = tuple(exchanges)
        self._secrets = secrets
        #: the real send for what the cassette lacks (the platform sets it with allow_network=True)
        self.fallback: Callable[..., Any] | None = None
        self._lock = threading.Lock()
        self._by_url: dict[tuple[str, str], list[_Entry]] = {}
        for exchange in exchanges:
            base = _split(exchange.url)[0]
            self._by_url.setdefault((exchange.method, base), []).append(_Entry(exchange))
        self._first: dict[tuple[str, str], int] = {key: 0 for key in self._by_url}  # the first unused of each
        self._replayed: list[tuple[str, Exchange]] = []  # (component, exchange) in the order answered

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """The cassette's exchanges, in the file's order."""
        return self._exchanges

    def exchanges_of(self, component: str) -> list[Exchange]:
        """The exchanges replayed to ``component`` (its display name), in the order they were answered."""
        with self._lock:
            return [exchange for name, exchange in self._replayed if name == component]

    def send(self, adapter: Any, request: Any, **kwargs: Any) -> Any:
        """The registry's passthrough: the recorded answer to ``request`` (a ``requests.Response``)."""
        mask = self._secrets
        method = str(request.method).upper()
        url = mask.text(str(request.url))
        base, query = _split(url)
        key = (method, base)
        body: Any = False  # not computed yet
        with self._lock:
            entries = self._by_url.get(key, ())
            first = self._first.get(key, 0)
            for position in range(first, len(entries)):
                entry = entries[position]
                if entry.used or entry.query != query:
                    continue
                if entry.body is not None:
                    if body is False:
                        body = _normal_body(_masked_body(request.body, mask))
                    if entry.body != body:
                        continue
                entry.used = True
                self._replayed.append((getattr(_runtime.current_host(), "name", ""), entry.exchange))
                while first < len(entries) and entries[first].used:
                    first += 1
                self._first[key] = first
                break
            else:
                entry = None
        if entry is None:
            if self.fallback is not None:
                return self.fallback(adapter, request, **kwargs)
            import requests

            raise requests.exceptions.ConnectionError(self._missing(method, url, request), request=request)
        return _response(adapter, request, entry)

    def _missing(self, method: str, url: str, request: Any) -> str:
        """kit's diagnostic for a call the cassette does not hold, with the exchanges that came close."""
        base, query = _split(url)
        path = urlsplit(base)
        body = None
        close = []
        for exchange in self._exchanges:
            other_base, other_query = _split(exchange.url)
            other = urlsplit(other_base)
            if (other.netloc, other.path) != (path.netloc, path.path):
                continue
            if exchange.method != method:
                why = f"method {exchange.method}"
            elif other_base != base:
                why = "scheme differs"
            elif other_query != query:
                why = "query differs"
            else:
                entry = next(e for e in self._by_url[(method, base)] if e.exchange is exchange)
                if entry.body is not None:
                    if body is None:
                        body = _normal_body(_masked_body(request.body, self._secrets))
                    if entry.body != body:
                        why = "body differs"
                    else:
                        why = "already replayed"
                else:
                    why = "already replayed"
            close.append(f"  - #{exchange.index} {exchange.method} {exchange.url} ({why})")
        held = len(self._exchanges)
        if close:
            more = len(close) - _CLOSE_LIMIT
            listing = "\n".join(close[:_CLOSE_LIMIT]) + (f"\n  ... and {more} more" if more > 0 else "")
            listing = f"Close in the cassette ({held} exchange{'s' if held != 1 else ''}):\n{listing}"
        else:
            listing = (
                f"Close in the cassette: nothing to {path.netloc}{path.path} "
                f"(it holds {held} exchange{'s' if held != 1 else ''})."
            )
        where = str(self.path)
        return (
            f"kit: {method} {url} is not in the cassette {where!r}.\n{listing}\n"
            f"Record it again with FakePlatform(record={where!r}, allow_network=True), add it to the file, "
            f"or register it with platform.http.add(responses.{method}, {url!r}, json=...)."
        )


def _masked_body(body: Any, mask: Any) -> bytes | None:
    if body is None:
        return None
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return mask.bytes(data)


def _response(adapter: Any, request: Any, entry: _Entry) -> Any:
    """The ``requests.Response`` of a recorded answer, built as responses builds its own."""
    from urllib3 import HTTPResponse

    status = entry.exchange.status
    raw = HTTPResponse(
        body=io.BytesIO(entry.content),
        headers=entry.headers,
        status=status,
        reason=http.client.responses.get(status, ""),
        preload_content=False,
        decode_content=False,
        request_method=request.method,
    )
    return adapter.build_response(request, raw)
