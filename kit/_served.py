"""Serve ``sekoia_automation`` from kit for one process: a module's own test suite runs on kit.

``pytest --kit-sdk`` (see :mod:`kit.pytest_plugin`) calls :func:`serve` before the first
conftest is imported. From then on ``import sekoia_automation.connector`` gives kit's
module (``kit.v1.connector`` for a module pinned below 1.23), and the module's own packages
are imported from source with the same rewrite kit's loader does (pydantic 1 code on kit's
``pydantic.v1``), under their own names so that the tests' ``patch("pkg.module.x")`` work.
A real ``sekoia_automation`` installed beside is not used while served.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

from kit._flavour import Flavour, flavour_of
from kit._imports import ImportRewriteError, _to_kit


class _SDKAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``sekoia_automation[.x]`` -> the kit module that implements it (the very module object)."""

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour
        self._kept: dict[str, tuple[Any, Any]] = {}  # module name -> the kit module's own spec and loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "sekoia_automation" and not fullname.startswith("sekoia_automation."):
            return None
        target_name = None
        if fullname != "sekoia_automation":
            try:
                target_name = _to_kit(fullname, self.flavour.sdk_v1_models, self.flavour)
            except ImportRewriteError as error:
                raise ModuleNotFoundError(f"{error} (the SDK is served by kit: pytest --kit-sdk)", name=fullname) from None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True, loader_state=target_name)

    def create_module(self, spec: Any) -> Any:
        if spec.name == "sekoia_automation":
            # a package of its own, reading kit's top-level names: submodules bound on it must not
            # rebind kit's own attributes (kit.connector stays kit.connector)
            package = types.ModuleType("sekoia_automation", "sekoia_automation, served by kit")
            package.__getattr__ = lambda name: getattr(importlib.import_module("kit"), name)  # type: ignore[attr-defined]
            return package
        module = importlib.import_module(spec.loader_state)
        self._kept[spec.name] = getattr(module, "__spec__", None), getattr(module, "__loader__", None)
        return module

    def exec_module(self, module: Any) -> None:
        if module.__name__ == "sekoia_automation":
            module.__path__ = []
            return
        # importlib gave the kit module our alias spec: put its own back
        module.__spec__, module.__loader__ = self._kept.pop(module.__spec__.name)


class _LocalPackages(importlib.abc.MetaPathFinder):
    """The module directory's own top-level packages and modules, imported with kit's rewrite."""

    def __init__(self, root: Path, flavour: Flavour) -> None:
        self.root = root
        self.flavour = flavour
        self.read: dict[str, str] = {}
        self.names = {
            entry.name if entry.is_dir() else entry.stem
            for entry in root.iterdir()
            if not entry.name.startswith((".", "_"))
            and entry.name not in {"tests", "main.py", "conftest.py"}
            and ((entry.is_dir() and (entry / "__init__.py").is_file()) or entry.suffix == ".py")
        }

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".")[0] not in self.names:
            return None
        from kit._loader import source_spec

        spec = source_spec(fullname, self.root.joinpath(*fullname.split(".")), {}, self.read, self.flavour)
        # a namespace directory that merely shares a name is left to the normal import system
        return spec if spec is not None and spec.loader is not None else None


def serve(root: str | Path) -> Flavour:
    """Serve ``sekoia_automation`` from kit in this process, for the module directory ``root``
    (its ``poetry.lock`` says which SDK flavour); returns that flavour.

    Raises:
        RuntimeError: ``sekoia_automation`` was imported before (the real SDK is in use).
    """
    loaded = sorted(n for n in sys.modules if n == "sekoia_automation" or n.startswith("sekoia_automation."))
    if loaded and not isinstance(sys.meta_path[0], _SDKAliases):
        raise RuntimeError(
            f"--kit-sdk: sekoia_automation is already imported ({', '.join(loaded[:3])}...) by a plugin or an "
            "earlier import; kit can serve it only from the start of the session"
        )
    root = Path(root).resolve()
    flavour = flavour_of(root)
    sys.meta_path[:0] = [_SDKAliases(flavour), _LocalPackages(root, flavour)]
    importlib.invalidate_caches()
    return flavour
