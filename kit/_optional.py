"""Import a package the SDK needs only where it uses it (aiohttp, aiolimiter...), with kit's message."""

from __future__ import annotations

import importlib
from typing import Any


def need(package: str, module: str, what: str) -> Any:
    """Import ``module`` (from the distribution ``package``) for ``what``, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{what} needs {package}, which is not installed; install it with "
            f"`python -m pip install {package}` (the real sekoia-automation-sdk depends on it)"
        ) from None
