"""``AccountValidator``, as in ``sekoia_automation.account_validator``: checks a module configuration."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

from kit.module import Module, ModuleItem


class AccountValidator(ModuleItem):
    """Validates the module configuration (the account) when a user saves it.

    Subclasses implement :meth:`validate`; registered with
    ``module.register_account_validator(MyValidator)`` (command ``validate_module_configuration``).
    Run one with ``platform.run_action(MyValidator, module_configuration=...)``: the record's
    ``results`` are ``{"success": bool}``.  As in the real SDK, an exception raised by
    ``validate()`` is not caught.
    """

    def __init__(self, module: Module | None = None, data_path: Path | None = None) -> None:
        super().__init__(module, data_path)
        self._error: str | None = None

    @abstractmethod
    def validate(self) -> bool:
        """Return True if the module configuration works (call :meth:`error` to say why not)."""

    def error(self, message: str) -> None:
        """Explain why the validation failed."""
        self._error = message

    def execute(self) -> None:
        self.set_task_as_running()
        success = self.validate()
        self.send_results(success)

    def set_task_as_running(self) -> None:
        """Tell the platform the validation started (a no-op when hosted by kit)."""

    def send_results(self, success: bool) -> None:
        host = self.module._kit_host
        if host is not None:
            host.record_validation_end(self, bool(success))


__all__ = ["AccountValidator"]
