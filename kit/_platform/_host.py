"""What the platform gives one hosted component: configuration, storage and recorders."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import threading
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid4, uuid5

from kit import _runtime
from kit._platform import _loguru, _metrics
from kit._platform._intake import IntakeRecorder
from kit._platform._records import (
    ActionRecord,
    AssetRecord,
    HttpCall,
    LogRecord,
    MetricRecord,
    RejectedEvent,
    RunRecord,
    StepError,
    freeze,
    utc,
)
from kit._platform._secrets import Secrets

if TYPE_CHECKING:
    from kit._platform._platform import FakePlatform

_LEVELS = {"fatal": "critical", "warn": "warning"}
# the SDK's logging methods: a line is the component's when the first frame past them is its code
_LOG_METHODS = {"record_log", "log", "log_exception"}


def _log_source() -> str:
    kit_file = _runtime.kit_file
    frame = sys._getframe(2)
    while frame is not None and kit_file(frame.f_code.co_filename) and frame.f_code.co_name in _LOG_METHODS:
        frame = frame.f_back
    return "sdk" if frame is not None and kit_file(frame.f_code.co_filename) else "component"


class ComponentHost:
    """The seam object a hosted component records through (see ``kit._runtime.Host``)."""

    def __init__(
        self,
        platform: "FakePlatform",
        name: str,
        data_path: Path,
        *,
        module_configuration: Any,
        configuration: Any,
        secrets: Secrets,
        kind: str,
    ) -> None:
        self.platform = platform
        self.name = name
        self.kind = kind
        self.data_path = data_path
        self.module_configuration = module_configuration
        self.configuration = configuration
        self.arguments: Any = None
        # the platform's secrets: everything this host records passes through it
        self.mask = secrets
        # the keys declared secret, by what they configure ("module_configuration", "configuration" or "arguments")
        self.secret_keys: dict[str, frozenset[str]] = {}
        self.step = 0
        self.worker: Any = None  # set by the simulation
        self.runs: list[RunRecord] = []
        self.logs: list[LogRecord] = []
        self.http: list[HttpCall] = []
        self.metrics: list[MetricRecord] = []
        self.assets: list[AssetRecord] = []
        self._asset_pushes = 0
        # the uuid the platform gives this component's connector configuration (asset connectors post to it)
        self.connector_configuration_uuid = str(uuid5(NAMESPACE_URL, f"kit-platform/{name}"))
        self.rejected: list[RejectedEvent] = []
        self.errors: list[tuple[int, StepError]] = []
        self.intake = IntakeRecorder(name, self._intake_warning, secrets)
        self.action_result: ActionRecord | None = None
        self.signal_handlers: dict[int, Any] = {}
        self._lock = threading.Lock()
        _metrics.install_if_imported()
        _loguru.install_if_imported()

    # -- helpers -----------------------------------------------------------------
    def _now(self) -> float:
        return self.platform.clock.time()

    @staticmethod
    def thread() -> str:
        """The name of the component's thread calling ("" while the component has started no thread)."""
        context = _runtime.current()
        return getattr(context, "label", "") if context is not None else ""

    def load_config(self, name: str, type_: str = "str", non_exist_ok: bool = False) -> Any:
        values = {
            "module_configuration": self.module_configuration,
            "trigger_configuration": self.configuration,
            "connector_configuration": self.configuration,
            "arguments": self.arguments,
            "token": "kit-fake-token",
            "url_callback": "https://kit.invalid/callback",
            "url_logs": "https://kit.invalid/logs",
            "url_secrets": "https://kit.invalid/secrets",
            "intake_url": "https://intake.kit.invalid",
            "connector_configuration_uuid": self.connector_configuration_uuid,
        }
        value = values.get(name)
        if value is None:
            if non_exist_ok:
                return None
            raise FileNotFoundError(
                f"/symphony/{name} does not exist. (kit: this key is not set for {self.name}; "
                "pass it to platform.load(...) if the component needs it)"
            )
        if type_ == "json" and isinstance(value, str):
            return json.loads(value)
        return value

    # -- what components call -------------------------------------------------------
    def record_run(self, item: Any, event_name: str, event: Any, directory: Path | None, remove: bool) -> None:
        # the platform starts a playbook run with a named JSON object: anything else it refuses
        if not isinstance(event_name, str) or not event_name:
            raise ValueError(
                f"send_event({event_name!r}, ...): the event name must be a non-empty string, "
                "e.g. send_event('new-alert', {'id': 1})"
            )
        if not isinstance(event, Mapping):
            raise TypeError(
                f"send_event({event_name!r}, {self.mask.text(repr(event))[:60]}): the event must be a dict "
                f"(or a pydantic model, with results_model set), got {type(event).__name__}; e.g. send_event({event_name!r}, {{'value': ...}})"
            )
        try:
            frozen = freeze(self.mask.data(json.loads(json.dumps(event))))
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"send_event({event_name!r}, ...): the event is not JSON-serialisable ({error}); "
                "the real SDK would fail to send it. Send plain JSON data (dicts, lists, str, numbers)."
            ) from None
        request_id = str(uuid4())
        files: tuple[str, ...] = ()
        files_path = None
        relative = None
        if directory is not None:
            # The platform copies the directory: it becomes the root of the run's storage.
            relative = directory.relative_to(self.data_path).as_posix() if directory.is_relative_to(
                self.data_path
            ) else directory.as_posix()
            files_path = self.platform._run_storage / request_id
            shutil.copytree(directory, files_path)
            files = tuple(sorted(p.relative_to(files_path).as_posix() for p in files_path.rglob("*") if p.is_file()))
        record = RunRecord(
            self.name, self.step, utc(self._now()), event_name, frozen, request_id, relative, files, files_path,
            self.thread(), bool(remove and directory is not None),
        )
        with self._lock:
            self.runs.append(record)
        self.platform._on_run(self, record)

    def intake_refusal(self, count: int) -> Exception | None:
        """The error the intake answers a batch of ``count`` events with when a scheduled fault refuses it."""
        return self.platform.faults._intake_refusal(self, count)

    def record_intake(self, item: Any, events: list) -> list[str]:
        return self.intake.push(events, self.step, self.platform.clock._now, self.thread())

    def _intake_warning(self, step: int, when: float, message: str) -> None:
        with self._lock:
            self.logs.append(LogRecord(self.name, step, utc(when), "warning", self.mask.text(message), False, "kit"))
        self.platform._warn(f"{self.name}: {message}")

    def record_log(
        self, item: Any, level: str, message: str, *, sent: bool = True, source: str | None = None, extra: Any = None,
        exception: BaseException | None = None, context_in_text: bool = False,
    ) -> None:
        """A log line of the component; ``source`` None: ``sdk`` when kit's SDK code logged it on its own,
        else ``component``; ``context_in_text``: ``extra`` is also written after the message, as loguru and
        an action's log lines show it."""
        level = _LEVELS.get(level, level)
        text = self.mask.text(str(message))
        data = None
        if extra:
            if context_in_text:
                text += f" - Context: {self.mask(json.dumps(extra, default=str))}"
            data = freeze(self.mask.data(json.loads(json.dumps(extra, default=str))))
        error = None if exception is None else self.mask.text(f"{type(exception).__name__}: {exception}")
        record = LogRecord(
            self.name, self.step, utc(self._now()), level, text, sent, source or _log_source(), self.thread(), data, error
        )
        with self._lock:
            self.logs.append(record)

    def record_python_log(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        with self._lock:
            self.logs.append(
                LogRecord(
                    self.name, self.step, utc(self._now()), record.levelname.lower(), self.mask(message), False,
                    f"logging:{record.name}", self.thread(),
                )
            )

    def record_signal_handler(self, signalnum: int, handler: Any) -> Any:
        """The component asked for a signal handler: keep it (the platform sends SIGTERM to stop it)."""
        import signal

        previous = self.signal_handlers.get(signalnum, signal.SIG_DFL)
        self.signal_handlers[signalnum] = handler
        return previous

    def record_metric(self, metric: str, type_: str, operation: str, value: float, labels: dict[str, str]) -> None:
        """A Prometheus metric changed (see :mod:`kit._platform._metrics`)."""
        record = MetricRecord(
            self.name, self.step, utc(self._now()), metric, type_, operation, value, freeze(labels), self.thread()
        )
        with self._lock:
            self.metrics.append(record)

    def record_assets(self, connector_uuid: str, body: Any) -> int:
        """An asset push reached the platform: record each of its items; returns how many."""
        from kit._platform._assets import asset_fields

        items = body.get("items") if isinstance(body, Mapping) else None
        items = items if isinstance(items, list) else []
        version = body.get("version") if isinstance(body, Mapping) else None
        when, thread = utc(self._now()), self.thread()
        with self._lock:
            batch = self._asset_pushes
            self._asset_pushes += 1
            for index, item in enumerate(items):
                kind, class_name, class_uid, uid = asset_fields(item)
                self.assets.append(
                    AssetRecord(
                        self.name, self.step, when, batch, index, kind, class_name, class_uid, uid, version,
                        connector_uuid, freeze(self.mask.data(item)), thread,
                    )
                )
        return len(items)

    def record_http(self, call: HttpCall) -> None:
        with self._lock:
            self.http.append(call)

    def event_rejected(self, item: Any, event_name: str, error: BaseException) -> None:
        if hasattr(error, "errors"):
            from kit._errors import describe_validation_error
            from kit.utils import secret_fields

            text = describe_validation_error(
                error,
                what=f"event {event_name!r} of {self.name} (results_model {getattr(item.results_model, '__name__', '')})",
                secrets=secret_fields(item.results_model),
                fix="No run was recorded. Fix the event or the results_model.",
            )
        else:
            text = str(error)
        text = self.mask(text)
        with self._lock:
            self.rejected.append(RejectedEvent(self.name, self.step, utc(self._now()), event_name, text))
            self.errors.append((self.step, StepError.from_exception("send_event", error, self.mask)))

    def run_ended(self, item: Any, error: BaseException | None) -> None:
        if error is not None:
            with self._lock:
                self.errors.append((self.step, StepError.from_exception("run", error, self.mask)))
        worker = self.worker
        if worker is not None and worker.host is self:
            # run() is over: the SDK's loop calls it again (after an error, or because it returned)
            worker._pause(
                "run() raised" if error is not None else "run() returned", 0.0, self.platform.clock.time(), raised=error
            )
            worker._paused_since_marker = False

    def iteration_ended(self, item: Any, what: str = "next_run()") -> None:
        """A cycle of the component's loop (``what``) ended: a pause point, unless it paused already."""
        worker = self.worker
        if worker is not None and worker.host is self:
            if not worker._paused_since_marker:
                worker._pause(f"{what} ended", 0.0, self.platform.clock.time())
            worker._paused_since_marker = False

    def record_validation_end(self, validator: Any, success: bool) -> None:
        self._finish({"success": success}, {}, validator._error)

    def record_action_end(self, action: Any) -> None:
        # an arguments validation error reads as one line naming the arguments (the SDK's error_message
        # keeps the real SDK's traceback)
        self._finish(action._results, dict(action._outputs), action._arguments_problem or action._error)

    def _finish(self, results: Any, outputs: dict, error: str | None) -> None:
        self.action_result = ActionRecord(
            action=self.name,
            time=utc(self._now()),
            arguments=freeze(self.mask.data(self.arguments)),
            results=freeze(self.mask.data(results)),
            outputs=freeze(self.mask.data(outputs)),
            error=self.mask.text(error),
            logs=tuple(self.logs),
            data_path=self.data_path,
            http=tuple(self.http),
        )

