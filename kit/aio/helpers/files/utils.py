"""Wrappers to perform base operations with files, as in ``sekoia_automation.aio.helpers.files.utils``."""

from __future__ import annotations

import os


async def delete_file(file_name: str) -> None:
    """Delete the file ``file_name`` (the real SDK does it through aiofiles; kit directly)."""
    os.remove(file_name)


__all__ = ["delete_file"]
