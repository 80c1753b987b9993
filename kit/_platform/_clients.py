"""HTTP clients other than ``requests`` and aiohttp, and raw connections, on a component's threads.

``requests`` (:mod:`kit._platform._http`) and aiohttp (:mod:`kit._platform._aiohttp`) are
answered from ``platform.http``.  This module does the same, once per process, for
``http.client`` (hence ``urllib.request``), ``urllib3`` (its connection pools) and httpx (its
sync and async transports): a call made on a hosted thread (a component's worker or any thread
it started) becomes the equivalent ``requests.PreparedRequest``, is answered by the platform's
registry and recorded in ``sim.http``, and comes back as the client's own response type (or
its own error carrying kit's message when nothing is registered).  Any other connection a
hosted thread opens to an IP address (a raw socket, asyncio streams) is refused with kit's
diagnostic, and recorded, unless the platform has ``allow_network=True``.

Every replacement looks at the calling thread first: on a thread no kit platform hosts it
calls the original, so other threads are untouched.  While kit itself forwards a call to the
real network (``allow_network=True``), the originals run too.
"""

from __future__ import annotations

import importlib.util
import io
import socket
import threading
from typing import Any

from kit import _runtime

_installed = False
_lock = threading.Lock()
_guard = threading.local()  # .active: kit is forwarding a call of this thread (the originals run)
_adapter: Any = None
_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection"}


def forwarding() -> bool:
    """True while kit forwards a call of the calling thread (to the registry or the real network)."""
    return getattr(_guard, "active", False)


class Forwarding:
    """``with Forwarding():`` marks the calling thread as forwarding (see :func:`forwarding`)."""

    def __enter__(self) -> None:
        self._previous = getattr(_guard, "active", False)
        _guard.active = True

    def __exit__(self, *exc: object) -> None:
        _guard.active = self._previous


def _host() -> Any:
    """The host of the calling thread's component, when kit should answer its calls."""
    context = _runtime._contexts.get(threading.get_ident())
    host = None if context is None else context.host
    if host is None or getattr(host, "platform", None) is None or forwarding():
        return None
    return host


def _answer(host: Any, method: str, url: str, headers: dict, body: Any, timeout: Any = None) -> Any:
    """Answer one request from the platform's registry (recorded): a ``requests.Response``.

    ``timeout`` is the client's, as ``requests`` takes it (seconds, or a ``(connect, read)`` pair): a
    scheduled ``delay`` fault waits that long.
    """
    import requests

    prepared = requests.PreparedRequest()
    from kit._platform._faults import _timeouts

    prepared.prepare(method=method.upper(), url=url, headers=headers, data=_body_bytes(body))
    return host.platform._http_send(host, _adapter, prepared, timeout=_timeouts(timeout))


def _body_bytes(body: Any) -> Any:
    if body is None or isinstance(body, (bytes, str)):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    chunks = [chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in body]
    return b"".join(chunks)


def _response_headers(answer: Any, content: bytes) -> list[tuple[str, str]]:
    # the body is handed over decoded and whole: no content or transfer encoding, its own length
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(content))))
    return headers


def _default_port(scheme: str, port: int | None) -> bool:
    return port is None or (scheme, port) in {("http", 80), ("https", 443)}


def _url(scheme: str, host: str, port: int | None, target: str) -> str:
    if "://" in target:
        return target  # a proxy-style absolute target
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    netloc = host if _default_port(scheme, port) else f"{host}:{port}"
    return f"{scheme}://{netloc}{target if target.startswith('/') else '/' + target}"


# -- http.client (and urllib.request, which uses it) ------------------------------------------------
_real_hc_request: Any = None
_real_hc_getresponse: Any = None


class _BytesSocket:
    """What ``http.client.HTTPResponse`` reads a response from: bytes already received."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self._data)


def _hc_request(self: Any, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any) -> None:
    import http.client

    host = _host()
    if host is None:
        return _real_hc_request(self, method, url, body, {} if headers is None else headers, **kwargs)
    import requests

    scheme = "https" if isinstance(self, http.client.HTTPSConnection) else "http"
    full = _url(scheme, self.host, self.port, url)
    self._kit_method = method.upper()
    try:
        self._kit_answer = _answer(host, method, full, dict(headers or {}), body, self.timeout)
    except requests.exceptions.Timeout as error:
        self._kit_answer = None
        raise TimeoutError(str(error)) from None
    except requests.exceptions.ConnectionError as error:
        self._kit_answer = None
        raise ConnectionRefusedError(str(error)) from None


def _hc_getresponse(self: Any) -> Any:
    import http.client

    answer = self.__dict__.pop("_kit_answer", None)
    if answer is None:
        return _real_hc_getresponse(self)
    content = answer.content or b""
    lines = [f"HTTP/1.1 {answer.status_code} {answer.reason or http.client.responses.get(answer.status_code, '')}"]
    lines += [f"{k}: {v}" for k, v in _response_headers(answer, content)]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content
    response = http.client.HTTPResponse(_BytesSocket(raw), method=self.__dict__.pop("_kit_method", "GET"))  # type: ignore[arg-type]
    response.begin()
    return response


# -- urllib3 ----------------------------------------------------------------------------------------
_real_urlopen: Any = None


def _urlopen(self: Any, method: str, url: str, body: Any = None, headers: Any = None, *args: Any, **kwargs: Any) -> Any:
    host = _host()
    if host is None:
        return _real_urlopen(self, method, url, body, headers, *args, **kwargs)
    import requests
    import urllib3
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError

    full = _url(self.scheme, self.host, self.port, url)
    merged = dict(self.headers or {})
    merged.update(headers or {})
    try:
        answer = _answer(host, method, full, merged, body, kwargs.get("timeout", self.timeout))
    except requests.exceptions.ConnectTimeout as error:
        raise ConnectTimeoutError(self, str(error)) from None
    except requests.exceptions.Timeout as error:
        raise ReadTimeoutError(self, full, str(error)) from None
    except requests.exceptions.ConnectionError as error:
        refusal = MaxRetryError(self, full, NewConnectionError(None, str(error)))  # type: ignore[arg-type]
        refusal.args = (str(error),)  # reads as kit's message, not as the repr of the reason
        raise refusal from None
    content = answer.content or b""
    return urllib3.HTTPResponse(
        body=io.BytesIO(content),
        headers=_response_headers(answer, content),
        status=answer.status_code,
        reason=answer.reason,
        preload_content=kwargs.get("preload_content", True),
        decode_content=False,
        request_method=method.upper(),
        request_url=full,
        original_response=None,
        pool=self,
    )


# -- httpx ------------------------------------------------------------------------------------------
_real_httpx_handle: Any = None
_real_httpx_handle_async: Any = None


def _httpx_answer(host: Any, request: Any) -> Any:
    import httpx
    import requests

    headers = {k: v for k, v in request.headers.multi_items()}
    timeout = request.extensions.get("timeout") or {}
    try:
        answer = _answer(host, request.method, str(request.url), headers, request.content,
                         (timeout.get("connect"), timeout.get("read")))
    except requests.exceptions.ConnectTimeout as error:
        raise httpx.ConnectTimeout(str(error), request=request) from None
    except requests.exceptions.Timeout as error:
        raise httpx.ReadTimeout(str(error), request=request) from None
    except requests.exceptions.ConnectionError as error:
        raise httpx.ConnectError(str(error), request=request) from None
    content = answer.content or b""
    return httpx.Response(answer.status_code, headers=_response_headers(answer, content), content=content,
                          request=request)


def _httpx_handle(self: Any, request: Any) -> Any:
    host = _host()
    if host is None:
        return _real_httpx_handle(self, request)
    request.read()
    return _httpx_answer(host, request)


async def _httpx_handle_async(self: Any, request: Any) -> Any:
    host = _host()
    if host is None:
        return await _real_httpx_handle_async(self, request)
    await request.aread()
    return _httpx_answer(host, request)


# -- raw connections ----------------------------------------------------------------------------------
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _refusal(sock: socket.socket, address: Any) -> ConnectionRefusedError | None:
    """kit's refusal of a connection from a component's thread (recorded), or None to let it through."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    host = _host()
    if host is None or host.platform.allow_network:
        return None
    from kit._platform._records import HttpCall, utc

    target = f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) >= 2 else str(address)
    thread = host.thread()
    message = (
        f"kit: a connection to {target} from the component{f' (thread {thread})' if thread else ''} was refused: "
        "kit answers HTTP calls made with requests, aiohttp, httpx, urllib3, http.client and urllib.request "
        "from platform.http; any other connection (a raw socket, asyncio streams) needs "
        "FakePlatform(allow_network=True)."
    )
    when = utc(host.platform.clock.time())
    host.record_http(HttpCall(host.name, host.step, when, "CONNECT", f"tcp://{target}", None, {}, None, None, message,
                              thread))
    return ConnectionRefusedError(message)


def _connect(self: socket.socket, address: Any) -> None:
    refusal = _refusal(self, address)
    if refusal is not None:
        raise refusal
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    refusal = _refusal(self, address)
    if refusal is not None:
        raise refusal
    return _real_connect_ex(self, address)


def install() -> None:
    """Install the dispatchers (idempotent); urllib3 and httpx only if they are importable."""
    global _installed, _adapter, _real_hc_request, _real_hc_getresponse, _real_urlopen
    global _real_httpx_handle, _real_httpx_handle_async
    if _installed:
        return
    with _lock:
        if _installed:
            return
        import http.client

        import requests.adapters

        _adapter = requests.adapters.HTTPAdapter()
        _real_hc_request = http.client.HTTPConnection.request
        _real_hc_getresponse = http.client.HTTPConnection.getresponse
        http.client.HTTPConnection.request = _hc_request  # type: ignore[method-assign]
        http.client.HTTPConnection.getresponse = _hc_getresponse  # type: ignore[method-assign]
        import urllib3.connectionpool

        _real_urlopen = urllib3.connectionpool.HTTPConnectionPool.urlopen
        urllib3.connectionpool.HTTPConnectionPool.urlopen = _urlopen  # type: ignore[method-assign]
        if importlib.util.find_spec("httpx") is not None:
            import httpx

            _real_httpx_handle = httpx.HTTPTransport.handle_request
            _real_httpx_handle_async = httpx.AsyncHTTPTransport.handle_async_request
            httpx.HTTPTransport.handle_request = _httpx_handle  # type: ignore[method-assign]
            httpx.AsyncHTTPTransport.handle_async_request = _httpx_handle_async  # type: ignore[method-assign]
        socket.socket.connect = _connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
        _installed = True
