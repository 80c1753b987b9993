"""Load component code written for the real SDK so that it runs on kit.

A module directory (or a single file) is imported under a private package name
through a finder of its own, with every ``sekoia_automation`` import rewritten
to ``kit`` and the code's own top-level packages renamed under that private
name.  ``sys.modules`` never gets a fake ``sekoia_automation``, so a real
installation keeps working side by side.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

from kit import _runtime
from kit._flavour import DEFAULT, Flavour, flavour_of
from kit._imports import rewrite_imports


class ComponentLoadError(ImportError):
    """A component, file or module directory could not be loaded; the message says why and what to do."""


class _RewritingLoader(importlib.machinery.SourceFileLoader):
    def __init__(
        self, fullname: str, path: str, local: dict[str, str], read: dict[str, str], flavour: Flavour
    ) -> None:
        super().__init__(fullname, path)
        self._local = local
        self._read = read
        self._flavour = flavour

    def source_to_code(self, data: Any, path: Any, *, _optimize: int = -1) -> Any:  # type: ignore[override]
        source = importlib.util.decode_source(data) if isinstance(data, bytes) else data
        # what the file held when kit read it: export refuses to replace code edited since
        self._read[str(path)] = hashlib.sha256(source.encode("utf-8")).hexdigest()
        try:
            source = rewrite_imports(source, to="kit", local_packages=self._local, flavour=self._flavour)
        except SyntaxError:
            pass  # let compile() report it with the file's line
        except ValueError as error:
            raise ComponentLoadError(f"{path}: {error}") from None
        return compile(source, path, "exec", dont_inherit=True, optimize=_optimize)

    def get_code(self, fullname: str) -> Any:
        # never use a cached .pyc: it holds the un-rewritten imports
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)

    def exec_module(self, module: ModuleType) -> None:
        from kit._stepper import _threads

        _threads.install()
        super().exec_module(module)
        _runtime.virtualize_namespace(module.__dict__)


class _DirectoryFinder(importlib.abc.MetaPathFinder):
    """Finds ``<prefix>.<name>...`` in one directory."""

    def __init__(self, root: Path, prefix: str, local: dict[str, str]) -> None:
        self.root = root
        self.prefix = prefix
        self.local = local
        self.read: dict[str, str] = {}  # file path -> sha256 of the source last imported
        # what the directory pins (SDK before 1.23, pydantic 1): read again on each load
        self.flavour: Flavour = DEFAULT

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == self.prefix:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(self.root)]
            return spec
        if not fullname.startswith(self.prefix + "."):
            return None
        base = self.root.joinpath(*fullname[len(self.prefix) + 1 :].split("."))
        return source_spec(fullname, base, self.local, self.read, self.flavour)


def source_spec(fullname: str, base: Path, local: dict[str, str], read: dict[str, str], flavour: Flavour) -> Any:
    """The spec of ``fullname`` found at ``base`` (a package ``base/__init__.py``, a module
    ``base.py`` or a namespace package ``base/``), imported with kit's rewrite; None if none."""
    if (base / "__init__.py").is_file():
        loader = _RewritingLoader(fullname, str(base / "__init__.py"), local, read, flavour)
        return importlib.util.spec_from_file_location(
            fullname, str(base / "__init__.py"), loader=loader, submodule_search_locations=[str(base)]
        )
    if base.with_suffix(".py").is_file():
        file = str(base.with_suffix(".py"))
        loader = _RewritingLoader(fullname, file, local, read, flavour)
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)
    if base.is_dir():  # namespace package
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [str(base)]
        return spec
    return None


_finders: dict[str, _DirectoryFinder] = {}


def _finder_for(root: Path) -> _DirectoryFinder:
    root = root.resolve()
    prefix = "_kit_loaded_" + hashlib.sha1(str(root).encode()).hexdigest()[:10]
    finder = _finders.get(prefix)
    if finder is None:
        local = {}
        for entry in root.iterdir():
            if entry.name.startswith((".", "_")) or entry.name in {"tests", "main.py"}:
                continue
            if entry.is_dir() and entry.name.isidentifier():
                local[entry.name] = f"{prefix}.{entry.name}"
            elif entry.suffix == ".py" and entry.stem.isidentifier():
                local[entry.stem] = f"{prefix}.{entry.stem}"
        finder = _DirectoryFinder(root, prefix, local)
        _finders[prefix] = finder
        sys.meta_path.insert(0, finder)
    finder.flavour = flavour_of(root)
    return finder


def loaded_origin(module_name: str) -> tuple[Path, str, dict[str, str]] | None:
    """For a module imported by kit's loader under a private name: ``(directory, public dotted
    name, {file path: sha256 of the source kit read})``; ``None`` for any other module."""
    prefix, _, rest = module_name.partition(".")
    finder = _finders.get(prefix)
    if finder is None:
        return None
    return finder.root, rest, finder.read


def read_sha(path: str | Path) -> str | None:
    """The sha256 of ``path``'s source when kit's loader last imported it, if it did."""
    key = str(Path(path).resolve())
    for finder in _finders.values():
        if key in finder.read:
            return finder.read[key]
    return None


def remember_written(path: str | Path, text: str) -> None:
    """Record that kit itself wrote ``text`` to ``path`` (a file some loaded code came from),
    so a later export does not take kit's own edit for a hand edit."""
    key = str(Path(path).resolve())
    for finder in _finders.values():
        if key in finder.read:
            finder.read[key] = hashlib.sha256(text.encode("utf-8")).hexdigest()


def _forget(prefix: str) -> None:
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def import_file(path: str | Path, *, fresh: bool = True) -> ModuleType:
    """Import a ``.py`` file whose code may import ``sekoia_automation``, on kit."""
    path = Path(path)
    if not path.is_file():
        raise ComponentLoadError(f"no such file: {path} (looked for it from {Path.cwd()})")
    finder = _finder_for(path.parent)
    if fresh:
        _forget(finder.prefix)
    try:
        with _metrics_replaced():
            return importlib.import_module(f"{finder.prefix}.{path.stem}")
    except ComponentLoadError:
        raise
    except ModuleNotFoundError as error:
        raise ComponentLoadError(f"{path}: {error}; install the package it needs") from error


def _component_types() -> tuple[type, ...]:
    from kit.account_validator import AccountValidator
    from kit.action import Action
    from kit.trigger import Trigger

    return (Trigger, Action, AccountValidator)


def _pick_class(module: ModuleType, name: str, origin: str) -> type:
    value = getattr(module, name, None)
    if value is None:
        components = sorted(
            n for n, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, _component_types()) and v.__module__ == module.__name__
        )
        raise ComponentLoadError(
            f"{origin} has no class {name!r}; the components defined there are: {', '.join(components) or 'none'}"
        )
    return value


def load_component(target: str | type, name: str | None = None) -> type:
    """Load a component class, running code written for ``sekoia_automation`` on kit.

    ``target`` is a class; ``"package.module:Class"``; ``"path/to/file.py:Class"``;
    or a module directory ``"path/to/Module"`` with ``name`` (or ``"path/to/Module:name"``)
    its ``docker_parameters`` or class name.
    """
    if isinstance(target, type):
        return target
    if not isinstance(target, str) or not target.strip():
        raise ComponentLoadError(f"load_component({target!r}): expected a class or a 'where:Class' string")
    where, sep, attribute = target.rpartition(":") if ":" in target.split("/")[-1] else (target, "", "")
    if not sep:
        where, attribute = target, name or ""
    path = Path(where).expanduser()
    if path.is_dir():
        directory = load_module_directory(path)
        if not attribute:
            raise ComponentLoadError(
                f"{path} is a module directory: name the component, one of {', '.join(directory.names())}"
            )
        return directory.component(attribute)
    if where.endswith(".py"):
        if not attribute:
            raise ComponentLoadError(f"{target}: name the class, as in '{where}:MyTrigger'")
        return _pick_class(import_file(path), attribute, where)
    if not attribute:
        raise ComponentLoadError(
            f"cannot find {target!r}: it is not a directory or a .py file (looked in {Path.cwd()}), and a "
            "'package.module:Class' target needs its ':Class'"
        )
    return _load_dotted(where, attribute)


def _load_dotted(dotted: str, attribute: str) -> type:
    try:
        spec = importlib.util.find_spec(dotted)
    except (ModuleNotFoundError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        raise ComponentLoadError(f"cannot import {dotted!r}: no such module on sys.path (looked for {dotted}:{attribute})")
    source = Path(spec.origin).read_text(encoding="utf-8", errors="replace")
    if "sekoia_automation" not in source:
        module = importlib.import_module(dotted)
        return _pick_class(module, attribute, dotted)
    # Code for the real SDK: load its top-level package from its sys.path entry through kit's loader.
    top = dotted.split(".")[0]
    top_spec = importlib.util.find_spec(top)
    locations = list(top_spec.submodule_search_locations or []) if top_spec else []
    root = Path(locations[0]).parent if locations else Path(spec.origin).parent
    finder = _finder_for(root)
    _forget(finder.prefix)
    with _metrics_replaced():
        module = importlib.import_module(f"{finder.prefix}.{dotted}")
    return _pick_class(module, attribute, dotted)


@dataclass
class ModuleDirectory:
    """A module directory (as in SEKOIA-IO/automation-library) loaded on kit."""

    path: Path
    manifest: dict
    module_class: type
    items: dict[str, type]
    component_manifests: dict[str, tuple[str, dict]]
    main: Any = field(default=None, repr=False)
    unavailable: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """docker_parameters of the registered components."""
        return sorted(self.items)

    def component(self, name: str) -> type:
        """The class registered under ``name`` (its docker_parameters, or its class name)."""
        if name in self.items:
            return self.items[name]
        if name in self.unavailable:
            raise ComponentLoadError(f"{self.path.name}: {name} cannot run on kit: {self.unavailable[name]}")
        for cls in self.items.values():
            if cls.__name__ == name:
                return cls
        raise ComponentLoadError(
            f"{self.path.name}: no component is registered under {name!r} in main.py; registered: "
            f"{', '.join(self.names()) or 'none'}"
        )

    def manifest_for(self, name: str) -> dict | None:
        """The component's JSON manifest (``trigger_*.json``...) or None."""
        cls = self.component(name)
        for docker, (_, data) in self.component_manifests.items():
            if docker == name or self.items.get(docker) is cls:
                return data
        return None

    def secret_names(self, name: str) -> list[str]:
        """The keys component ``name``'s manifest declares secret (its ``arguments.secrets``)."""
        return list(((self.manifest_for(name) or {}).get("arguments") or {}).get("secrets", []))

    def _secrets(self, name: str, configuration: Any, module_configuration: Any) -> Any:
        """The secret values of both configurations, as the manifests declare them."""
        from kit._platform._secrets import Secrets

        secrets = Secrets()
        secrets.add_fields(configuration, self.secret_names(name))
        module_secrets = (self.manifest.get("configuration") or {}).get("secrets", [])
        secrets.add_fields(module_configuration, module_secrets)
        return secrets

    def check_configuration(self, name: str, configuration: Any, key: str = "arguments", secrets: Any = None) -> None:
        """Validate ``configuration`` against the component manifest's ``arguments`` schema."""
        manifest = self.manifest_for(name)
        schema = (manifest or {}).get(key)
        if not schema or configuration is None:
            return
        from kit.action import Action
        from kit.utils import model_annotation, run_arguments_annotation

        from kit.exceptions import TriggerConfigurationError

        cls = self.component(name)
        action = issubclass(cls, Action)
        model = run_arguments_annotation(cls) if action else model_annotation(cls, "configuration")
        # the errors platform.load/run_action raise for the same mistakes in the code's models
        error, given = (ValueError, "arguments") if action else (TriggerConfigurationError, "configuration")
        _validate_schema(
            configuration, schema, f"{key} of {name} ({self.path.name})", secrets, model, cls.__name__,
            error=error, fix=f"Fix these fields in the {given} you pass.",
        )

    def check_module_configuration(self, configuration: Any, secrets: Any = None) -> None:
        """Validate a module configuration against ``manifest.json``'s ``configuration`` schema."""
        schema = self.manifest.get("configuration")
        if schema:
            from kit.exceptions import ModuleConfigurationError
            from kit.utils import model_annotation

            model = model_annotation(self.module_class, "configuration") if self.module_class else None
            owner = getattr(self.module_class, "__name__", "the module")
            fix = (
                "Fix these fields in the module configuration you pass."
                if configuration is not None
                else "Pass it as module_configuration={...} (simulate's fourth argument, run_action's third)."
            )
            _validate_schema(
                {} if configuration is None else configuration, schema, f"module configuration of {self.path.name}",
                secrets, model, owner, error=ModuleConfigurationError, fix=fix,
            )

    def _checked(self, name: str, configuration: Any, module_configuration: Any, kw: dict) -> dict:
        """Validate both configurations (secrets masked in the errors); the keyword arguments of
        ``platform.load``/``run_action`` with the component manifest's secrets added."""
        secrets = self._secrets(name, configuration, module_configuration)
        self.check_configuration(name, configuration, secrets=secrets)
        self.check_module_configuration(module_configuration, secrets=secrets)
        return {**kw, "secrets": [*self.secret_names(name), *kw.get("secrets", ())]}

    def simulate(self, platform: Any, name: str, configuration: Any = None, module_configuration: Any = None, **kw: Any):
        """Load component ``name`` into ``platform`` with the directory's module class and manifest."""
        kw = self._checked(name, configuration, module_configuration, kw)
        return platform.load(
            self.component(name), configuration, module_configuration, module=self.module_class,
            manifest=self.manifest, **kw,
        )

    def run_action(self, platform: Any, name: str, arguments: Any = None, module_configuration: Any = None, **kw: Any):
        """Run action ``name`` in ``platform`` with the directory's module class and manifest."""
        kw = self._checked(name, arguments, module_configuration, kw)
        return platform.run_action(
            self.component(name), arguments, module_configuration, module=self.module_class,
            manifest=self.manifest, **kw,
        )

    def import_code_modules(self) -> list[ModuleType]:
        """Import every module of the directory's packages (not tests), as the real generator does."""
        import pkgutil

        finder = _finder_for(self.path)
        modules = []
        for info in pkgutil.walk_packages([str(self.path)], prefix=f"{finder.prefix}."):
            short = info.name[len(finder.prefix) + 1 :]
            if short.split(".")[0] in {"tests", "main"} or short.split(".")[0].startswith(("_", ".")):
                continue
            try:
                with _metrics_replaced():
                    modules.append(importlib.import_module(info.name))
            except ComponentLoadError as error:
                if "not implemented by kit" not in str(error):
                    raise
                # a part of the SDK kit does not implement (an asset connector): its components
                # are the ones load_module_directory reported as unavailable
        return modules


def _plain_data(value: Any) -> Any:
    """A model instance as its dump (other values as they are)."""
    from kit.utils import is_model_instance, model_dump

    return model_dump(value) if is_model_instance(value) else value


def _defaulted_by(model: Any, field: str) -> Any:
    """The default ``model`` gives ``field`` when the field is optional there; ``_REQUIRED`` otherwise."""
    from kit.utils import is_model_class, is_v1_model_class

    if not is_model_class(model):
        return _REQUIRED
    if is_v1_model_class(model):
        info = model.__fields__.get(field)
        return _REQUIRED if info is None or info.required else info.get_default()
    info = model.model_fields.get(field)
    return _REQUIRED if info is None or info.is_required() else info.get_default(call_default_factory=True)


_REQUIRED = object()


def _validate_schema(
    value: Any, schema: dict, what: str, secrets: Any = None, model: Any = None, owner: str = "", *,
    error: type[Exception] = ValueError, fix: str = "",
) -> None:
    """Raise ``error`` listing every place ``value`` does not match ``schema`` (a manifest's
    ``arguments`` or ``configuration``); a field the schema lists in ``secrets`` never shows its value,
    and ``secrets`` (a :class:`kit._platform._secrets.Secrets`) masks the rest of the message.

    What the runtime accepts although the platform's form would not is not refused, as the real
    runtime does not: a model instance (its model validated it), and a field the manifest requires
    but ``model`` (the code's model, of class ``owner``) defaults, which only warns."""
    import jsonschema

    from kit.utils import is_model_instance

    if is_model_instance(value):
        return
    data = _plain_data(value)
    secret_keys = set(schema.get("secrets", []))
    schema = {k: v for k, v in schema.items() if k != "secrets"}
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    errors = sorted(validator_cls(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    defaulted: dict[str, Any] = {}  # field -> the model's default for it
    for found in list(errors):
        if found.validator == "required" and not found.absolute_path and isinstance(found.instance, dict):
            defaults = {n: _defaulted_by(model, n) for n in found.validator_value if n not in found.instance}
            if defaults and all(default is not _REQUIRED for default in defaults.values()):
                errors.remove(found)
                defaulted.update(defaults)
    if defaulted:
        import warnings

        from kit._platform._platform import KitWarning

        fields = ", ".join(f"{n!r} (default {default!r})" for n, default in defaulted.items())
        warnings.warn(
            f"{what}: the manifest requires {fields}, which the configuration leaves out; {owner}'s model "
            "defaults it, so the runtime runs as kit does here, but the platform's configuration form will ask "
            "for it: give it a value, or drop it from the manifest's \"required\"",
            KitWarning,
            stacklevel=4,
        )
    if errors:
        if secrets is None:
            from kit._platform._secrets import Secrets

            secrets = Secrets.from_data(data, secret_keys)
        lines = [f"{what} does not match the manifest schema ({len(errors)} error{'s' * (len(errors) != 1)}):"]
        for found in errors:
            location = ".".join(str(p) for p in found.absolute_path) or "(root)"
            if found.validator == "required" and isinstance(found.instance, dict):
                # name the missing field itself, as the errors of the code's models do
                prefix = "" if location == "(root)" else location + "."
                lines.extend(
                    f"  - {prefix}{n}: required field is missing" for n in found.validator_value if n not in found.instance
                )
                continue
            message = found.message
            if any(str(p) in secret_keys for p in found.absolute_path):
                message = f"invalid value ({found.validator})"
            lines.append(f"  - {location}: {message}")
        if fix:
            lines.append(fix)
        raise error(secrets.text("\n".join(lines)))


@contextlib.contextmanager
def _metrics_replaced() -> Iterator[None]:
    """While a module's code is (re)imported, a Prometheus metric it defines at import time replaces
    the one of the same name from an earlier load, instead of raising ``Duplicated timeseries``
    (a notebook re-runs its load cell; about half of the repository's modules define metrics)."""
    # only a registry imported by an earlier load can hold a metric of the same name
    registry = getattr(sys.modules.get("prometheus_client.registry"), "REGISTRY", None)
    if registry is None or "register" in vars(registry):  # (or replaced already: a load within a load)
        yield
        return
    register = registry.register

    def replacing(collector: Any) -> None:
        with registry._lock:
            names = registry._get_names(collector)
            earlier = {registry._names_to_collectors[n] for n in names if n in registry._names_to_collectors}
        for old in earlier:
            registry.unregister(old)
        register(collector)

    registry.register = replacing  # type: ignore[method-assign]
    try:
        yield
    finally:
        del registry.register  # the class's method again


def load_module_directory(path: str | Path) -> ModuleDirectory:
    """Load a module directory: its manifests, its ``main.py`` registrations and its package."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise ComponentLoadError(f"no such module directory: {root} (looked from {Path.cwd()})")
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise ComponentLoadError(f"{root} is not a module directory: it has no manifest.json")
    main_path = root / "main.py"
    if not main_path.is_file():
        raise ComponentLoadError(
            f"{root} has no main.py: a module directory registers its components in main.py "
            "(module.register(Class, \"docker_parameters\")); create it, or `kit generate-files` it"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as error:
        raise ComponentLoadError(f"{manifest_path} is not valid JSON: {error}") from None
    component_manifests: dict[str, tuple[str, dict]] = {}
    for file in sorted(root.glob("*.json")):
        if file.name == "manifest.json" or not file.name.startswith(("trigger_", "connector_", "action_")):
            continue
        try:
            data = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise ComponentLoadError(f"{file} is not valid JSON: {error}") from None
        docker = data.get("docker_parameters") or data.get("docker_parameter")
        if docker:
            component_manifests[docker] = (file.name, data)
    finder = _finder_for(root)
    _forget(finder.prefix)
    registrations, module_class_name = _parse_main(main_path)
    unavailable: dict[str, str] = {}
    try:
        with _metrics_replaced():
            main = importlib.import_module(f"{finder.prefix}.main")
    except ComponentLoadError as error:
        # A part of the SDK kit does not implement (an asset connector, say): load the other
        # components one by one, from the modules main.py imports them from.
        with _metrics_replaced():
            main = _partial_main(finder, main_path, registrations, module_class_name, unavailable, error)
    except ModuleNotFoundError as error:
        raise ComponentLoadError(f"{main_path}: {error}; install what the module needs (its pyproject.toml)") from error
    items: dict[str, type] = {}
    for class_name, docker in registrations:
        if docker in unavailable:
            continue
        cls = getattr(main, class_name, None)
        if cls is None:
            raise ComponentLoadError(f"{main_path}: registers {class_name}, which main.py does not import")
        items[docker] = cls
    from kit.module import Module

    module_class = getattr(main, module_class_name, Module) if module_class_name else Module
    if not (isinstance(module_class, type) and issubclass(module_class, Module)):
        module_class = Module
    if unavailable:
        import warnings

        warnings.warn(
            f"{root.resolve().name}: loaded without {', '.join(sorted(unavailable))}: "
            + "; ".join(f"{name}: {reason}" for name, reason in sorted(unavailable.items())),
            UserWarning,
            stacklevel=2,
        )
    return ModuleDirectory(root, manifest, module_class, items, component_manifests, main, unavailable)


def _partial_main(
    finder: _DirectoryFinder, main_path: Path, registrations: list[tuple[str, str]], module_class_name: str | None,
    unavailable: dict[str, str], error: ComponentLoadError,
) -> Any:
    """A stand-in for main.py's namespace holding the classes that could be imported."""
    import types

    sources = _main_imports(main_path)
    namespace = types.SimpleNamespace()
    wanted = [(name, docker) for name, docker in registrations]
    if module_class_name:
        wanted.append((module_class_name, None))
    for class_name, docker in wanted:
        source = sources.get(class_name)
        try:
            if source is None:
                raise ComponentLoadError(f"main.py does not import {class_name} with `from ... import`")
            module = importlib.import_module(f"{finder.prefix}.{source}")
            setattr(namespace, class_name, getattr(module, class_name))
        except (ComponentLoadError, ImportError, AttributeError) as failure:
            if docker is None:
                raise error from None  # without its Module class, nothing can run
            reason = str(failure)
            unavailable[docker] = reason.split(": ", 1)[1] if reason.startswith(str(finder.root)) else reason
    if len(unavailable) == len(registrations):
        raise error
    return namespace


def _main_imports(path: Path) -> dict[str, str]:
    """Names main.py imports with ``from module import Name`` -> module (its own packages only)."""
    tree = ast.parse(path.read_text(), str(path))
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def _parse_main(path: Path) -> tuple[list[tuple[str, str]], str | None]:
    tree = ast.parse(path.read_text(), str(path))
    registrations = []
    module_class = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "register_account_validator" and node.args and isinstance(node.args[0], ast.Name):
                registrations.append((node.args[0].id, "validate_module_configuration"))
            elif node.func.attr == "register" and node.args and isinstance(node.args[0], ast.Name):
                docker = ""
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    docker = str(node.args[1].value)
                for keyword in node.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        docker = str(keyword.value.value)
                registrations.append((node.args[0].id, docker or node.args[0].id))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
            if any(isinstance(t, ast.Name) and t.id == "module" for t in node.targets):
                module_class = node.value.func.id
    return registrations, module_class
