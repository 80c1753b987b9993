"""``Action``, as in ``sekoia_automation.action``."""

from __future__ import annotations

import inspect
from abc import abstractmethod
import traceback
from functools import wraps
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
from pydantic import validate_call

from kit import _runtime
from kit.exceptions import MissingActionArgumentError, MissingActionArgumentFileError
from kit.module import LogLevelStr, Module, ModuleItem
from kit.utils import get_as_model, is_v1_model_class, returns, run_arguments_annotation


def _validated_run(action: Any) -> Any:
    """``action.run`` validating its arguments as ``pydantic.validate_call`` does; v1 models by hand."""
    run = action.run
    model = run_arguments_annotation(type(action))
    if isinstance(model, str):
        raise TypeError(
            f"{type(action).__name__}.run(self, arguments: {model}): kit cannot resolve the annotation {model!r}; "
            "with `from __future__ import annotations`, define that model at module level (not inside a function)"
        )
    if model is not None and is_v1_model_class(model):

        @wraps(run)
        def wrapper(arguments: Any, *args: Any, **kwargs: Any) -> Any:
            return run(get_as_model(model, arguments), *args, **kwargs)

        return wrapper
    try:
        return validate_call(run)
    except Exception:  # an annotation pydantic cannot build a schema for: leave it alone
        return run


def _arguments_problem(action: type, error: Exception, arguments: Any) -> str | None:
    """One line naming each bad argument, when ``error`` is the validation of ``run``'s arguments
    (raised before ``run`` started); None for any other error."""
    errors = getattr(error, "errors", None)
    run = getattr(action, "run", None)
    code = getattr(run, "__code__", None)
    if not callable(errors) or code is None or type(error).__name__ != "ValidationError":
        return None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return None  # raised inside run()
        tb = tb.tb_next
    parameter = next(iter(list(inspect.signature(run).parameters)[1:2]), None)
    missing, wrong = [], []
    for item in errors():
        loc = [str(part) for part in item.get("loc", ())]
        if loc and loc[0] in (parameter, "0", "__root__"):  # validate_call: (0, field) or (name, field)
            loc = loc[1:]
        name = ".".join(loc) or "(all)"
        if str(item.get("type", "")).endswith("missing"):
            missing.append(name)
        else:
            shown = f"={item['input']!r:.60}" if "input" in item else ""
            wrong.append(f"{name!r}{shown}: {item.get('msg')}")
    parts = []
    if missing:
        example = ", ".join(f"{name!r}: ..." for name in missing)
        parts.append(
            f"missing argument{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}; "
            f"add {'them' if len(missing) > 1 else 'it'} to the arguments, e.g. {{{example}}}"
        )
    parts.extend(f"argument {text}" for text in wrong)
    if isinstance(arguments, dict):
        given = ", ".join(repr(key) for key in arguments) or "none"
    else:
        given = f"{arguments!r:.60}"
    return f"{action.__name__}: " + "; ".join(parts) + f" (arguments given: {given})"


class Action(ModuleItem):
    """A short program of a playbook: :meth:`run` takes arguments and returns results."""

    ARGUMENTS_FILE_NAME = "arguments"

    def __init__(self, module: Module | None = None, data_path: Path | None = None) -> None:
        super().__init__(module, data_path)
        self._arguments: Any = None
        self._logs: list[dict] = []
        self._error: str | None = None
        self._arguments_problem: str | None = None  # kit's short form of an arguments validation error
        self._results: Any = None
        self._outputs: dict[str, bool] = {}
        self._result_as_file = True
        self._update_secrets = False
        self.run = _validated_run(self)  # type: ignore[method-assign]
        if self.results_model:
            self.run = returns(self.results_model)(self.run)  # type: ignore[method-assign]

    # -- state ---------------------------------------------------------------------
    @property
    def arguments(self) -> dict:
        """The action's arguments (as given to the platform)."""
        if self._arguments is None:
            self._arguments = self.module.load_config(self.ARGUMENTS_FILE_NAME, "json")
        return self._arguments

    @property
    def outputs(self) -> dict[str, bool]:
        return self._outputs

    @property
    def logs(self) -> list[dict]:
        return self._logs

    @property
    def results(self) -> Any:
        return self._results

    @property
    def error_message(self) -> str | None:
        return self._error

    # -- lifecycle --------------------------------------------------------------------
    def execute(self) -> None:
        """Run the action and report its results, error, logs and outputs."""
        try:
            self._ensure_data_path_set()
            self.set_task_as_running()
            self._results = self.run(self.arguments)
        except Exception as error:
            self._error = f"An unexpected error occurred: {traceback.format_exc()}"  # as the real SDK reports it
            self._arguments_problem = _arguments_problem(type(self), error, self._arguments)
        self.send_results()

    def set_task_as_running(self) -> None:
        """Tell the platform the action started (a no-op when hosted by kit)."""

    def send_results(self) -> None:
        """Validate the results and hand everything to the platform."""
        self.validate_results()
        host = self.module._kit_host
        if host is not None:
            host.record_action_end(self)

    def validate_results(self) -> None:
        results = self._results
        if results is None:
            return
        if isinstance(results, dict):
            try:
                orjson.dumps(results)
                return
            except TypeError:
                pass
        elif isinstance(results, list):
            return
        self._error = f"Results are invalid: '{results}'"
        self._results = None

    # -- helpers for run() --------------------------------------------------------------
    def log(
        self, message: str, level: LogLevelStr = "debug", only_sentry: bool = True, **kwargs: Any
    ) -> None:
        """Add a line to the action's logs (``date``, ``level``, ``message`` and the extras)."""
        date = str(_runtime.utcnow().replace(tzinfo=None))
        self._logs.append({"date": date, "level": level, "message": message, **kwargs})
        host = self.module._kit_host
        if host is not None:
            host.record_log(self, level, str(message), extra=kwargs or None, context_in_text=True)

    def log_exception(self, exception: BaseException, **kwargs: Any) -> None:
        message = kwargs.get("message", "An exception occurred")
        self.log(f"{message}\n{exception}", level="error")

    def error(self, message: str) -> None:
        """Mark the action as failed with ``message`` (execution goes on)."""
        self._error = message

    def set_output(self, output: str, activate: bool = True) -> None:
        """Activate (or not) the output branch ``output``."""
        self._outputs[output] = activate

    def json_argument(self, name: str, arguments: dict, required: bool = True) -> Any:
        """Read argument ``name`` directly, or from the file named by ``<name>_path``."""
        if arguments.get(name) is not None:
            self._result_as_file = False
            return arguments[name]
        if f"{name}_path" in arguments:
            self._result_as_file = True
            filepath = self.data_path.joinpath(arguments[f"{name}_path"])
            if not filepath.is_file():
                raise MissingActionArgumentFileError(filepath)
            return orjson.loads(filepath.read_bytes())
        if required:
            raise MissingActionArgumentError(name)
        return None

    def json_result(self, name: str, value: Any) -> dict:
        """Return ``value`` as ``{name: value}``, or in a file as ``{name_path: file}``."""
        if self._result_as_file:
            filename = f"{name}-{uuid4()}.json"
            self.data_path.joinpath(filename).write_bytes(orjson.dumps(value))
            return {f"{name}_path": filename}
        return {name: value}

    def format_logs(self) -> str | None:
        if not self._logs:
            return None
        lines = []
        for log in self._logs:
            extras = {k: v for k, v in log.items() if k not in {"date", "level", "message"}}
            line = f"{log['date']}: {log['level']}: {log['message']}"
            if extras:
                import json

                line += f" - Context: {json.dumps(extras)}"
            lines.append(line + "\n")
        return "".join(lines)

    @abstractmethod
    def run(self, arguments: Any) -> Any:
        """The action's logic: take ``arguments``, return a JSON-serialisable dict or list."""



class GenericAPIAction(Action):
    """An action that is one HTTP call, as ``sekoia_automation.action.GenericAPIAction``.

    Subclasses set ``verb``, ``endpoint`` (with ``{placeholders}`` filled from the arguments),
    ``query_parameters`` and optionally ``authentication`` (``"basic"``, ``"apiKey"``,
    ``"bearer"``), ``auth_header``, ``auth_query_param``; the base URL is the module
    configuration's ``base_url`` (else the class's).  Retries on network errors and 5xx
    up to 10 attempts with exponential waits (virtual time in kit); a 4xx is an error result.
    """

    base_url = ""
    verb: str
    endpoint: str
    query_parameters: list[str]
    timeout: int = 5
    authentication: str | None = None
    auth_header: str | None = None
    auth_query_param: str | None = None

    def _module_configuration_value(self, key: str) -> Any:
        if isinstance(self.module.configuration, dict):
            return self.module.configuration.get(key)
        return getattr(self.module.configuration, key, None)

    def get_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if not self.authentication:
            if self.module.configuration and (api_key := self._module_configuration_value("api_key")):
                headers["Authorization"] = f"Bearer {api_key}"
            return headers
        method = self.authentication.lower()
        if method == "basic":
            import base64

            pair = f"{self._module_configuration_value('username')}:{self._module_configuration_value('password')}"
            headers[self.auth_header or "Authorization"] = "Basic " + base64.b64encode(pair.encode("latin1")).decode()
        elif method == "apikey":
            if self.auth_header:
                headers[self.auth_header] = self._module_configuration_value("api_key")
        elif method == "bearer":
            headers[self.auth_header or "Authorization"] = f"Bearer {self._module_configuration_value('api_key')}"
        return headers

    def get_url(self, arguments: dict) -> str:
        import re
        from urllib.parse import urljoin

        url = self._module_configuration_value("base_url") or self.base_url
        for placeholder in re.findall("{(.*?)}", self.endpoint):
            self.endpoint = self.endpoint.replace(f"{{{placeholder}}}", str(arguments.pop(placeholder)), 1)
        return urljoin(url, self.endpoint.lstrip("/"))

    def get_query_parameters(self, arguments: dict) -> dict | None:
        parameters: dict[str, Any] = {}
        if self.authentication == "apiKey" and self.auth_query_param:
            parameters[self.auth_query_param] = self._module_configuration_value("api_key")
        if getattr(self, "query_parameters", None):
            parameters |= {k: arguments.pop(k) for k in self.query_parameters if k in arguments}
        return parameters or None

    def get_body(self, arguments: dict) -> dict:
        """The arguments left, with ``*_path`` ones read from their files (kept as they are if missing)."""
        body: dict[str, Any] = {}
        for key, value in arguments.items():
            if isinstance(value, dict):
                body[key] = self.get_body(value)
            else:
                try:
                    new_key = key.replace("_path", "")
                    body[new_key] = self.json_argument(new_key, arguments)
                except MissingActionArgumentFileError:
                    body[key] = value
        return body

    def _wait(self, attempt: int) -> float:
        return min(max(2.0 * 2**attempt, 2.0), 300.0)

    def run(self, arguments: dict) -> Any:
        import time

        import requests

        headers = self.get_headers()
        url = self.get_url(arguments)
        params = self.get_query_parameters(arguments)
        body = self.get_body(arguments)
        status: int | None = None
        for attempt in range(1, 11):
            try:
                response = requests.request(
                    self.verb, url, json=body, headers=headers, timeout=self.timeout, params=params
                )
            except (requests.RequestException, OSError) as error:
                failure: BaseException | None = error
            else:
                status = response.status_code
                if response.ok:
                    return response.json() if response.status_code != 204 else None
                if self.verb.lower() == "delete" and response.status_code == 404 and attempt > 1:
                    return None
                if 400 <= response.status_code < 500:
                    details = f"(status code: {response.status_code}, attempts: {attempt}, retries: {attempt - 1})"
                    message = f"HTTP Request failed: {url} {details}"
                    try:
                        content = response.json()
                        if isinstance(content, dict) and "message" in content:
                            message = f"{content['message']} {details}"
                    except ValueError:
                        content = response.text
                    self.log(message, level="error", url=url, status=response.status_code)
                    self.error(message)
                    return None
                failure = None
            if attempt < 10:
                time.sleep(self._wait(attempt))
        code = status if status is not None else "unknown"
        message = f"HTTP Request failed after 10 attempts (9 retries): {url} (last status code: {code})"
        self.log(message, level="error", url=url, status=status,
                 underlying_error=str(failure) if failure else None)
        self.error(message)
        return None


__all__ = ["Action", "GenericAPIAction"]
