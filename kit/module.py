"""``Module`` and ``ModuleItem``, as in ``sekoia_automation.module``.

A component hosted by :class:`kit.FakePlatform` talks to the platform through
``module._kit_host``; a component that is not hosted reads its configuration
from ``/symphony`` (or environment variables) like the real SDK does.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import traceback
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Literal

from kit._errors import describe_validation_error
from kit.exceptions import CommandNotFoundError, ModuleConfigurationError
from kit.utils import get_as_model, is_model_instance, model_annotation, model_dump

LogLevelStr = Literal["fatal", "critical", "error", "warning", "info", "debug"]

_CONFIG_VOLUME = "/symphony"


def _load_config(name: str, type_: str = "str", non_exist_ok: bool = False) -> Any:
    """The real SDK's file-system configuration: ``/symphony/<name>``, then ``$NAME``."""
    path = Path(_CONFIG_VOLUME) / name
    if path.is_file():
        if type_ == "json":
            with path.open() as fp:
                return json.load(fp)
        return path.read_text()
    value = os.environ.get(name.upper())
    if value:
        if type_ == "json":
            try:
                return json.loads(value)
            except ValueError:
                import base64

                return json.loads(base64.b64decode(value))
        return value
    if non_exist_ok:
        return None
    raise FileNotFoundError(f"{path} does not exist.")


class Module:
    """A module: its manifest, its configuration and the components registered in it."""

    MODULE_CONFIGURATION_FILE_NAME = "module_configuration"
    COMMUNITY_UUID_FILE_NAME = "community_uuid"
    PLAYBOOK_UUID_FILE_NAME = "playbook_uuid"
    PLAYBOOK_RUN_UUID_FILE_NAME = "playbook_run_uuid"
    NODE_RUN_UUID_FILE_NAME = "node_run_uuid"
    TRIGGER_CONFIGURATION_UUID_FILE_NAME = "trigger_configuration_uuid"
    CONNECTOR_CONFIGURATION_UUID_FILE_NAME = "connector_configuration_uuid"
    SENTRY_FILE_NAME = "sentry_dsn"
    ENVIRONMENT_FILE_NAME = "environment"

    def __init__(self) -> None:
        self._items: dict[str, type[ModuleItem]] = {}
        self._working_directory = Path.cwd()
        self._command: str | None = None
        self._manifest: dict | None = None
        self._configuration: Any = None
        self._community_uuid: str | None = None
        self._playbook_uuid: str | None = None
        self._playbook_run_uuid: str | None = None
        self._node_run_uuid: str | None = None
        self._trigger_configuration_uuid: str | None = None
        self._connector_configuration_uuid: str | None = None
        self._kit_host: Any = None

    # -- command and manifest ----------------------------------------------
    @property
    def command(self) -> str | None:
        """The command (``docker_parameters``) this process runs: ``sys.argv[1]``."""
        if self._command is None and len(sys.argv) >= 2:
            self._command = sys.argv[1]
        return self._command

    def set_working_directory(self, path: Path) -> None:
        """Set the directory ``manifest.json`` is read from."""
        self._working_directory = Path(path)

    @property
    def manifest(self) -> dict:
        """The module's ``manifest.json`` (``{}`` when there is none)."""
        if self._manifest is None:
            path = self._working_directory / "manifest.json"
            self._manifest = json.loads(path.read_text()) if path.is_file() else {}
        return self._manifest

    @property
    def name(self) -> str:
        return self.manifest.get("name", "name missing from manifest")

    # -- configuration --------------------------------------------------------
    @property
    def configuration(self) -> Any:
        """The module configuration: a dict, or the model annotated as ``configuration``."""
        if self._configuration is None:
            self.configuration = self.load_config(self.MODULE_CONFIGURATION_FILE_NAME, "json")
        return self._configuration

    @configuration.setter
    def configuration(self, configuration: Any) -> None:
        present = model_dump(configuration) if is_model_instance(configuration) else (configuration or {})
        properties = set(self.manifest_properties())
        missing = [key for key in self.manifest_required_properties() if key not in present or key not in properties]
        if missing:
            raise ModuleConfigurationError(f"Module configuration requires properties that were not found: {missing}")
        model = model_annotation(type(self), "configuration")
        try:
            self._configuration = get_as_model(model, configuration)
        except Exception as error:
            if hasattr(error, "errors"):
                from kit.utils import secret_fields

                message = describe_validation_error(
                    error,
                    what=f"module configuration of {type(self).__name__} ({getattr(model, '__name__', model)})",
                    secrets=secret_fields(model) | set(self.manifest_secrets()),
                    fix="Fix these fields in the module configuration you pass.",
                )
            else:
                message = str(error)
            raise ModuleConfigurationError(message) from None

    def manifest_properties(self) -> list[str]:
        return list(self.manifest.get("configuration", {}).get("properties", {}).keys())

    def manifest_secrets(self) -> list[str]:
        return list(self.manifest.get("configuration", {}).get("secrets", []))

    def manifest_required_properties(self) -> list[str]:
        return list(self.manifest.get("configuration", {}).get("required", []))

    def has_secrets(self) -> bool:
        return bool(self.manifest_secrets())

    @property
    def secrets(self) -> dict:
        configuration = self.configuration
        data = model_dump(configuration) if is_model_instance(configuration) else dict(configuration or {})
        return {key: data[key] for key in self.manifest_secrets() if key in data}

    def set_secrets(self, secrets: dict) -> None:
        """Merge secret values into the configuration (and validate again)."""
        if not secrets:
            return
        if isinstance(self.configuration, dict):
            self.configuration = self.configuration | secrets
        else:
            for key, value in secrets.items():
                setattr(self.configuration, key, value)

    def _lazy(self, attribute: str, file_name: str) -> str | None:
        if getattr(self, attribute) is None:
            setattr(self, attribute, self.load_config(file_name, non_exist_ok=True))
        return getattr(self, attribute)

    @property
    def community_uuid(self) -> str | None:
        return self._lazy("_community_uuid", self.COMMUNITY_UUID_FILE_NAME)

    @property
    def playbook_uuid(self) -> str | None:
        return self._lazy("_playbook_uuid", self.PLAYBOOK_UUID_FILE_NAME)

    @property
    def playbook_run_uuid(self) -> str | None:
        return self._lazy("_playbook_run_uuid", self.PLAYBOOK_RUN_UUID_FILE_NAME)

    @property
    def node_run_uuid(self) -> str | None:
        return self._lazy("_node_run_uuid", self.NODE_RUN_UUID_FILE_NAME)

    @property
    def trigger_configuration_uuid(self) -> str | None:
        return self._lazy("_trigger_configuration_uuid", self.TRIGGER_CONFIGURATION_UUID_FILE_NAME)

    @property
    def connector_configuration_uuid(self) -> str | None:
        return self._lazy("_connector_configuration_uuid", self.CONNECTOR_CONFIGURATION_UUID_FILE_NAME)

    def load_config(self, file_name: str, type_: str = "str", non_exist_ok: bool = False) -> Any:
        """Read one configuration key (a hosted module asks its platform)."""
        if self._kit_host is not None:
            return self._kit_host.load_config(file_name, type_, non_exist_ok)
        return _load_config(file_name, type_, non_exist_ok)

    def init_sentry(self) -> None:
        """Kept for API compatibility: kit never initialises sentry."""

    # -- registration and run -------------------------------------------------
    def register(self, item: type["ModuleItem"], name: str = "") -> None:
        """Register a component class under the command ``name`` (its ``docker_parameters``)."""
        if not item.name:
            item.name = name
        self._items[name] = item

    def register_account_validator(self, validator: type) -> None:
        self.register(validator, "validate_module_configuration")

    def run(self) -> None:
        """Run the component registered under :attr:`command`, as a container would."""
        command = self.command or ""
        if command not in self._items:
            raise CommandNotFoundError(f"Could not find any Action or Trigger matching command '{command}'")
        item = self._items[command](self)
        stop = getattr(item, "stop", None)
        previous = None
        if stop is not None and threading_is_main():
            # As the real SDK, but only here, and put back afterwards: a kernel keeps its own SIGINT handler.
            previous = (signal.signal(signal.SIGINT, stop), signal.signal(signal.SIGTERM, stop))
        try:
            item.start_monitoring()
            item.execute()
        finally:
            item.stop_monitoring()
            if previous is not None:
                signal.signal(signal.SIGINT, previous[0])
                signal.signal(signal.SIGTERM, previous[1])


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class ModuleItem(ABC):
    """Base class of triggers, connectors and actions."""

    TOKEN_FILE_NAME = "token"
    CALLBACK_URL_FILE_NAME = "url_callback"
    SECRETS_URL_FILE_NAME = "url_secrets"
    LOGS_URL_FILE_NAME = "url_logs"
    INTAKE_URL_FILE_NAME = "intake_url"

    name: str | None = None
    description: str | None = None
    results_model: Any = None
    _wait_exponent_base: int = 2

    def __init__(self, module: Module | None = None, data_path: Path | None = None) -> None:
        self.module = module or Module()
        self._data_path = Path(data_path) if data_path is not None else None
        if not self.name:
            self.name = type(self).__name__.lower()
        self._token: str | None = None
        self._logger = logging.getLogger(self.name)

    # -- platform access -----------------------------------------------------
    @property
    def _kit_host(self) -> Any:
        return self.module._kit_host

    def _require_host(self, what: str) -> Any:
        host = self.module._kit_host
        if host is None:
            raise RuntimeError(
                f"{type(self).__name__}.{what}: this component is not hosted by a kit platform. "
                f"Load it with kit.FakePlatform().load({type(self).__name__}) (or run_action for an action), "
                "or export the module to run it on the real sekoia_automation SDK."
            )
        return host

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.module.load_config(self.TOKEN_FILE_NAME)
        return self._token

    def _ensure_data_path_set(self) -> None:
        if self._data_path is None:
            from kit.storage import get_data_path

            self._data_path = get_data_path()

    @property
    def data_path(self) -> Path:
        """The folder this component stores its files in."""
        self._ensure_data_path_set()
        return self._data_path  # type: ignore[return-value]

    @property
    def callback_url(self) -> str:
        return self.module.load_config(self.CALLBACK_URL_FILE_NAME)

    @property
    def intake_url(self) -> str:
        return self.module.load_config(self.INTAKE_URL_FILE_NAME)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- logging ---------------------------------------------------------------
    def log(self, message: str, level: LogLevelStr = "debug", only_sentry: bool = False, **kwargs: Any) -> None:
        """Log ``message`` at ``level`` (recorded by the platform when hosted)."""
        host = self.module._kit_host
        if host is not None:
            host.record_log(self, level, str(message), extra=kwargs or None, context_in_text=True)
            return
        if not only_sentry:
            self._logger.log(logging.getLevelName(level.upper() if level != "fatal" else "CRITICAL"), message)

    def log_exception(self, exception: BaseException, **kwargs: Any) -> None:
        """Log an exception with its traceback."""
        message = kwargs.get("message", "An exception occurred")
        host = self.module._kit_host
        if host is not None:
            text = "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
            host.record_log(self, "exception", f"{message}\n{text}".rstrip("\n"), sent=False, exception=exception)
            return
        self._logger.error(message, exc_info=exception)

    @abstractmethod
    def execute(self) -> None:
        """Run the component (the platform's entry point)."""

    def start_monitoring(self) -> None:
        """No-op: kit serves no liveness or metrics endpoint."""

    def stop_monitoring(self) -> None:
        """No-op: kit serves no liveness or metrics endpoint."""


# re-exported for ``from sekoia_automation.module import ...`` compatibility
__all__ = ["LogLevelStr", "Module", "ModuleItem"]
