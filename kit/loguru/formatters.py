"""``format_record``, as in ``sekoia_automation.loguru.formatters``."""

from pprint import pformat
from typing import Any


def format_record(record: dict[Any, Any], loguru_format: str) -> str:
    """The loguru format for ``record``: ``loguru_format``, then a bound ``payload`` pretty-printed on its own
    line (``logger.bind(payload=data).debug("users payload")``), then the exception."""
    format_str = loguru_format
    if record["extra"].get("payload") is not None:
        record["extra"]["payload"] = pformat(record["extra"]["payload"], indent=4, compact=True)
        format_str = "".join([loguru_format, "\n<level>{extra[payload]}</level>"])
    return "".join([format_str, "{exception}\n"])
