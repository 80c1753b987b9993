"""Rewrite imports between ``sekoia_automation`` and ``kit``, both ways.

An AST pass finds the import statements (and, towards the real SDK, the
``kit.Name`` attribute uses) and replaces exactly their source spans, so the
rest of the file keeps its formatting and comments.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from kit._flavour import Flavour

# kit's top-level names and the sekoia_automation module that defines each
TOP_LEVEL = {
    "Module": "module",
    "ModuleItem": "module",
    "Trigger": "trigger",
    "Connector": "connector",
    "DefaultConnectorConfiguration": "connector",
    "Action": "action",
    "SekoiaAutomationBaseModel": "",
}
SUBMODULES = {
    "module", "trigger", "connector", "action", "storage", "constants", "checkpoint", "exceptions", "utils", "helpers",
    "account_validator", "aio", "config", "timer", "metrics", "loguru", "http", "asset_connector",
}
# the modules kit implements of each sekoia_automation package (under the same names in kit)
PACKAGES = {
    "aio": {
        "aio", "aio.connector", "aio.helpers", "aio.helpers.files", "aio.helpers.files.utils",
        "aio.helpers.files.csv", "aio.helpers.http", "aio.helpers.http.utils", "aio.helpers.http.http_client",
        "aio.helpers.http.token_refresher",
    },
    "http": {
        "http", "http.http_client", "http.retry", "http.rate_limiter", "http.sync", "http.sync.http_client",
        "http.aio", "http.aio.http_client", "http.aio.token_refresher",
    },
    "connector": {"connector", "connector.workers"},
    "helpers": {"helpers", "helpers.timestepper"},
    "metrics": {"metrics", "metrics.base", "metrics.prometheus"},
    "loguru": {"loguru", "loguru.config", "loguru.formatters", "loguru.handlers"},
    "asset_connector": {
        "asset_connector", "asset_connector.connector", "asset_connector.async_connector", "asset_connector.models",
        "asset_connector.models.connector", "asset_connector.models.ocsf",
        *(f"asset_connector.models.ocsf.{name}" for name in (
            "base", "device", "group", "organization", "risk_level", "software", "user", "vulnerability",
        )),
    },
}
KIT_ONLY = {
    "FakePlatform", "Simulation", "StepReport", "StepTimeout", "SimulationEnded", "VirtualClock", "KitWarning",
    "load_component", "load_module_directory", "export", "check", "infer_schema",
}


class ImportRewriteError(ValueError):
    """Code cannot move between kit and sekoia_automation as it is."""


def _replace_spans(source: str, edits: list[tuple[int, int, int, int, str]]) -> str:
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")

    def position(lineno: int, col: int) -> int:
        return offsets[lineno - 1] + col

    for start_line, start_col, end_line, end_col, text in sorted(edits, reverse=True):
        begin, end = position(start_line, start_col), position(end_line, end_col)
        data = data[:begin] + text.encode("utf-8") + data[end:]
    return data.decode("utf-8")


def _alias(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"


def _to_kit(module: str, sdk_v1_models: bool = False, flavour: Flavour | None = None) -> str:
    parts = module.split(".")
    if sdk_v1_models and parts[1:] == ["connector"]:
        # the SDK before 1.23 has a pydantic.v1 DefaultConnectorConfiguration
        return "kit.v1.connector"
    if sdk_v1_models and parts[1:] == ["http", "aio", "token_refresher"]:
        # ... and a pydantic.v1 RefreshedToken
        return "kit.v1.http.aio.token_refresher"
    if len(parts) == 1:
        return "kit"
    if parts[1] == "asset_connector":
        _check_asset_connector(module, flavour)
        if sdk_v1_models and ".".join(parts[1:]) in PACKAGES["asset_connector"]:
            # the SDK before 1.23 has other OCSF models (DeviceTypeId.LAPTOP, UserTypeId.OTHER...)
            return ".".join(["kit", "v1", *parts[1:]])
    if parts[1] not in SUBMODULES:
        raise ImportRewriteError(
            f"import of {module}: sekoia_automation.{parts[1]} is not implemented by kit (kit implements "
            f"{', '.join(sorted(SUBMODULES))} of sekoia_automation)"
        )
    path = ".".join(parts[1:])
    implemented = PACKAGES.get(parts[1])
    if implemented is not None and path not in implemented:
        raise ImportRewriteError(
            f"import of {module}: {module} is not implemented by kit (of sekoia_automation.{parts[1]}, kit "
            f"implements {', '.join('sekoia_automation.' + m for m in sorted(implemented))})"
        )
    return ".".join(["kit", *parts[1:]])


def _check_asset_connector(module: str, flavour: Flavour | None) -> None:
    """Refuse an import of ``sekoia_automation.asset_connector`` that the pinned SDK does not have."""
    sdk = flavour.sdk if flavour is not None else None
    if sdk is None:
        return
    first = (1, 22, 2) if module.split(".")[2:3] == ["async_connector"] else (1, 19, 0)
    if sdk < first:
        what = "AsyncAssetConnector (sekoia_automation.asset_connector.async_connector)" if first == (1, 22, 2) else (
            "sekoia_automation.asset_connector"
        )
        raise ImportRewriteError(
            f"import of {module}: {what} first appeared in sekoia-automation-sdk "
            f"{'.'.join(map(str, first))}, but {flavour.pins()}; pin sekoia-automation-sdk >= "
            f"{'.'.join(map(str, first))} (poetry add sekoia-automation-sdk@^{'.'.join(map(str, first))})"
        )


def _pydantic_module(module: str, to: str) -> str | None:
    """``module`` renamed between pydantic 1 (``pydantic``) and kit's ``pydantic.v1``; None if it stays."""
    parts = module.split(".")
    if parts[0] != "pydantic":
        return None
    if to == "kit":
        return None if parts[1:2] == ["v1"] else ".".join(["pydantic", "v1", *parts[1:]])
    return ".".join(["pydantic", *parts[2:]]) if parts[1:2] == ["v1"] else None


def rewrite_imports(
    source: str, *, to: str, local_packages: dict[str, str] | None = None, flavour: Flavour | None = None
) -> str:
    """Rewrite the imports of ``source`` so it runs on ``to`` ("kit" or "sekoia_automation").

    ``local_packages`` maps top-level names of the code's own packages to new
    names (kit loads module directories under private names). ``flavour`` is what the
    module directory the code comes from (or goes to) pins: with an SDK before 1.23,
    ``sekoia_automation.connector`` is ``kit.v1.connector``; with pydantic 1 installed, the
    code's ``pydantic`` is kit's ``pydantic.v1``.
    """
    if to not in {"kit", "sekoia_automation"}:
        raise ValueError(f"to={to!r}: expected 'kit' or 'sekoia_automation'")
    tree = ast.parse(source)
    local = local_packages or {}
    sdk_v1 = flavour is not None and flavour.sdk_v1_models
    pydantic_1 = flavour is not None and flavour.code_pydantic_1
    edits: list[tuple[int, int, int, int, str]] = []
    kit_module_aliases: set[str] = set()
    first_kit_import: ast.Import | None = None

    def span(node: ast.AST) -> tuple[int, int, int, int]:
        return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]

    def rename_local(name: str) -> str:
        head, _, rest = name.partition(".")
        if head in local:
            return local[head] + ("." + rest if rest else "")
        return name

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            head = node.module.split(".")[0]
            if to == "kit" and head == "sekoia_automation":
                target = _to_kit(node.module, sdk_v1, flavour)
                edits.append((*span(node), f"from {target} import {', '.join(map(_alias, node.names))}"))
            elif pydantic_1 and head == "pydantic":
                edits.extend(_pydantic_from(node, to, span(node)))
            elif to == "sekoia_automation" and head == "kit":
                edits.append((*span(node), _from_kit(node).replace("\n", "\n" + " " * node.col_offset)))
            elif head in local:
                edits.append((*span(node), f"from {rename_local(node.module)} import {', '.join(map(_alias, node.names))}"))
        elif isinstance(node, ast.Import):
            new_names = []
            changed = False
            for alias in node.names:
                head = alias.name.split(".")[0]
                if pydantic_1 and head == "pydantic" and (renamed := _pydantic_module(alias.name, to)):
                    changed = True
                    if to == "kit" and alias.asname is None and renamed != "pydantic.v1":
                        # `import pydantic.fields` binds the name pydantic
                        new_names += [renamed, "pydantic.v1 as pydantic"]
                    elif to == "kit" or alias.asname not in (None, "pydantic"):
                        new_names.append(f"{renamed} as {alias.asname or 'pydantic'}")
                    else:
                        new_names.append(renamed)
                elif to == "kit" and head == "sekoia_automation":
                    target = _to_kit(alias.name, sdk_v1, flavour)
                    changed = True
                    if alias.asname is None and "." in alias.name:
                        # `import sekoia_automation.x` binds the name sekoia_automation
                        new_names.append(target)
                        new_names.append("kit as sekoia_automation")
                    else:
                        new_names.append(f"{target} as {alias.asname or 'sekoia_automation'}")
                elif to == "sekoia_automation" and head == "kit":
                    changed = True
                    if alias.name == "kit":
                        kit_module_aliases.add(alias.asname or "kit")
                        if first_kit_import is None or node.lineno < first_kit_import.lineno:
                            first_kit_import = node
                        continue
                    parts = alias.name.split(".")
                    if parts[1:2] == ["v1"] and len(parts) > 2:
                        parts = [parts[0], *parts[2:]]
                    if parts[1] not in SUBMODULES:
                        raise ImportRewriteError(f"line {node.lineno}: {alias.name} has no sekoia_automation equivalent")
                    new_names.append(f"sekoia_automation.{'.'.join(parts[1:])}" + (f" as {alias.asname}" if alias.asname else ""))
                elif head in local:
                    changed = True
                    new_names.append(f"{rename_local(alias.name)} as {alias.asname or head}" if "." not in alias.name or alias.asname else f"{rename_local(alias.name)}")
                else:
                    new_names.append(_alias(alias))
            if changed:
                new_names = list(dict.fromkeys(new_names))
                text = f"import {', '.join(new_names)}" if new_names else "pass"
                edits.append((*span(node), text))

    if kit_module_aliases:
        needed: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in kit_module_aliases:
                name = node.attr
                if name in KIT_ONLY:
                    raise ImportRewriteError(
                        f"line {node.lineno}: kit.{name} is part of kit's development kit and has no "
                        "sekoia_automation equivalent; keep it out of the module's code (tests may use it)"
                    )
                if name in TOP_LEVEL:
                    needed.setdefault(TOP_LEVEL[name], set()).add(name)
                    edits.append((*span(node), name))
                elif name in SUBMODULES:
                    needed.setdefault("", set()).add(name)
                    edits.append((*span(node), name))
                else:
                    raise ImportRewriteError(f"line {node.lineno}: kit.{name} has no sekoia_automation equivalent")
        lines = []
        for module, names in sorted(needed.items()):
            target = "sekoia_automation" + (f".{module}" if module else "")
            lines.append(f"from {target} import {', '.join(sorted(names))}")
        # the imports kit.Name needs go where the first `import kit` was
        assert first_kit_import is not None
        first = next(e for e in edits if e[:2] == (first_kit_import.lineno, first_kit_import.col_offset))
        edits.remove(first)
        indent = "\n" + " " * first[1]
        kept = [] if first[4] == "pass" else [first[4]]
        edits.append((*first[:4], indent.join(kept + lines) if kept + lines else "pass"))
    return _replace_spans(source, edits) if edits else source


def _pydantic_from(node: ast.ImportFrom, to: str, where: tuple[int, int, int, int]) -> list:
    """The edit of a ``from pydantic... import`` between pydantic 1 and kit's ``pydantic.v1``."""
    assert node.module is not None
    names = ", ".join(map(_alias, node.names))
    renamed = _pydantic_module(node.module, to)
    if renamed is not None:
        return [(*where, f"from {renamed} import {names}")]
    if to == "sekoia_automation" and node.module == "pydantic" and any(a.name == "v1" for a in node.names):
        if len(node.names) > 1:
            raise ImportRewriteError(
                f"line {node.lineno}: `from pydantic import {names}` mixes pydantic v1 and v2, but the module's "
                "environment has pydantic 1 only; import only from pydantic.v1"
            )
        return [(*where, f"import pydantic as {node.names[0].asname or 'v1'}")]
    return []


def _from_kit(node: ast.ImportFrom) -> str:
    module = node.module or "kit"
    parts = module.split(".")
    if parts[1:2] == ["v1"]:
        # kit.v1.connector is sekoia_automation.connector of the SDK before 1.23
        parts = [parts[0], *parts[2:]]
        module = ".".join(parts)
    if len(parts) > 1:
        if parts[1] not in SUBMODULES:
            raise ImportRewriteError(
                f"line {node.lineno}: {module} has no sekoia_automation equivalent; keep kit's development "
                "kit out of the module's code"
            )
        return f"from sekoia_automation.{'.'.join(parts[1:])} import {', '.join(map(_alias, node.names))}"
    groups: dict[str, list[str]] = {}
    for alias in node.names:
        if alias.name in TOP_LEVEL:
            where = TOP_LEVEL[alias.name]
            groups.setdefault(f"sekoia_automation.{where}" if where else "sekoia_automation", []).append(_alias(alias))
        elif alias.name in SUBMODULES:
            groups.setdefault("sekoia_automation", []).append(_alias(alias))
        elif alias.name in KIT_ONLY:
            raise ImportRewriteError(
                f"line {node.lineno}: kit.{alias.name} is part of kit's development kit and has no "
                "sekoia_automation equivalent; keep it out of the module's code (tests may use it)"
            )
        else:
            raise ImportRewriteError(f"line {node.lineno}: kit.{alias.name} has no sekoia_automation equivalent")
    return "\n".join(f"from {target} import {', '.join(names)}" for target, names in groups.items())
