"""``PrometheusExporterThread``, as in ``sekoia_automation.metrics.prometheus``, without a port.

The real thread serves the registry over HTTP on ``addr:port``; kit's has the same
interface (``create``, ``start``, ``listening_address``, ``stop``) but binds
nothing: its thread waits until it is stopped, and the metric changes are recorded
by the fake platform (see :mod:`kit._platform._metrics`).
"""

from __future__ import annotations

import threading
from typing import Any

from kit._platform import _metrics
from kit.metrics.base import MetricsExporterThread


class UnboundServer:
    """Stands for the real exporter's ``HTTPServer``: it has its address and registry, and serves nothing."""

    def __init__(self, server_address: tuple[str, int], registry: Any) -> None:
        self.server_address = server_address
        self.registry = registry
        self._shutdown = threading.Event()

    def serve_forever(self) -> None:
        """Wait until :meth:`shutdown` (no socket is opened)."""
        self._shutdown.wait()

    def shutdown(self) -> None:
        """End :meth:`serve_forever`."""
        self._shutdown.set()

    def server_close(self) -> None:
        """Nothing to close: no socket was opened."""


class PrometheusExporterThread(MetricsExporterThread):
    """A thread that holds the exporter's server and makes it ``serve_forever()`` (on kit: wait until stopped)."""

    def __init__(self, httpd: UnboundServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.httpd = httpd

    @property
    def listening_address(self) -> tuple[str, int]:
        """The address and port the real exporter would listen on."""
        return self.httpd.server_address

    def run(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    @classmethod
    def create(cls, port: int, addr: str = "0.0.0.0", registry: Any = None) -> "PrometheusExporterThread":
        """A stoppable (daemon) exporter of ``registry`` (``prometheus_client.REGISTRY`` by default)."""
        if registry is None:
            from prometheus_client.registry import REGISTRY as registry
        _metrics.install()
        exporter = cls(UnboundServer((addr, port), registry))
        exporter.daemon = True
        return exporter
