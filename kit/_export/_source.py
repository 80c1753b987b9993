"""Source capture and dependency analysis for export.

The code of a component is taken from ``cls.__kit_source__`` (a ``(source_text, origin)``
pair set by the notebook's ``%%component`` magic through :func:`capture_source`) or from the
file the class was defined in. Starting from the component's ``class`` statement, the
analysis follows the global names the statement really uses (``symtable`` scoping, plus the
names in annotations) to the top-level statements that define them: models, helper
functions, constants and imports. Nothing else from the notebook or file is copied.

A name that no captured statement defines is looked up in the namespace the class was
defined in: a class or function from an installed package becomes an import, one defined
in the notebook (another cell) or in a local file is followed to its own source, a plain
literal constant is written as an assignment, and anything else is refused with the name,
the value's type and the statement that uses it.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import inspect
import linecache
import os
import re
import symtable
import sys
import sysconfig
import textwrap
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ._manifests import ExportError

_MAGIC_LINE = re.compile(r"^\s*[%!]")


def capture_source(cls: Any, source: str, origin: str) -> Any:
    """Record the source a class was defined with, for export.

    The notebook's ``%%component`` magic calls it with the cell's text and a label such as
    ``"notebook cell [3]"``; export then takes the class, and what it uses, from that text.

    Args:
        cls: the class (or function) defined by ``source``.
        source: the full text of the cell or file (IPython magic lines are ignored).
        origin: where the text comes from; used in error messages and round-trip reports.

    Returns:
        ``cls``, so it can be used as a decorator-like helper.

    Raises:
        ValueError: ``source`` does not define ``cls.__name__`` at top level.
    """
    tree = _parse(source, origin)
    names = {n for stmt in tree.body for n in _defined_names(stmt)}
    if cls.__name__ not in names:
        raise ValueError(
            f"capture_source: the source from {origin} does not define {cls.__name__!r} at top level "
            f"(it defines {sorted(names)!r}); pass the text of the cell or file that contains "
            f"`class {cls.__name__}`"
        )
    cls.__kit_source__ = (source, origin)
    return cls


def _strip_magics(source: str) -> str:
    return "\n".join("" if _MAGIC_LINE.match(line) else line for line in source.splitlines()) + "\n"


def _parse(source: str, origin: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:
        return ast.parse(_strip_magics(source))
    except SyntaxError as exc:
        raise ExportError(f"{origin}, line {exc.lineno}: the source does not parse ({exc.msg}); fix the syntax") from None


def _target_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]


def _defined_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom):
        return [a.asname or a.name for a in stmt.names if a.name != "*"]
    if isinstance(stmt, ast.Assign):
        return [n for t in stmt.targets for n in _target_names(t)]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return _target_names(stmt.target)
    if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        names: list[str] = []
        for node in ast.walk(stmt):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.append(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.extend(_defined_names(node))
        return names
    return []


def _annotation_names(stmt: ast.stmt) -> set[str]:
    names: set[str] = set()
    annotations: list[ast.AST] = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    for annotation in annotations:
        for node in ast.walk(annotation):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    inner = ast.parse(node.value, mode="eval")
                except SyntaxError:
                    continue
                names.update(n.id for n in ast.walk(inner) if isinstance(n, ast.Name))
    return names


def _used_names(stmt: ast.stmt, text: str) -> list[str]:
    """Global names a top-level statement reads, in first-use order."""
    found: dict[str, None] = {}
    try:
        table = symtable.symtable(text, "<kit-export>", "exec")
    except SyntaxError:  # pragma: no cover - the text parsed before
        table = None

    def walk(t: symtable.SymbolTable, top: bool) -> None:
        for symbol in t.get_symbols():
            if symbol.is_referenced() and (symbol.is_global() or (top and not symbol.is_assigned())):
                found.setdefault(symbol.get_name(), None)
        for child in t.get_children():
            walk(child, False)

    if table is not None:
        walk(table, True)
    for name in sorted(_annotation_names(stmt)):
        found.setdefault(name, None)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return []
    own = set(_defined_names(stmt))
    return [n for n in found if n not in own]


class Unit:
    """One source text (a notebook cell or a file) with its parsed statements."""

    def __init__(self, text: str, origin: str, namespace: dict | None, module_name: str | None):
        self.text = text if text.endswith("\n") else text + "\n"
        self.origin = origin
        self.tree = _parse(self.text, origin)
        self.lines = self.text.splitlines()
        self.namespace = namespace if namespace is not None else {}
        self.module_name = module_name
        self.defs: dict[str, int] = {}
        for index, stmt in enumerate(self.tree.body):
            for name in _defined_names(stmt):
                self.defs[name] = index  # the last binding wins, as at run time

    def stmt_text(self, index: int) -> str:
        stmt = self.tree.body[index]
        start = stmt.lineno
        if getattr(stmt, "decorator_list", None):
            start = min(d.lineno for d in stmt.decorator_list)
        return textwrap.dedent("\n".join(self.lines[start - 1 : stmt.end_lineno]))

    def stmt_start(self, index: int) -> int:
        stmt = self.tree.body[index]
        if getattr(stmt, "decorator_list", None):
            return min(d.lineno for d in stmt.decorator_list)
        return stmt.lineno


@dataclass
class Stmt:
    """A top-level statement kept for export (from a unit, or synthesised)."""

    key: tuple
    text: str
    origin: str
    line: int  # first line in the origin (0 when synthesised)
    defines: list[str]
    is_import: bool = False
    node: ast.stmt | None = None
    future: bool = False
    deps: list[tuple[str, tuple]] = field(default_factory=list)  # (name, key of the defining Stmt)
    module_ref: str | None = None  # a local module used as an object (`helpers.func()`): its dotted name


def _is_installed(module: ModuleType | None, module_name: str) -> bool:
    """True for stdlib, site-packages, kit and sekoia_automation modules (things to import, not copy)."""
    top = module_name.split(".")[0]
    if top in ("kit", "sekoia_automation") or top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return True
    if module is None:
        spec = importlib.util.find_spec(top)
        path = getattr(spec, "origin", None) if spec else None
    else:
        path = getattr(module, "__file__", None)
    if not path:
        return False
    path = os.path.realpath(path)
    roots = {sysconfig.get_paths()[k] for k in ("purelib", "platlib", "stdlib", "platstdlib")}
    roots |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return any(path.startswith(os.path.realpath(r) + os.sep) for r in roots)


def _public_module_path(obj: Any) -> str:
    module = obj.__module__
    top = module.split(".")[0]
    if top in ("kit", "sekoia_automation"):
        return module
    parts = module.split(".")
    for i in range(1, len(parts)):
        candidate = ".".join(parts[:i])
        mod = sys.modules.get(candidate)
        if mod is not None and getattr(mod, obj.__name__, None) is obj:
            return candidate
    return module


def _public_name(module_name: str) -> str:
    """The dotted name a module has in its own directory, for modules kit's loader imported
    under a private name (``_kit_loaded_<hash>.acme.models`` -> ``acme.models``)."""
    from kit._loader import loaded_origin

    origin = loaded_origin(module_name)
    return origin[1] if origin is not None else module_name


def _loaded_name(unit: Unit, module_name: str) -> str:
    """``module_name`` as imported by the loaded code of ``unit``: code kit's loader imported
    under a private name imports its own packages under that name too."""
    prefix = (unit.module_name or "").partition(".")[0]
    if prefix.startswith("_kit_loaded_") and f"{prefix}.{module_name}" in sys.modules:
        return f"{prefix}.{module_name}"
    return module_name


def _cell_text(filename: str) -> str | None:
    lines = linecache.getlines(filename)
    return "".join(lines) if lines else None


def object_unit(obj: Any) -> tuple[str, str]:
    """``(source_text, origin)`` of the cell or file that defines ``obj`` (a class or function).

    Raises:
        ExportError: no source can be found.
    """
    captured = obj.__dict__.get("__kit_source__") if hasattr(obj, "__dict__") else None
    if captured:
        return captured
    filename = None
    if inspect.isfunction(obj):
        filename = obj.__code__.co_filename
    elif isinstance(obj, type):
        try:
            filename = inspect.getsourcefile(obj)
        except (TypeError, OSError):
            filename = None
        if filename is None or not _cell_text(filename):
            filename = None
            for value in obj.__dict__.values():
                func = getattr(value, "__func__", value)
                func = getattr(func, "fget", func)
                code = getattr(func, "__code__", None)
                if code is not None and getattr(func, "__qualname__", "").startswith(obj.__qualname__ + "."):
                    filename = code.co_filename
                    break
        if filename is None:
            pattern = re.compile(rf"^class\s+{re.escape(obj.__name__)}\b", re.M)
            for name in reversed(list(linecache.cache)):
                text = _cell_text(name)
                if text and pattern.search(text) and not os.path.isfile(name):
                    filename = name
                    break
    if filename:
        if os.path.isfile(filename):
            with open(filename, encoding="utf-8") as handle:
                return handle.read(), filename
        text = _cell_text(filename)
        if text:
            return text, filename
    raise ExportError(
        f"no source found for {getattr(obj, '__qualname__', obj)!r}: define it in a %%component cell, "
        "or in a .py file, or call kit._export.capture_source(cls, source, origin) with its source text"
    )


def class_source(cls: type) -> str:
    """The text of the top-level statement that defines ``cls``."""
    text, origin = object_unit(cls)
    unit = Unit(text, origin, None, None)
    if cls.__name__ not in unit.defs:
        raise ExportError(f"{origin} does not define {cls.__name__!r} at top level")
    return unit.stmt_text(unit.defs[cls.__name__])


_LITERAL_TYPES = (int, float, str, bytes, bool, type(None))
_MISSING = object()
_MODULE_DUNDERS = {"__name__", "__file__", "__doc__", "__spec__", "__package__", "__path__", "__loader__", "__builtins__"}


def _is_literal(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(value, _LITERAL_TYPES):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(_is_literal(k, depth + 1) and _is_literal(v, depth + 1) for k, v in value.items())
    return False


def _order_key(key: tuple) -> tuple:
    # statements of captured source first, in source order; synthesised ones after, by text
    return (0, key[1], key[2], "") if key[0] == "unit" else (1, 0, 0, key[1])


class Analyzer:
    """Collects the statements a set of root objects needs, with their dependencies."""

    def __init__(self, keep: frozenset[str] = frozenset()) -> None:
        """``keep``: top-level packages of the export target; what the code imports from them
        stays an import instead of being copied."""
        self.keep = keep
        self.units: dict[tuple[str, str], Unit] = {}
        self.stmts: dict[tuple, Stmt] = {}
        self.unit_order: list[tuple[str, str]] = []
        self.module_units: dict[str, int] = {}  # dotted name of a local module -> index in unit_order

    def _unit(self, text: str, origin: str, obj: Any) -> tuple[tuple[str, str], Unit]:
        key = (origin, text)
        if key not in self.units:
            module = sys.modules.get(getattr(obj, "__module__", "") or "")
            self.units[key] = Unit(text, origin, vars(module) if module else {}, getattr(obj, "__module__", None))
            self.unit_order.append(key)
        return key, self.units[key]

    def root(self, obj: Any) -> tuple:
        """Add ``obj`` (a class or function with source) and its dependencies; return its key."""
        text, origin = object_unit(obj)
        ukey, unit = self._unit(text, origin, obj)
        if obj.__name__ not in unit.defs:
            raise ExportError(
                f"{origin} does not define {obj.__name__!r} at top level; export classes defined at the top level "
                "of a cell or file"
            )
        return self._add_unit_stmt(ukey, unit, unit.defs[obj.__name__])

    def _add_unit_stmt(self, ukey: tuple[str, str], unit: Unit, index: int) -> tuple:
        key = ("unit", self.unit_order.index(ukey), index)
        if key in self.stmts:
            return key
        node = unit.tree.body[index]
        is_import = isinstance(node, (ast.Import, ast.ImportFrom))
        stmt = Stmt(
            key=key,
            text=unit.stmt_text(index),
            origin=unit.origin,
            line=unit.stmt_start(index),
            defines=_defined_names(node),
            is_import=is_import,
            node=node,
            future=isinstance(node, ast.ImportFrom) and node.module == "__future__",
        )
        self.stmts[key] = stmt
        if is_import:
            return key
        for name in _used_names(node, stmt.text):
            target = self._resolve(name, ukey, unit, index, stmt)
            if target is not None:
                stmt.deps.append((name, target))
        if any(n.future for n in self._future_imports(ukey, unit)):
            for fut in self._future_imports(ukey, unit):
                stmt.deps.append(("annotations", fut.key))
        return key

    def _future_imports(self, ukey: tuple[str, str], unit: Unit) -> list[Stmt]:
        out = []
        for index, node in enumerate(unit.tree.body):
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                out.append(self.stmts[self._add_unit_stmt(ukey, unit, index)])
        return out

    def _resolve(self, name: str, ukey: tuple[str, str], unit: Unit, index: int, user: Stmt) -> tuple | None:
        if name in _MODULE_DUNDERS and name not in unit.defs:
            return None  # bound by the import system in the exported module too
        if name in unit.defs and unit.defs[name] != index:
            node = unit.tree.body[unit.defs[name]]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                followed = self._follow_import(node, name, unit, user)
                if followed is not None:
                    return followed
            return self._add_unit_stmt(ukey, unit, unit.defs[name])
        if name in unit.namespace:
            return self._from_value(name, unit.namespace[name], unit, user)
        if hasattr(builtins, name):
            return None
        return None  # a name bound elsewhere at run time (e.g. by a star import); nothing to copy

    # -- the author's own modules -------------------------------------------------------

    def _module_unit(self, module: ModuleType, user: Stmt) -> tuple[tuple[str, str], Unit]:
        """The unit of a local module's source file (shared with :meth:`root` for the same file)."""
        try:
            filename = inspect.getsourcefile(module)
        except TypeError:
            filename = None
        filename = filename or getattr(module, "__file__", None)
        if not filename or not os.path.isfile(filename):
            raise ExportError(
                f"{user.origin}, line {user.line}: no source file for the local module {module.__name__!r}; "
                "export copies what a component uses from the source of its package"
            )
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
        key = (filename, text)
        if key not in self.units:
            self.units[key] = Unit(text, filename, vars(module), module.__name__)
            self.unit_order.append(key)
        return key, self.units[key]

    def _import_local(self, module_name: str, user: Stmt) -> ModuleType:
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:  # noqa: BLE001 - reported with the statement that imports it
                raise ExportError(
                    f"{user.origin}, line {user.line}: cannot import {module_name!r} to follow what the component "
                    f"uses from it ({type(exc).__name__}: {exc})"
                ) from None
        return module

    def _follow_import(self, node: ast.stmt, name: str, unit: Unit, user: Stmt) -> tuple | None:
        """Follow ``name``, bound by an import of the author's own code, to its definition.

        Relative imports (``from .models import X``, ``from . import helpers``) and absolute
        imports of a module that is not installed (``from acme.models import X`` with ``acme``
        a local package) are followed: the definitions they name are copied into the export.
        Returns ``None`` for imports of installed code (stdlib, third-party, kit), which stay
        imports.
        """
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                return None
            if node.level:
                package = getattr(sys.modules.get(unit.module_name or ""), "__package__", None)
                if not package:
                    raise ExportError(
                        f"{unit.origin}, line {node.lineno}: a relative import outside a package; import from the "
                        "package by its name"
                    )
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                if _public_name(base).split(".")[0] in self.keep:
                    return None
            else:
                base = node.module or ""
                if base.split(".")[0] in self.keep:
                    return None
                base = _loaded_name(unit, base)
                if _is_installed(sys.modules.get(base), base):
                    return None
            alias = next(a for a in node.names if (a.asname or a.name) == name)
            value = unit.namespace.get(name, _MISSING)
            submodule = sys.modules.get(f"{base}.{alias.name}")
            if isinstance(value, ModuleType) or (value is _MISSING and submodule is not None):
                return self._module_ref(name, value if isinstance(value, ModuleType) else submodule, user)
            module = self._import_local(base, user)
            mkey, munit = self._module_unit(module, user)
            if alias.name in munit.defs:
                if alias.asname and alias.asname != alias.name:
                    raise ExportError(
                        f"{unit.origin}, line {node.lineno}: {alias.name!r} is imported as {alias.asname!r}; export "
                        f"copies the definition of {alias.name!r} from {base}, so import it under its own name"
                    )
                return self._resolve(alias.name, mkey, munit, -1, user)
            if value is not _MISSING:
                return self._from_value(name, value, unit, user)
            raise ExportError(
                f"{unit.origin}, line {node.lineno}: {base} defines no top-level {alias.name!r}; export cannot find "
                "what to copy"
            )
        if isinstance(node, ast.Import):
            alias = next(a for a in node.names if (a.asname or a.name.split(".")[0]) == name)
            if alias.name.split(".")[0] in self.keep:
                return None
            if _is_installed(sys.modules.get(alias.name), alias.name):
                return None
            value = unit.namespace.get(name, _MISSING)
            if alias.asname is None and "." in alias.name:
                raise ExportError(
                    f"{unit.origin}, line {node.lineno}: `import {alias.name}` binds the local package {name!r}; "
                    f"write `from {alias.name.rpartition('.')[0]} import {alias.name.rpartition('.')[2]}` (or import "
                    "the names you use) so export can copy what the component uses"
                )
            module = value if isinstance(value, ModuleType) else self._import_local(alias.name, user)
            return self._module_ref(name, module, user)
        return None

    def _module_ref(self, name: str, module: ModuleType, user: Stmt) -> tuple:
        """A local module used as an object (``helpers.func()``): the exported package gets a
        module of the same name holding the attributes the code uses (and what they need)."""
        key = ("modref", module.__name__, name)
        if key not in self.stmts:
            self.stmts[key] = Stmt(
                key=key,
                text=f"import {module.__name__}",
                origin=user.origin,
                line=0,
                defines=[name],
                is_import=True,
                module_ref=module.__name__,
            )
        stmt = self.stmts[key]
        mkey, munit = self._module_unit(module, user)
        self.module_units[module.__name__] = self.unit_order.index(mkey)
        attributes: list[str] = []
        whole = False
        parents: dict[ast.AST, ast.AST] = {}
        if user.node is not None:
            for parent in ast.walk(user.node):
                for child in ast.iter_child_nodes(parent):
                    parents[child] = parent
            for node in ast.walk(user.node):
                if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                    parent = parents.get(node)
                    if isinstance(parent, ast.Attribute) and parent.value is node:
                        if parent.attr not in attributes:
                            attributes.append(parent.attr)
                    else:
                        whole = True
        if whole:  # the module object itself is passed around: copy all its definitions
            attributes = [
                n
                for stmt_node in munit.tree.body
                if isinstance(stmt_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))
                for n in _defined_names(stmt_node)
            ]
        known = {d for d, _ in stmt.deps}
        for attribute in attributes:
            if attribute in known:
                continue
            if attribute not in munit.defs:
                raise ExportError(
                    f"{user.origin}, line {user.line}: {name}.{attribute}: {module.__name__} has no top-level "
                    f"{attribute!r} that export can copy"
                )
            target = self._resolve(attribute, mkey, munit, -1, user)
            if target is not None:
                stmt.deps.append((attribute, target))
                known.add(attribute)
        return key

    def _from_value(self, name: str, value: Any, unit: Unit, user: Stmt) -> tuple | None:
        if isinstance(value, ModuleType):
            if not _is_installed(value, value.__name__):
                return self._module_ref(name, value, user)
            text = f"import {value.__name__}" if name == value.__name__ else f"import {value.__name__} as {name}"
            if name != value.__name__ and value.__name__.split(".")[0] == name:
                text = f"import {value.__name__}"
            return self._synth(text, import_=True, defines=[name])
        if isinstance(value, type) or inspect.isfunction(value):
            module_name = getattr(value, "__module__", None) or ""
            public = _public_name(module_name)
            if public.split(".")[0] in self.keep and getattr(value, "__name__", None):
                alias = "" if value.__name__ == name else f" as {name}"
                return self._synth(f"from {public} import {value.__name__}{alias}", import_=True, defines=[name])
            if module_name == unit.module_name or not _is_installed(sys.modules.get(module_name), module_name):
                if getattr(value, "__name__", None) != name:
                    raise ExportError(
                        f"{user.origin}, line {user.line}: {name!r} is an alias of {value.__qualname__!r}; "
                        f"use the name {value.__name__!r} or import it under that name"
                    )
                return self.root(value)
            path = _public_module_path(value)
            alias = "" if value.__name__ == name else f" as {name}"
            return self._synth(f"from {path} import {value.__name__}{alias}", import_=True, defines=[name])
        if _is_literal(value):
            return self._synth(f"{name} = {value!r}", import_=False, defines=[name], origin=unit.origin)
        raise ExportError(
            f"{user.origin}, line {user.line}: {name!r} is a {type(value).__name__} object that export cannot write "
            "as code; define it in the cell or file of the component (or in a cell the component uses) as a "
            "function, class or literal constant"
        )

    def _synth(self, text: str, *, import_: bool, defines: list[str], origin: str = "<kit>") -> tuple:
        key = ("synth", text)
        if key not in self.stmts:
            node = ast.parse(text).body[0]
            self.stmts[key] = Stmt(
                key=key, text=text, origin=origin, line=0, defines=defines, is_import=import_, node=node
            )
        return key

    def closure(self, key: tuple) -> list[tuple]:
        """Keys of ``key`` and everything it needs, dependencies first (stable order)."""
        out: list[tuple] = []
        seen: set[tuple] = set()

        def visit(k: tuple) -> None:
            if k in seen:
                return
            seen.add(k)
            for dep in sorted({d for _, d in self.stmts[k].deps}, key=_order_key):
                visit(dep)
            out.append(k)

        visit(key)
        return out
