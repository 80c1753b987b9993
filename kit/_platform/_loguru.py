"""What a hosted component logs through loguru is recorded by the fake platform.

The real SDK's container prints loguru's lines on its output (the platform's log
API never sees them); kit adds one loguru sink, once ``loguru`` is imported, that
records each line logged by a thread a platform hosts in the component's logs
(``source="loguru"``, ``sent=False``), as it records ``logging`` records.  Every
other thread's lines go to loguru's other sinks only.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from kit import _runtime

_lock = threading.Lock()
_added = False  # kit's sink was given to loguru (by install_if_imported or by kit's init_logging)


def _record(message: Any) -> None:
    host = _runtime.current_host()
    if host is None:
        return
    handlers = sys.modules.get("kit.loguru.handlers")
    if handlers is not None and getattr(handlers._forwarding, "active", False):
        return  # a logging record forwarded by InterceptHandler: recorded as a logging record already
    record = message.record
    extra = {k: v for k, v in record["extra"].items()} or None
    host.record_log(None, record["level"].name.lower(), record["message"], sent=False, source="loguru", extra=extra, context_in_text=True)


def sink_config() -> dict[str, Any]:
    """kit's sink, as a handler of ``loguru.logger.configure(handlers=[...])``: the levels loguru's sinks print
    by default (DEBUG and above)."""
    global _added
    _added = True
    return {"sink": _record, "level": "DEBUG", "format": "{message}"}


def install_if_imported() -> None:
    """Add kit's sink to loguru's logger if loguru is imported (a component that uses it imports it before the
    platform hosts it); ``import kit`` never imports it. A ``logger.configure(handlers=...)`` or
    ``logger.remove()`` of the component's code removes it, as it removes every sink."""
    if _added or "loguru" not in sys.modules:
        return
    with _lock:
        if not _added:
            from loguru import logger

            logger.add(**sink_config())


def kit_logging_handlers() -> list[logging.Handler]:
    """kit's own handlers on the root logger (its capture of hosted components' ``logging`` records)."""
    return [h for h in logging.root.handlers if isinstance(h, _runtime._ThreadLogHandler)]
