"""CSV files as rows, as in ``sekoia_automation.aio.helpers.files.csv`` (without aiofiles/aiocsv)."""

from __future__ import annotations

import csv
from collections.abc import AsyncGenerator
from typing import Any


async def csv_file_as_rows(
    file_path: str, encoding: str = "utf-8", delimiter: str = ","
) -> AsyncGenerator[dict[str, Any], None]:
    """Yield each row of the CSV file as a dict keyed by the header row."""
    with open(file_path, encoding=encoding, newline="") as file:
        for row in csv.DictReader(file, delimiter=delimiter):
            yield row


__all__ = ["csv_file_as_rows"]
