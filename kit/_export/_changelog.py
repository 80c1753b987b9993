"""``CHANGELOG.md`` entries in the Keep a Changelog layout, written in the file's own style.

Module repositories write version headings two ways: ``## [1.2.0] - 2024-05-28`` (the Keep a
Changelog template, and what kit writes for a new module) and ``## 2024-05-28 - 1.21.0`` (the
automation-library's modules). A new entry takes the style of the headings already in the
file and goes right after an ``## Unreleased`` section, before the newest version, so the
versions stay in descending order; nothing else of the file changes.
"""

from __future__ import annotations

import re

CHANGELOG_HEADER = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).
"""

_SEMVER = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
_DATE = r"\d{4}-\d{2}-\d{2}"
# `## [1.2.0] - 2024-05-28` / `## 1.2.0 - 2024-05-28`
_VERSION_FIRST = re.compile(rf"^## \[?(?P<version>{_SEMVER})\]?(?: - (?P<date>\S+))?\s*$", re.M)
# `## 2024-05-28 - 1.21.0` / `## [2024-05-28] - 1.21.0`
_DATE_FIRST = re.compile(rf"^## \[?(?P<date>{_DATE})\]? - \[?(?P<version>{_SEMVER})\]?\s*$", re.M)


def versions(text: str) -> list[str]:
    """The versions of the headings of ``text``, in file order (either style)."""
    found = [(m.start(), m.group("version")) for m in _DATE_FIRST.finditer(text)]
    found += [(m.start(), m.group("version")) for m in _VERSION_FIRST.finditer(text)]
    return [v for _, v in sorted(found)]


def _heading(text: str | None, version: str, date: str) -> str:
    if text:
        first = min(
            [m for m in (_DATE_FIRST.search(text), _VERSION_FIRST.search(text)) if m is not None],
            key=lambda m: m.start(),
            default=None,
        )
        if first is not None and first.re is _DATE_FIRST:
            return f"## {date} - {version}"
        if first is not None and not first.group(0).startswith("## ["):
            return f"## {version} - {date}"
    return f"## [{version}] - {date}"


def entry(text: str | None, version: str, date: str, sections: dict[str, list[str]]) -> str:
    """One version entry in the style of ``text``'s headings: ``{"Added": [...], "Changed": [...]}``."""
    parts = [_heading(text, version, date)]
    for section, lines in sections.items():
        if lines:
            parts.append(f"### {section}")
            parts.append("\n".join(f"- {line}" for line in lines))
    return "\n\n".join(parts) + "\n"


def add_entry(existing: str | None, version: str, date: str, sections: dict[str, list[str]]) -> str:
    """``existing`` (or a new changelog) with an entry for ``version``; unchanged if the file
    already has a heading for ``version``."""
    if existing is None:
        return CHANGELOG_HEADER + "\n" + entry(None, version, date, sections)
    if version in versions(existing):
        return existing
    new = entry(existing, version, date, sections)
    headings = [m for m in (_DATE_FIRST.search(existing), _VERSION_FIRST.search(existing)) if m is not None]
    if headings:
        at = min(m.start() for m in headings)
        return existing[:at] + new + "\n" + existing[at:]
    # no version yet: after everything, an `## Unreleased` section included
    text = existing if existing.endswith("\n") else existing + "\n"
    return text + "\n" + new


def bump(version: str, part: str) -> str:
    """``1.21.3`` -> ``1.22.0`` (``part="minor"``) or ``1.21.4`` (``"patch"``); pre-release and
    build suffixes are dropped."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    if match is None:
        return "1.0.0"
    major, minor, patch = (int(g) for g in match.groups())
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
