"""Save an aiohttp response to a file, as in ``sekoia_automation.aio.helpers.http.utils``."""

from __future__ import annotations

import tempfile
from typing import Any


async def save_aiohttp_response(response: Any, chunk_size: int = 1024, temp_dir: str = "/tmp") -> str:  # noqa: S108
    """Write the body of ``response`` (read ``chunk_size`` bytes at a time) to a new file in ``temp_dir``; its path."""
    with tempfile.NamedTemporaryFile("wb", delete=False, dir=temp_dir) as file:
        while True:
            chunk = await response.content.read(chunk_size)
            if not chunk:
                break
            file.write(chunk)
        return str(file.name)


__all__ = ["save_aiohttp_response"]
