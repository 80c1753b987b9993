"""Assemble the exported Python package from the analysed statements.

Placement: the module class and what it needs go to ``<package>/__init__.py``; statements
needed by two or more components go to ``<package>/common.py``; the rest of a component's
statements go to ``<package>/<kind>_<name>.py``. Each file gets the imports its own
statements use (pruned to the names used, ``kit`` imports rewritten to ``sekoia_automation``)
and ``from <package>... import`` lines for names placed in another file.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from kit._flavour import Flavour

from ._format import formatted_code

from ._manifests import ExportError, Registration, component_kind
from ._source import Analyzer, Stmt, _order_key


@dataclass(frozen=True)
class SourceSpan:
    """Lines ``start..start+count-1`` of an exported file come from ``origin`` from line ``origin_line``."""

    file: str
    start: int
    count: int
    origin: str
    origin_line: int


@dataclass
class Package:
    """The files of the exported package and what main.py needs to know."""

    files: dict[str, str] = field(default_factory=dict)
    spans: list[SourceSpan] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    module_import: tuple[str, str] = ("", "")
    component_files: dict[str, str] = field(default_factory=dict)  # class name -> relative .py path
    third_party: list[str] = field(default_factory=list)  # top-level module names imported
    # class name -> the HTTP client its code imports ("aiohttp" or "requests", the default)
    http_components: dict[str, str] = field(default_factory=dict)

    def locate(self, file: str, line: int) -> SourceSpan | None:
        """The span of ``file`` that holds ``line`` (1-based), if it came from captured source."""
        for span in self.spans:
            if span.file == file and span.start <= line < span.start + span.count:
                return span
        return None


def snake_case(name: str) -> str:
    """``NewEntriesTrigger`` -> ``new_entries_trigger``; ``HTTPRequest`` -> ``http_request``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"\W+", "_", name).strip("_").lower()


def component_stem(cls: type) -> str:
    """``{kind}_{snake name}``, with a trailing ``_{kind}`` dropped: ``NewEntriesTrigger`` ->
    ``trigger_new_entries``."""
    kind = component_kind(cls)
    snake = snake_case(cls.__name__)
    if snake.endswith("_" + kind) and len(snake) > len(kind) + 1:
        snake = snake[: -len(kind) - 1]
    return f"{kind}_{snake}"


def _render_import(stmt: Stmt, names: set[str]) -> str:
    node = stmt.node
    if isinstance(node, ast.ImportFrom):
        aliases = [a for a in node.names if (a.asname or a.name) in names or a.name == "*"]
        if len(aliases) == len(node.names):
            return stmt.text
        return ast.unparse(ast.ImportFrom(module=node.module, names=aliases, level=node.level))
    if isinstance(node, ast.Import):
        aliases = [a for a in node.names if (a.asname or a.name.split(".")[0]) in names]
        if len(node.names) == 1:
            return stmt.text
        # one module per line, as isort writes them (`import json, kit` -> two lines)
        return "\n".join(ast.unparse(ast.Import(names=[a])) for a in aliases)
    return stmt.text


def _remap_spans(spans: list[SourceSpan], old: str, new: str) -> list[SourceSpan]:
    """``spans`` of ``old`` moved to where their lines are in ``new`` (``old`` reformatted)."""
    import difflib

    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    opcodes = matcher.get_opcodes()

    def moved(line: int) -> int:  # 1-based; a changed line goes to its place in the changed region
        index = line - 1
        for _, i1, i2, j1, j2 in opcodes:
            if i1 <= index < i2:
                return min(j1 + index - i1, max(j1, j2 - 1)) + 1
        return line

    out = []
    for sp in spans:
        start, end = moved(sp.start), moved(sp.start + sp.count - 1)
        out.append(SourceSpan(sp.file, start, max(1, end - start + 1), sp.origin, sp.origin_line))
    return out


def _rewrite(text: str, relpath: str, flavour: Flavour | None = None) -> str:
    if not text.strip():
        return text
    try:
        from kit._imports import ImportRewriteError, rewrite_imports
    except ImportError as exc:  # pragma: no cover - the module lands with the SDK
        raise ExportError(f"kit._imports.rewrite_imports is not available ({exc}); kit is incompletely installed")
    try:
        return rewrite_imports(text, to="sekoia_automation", flavour=flavour)
    except ImportRewriteError as exc:
        raise ExportError(f"{relpath} cannot run on sekoia_automation: {exc}") from None


# modules whose import says that the code calls HTTP APIs
HTTP_CLIENTS = ("requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client", "sekoia_automation.http")


def _annotates_configuration(stmt: Stmt) -> bool:
    """``stmt`` is a class with a ``configuration: X`` annotation (a module or component class)."""
    node = stmt.node
    return isinstance(node, ast.ClassDef) and any(
        isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id == "configuration"
        for item in node.body
    )


def _http_client(stmt: Stmt) -> str | None:
    """The HTTP client (top-level name) ``stmt`` imports, if it is an import of one."""
    node = stmt.node
    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    else:
        return None
    return next((c for m in modules for c in HTTP_CLIENTS if m == c or m.startswith(c + ".")), None)


def _import_groups(lines: list[str]) -> list[str]:
    """Import lines as isort lays them out: standard library, then the rest, each sorted
    (``import x`` before ``from x import y``)."""
    stdlib: list[tuple] = []
    other: list[tuple] = []
    merged: dict[str, list[str]] = {}  # `from m import a` and `from m import b` -> `from m import a, b`
    singles: list[str] = []
    lines = [part for line in lines for part in (line.split("\n") if line.startswith("import ") else [line])]
    for line in lines:
        node = ast.parse(line).body[0]
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and "\n" not in line.strip() \
                and all(a.name != "*" for a in node.names) and "#" not in line:
            merged.setdefault(node.module, []).append(line)
        else:
            singles.append(line)
    for module, group in merged.items():
        if len(group) == 1:
            singles.append(group[0])
            continue
        names: list[str] = []
        for line in group:
            names.extend(n for n in (ast.unparse(a) for a in ast.parse(line).body[0].names) if n not in names)  # type: ignore[attr-defined]
        singles.append(f"from {module} import {', '.join(sorted(names))}")
    lines = singles
    for line in lines:
        node = ast.parse(line).body[0]
        module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name  # type: ignore[union-attr]
        top = (module or "").split(".")[0]
        name = (module or "").lower()
        if top == "kit":  # sorted where its sekoia_automation rewrite belongs
            name = "sekoia_automation" + name[3:]
        key = (isinstance(node, ast.ImportFrom), name, line)
        (stdlib if top in sys.stdlib_module_names else other).append(key)
    return ["\n".join(k[2] for k in sorted(group)) for group in (stdlib, other) if group]


def _top_modules(stmt: Stmt) -> list[str]:
    node = stmt.node
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module.split(".")[0]]
    return []


def distributions_for(modules: list[str], exclude: set[str]) -> list[str]:
    """PyPI distribution names for top-level module names (stdlib, kit and the SDK excluded)."""
    mapping = importlib.metadata.packages_distributions()
    out: set[str] = set()
    for module in modules:
        if module in exclude or module in sys.stdlib_module_names or module in ("kit", "sekoia_automation", "__future__"):
            continue
        dists = mapping.get(module) or [module]
        out.add(sorted(dists)[0].lower().replace("_", "-"))
    out.discard("sekoia-automation-sdk")
    out.discard("sekoia-kit")
    return sorted(out)


def build_package(
    package: str,
    components: list[type],
    module_class: type | None,
    module_class_name: str,
    keep: frozenset[str] = frozenset(),
    flavour: Flavour | None = None,
    format_mode: Any = None,
) -> Package:
    """Analyse the sources of ``components`` (and of ``module_class``) and lay out the package.

    Args:
        package: the package (directory) name, a Python identifier.
        components: trigger, connector and action classes.
        module_class: the author's Module subclass, or ``None`` to generate an empty one.
        module_class_name: the name of the generated module class when ``module_class`` is None.
        keep: packages that exist in the target directory: imports from them stay imports.
        flavour: what the target module pins (pydantic 1: ``pydantic.v1`` is written ``pydantic``).
        format_mode: black's mode to format each file with (:func:`black_mode`), or None.
    """
    analyzer = Analyzer(keep)
    module_key = analyzer.root(module_class) if module_class is not None else None
    comp_keys = [analyzer.root(cls) for cls in components]

    module_closure = analyzer.closure(module_key) if module_key else []
    comp_closures = [analyzer.closure(k) for k in comp_keys]

    order: list[tuple] = []
    seen: set[tuple] = set()
    for closure in [module_closure, *comp_closures]:
        for key in closure:
            if key not in seen:
                seen.add(key)
                order.append(key)

    stems = {cls.__name__: component_stem(cls) for cls in components}
    placement: dict[tuple, str] = {}
    module_set = set(module_closure)
    # a local module used as an object (`helpers.func()`) becomes a module of the package with
    # the same name, holding the attributes used and what they need (except the module class's)
    mirrors: dict[tuple, str] = {}
    mirror_placement: dict[tuple, str] = {}
    taken = {"__init__", "common", "tests", "main", *stems.values()}
    for key in order:
        stmt = analyzer.stmts[key]
        if stmt.module_ref is None:
            continue
        leaf = next((f for k, f in mirrors.items() if analyzer.stmts[k].module_ref == stmt.module_ref), None)
        if leaf is None:
            leaf = stmt.module_ref.rpartition(".")[2]
            base, number = leaf, 2
            while leaf in taken:
                leaf, number = f"{base}_{number}", number + 1
            taken.add(leaf)
        mirrors[key] = leaf
        # what the code reads as attributes, every other statement of the same source file that
        # is exported, and all they need (so the mirrored module imports nothing from a
        # component's file, which imports it: no import cycle)
        unit_index = analyzer.module_units.get(stmt.module_ref)
        roots = [key] + [k for k in order if k[0] == "unit" and k[1] == unit_index]
        for root in roots:
            for dep in analyzer.closure(root):
                if dep != key and not analyzer.stmts[dep].is_import and dep not in module_set:
                    mirror_placement.setdefault(dep, leaf)
    for key in order:
        stmt = analyzer.stmts[key]
        if stmt.is_import:
            continue
        owners = [i for i, closure in enumerate(comp_closures) if key in closure]
        if key in module_set:
            placement[key] = "__init__"
        elif key in mirror_placement:
            placement[key] = mirror_placement[key]
        elif len(owners) >= 2:
            placement[key] = "common"
        else:
            placement[key] = stems[components[owners[0]].__name__]

    result = Package()
    file_stmts: dict[str, list[Stmt]] = {}
    for key in order:
        if key in placement:
            file_stmts.setdefault(placement[key], []).append(analyzer.stmts[key])
    if module_class is None:
        file_stmts.setdefault("__init__", [])
    for key, leaf in mirrors.items():
        file_stmts.setdefault(leaf, [])
    # imports a mirrored module must bind because the code reads them as its attributes
    mirror_imports: dict[str, list[tuple[str, tuple]]] = {}
    for key, leaf in mirrors.items():
        for name, dep_key in analyzer.stmts[key].deps:
            if analyzer.stmts[dep_key].is_import or placement.get(dep_key) != leaf:
                mirror_imports.setdefault(leaf, []).append((name, dep_key))

    def dotted(file: str) -> str:
        return package if file == "__init__" else f"{package}.{file}"

    third_party: list[str] = []
    for file in sorted(file_stmts, key=lambda f: (f != "__init__", f != "common", f)):
        stmts = file_stmts[file]
        defined_here: dict[str, Stmt] = {}
        for stmt in stmts:
            for name in stmt.defines:
                if name in defined_here and defined_here[name] is not stmt:
                    other = defined_here[name]
                    raise ExportError(
                        f"{package}/{file}.py would define {name!r} twice: at {other.origin}, line {other.line} and "
                        f"at {stmt.origin}, line {stmt.line}; rename one of them"
                    )
                defined_here[name] = stmt
        future: list[str] = []
        imports: dict[tuple, set[str]] = {}
        cross: dict[str, set[str]] = {}
        module_imports: dict[str, set[str]] = {}  # mirror file -> names it is bound to here
        uses = [(name, dep_key) for stmt in stmts for name, dep_key in stmt.deps] + mirror_imports.get(file, [])
        for name, dep_key in uses:
            dep = analyzer.stmts[dep_key]
            if dep.future:
                if dep.text not in future:
                    future.append(dep.text)
            elif dep.module_ref is not None:
                if mirrors[dep_key] != file and name == mirrors[dep_key]:
                    cross.setdefault("__init__", set()).add(name)  # from <package> import helpers
                elif mirrors[dep_key] != file:
                    module_imports.setdefault(mirrors[dep_key], set()).add(name)
            elif dep.is_import:
                imports.setdefault(dep_key, set()).add(name)
            elif placement.get(dep_key) != file:
                cross.setdefault(placement[dep_key], set()).add(name)
        if future and any(_annotates_configuration(stmt) for stmt in stmts):
            # the real SDK reads `configuration` annotations unevaluated: in this file they must not become
            # strings (a class whose own source had the future import is refused before: check_string_annotations)
            future = []
        import_lines: list[str] = []
        for dep_key, names in sorted(imports.items(), key=lambda item: _order_key(item[0])):
            dep = analyzer.stmts[dep_key]
            third_party.extend(_top_modules(dep))
            text = _render_import(dep, names)
            if text not in import_lines:
                import_lines.append(text)
        groups = _import_groups(import_lines)
        header = "\n\n".join(["\n".join(future)] * bool(future) + groups)
        if module_class is None and file == "__init__":
            header = (header + "\n" if header else "") + "from sekoia_automation.module import Module"
        cross_lines = [
            f"from {dotted(target)} import {', '.join(sorted(names))}"
            for target, names in sorted(cross.items(), key=lambda item: (item[0] != "__init__", item[0]))
        ]
        for leaf, names in sorted(module_imports.items()):
            cross_lines += [
                f"from {package} import {leaf}" + ("" if name == leaf else f" as {name}") for name in sorted(names)
            ]
        parts: list[str] = []
        if header:
            parts.append(header)
        if cross_lines:
            parts.append("\n".join(cross_lines))
        text = "\n\n".join(parts)
        relpath = f"{package}/{file}.py"
        body_blocks: list[tuple[str, Stmt | None]] = [(s.text.rstrip("\n"), s) for s in stmts]
        if module_class is None and file == "__init__":
            body_blocks.append((f"class {module_class_name}(Module):\n    pass", None))
        spans: list[SourceSpan] = []
        for block, stmt in body_blocks:
            text = text + ("\n\n\n" if text else "")
            start = text.count("\n") + 1
            text += block
            if stmt is not None and stmt.line:
                spans.append(SourceSpan(relpath, start, block.count("\n") + 1, stmt.origin, stmt.line))
        if text:
            # the whole file: `import kit` + `kit.Trigger` in the body, and imports inside functions
            rewritten = _rewrite(text + "\n", relpath, flavour)
            delta = rewritten.count("\n") - (text.count("\n") + 1)
            text = rewritten.rstrip("\n")
            spans = [SourceSpan(sp.file, sp.start + delta, sp.count, sp.origin, sp.origin_line) for sp in spans]
            if format_mode is not None:
                formatted = formatted_code(text + "\n", format_mode)
                if formatted is not None and formatted.rstrip("\n") != text:
                    spans = _remap_spans(spans, text, formatted.rstrip("\n"))
                    text = formatted.rstrip("\n")
        result.spans.extend(spans)
        result.files[relpath] = text + "\n" if text else ""

    for cls, closure in zip(components, comp_closures):
        clients = {client for k in closure if (client := _http_client(analyzer.stmts[k]))}
        if clients:
            result.http_components[cls.__name__] = "aiohttp" if "aiohttp" in clients else "requests"
    for cls, key in zip(components, comp_keys):
        file = placement[key]
        result.registrations.append(Registration(component_kind(cls), cls.__name__, dotted(file)))
        result.component_files[cls.__name__] = f"{package}/{file}.py"
    if module_class is not None:
        result.module_import = (dotted(placement[module_key]), module_class.__name__)
    else:
        result.module_import = (package, module_class_name)
    result.third_party = sorted(set(third_party))
    return result
