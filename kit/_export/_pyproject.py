"""``pyproject.toml`` of a module: written once for a new module, then only edited.

Edits go through tomlkit (the TOML library Poetry itself uses), which keeps the file's
comments, order, quoting and every section kit does not touch. A dependency is only ever
added, never removed or re-pinned.
"""

from __future__ import annotations

import re
from typing import Any

from kit._flavour import canonical

from ._manifests import ExportError

# the test libraries generated tests import, by what they need
TEST_LIBRARIES = ("pytest", "requests-mock", "freezegun")
AIOHTTP_TEST_LIBRARIES = ("pytest", "aioresponses", "freezegun")
CASSETTE_TEST_LIBRARIES = ("pytest", "responses", "freezegun")  # a recorded cassette answers requests


def new_pyproject(*, slug: str, description: str, dependencies: list[str], dev_dependencies: list[str]) -> str:
    """A Poetry project (``package-mode = false``) as the module repository writes them:
    the SDK and ``dependencies`` as main dependencies, ``dev_dependencies`` (the libraries the
    module's tests use) in the dev group. Nothing in it needs kit."""
    import tomlkit

    doc = tomlkit.document()
    build = tomlkit.table()
    build["requires"] = ["poetry-core>=1.0.0"]
    build["build-backend"] = "poetry.core.masonry.api"
    doc["build-system"] = build
    poetry = tomlkit.table()
    poetry["name"] = f"{slug}-automation-module"
    poetry["description"] = description
    poetry["version"] = "0.0"
    poetry["authors"] = []
    poetry["package-mode"] = False
    deps = tomlkit.table()
    deps["python"] = ">=3.11,<3.13"  # the SDK needs 3.11 since 1.23; the Dockerfile runs python:3.11
    deps["sekoia-automation-sdk"] = "^1.23"
    for dep in dependencies:
        deps[dep] = "*"
    dev = tomlkit.table()
    for dep in dev_dependencies:
        dev[dep] = "*"
    poetry.add("dependencies", deps)
    group = tomlkit.table(is_super_table=True)
    dev_group = tomlkit.table(is_super_table=True)
    dev_group.add("dependencies", dev)
    group.add("dev", dev_group)
    poetry.add("group", group)
    tool = tomlkit.table(is_super_table=True)
    tool.add("poetry", poetry)
    pytest_table = tomlkit.table(is_super_table=True)
    ini = tomlkit.table()
    ini["testpaths"] = ["tests"]
    pytest_table.add("ini_options", ini)
    tool.add("pytest", pytest_table)
    # the repository's CI runs black --check on each module, with the module's own settings
    black = tomlkit.table()
    black["line-length"] = 119
    black["target-version"] = ["py311"]
    tool.add("black", black)
    isort = tomlkit.table()
    isort["profile"] = "black"
    isort["line_length"] = 119
    tool.add("isort", isort)
    doc.add("tool", tool)
    return tomlkit.dumps(doc)


def _table(doc: Any, dotted: str) -> Any:
    node = doc
    for part in dotted.split("."):
        if not hasattr(node, "get") or part not in node:
            return None
        node = node[part]
    return node


def _names(table: Any) -> set[str]:
    if table is None:
        return set()
    if isinstance(table, list):  # PEP 621 `dependencies = ["requests>=2"]`
        return {canonical(re.split(r"[\s<>=!~;\[(]", str(item), maxsplit=1)[0]) for item in table}
    return {canonical(str(k)) for k in table.keys()}


def dependency_tables(doc: Any) -> tuple[Any, Any]:
    """``(main, dev)``: the tables (or PEP 621 lists) a Poetry project lists its dependencies in."""
    main = _table(doc, "tool.poetry.dependencies")
    if main is None:
        main = _table(doc, "project.dependencies")
    dev = _table(doc, "tool.poetry.group.dev.dependencies")
    if dev is None:
        dev = _table(doc, "tool.poetry.dev-dependencies")
    return main, dev


def add_dependencies(text: str, dependencies: list[str], dev_dependencies: list[str], origin: str) -> str:
    """``text`` with the missing ``dependencies`` (main) and ``dev_dependencies`` (dev group)
    added as ``"*"``; a name already listed in either is left as it is.

    Raises:
        ExportError: the file does not parse, or has no dependency table to add to.
    """
    import tomlkit

    try:
        doc = tomlkit.parse(text)
    except Exception as exc:  # noqa: BLE001 - tomlkit raises several kinds
        raise ExportError(f"{origin} is not valid TOML ({exc}); fix it before exporting") from None
    main, dev = dependency_tables(doc)
    present = _names(main) | _names(dev)
    missing = [d for d in dependencies if canonical(d) not in present]
    missing_dev = [d for d in dev_dependencies if canonical(d) not in present and d not in missing]
    if not missing and not missing_dev:
        return text
    if missing:
        if main is None:
            raise ExportError(
                f"{origin} has no [tool.poetry.dependencies] table to add {', '.join(missing)} to; add the table "
                "(with python and sekoia-automation-sdk) and export again"
            )
        for dep in missing:
            if isinstance(main, list):
                main.append(dep)
            else:
                main[dep] = "*"
    if missing_dev:
        if dev is None:
            poetry = _table(doc, "tool.poetry")
            if poetry is None:
                raise ExportError(
                    f"{origin} has no [tool.poetry] table to add the test libraries {', '.join(missing_dev)} to; add "
                    "them to your dev dependencies and export again"
                )
            dev_table = tomlkit.table()
            for dep in missing_dev:
                dev_table[dep] = "*"
            group = tomlkit.table(is_super_table=True)
            dev_group = tomlkit.table(is_super_table=True)
            dev_group.add("dependencies", dev_table)
            group.add("dev", dev_group)
            doc["tool"]["poetry"].add("group", group)  # type: ignore[index, union-attr]
        else:
            for dep in missing_dev:
                dev[dep] = "*"
    return tomlkit.dumps(doc)
