"""``Trigger``, as in ``sekoia_automation.trigger``.

The restart loop (:meth:`Trigger.execute`), the error classification, the
critical-log rules and the log rate limit follow the real SDK.  What the real
SDK sends over HTTP (events, logs) goes to the hosting platform instead.
Differences, on purpose: no SIGINT/SIGTERM handlers in ``__init__`` (only
:meth:`kit.Module.run` installs them), no liveness server, no sentry.
"""

from __future__ import annotations

import shutil
import threading
import time
from abc import abstractmethod
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from kit import _runtime
from kit._errors import describe_validation_error
from kit.exceptions import (
    InvalidDirectoryError,
    ModuleConfigurationError,
    SendEventError,
    TriggerConfigurationError,
)
from kit.module import LogLevelStr, Module, ModuleItem
from kit.utils import (
    get_as_model,
    model_annotation,
    is_model_instance,
    secret_fields,
    validate_with_model,
)


def _install_stop_handlers(stop: Any) -> None:
    """SIGINT and SIGTERM call ``stop``, as the real SDK's ``Trigger.__init__`` sets them.

    Only on the main thread (elsewhere ``signal.signal`` raises) and outside a notebook kernel (it
    keeps its interrupt button); a component hosted by a kit platform has them recorded instead
    (the platform's stop calls its SIGTERM handler).
    """
    import signal
    import sys

    if threading.current_thread() is not threading.main_thread():
        return
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and hasattr(shell, "kernel"):
        return
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


class Trigger(ModuleItem):
    """A daemon that starts playbook runs with :meth:`send_event`.

    Subclasses implement :meth:`run`, normally a loop on :attr:`running` that
    polls a source, calls :meth:`send_event` and sleeps.
    """

    configuration_model = None
    TRIGGER_CONFIGURATION_FILE_NAME = "trigger_configuration"
    seconds_without_events = 0
    last_heartbeat_threshold = 0
    LIVENESS_PORT_FILE_NAME = "liveness_port"
    METRICS_PORT_FILE_NAME = "metrics_port"
    LOGS_MAX_BATCH_SIZE = 50
    LOGS_MAX_DELTA = 5
    LOGS_RATE_LIMIT: ClassVar[dict[str, int]] = {"debug": 60, "info": 60, "warning": 60, "error": 60, "critical": 0}
    _STOP_EVENT_WAIT = 120

    def __init__(self, module: Module | None = None, data_path: Path | None = None) -> None:
        super().__init__(module, data_path)
        self._configuration: Any = None
        self._error_count = 0
        now = _runtime.utcnow().replace(tzinfo=None)
        self._last_events_time = now
        self._last_heartbeat = now
        self._startup_time = now
        self._secrets: dict = {}
        self._stop_event = threading.Event()
        self._critical_log_sent = False
        self._rate_limited_logs: dict[str, float] = {}
        self._logs: list[dict] = []
        _install_stop_handlers(self.stop)

    # -- lifecycle ------------------------------------------------------------------
    def stop(self, *args: Any, **kwargs: Any) -> None:
        """Ask the trigger to stop: :attr:`running` becomes False (usable as a signal handler)."""
        self._stop_event.set()

    @property
    def running(self) -> bool:
        """False once :meth:`stop` was called."""
        return not self._stop_event.is_set()

    # -- configuration ------------------------------------------------------------
    @property
    def configuration(self) -> Any:
        """The trigger configuration: a dict, or the model annotated as ``configuration``."""
        if self._configuration is None:
            self.configuration = self.module.load_config(self.TRIGGER_CONFIGURATION_FILE_NAME, "json")
        return self._configuration

    @configuration.setter
    def configuration(self, configuration: Any) -> None:
        self._configuration = self._coerce_configuration(configuration)

    def _coerce_configuration(self, configuration: Any) -> Any:
        model = model_annotation(type(self), "configuration")
        try:
            return get_as_model(model, configuration)
        except Exception as error:
            if hasattr(error, "errors"):
                message = describe_validation_error(
                    error,
                    what=f"configuration of {type(self).__name__} ({getattr(model, '__name__', model)})",
                    secrets=secret_fields(model),
                    fix="Fix these fields in the configuration you pass.",
                )
            else:
                message = str(error)
            raise TriggerConfigurationError(message) from None

    # -- the restart loop ------------------------------------------------------------
    def execute(self) -> None:
        """Run :meth:`run` again and again until stopped, as the real SDK does."""
        self._ensure_data_path_set()
        self._secrets = self._get_secrets_from_server()
        self.module.set_secrets(self._secrets)
        try:
            while not self._stop_event.is_set():
                try:
                    self._execute_once()
                except Exception:  # noqa: S110 - the real loop ignores them too
                    pass
        finally:
            self._send_logs_to_api()

    def _get_secrets_from_server(self) -> dict:
        # A hosted module already holds its secrets in its configuration.
        return {}

    def _execute_once(self) -> None:
        error: BaseException | None = None
        try:
            self.run()
        except (TriggerConfigurationError, ModuleConfigurationError) as exc:
            error = exc
            self.log_exception(exc)
            self.log("Configuration error", "critical")
        except SendEventError as exc:
            error = exc
            self.log_exception(exc)
            if exc.status_code < 500:
                self._count_error()
        except Exception as exc:
            error = exc
            self.log_exception(exc)
            self._count_error()
        host = self.module._kit_host
        if host is not None:
            host.run_ended(self, error)
        if self._critical_log_sent:
            self._stop_event.wait(self._STOP_EVENT_WAIT)

    def _count_error(self) -> None:
        self._error_count += 1
        if self._is_error_critical():
            self.log(f"{self._error_count} successive uncatched errors", "critical")

    def _is_error_critical(self) -> bool:
        if self._error_count < 5 or self._critical_log_sent:
            return False
        now = _runtime.utcnow().replace(tzinfo=None)
        uptime = min((now - self._startup_time).total_seconds(), timedelta(days=5).total_seconds())
        if uptime < 1800:
            return False
        return uptime / 5 <= (now - self._last_events_time).total_seconds()

    def heartbeat(self) -> None:
        self._last_heartbeat = _runtime.utcnow().replace(tzinfo=None)

    # -- events ----------------------------------------------------------------------
    def send_normalized_event(
        self, event_name: str, event: dict, directory: str | None = None, remove_directory: bool = False
    ) -> None:
        """Start a playbook run with an event that is already validated."""
        host = self._require_host("send_event")
        self._error_count = 0
        self._last_events_time = _runtime.utcnow().replace(tzinfo=None)
        directory_path = None
        if directory:
            directory_path = self.data_path.joinpath(directory)
            if not directory_path.is_dir():
                raise InvalidDirectoryError(
                    f"send_event({event_name!r}, directory={directory!r}): {directory_path} is not an existing "
                    f"directory. Create it under {type(self).__name__}'s data_path (for example with "
                    "kit.storage.temp_directory()) before sending the event."
                )
        try:
            host.record_run(self, event_name, event, directory_path, remove_directory)
        finally:
            if directory_path is not None and remove_directory:
                shutil.rmtree(directory_path, ignore_errors=True)

    def send_event(
        self,
        event_name: str,
        event: Any = None,
        directory: str | None = None,
        remove_directory: bool = False,
        *,
        event_data: Any = None,
    ) -> None:
        """Start a playbook run: validate ``event`` with :attr:`results_model`, then send it.

        ``event_data=`` is accepted as an alias of ``event`` (the spelling of the
        Sekoia trigger documentation); the real SDK knows only ``event``.
        """
        if event_data is not None:
            if event is not None:
                raise TypeError("send_event() got both event and event_data; pass the event once, as event=")
            event = event_data
        host = self._require_host("send_event")
        try:
            if self.results_model is None and is_model_instance(event):
                raise TypeError(
                    f"send_event({event_name!r}, ...): the event is a {type(event).__name__} model but "
                    f"{type(self).__name__} has no results_model, so the real SDK cannot serialise it. "
                    f"Set results_model = {type(event).__name__} or pass event.model_dump()."
                )
            data = validate_with_model(self.results_model, event)
        except Exception as error:
            host.event_rejected(self, event_name, error)
            raise
        self.send_normalized_event(event_name, data, directory, remove_directory)

    # -- logs ------------------------------------------------------------------------
    def log_ttl(self, key: str, value: Any, now: float) -> float:
        return now + self.LOGS_RATE_LIMIT.get(key.split(":")[0], 0)

    def log(self, message: str, level: LogLevelStr = "info", *args: Any, **kwargs: Any) -> None:
        """Log ``message``; as the real SDK, one critical per instance and identical lines rate-limited."""
        if level == "critical" and self._critical_log_sent:
            level = "error"
        key = f"{level}:{message}"
        now = time.time()
        expiry = self._rate_limited_logs.get(key)
        sent = expiry is None or expiry <= now
        if sent and self.LOGS_RATE_LIMIT.get(level, 0) > 0:
            self._rate_limited_logs[key] = self.log_ttl(key, None, now)
        exception = kwargs.pop("_exception", None)  # the exception of a log_exception line
        kwargs.pop("propagate", None)
        host = self.module._kit_host
        if host is not None:
            host.record_log(self, level, str(message), sent=sent, extra=kwargs or None, exception=exception)
        else:
            super().log(message, level)
        if level == "critical":
            self._critical_log_sent = True

    def log_exception(self, exception: BaseException, **kwargs: Any) -> None:
        """Log an exception: its traceback locally, ``"<message>\\n<exception>"`` to the platform."""
        super().log_exception(exception, **kwargs)
        message = kwargs.get("message", "An exception occurred")
        self.log(f"{message}\n{exception}", level="error", propagate=False, _exception=exception)

    def _send_logs_to_api(self) -> None:
        self._logs = []

    # -- to implement ------------------------------------------------------------------
    @abstractmethod
    def run(self) -> None:
        """The trigger's logic: loop while :attr:`running`, call :meth:`send_event`, sleep."""


__all__ = ["Trigger"]
