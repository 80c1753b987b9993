"""Outbound HTTP of hosted components goes to the platform's fake-response registry.

kit patches ``requests.adapters.HTTPAdapter.send`` once per process with a
thread-aware dispatcher: a call made on a hosted component's thread goes to
that component's platform (a ``responses.RequestsMock`` used as a registry, and
recorded); any other thread's calls go to the real adapter untouched.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
import requests.adapters
import responses
import urllib3.util.retry
from urllib3.exceptions import MaxRetryError

from kit import _runtime
from kit._platform._records import HttpCall, utc
from kit._platform._secrets import MASK

_real_send = requests.adapters.HTTPAdapter.send
_installed = False
_lock = threading.Lock()
_SENSITIVE_HEADERS = ("authorization", "cookie", "x-api-key", "api-key", "apikey", "x-auth-token", "proxy-authorization")
_BODY_LIMIT = 20_000
_NO_RETRY = urllib3.util.retry.Retry(0)  # responses retries by the adapter's Retry unless given this
_network = threading.local()  # .used: the attempt of this thread went to the real network


def _dispatch(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
    context = _runtime.current()
    host = None if context is None else context.host
    if host is None or getattr(host, "platform", None) is None:
        return _real_send(adapter, request, *args, **kwargs)
    return host.platform._http_send(host, adapter, request, **kwargs)


def install() -> None:
    global _installed
    if _installed:
        return
    with _lock:
        if not _installed:
            requests.adapters.HTTPAdapter.send = _dispatch  # type: ignore[method-assign]
            _installed = True


def _text(body: Any, mask: Any) -> str | None:
    """``body`` as text, masked by ``mask`` (the platform's secrets) before it is cut to ``_BODY_LIMIT``."""
    if body is None:
        return None
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes>"
    text = mask.text(str(body))
    if len(text) > _BODY_LIMIT:
        text = text[:_BODY_LIMIT] + f"... <{len(text) - _BODY_LIMIT} more characters>"
    return text


def new_registry(allow_network: bool) -> responses.RequestsMock:
    registry = responses.RequestsMock(assert_all_requests_are_fired=False)
    if allow_network:
        registry.add_passthru("")
    real_send = registry._real_send

    def network_send(adapter: Any, request: Any, **kwargs: Any) -> Any:
        # the real adapter applies its own Retry: send() must not retry what it gives back
        _network.used = True
        return real_send(adapter, request, **kwargs)

    registry._real_send = network_send
    return registry


def send(platform: Any, host: Any, adapter: Any, request: Any, **kwargs: Any) -> Any:
    """Answer ``request`` from the platform's registry, recording each attempt.

    The adapter's urllib3 ``Retry`` (``HTTPAdapter(max_retries=Retry(...))``, the SDK's
    ``SyncHttpClient``) is applied here rather than inside ``responses``, as urllib3 would:
    every attempt is a call in ``sim.http`` and the backoff (or ``Retry-After``) between two
    is slept on the component's clock.
    """
    retries = adapter.max_retries
    while True:
        _network.used = False
        response = _attempt(platform, host, adapter, request, **kwargs)
        if _network.used or not retries.is_retry(
            method=request.method, status_code=response.status_code, has_retry_after="Retry-After" in response.headers
        ):
            return response
        try:
            retries = retries.increment(method=request.method, url=request.url, response=response.raw)
        except MaxRetryError as error:
            if retries.raise_on_status:
                raise requests.exceptions.RetryError(error, request=request) from None
            return response
        retries.sleep(response.raw)


def _attempt(platform: Any, host: Any, adapter: Any, request: Any, **kwargs: Any) -> Any:
    """One attempt at ``request``: the registry's answer (no retries), recorded."""
    injected = platform.faults._intercept(host, adapter, request, kwargs)  # a scheduled fault (kit._platform._faults)
    if injected is not None:
        return injected
    mask = host.mask
    headers = {
        mask.text(k): (MASK if k.lower() in _SENSITIVE_HEADERS else mask(v))
        for k, v in (request.headers or {}).items()
    }
    method, url = request.method, mask.text(request.url)
    body = _text(request.body, mask)
    when = utc(platform.clock.time())
    from kit._platform._clients import Forwarding

    pushed = _asset_push(platform, host, request)
    if pushed is not None:
        host.record_http(
            HttpCall(host.name, host.step, when, method, url, pushed.status_code, headers, body,
                     _text(pushed.content, mask), thread=host.thread())
        )
        return pushed
    try:
        with Forwarding():  # the registry's passthrough (allow_network) uses the real clients
            response = platform.http._on_request(adapter, request, retries=_NO_RETRY, **kwargs)
    except requests.exceptions.ConnectionError as error:
        message = str(error)
        if "Connection refused by Responses" in message:
            registered = platform.http.registered()
            listing = "\n".join(f"  - {r.method} {mask.text(r.url)}" for r in registered) or "  (nothing registered)"
            message = (
                f"kit: no fake response is registered for {method} {url}.\n"
                f"Registered:\n{listing}\n"
                f"Register one with platform.http.add(responses.{method}, {url!r}, json=...) "
                "or allow real network with FakePlatform(allow_network=True)."
            )
            new_error = requests.exceptions.ConnectionError(message, request=request)
            host.record_http(HttpCall(host.name, host.step, when, method, url, None, headers, body, None, message, host.thread()))
            raise new_error from None
        error_text = mask.text(message)
        call = HttpCall(host.name, host.step, when, method, url, None, headers, body, None, error_text, host.thread())
        host.record_http(call)
        raise
    except Exception as error:
        host.record_http(
            HttpCall(
                host.name, host.step, when, method, url, None, headers, body, None,
                mask.text(f"{type(error).__name__}: {error}"), host.thread(),
            )
        )
        raise
    try:
        content = response.content
    except Exception:  # a streamed body we should not consume
        content = None
    host.record_http(
        HttpCall(host.name, host.step, when, method, url, response.status_code, headers, body, _text(content, mask),
                 thread=host.thread())
    )
    return response


def _asset_push(platform: Any, host: Any, request: Any) -> Any:
    """The platform's answer to an asset connector's push, unless a response registered on
    ``platform.http`` matches it (even with ``allow_network``, assets never leave the process); else None."""
    from kit._platform import _assets

    connector_uuid = _assets.endpoint_uuid(request.method or "", request.url or "")
    if connector_uuid is None or any(r.matches(request)[0] for r in platform.http.registered()):
        return None
    return _assets.answer(host, request, connector_uuid)
