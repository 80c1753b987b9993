"""Shared fixtures: a fake platform with a fixed clock, and local HTTP APIs on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

START = "2024-01-01T00:00:00Z"


@pytest.fixture
def platform():
    from kit import FakePlatform

    with FakePlatform(start=START, step_timeout=5) as fake:
        yield fake


class LocalApi(http.server.ThreadingHTTPServer):
    """A local API: ``url``, ``seen`` (each request as ``(method, path, headers, body)``), ``stop()``."""

    def __init__(self, answer: Callable[[Any], tuple]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.seen: list[tuple[str, str, dict, bytes]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving (the API is gone); calling it again does nothing."""
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        self.route, self.query = split.path, {k: v[0] for k, v in parse_qs(split.query).items()}
        self.server.seen.append((self.command, self.path, dict(self.headers), self.body))
        status, body, *more = self.server.answer(self)
        headers = {"Content-Type": "application/json", **(more[0] if more else {})}
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_api():
    """Start local APIs: ``local_api(answer)`` is a :class:`LocalApi`; ``answer(request)`` returns
    ``(status, body)`` or ``(status, body, headers)``, ``body`` bytes or JSON data (sent as
    ``application/json`` unless ``headers`` say otherwise); ``request`` has ``command``, ``route`` (the
    path), ``query`` (one value per name), ``headers`` and ``body`` (bytes). Each is stopped after the test."""
    servers: list[LocalApi] = []

    def start(answer: Callable[[Any], tuple]) -> LocalApi:
        server = LocalApi(answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
