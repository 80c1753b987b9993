"""Which pydantic a module directory's code and its pinned SDK validate with.

Sekoia's modules pin the SDK they run on, and the SDK changed pydantic twice:

- up to 1.18.2 it requires pydantic 1, so a module's own ``from pydantic import ...``
  means pydantic 1;
- from 1.18.3 to 1.22 it requires pydantic 2 but builds its own models
  (``DefaultConnectorConfiguration``...) and validates action arguments with ``pydantic.v1``;
- from 1.23 everything is pydantic v2.

kit runs on pydantic 2 and follows what the module's environment would hold: ``poetry.lock``
when there is one (that is what ``poetry install`` installs), else the lowest version the
``pyproject.toml`` constraints admit.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the first SDK whose own models are pydantic v2
SDK_V2_MODELS = (1, 23)


@dataclass(frozen=True)
class Flavour:
    """The SDK and pydantic versions a module directory runs on, and where they were read."""

    sdk: tuple[int, ...] | None = None
    pydantic: tuple[int, ...] | None = None
    origin: str = ""  # the file the versions were read from
    sdk_text: str = ""  # as that file writes it: a locked version (1.13.0) or a constraint ('^1.13.0')

    @property
    def sdk_v1_models(self) -> bool:
        """The pinned SDK's own models are ``pydantic.v1`` models (SDK before 1.23)."""
        return self.sdk is not None and self.sdk < SDK_V2_MODELS

    @property
    def code_pydantic_1(self) -> bool:
        """The module's environment has pydantic 1: its ``import pydantic`` means v1.

        Known from a lock, or from a pyproject that pins pydantic itself: a pyproject pinning
        ``sekoia-automation-sdk = "^1.13"`` alone would get today's SDK, and pydantic 2, when locked.
        """
        return self.pydantic is not None and self.pydantic[0] == 1

    def pins(self) -> str:
        """``.../poetry.lock pins sekoia-automation-sdk 1.13.0``, for messages."""
        return f"{self.origin} pins sekoia-automation-sdk {self.sdk_text}"


DEFAULT = Flavour()


def canonical(name: str) -> str:
    """A distribution name as package indexes compare it (``Sekoia_Automation.SDK`` -> ``sekoia-automation-sdk``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    """The first version in ``text``, roughly (``"^1.13.0"`` -> ``(1, 13, 0)``); ``None`` if none."""
    if not text:
        return None
    match = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if match is None:
        return None
    return tuple(int(g or 0) for g in match.groups())


# Poetry writes every [[package]] as `name = "..."` then `version = "..."`: reading those two lines
# is ~50x faster than parsing a lock of a few hundred kB, and kit reads it on every load
_LOCK_PACKAGE = re.compile(r'^name = "([^"]+)"\r?\nversion = "([^"]+)"', re.MULTILINE)


def _lock_versions(text: str) -> dict[str, str]:
    return {canonical(name): version for name, version in _LOCK_PACKAGE.findall(text)}


def dependency_constraint(pyproject_text: str, name: str) -> str | None:
    """The constraint a pyproject puts on the main dependency ``name`` (``"^1.13.0"``), if any.

    Both Poetry's ``[tool.poetry.dependencies]`` and PEP 621's ``[project] dependencies`` are read.
    """
    try:
        doc: Any = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError:
        return None
    wanted = canonical(name)
    poetry = doc.get("tool", {}).get("poetry", {}).get("dependencies")
    if isinstance(poetry, dict):
        for key, value in poetry.items():
            if canonical(str(key)) == wanted:
                return str(value.get("version", "*")) if isinstance(value, dict) else str(value)
        return None
    project = doc.get("project", {}).get("dependencies")
    if isinstance(project, list):
        for item in project:
            head = re.split(r"[\s<>=!~;\[(]", str(item), maxsplit=1)[0]
            if canonical(head) == wanted:
                return str(item)[len(head) :].strip() or "*"
    return None


def flavour_of(directory: str | Path | None) -> Flavour:
    """The :class:`Flavour` of the module directory holding ``directory``: the nearest of it and its
    parents with a ``pyproject.toml`` or ``poetry.lock`` (:data:`DEFAULT` when none pins the SDK)."""
    if directory is None:
        return DEFAULT
    start = Path(directory).resolve()
    for candidate in [start, *start.parents][:4]:
        if (candidate / "pyproject.toml").is_file() or (candidate / "poetry.lock").is_file():
            return flavour_from(_read(candidate / "pyproject.toml"), _read(candidate / "poetry.lock"), candidate)
        if (candidate / ".git").exists():
            break
    return DEFAULT


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def flavour_from(pyproject: str | None, lock: str | None, directory: str | Path) -> Flavour:
    """The :class:`Flavour` that a module's ``pyproject.toml`` and ``poetry.lock`` texts pin (either may be None)."""
    versions = _lock_versions(lock) if lock else {}
    if "sekoia-automation-sdk" in versions:
        sdk = versions["sekoia-automation-sdk"]
        pydantic = versions.get("pydantic")
        return Flavour(version_tuple(sdk), version_tuple(pydantic), str(Path(directory) / "poetry.lock"), sdk)
    if pyproject is None:
        return DEFAULT
    sdk = dependency_constraint(pyproject, "sekoia-automation-sdk")
    pydantic = dependency_constraint(pyproject, "pydantic")
    if version_tuple(sdk) is None and version_tuple(pydantic) is None:
        return DEFAULT
    return Flavour(version_tuple(sdk), version_tuple(pydantic), str(Path(directory) / "pyproject.toml"), repr(sdk))
