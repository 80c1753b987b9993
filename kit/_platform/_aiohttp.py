"""aiohttp calls of hosted components go to the platform's fake-response registry.

Like :mod:`kit._platform._http` for ``requests``: kit patches
``aiohttp.ClientSession._request`` once per process (when aiohttp is installed;
kit does not depend on it) with a thread-aware dispatcher.  A call made on a
hosted component's thread is turned into the equivalent
``requests.PreparedRequest``, answered by the component's platform
(``platform.http``, a ``responses`` registry, and recorded in ``sim.http``) and
handed back as a :class:`FakeClientResponse`, which behaves like aiohttp's
``ClientResponse`` for what connectors use.  Any other thread's calls go to the
real aiohttp untouched.

:func:`install` also installs kit's asyncio policy (:mod:`kit._stepper._aio`), so
event loops made on hosted threads run on the virtual clock.
"""

from __future__ import annotations

import importlib.util
import json as _json
import threading
from typing import Any
from urllib.parse import urlencode

from kit import _runtime

_installed = False
_lock = threading.Lock()
_real_request: Any = None
_adapter: Any = None  # a requests HTTPAdapter: responses builds its responses with one


def install() -> None:
    """Install kit's asyncio policy and, if aiohttp is importable, the aiohttp dispatcher (idempotent)."""
    global _installed, _real_request, _adapter
    from kit._stepper import _aio

    _aio.install()
    if _installed:
        return
    with _lock:
        if _installed or importlib.util.find_spec("aiohttp") is None:
            return
        import aiohttp
        import requests.adapters

        _adapter = requests.adapters.HTTPAdapter()
        _real_request = aiohttp.ClientSession._request
        aiohttp.ClientSession._request = _dispatch  # type: ignore[method-assign]
        _installed = True


def _hosted_platform_host() -> Any:
    context = _runtime.current()
    host = None if context is None else context.host
    if host is None or getattr(host, "platform", None) is None:
        return None
    return host


async def _dispatch(session: Any, method: str, str_or_url: Any, **kwargs: Any) -> Any:
    host = _hosted_platform_host()
    if host is None:
        return await _real_request(session, method, str_or_url, **kwargs)
    return await _fake_request(host, session, method, str_or_url, kwargs)


def _body(session: Any, headers: Any, data: Any, json: Any) -> bytes | str | None:
    """The body aiohttp would send, setting the Content-Type it would set."""
    import aiohttp

    if data is not None and json is not None:
        raise ValueError("data and json parameters can not be used at the same time")
    if json is not None:
        serialize = getattr(session, "_json_serialize", None) or _json.dumps
        headers.setdefault("Content-Type", "application/json")
        return serialize(json)
    if data is None:
        return None
    if isinstance(data, aiohttp.FormData):
        if data.is_multipart:
            raise TypeError(
                "kit: multipart aiohttp.FormData bodies are not supported by kit's fake aiohttp; "
                "send the fields with data={...} (form-encoded), json=... or bytes"
            )
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode([(name, value) for options, _headers, value in data._fields for name in [options["name"]]])
    if isinstance(data, dict) or (isinstance(data, (list, tuple)) and all(isinstance(x, tuple) for x in data)):
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode(list(data.items()) if isinstance(data, dict) else list(data), doseq=False)
    if isinstance(data, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        headers.setdefault("Content-Type", "application/octet-stream")
        return bytes(data)
    raise TypeError(
        f"kit: an aiohttp body of type {type(data).__name__} is not supported by kit's fake aiohttp; "
        "pass json=..., a dict of form fields, str or bytes"
    )


async def _fake_request(host: Any, session: Any, method: str, str_or_url: Any, kwargs: dict) -> "FakeClientResponse":
    import aiohttp
    import requests
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    if session.closed:
        raise RuntimeError("Session is closed")
    method = method.upper()
    build_url = getattr(session, "_build_url", None)  # aiohttp >= 3.8 (base_url)
    url = build_url(str_or_url) if build_url is not None else URL(str_or_url)
    params = kwargs.get("params")
    if params:
        url = url.extend_query(params)
    headers = session._prepare_headers(kwargs.get("headers"))
    auth = kwargs.get("auth") or getattr(session, "_default_auth", None)
    if auth is not None and "Authorization" not in headers:
        headers["Authorization"] = auth.encode()
    body = _body(session, headers, kwargs.get("data"), kwargs.get("json"))

    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=method,
        url=str(url),
        headers={key: ", ".join(headers.getall(key)) for key in headers.keys()},
        data=body,
    )
    try:
        answer = host.platform._http_send(host, _adapter, prepared, timeout=_timeout(session, kwargs.get("timeout")))
    except requests.exceptions.ConnectTimeout as error:
        raise getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ServerTimeoutError)(str(error)) from None
    except requests.exceptions.Timeout as error:
        raise aiohttp.ServerTimeoutError(str(error)) from None
    except requests.exceptions.ConnectionError as error:
        raise aiohttp.ClientConnectionError(str(error)) from None

    request_headers = CIMultiDictProxy(CIMultiDict(headers))
    response = FakeClientResponse(
        method=method,
        url=URL(answer.url, encoded=True) if answer.url else url,
        status=answer.status_code,
        reason=answer.reason or "",
        headers=CIMultiDictProxy(CIMultiDict(answer.headers.items())),
        body=answer.content or b"",
        request_info=aiohttp.RequestInfo(url, method, request_headers, url),
    )
    check = kwargs.get("raise_for_status")
    if check is None:
        check = getattr(session, "_raise_for_status", None)
    if callable(check):
        await check(response)
    elif check:
        response.raise_for_status()
    return response


def _timeout(session: Any, timeout: Any) -> tuple[float | None, float | None]:
    """The (connect, read) seconds of a call's ``timeout=`` (a ``ClientTimeout`` or a number), else the session's."""
    import aiohttp

    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout), float(timeout)
    if not isinstance(timeout, aiohttp.ClientTimeout):
        timeout = getattr(session, "timeout", None)
    if not isinstance(timeout, aiohttp.ClientTimeout):
        return None, None
    return (timeout.sock_connect or timeout.connect or timeout.total), (timeout.sock_read or timeout.total)


class _Content:
    """The part of aiohttp's ``StreamReader`` connectors use, over a body already received."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._position = 0

    def at_eof(self) -> bool:
        return self._position >= len(self._body)

    async def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = len(self._body) - self._position
        chunk = self._body[self._position : self._position + n]
        self._position += len(chunk)
        return chunk

    async def readany(self) -> bytes:
        return await self.read()

    async def readline(self) -> bytes:
        end = self._body.find(b"\n", self._position)
        end = len(self._body) if end < 0 else end + 1
        chunk = self._body[self._position : end]
        self._position = end
        return chunk

    async def iter_chunked(self, n: int) -> Any:
        while not self.at_eof():
            yield await self.read(n)

    async def iter_any(self) -> Any:
        while not self.at_eof():
            yield await self.read()

    def __aiter__(self) -> Any:
        return self._lines()

    async def _lines(self) -> Any:
        while not self.at_eof():
            yield await self.readline()


class FakeClientResponse:
    """What an aiohttp call made by a hosted component returns: a ``ClientResponse`` look-alike.

    ``status``, ``reason``, ``headers``, ``ok``, ``url``, ``method``,
    ``content_type``, ``charset``, ``request_info``, ``await read()/text()/json()``,
    ``content`` (``read(n)``, ``iter_chunked(n)``...), ``raise_for_status()`` (raises
    ``aiohttp.ClientResponseError``), ``release()``; usable with ``async with``.
    """

    def __init__(
        self, *, method: str, url: Any, status: int, reason: str, headers: Any, body: bytes, request_info: Any
    ) -> None:
        self.method = method
        self.url = url
        self.real_url = url
        self.status = status
        self.reason = reason
        self.headers = headers
        self.request_info = request_info
        self.history: tuple = ()
        self.content = _Content(body)
        self._body = body
        self.closed = False

    def __repr__(self) -> str:
        return f"<FakeClientResponse({self.url}) [{self.status} {self.reason}]> (kit)"

    @property
    def ok(self) -> bool:
        """True when ``status`` is under 400."""
        return self.status < 400

    @property
    def content_type(self) -> str:
        value = self.headers.get("Content-Type")
        if not value:
            return "application/octet-stream"
        return value.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.headers.get("Content-Type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset":
                return value.strip('"').lower()
        return None

    def get_encoding(self) -> str:
        """The charset of the Content-Type, else utf-8."""
        return self.charset or "utf-8"

    async def read(self) -> bytes:
        return self._body

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        return self._body.decode(encoding or self.get_encoding(), errors=errors)

    async def json(self, *, encoding: str | None = None, loads: Any = _json.loads,
                   content_type: str | None = "application/json") -> Any:
        """The JSON body; like aiohttp, a body whose Content-Type is not JSON raises ``ContentTypeError``."""
        import aiohttp

        if content_type:
            header = (self.headers.get("Content-Type") or "").lower()
            expected = (
                header.startswith("application/") and "json" in header.split(";", 1)[0]
                if content_type == "application/json"
                else content_type in header
            )
            if not expected:
                raise aiohttp.ContentTypeError(
                    self.request_info,
                    self.history,
                    status=self.status,
                    message=f"Attempt to decode JSON with unexpected mimetype: {header}",
                    headers=self.headers,
                )
        stripped = self._body.strip()
        if not stripped:
            return None
        return loads(stripped.decode(encoding or self.get_encoding()))

    def raise_for_status(self) -> None:
        """Raise ``aiohttp.ClientResponseError`` when ``status`` is 400 or more."""
        import aiohttp

        if not self.ok:
            raise aiohttp.ClientResponseError(
                self.request_info, self.history, status=self.status, message=self.reason, headers=self.headers
            )

    def release(self) -> Any:
        self.closed = True
        return _Noop()

    def close(self) -> None:
        self.closed = True

    async def wait_for_close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> "FakeClientResponse":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.closed = True


class _Noop:
    """What ``release()`` returns, as in aiohttp: awaiting it is optional."""

    def __await__(self) -> Any:
        return iter(())
