"""Read and edit an existing module's ``main.py`` without rewriting it.

A module repository's ``main.py`` is hand-written: its imports, its module class (the SDK's
``Module`` or the package's own subclass), its registrations (often under
``if __name__ == "__main__":``) and its formatting belong to the author. Export adds one
import line and one ``module.register(...)`` line per new component, next to the ones that
are there, and changes nothing else.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ._manifests import ExportError


@dataclass(frozen=True)
class MainRegistration:
    """``<variable>.register(<class_name>, "<docker>")`` at ``line`` .. ``end_line`` of main.py."""

    class_name: str
    docker: str
    line: int
    end_line: int
    indent: str
    variable: str


@dataclass(frozen=True)
class MainFile:
    """What export needs to know about a ``main.py``.

    Attributes:
        text: the file as it is.
        imports: ``{bound name: dotted module it is imported from}`` (top-level ``from`` imports).
        module_class: the class whose instance registers the components (``module = X()``).
        module_variable: the name of that instance (``module``).
        registrations: every ``register(...)`` call, in file order.
        last_import_line: the last line of the last top-level import (0 if none).
    """

    text: str
    imports: dict[str, str]
    module_class: str | None
    module_variable: str | None
    registrations: tuple[MainRegistration, ...]
    last_import_line: int
    module_line: int
    module_indent: str

    def registered(self) -> dict[str, str]:
        """``{class name: docker_parameters}``."""
        return {r.class_name: r.docker for r in self.registrations}

    def local_packages(self, root: Path) -> list[str]:
        """Top-level names imported by main.py that are packages of the module directory."""
        out: list[str] = []
        for dotted in self.imports.values():
            top = dotted.split(".")[0]
            if top in ("sekoia_automation", "kit") or top in out:
                continue
            if (root / top / "__init__.py").is_file() or (root / top).is_dir():
                out.append(top)
        return out


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def parse_main(text: str, origin: str = "main.py") -> MainFile:
    """Parse ``main.py``.

    Raises:
        ExportError: the file does not parse.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise ExportError(f"{origin}, line {exc.lineno}: does not parse ({exc.msg}); fix it before exporting") from None
    lines = text.splitlines()
    imports: dict[str, str] = {}
    last_import = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                imports[alias.asname or alias.name] = node.module
            last_import = max(last_import, node.end_lineno or node.lineno)
        elif isinstance(node, ast.Import):
            last_import = max(last_import, node.end_lineno or node.lineno)
    module_class = module_variable = None
    module_line = 0
    module_indent = ""
    registrations: list[MainRegistration] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and module_class is None
        ):
            name = node.value.func.id
            if name == "Module" or name.endswith("Module") or imports.get(name, "").endswith(".module"):
                module_class, module_variable = name, node.targets[0].id
                module_line = node.end_lineno or node.lineno
                module_indent = _indent_of(lines[node.lineno - 1])
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "register"
            and isinstance(node.value.func.value, ast.Name)
            and node.value.args
            and isinstance(node.value.args[0], ast.Name)
        ):
            call = node.value
            docker = None
            if len(call.args) >= 2 and isinstance(call.args[1], ast.Constant):
                docker = call.args[1].value
            for kw in call.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    docker = kw.value.value
            class_name = call.args[0].id  # type: ignore[attr-defined]
            registrations.append(
                MainRegistration(
                    class_name=class_name,
                    docker=docker if isinstance(docker, str) else class_name,
                    line=node.lineno,
                    end_line=node.end_lineno or node.lineno,
                    indent=_indent_of(lines[node.lineno - 1]),
                    variable=call.func.value.id,  # type: ignore[attr-defined]
                )
            )
    registrations.sort(key=lambda r: r.line)
    return MainFile(
        text=text,
        imports=imports,
        module_class=module_class,
        module_variable=module_variable,
        registrations=tuple(registrations),
        last_import_line=last_import,
        module_line=module_line,
        module_indent=module_indent,
    )


def add_registrations(main: MainFile, additions: list[tuple[str, str, str]]) -> str:
    """``main.py`` with, for each ``(dotted module, class name, docker_parameters)``, an import
    line after the last top-level import and a ``register`` line after the last registration.

    Raises:
        ExportError: main.py creates no module instance to register with.
    """
    if not additions:
        return main.text
    variable = main.module_variable or (main.registrations[-1].variable if main.registrations else None)
    if variable is None:
        raise ExportError(
            "main.py creates no module (`module = Module()`) and registers nothing: kit cannot tell where to "
            "register the new components; add `module = Module()` and `module.run()` to main.py and export again"
        )
    lines = main.text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if main.registrations:
        after, indent = main.registrations[-1].end_line, main.registrations[-1].indent
    else:
        after, indent = main.module_line, main.module_indent
    register = [f'{indent}{variable}.register({cls}, "{docker}")\n' for _, cls, docker in additions]
    lines[after:after] = register
    imports = [f"from {dotted} import {cls}\n" for dotted, cls, _ in additions]
    lines[main.last_import_line : main.last_import_line] = imports
    return "".join(lines)
