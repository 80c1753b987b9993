"""Manifests, checks and export of module directories.

Public entry points (re-exported by ``kit`` where noted):

- :func:`export` (``kit.export``): write a complete module directory from classes.
- :func:`check`: every difference between code and manifests, every broken rule of the
  module format, and recorded events that do not fit a ``results`` schema.
- :func:`infer_schema`: a draft-7 ``results`` schema proposed from recorded events.
- :func:`generate_manifests`, :func:`generate_files`, :func:`new_module`.
- :func:`capture_source`: used by the notebook's ``%%component`` magic.
"""

from __future__ import annotations

from typing import Any

from ._manifests import ExportError, component_kind, generate_manifests
from ._schema import model_schema
from ._source import capture_source

__all__ = [
    "ExportConflict",
    "ExportError",
    "ExportResult",
    "Finding",
    "ModuleInfo",
    "RoundTripError",
    "capture_source",
    "check",
    "component_kind",
    "export",
    "generate_files",
    "generate_manifests",
    "infer_schema",
    "model_schema",
    "new_module",
    "regenerate",
]

_LAZY = {
    "export": "._writer",
    "ExportResult": "._writer",
    "ExportConflict": "._writer",
    "ModuleInfo": "._writer",
    "RoundTripError": "._writer",
    "check": "._check",
    "Finding": "._check",
    "infer_schema": "._infer",
    "generate_files": "._generate",
    "regenerate": "._generate",
    "new_module": "._new_module",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
