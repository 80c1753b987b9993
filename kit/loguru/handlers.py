"""``InterceptHandler``, as in ``sekoia_automation.loguru.handlers``."""

import logging
import threading

from loguru import logger

# set while a standard logging record goes on to loguru: kit recorded it already (as a logging record)
_forwarding = threading.local()


class InterceptHandler(logging.Handler):
    """Send standard ``logging`` records to loguru, at loguru's level of the same name, from the caller's frame.

    See https://loguru.readthedocs.io/en/stable/overview.html#entirely-compatible-with-standard-logging
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Log ``record`` with loguru (raises ``ValueError`` when the caller's frame cannot be found)."""
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelname

        # Find caller from where originated the logged message
        frame, depth = logging.currentframe(), 2
        while frame.f_code.co_filename == logging.__file__:
            if frame.f_back is None:
                raise ValueError("f_back error while logger")
            frame = frame.f_back
            depth += 1

        _forwarding.active = True
        try:
            logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())
        finally:
            _forwarding.active = False
