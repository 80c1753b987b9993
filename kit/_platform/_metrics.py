"""Prometheus metrics changed by a hosted component are recorded by the fake platform.

The real SDK serves ``prometheus_client``'s registry over HTTP; on kit nothing
listens on a port.  kit wraps, once per process and only once ``prometheus_client``
is imported, the methods that change a metric (``Counter.inc``, ``Gauge.inc``,
``Gauge.dec``, ``Gauge.set``, ``Histogram.observe``, ``Summary.observe``): each still
changes the metric (a test reading the registry sees it), and, called by a thread a
platform hosts, is recorded with the virtual time, the component and the labels
(``sim.metrics``).  ``prometheus_client``'s timers (``Histogram.time()``,
``Gauge.time()``) measure virtual time on such a thread.  On every other thread
nothing changes.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any, Callable

from kit import _runtime

_installed = False
_lock = threading.Lock()
# the methods wrapped, by class name of prometheus_client.metrics
_OPERATIONS = {"Counter": ("inc",), "Gauge": ("inc", "dec", "set"), "Histogram": ("observe",), "Summary": ("observe",)}


def install_if_imported() -> None:
    """Wrap the metric methods if ``prometheus_client`` is imported (a component that uses it imports it
    before the platform hosts it); ``import kit`` never imports it."""
    if not _installed and "prometheus_client.metrics" in sys.modules:
        install()


def install() -> None:
    """Wrap the methods that change a metric, and the timers' clock (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        import prometheus_client.context_managers as context_managers
        import prometheus_client.metrics as metrics

        for class_name, operations in _OPERATIONS.items():
            cls = getattr(metrics, class_name)
            for operation in operations:
                setattr(cls, operation, _recording(getattr(cls, operation), operation))
        context_managers.default_timer = _timer(context_managers.default_timer)
        _installed = True


def _recording(method: Callable[..., None], operation: str) -> Callable[..., None]:
    parameter = "value" if operation == "set" else "amount"

    @functools.wraps(method)
    def changing(self: Any, *args: Any, **kwargs: Any) -> None:
        method(self, *args, **kwargs)  # the metric changes (or raises) as with prometheus_client alone
        host = _runtime.current_host()
        record = getattr(host, "record_metric", None)
        if record is not None:
            value = args[0] if args else kwargs.get(parameter, 1)
            labels = dict(zip(self._labelnames, self._labelvalues))
            record(self._name, self._type, operation, float(value), labels)

    return changing


def _timer(real: Callable[[], float]) -> Callable[[], float]:
    def default_timer() -> float:
        context = _runtime.current()
        return real() if context is None else context.clock.time()

    return default_timer
