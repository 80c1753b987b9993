"""``LoggingConfig`` and ``init_logging``, as in ``sekoia_automation.loguru.config``."""

import logging
import sys
from typing import Any

from loguru import logger
from pydantic import BaseModel, field_validator

from kit._platform import _loguru
from kit.loguru.formatters import format_record
from kit.loguru.handlers import InterceptHandler


class LoggingConfig(BaseModel):
    """Contain all necessary logging config."""

    log_lvl: str = "INFO"

    log_file: str = "logs/{time:YYYY-MM-DD}.log"
    log_rotation: str = "00:00"
    log_retention: str = "1 month"
    log_compression: str = "zip"
    log_queue: bool = True

    json_logs: bool = False

    loguru_format: str = "".join(
        [
            "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | ",
            "<level>{level: <5}</level> | ",
            "<level>{message}</level>",
        ],
    )

    @field_validator("log_lvl", mode="before")
    @classmethod
    def assemble_log_lvl(cls, log_lvl: str) -> str:
        """The level upper-cased; ``ValueError`` for a name ``logging`` does not know."""
        upper_str = log_lvl.upper()
        if isinstance(logging.getLevelName(upper_str), str):
            raise ValueError(f"Incorrect log lvl variable {log_lvl}")
        return upper_str


def init_logging(log_conf: LoggingConfig = LoggingConfig()) -> None:
    """Replace the logging handlers: standard ``logging`` goes to loguru, loguru to ``sys.stdout``.

    As the real one, this replaces the handlers of the root logger and of every existing logger (they
    propagate to the root), and sets the root's level to ``log_conf.log_lvl``. kit keeps its own capture
    of ``logging`` records on the root, and records what hosted components log through loguru.
    """
    logging.root.handlers = [InterceptHandler(), *_loguru.kit_logging_handlers()]
    logging.root.setLevel(log_conf.log_lvl)

    for name in logging.root.manager.loggerDict.keys():
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True

    handler_config: dict[str, Any] = {
        "sink": sys.stdout,
        "serialize": log_conf.json_logs,
        "format": lambda values: format_record(values, log_conf.loguru_format),
    }
    logger.configure(handlers=[handler_config, _loguru.sink_config()])  # type: ignore[list-item]
