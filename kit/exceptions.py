"""Exceptions of the SDK, the same classes as ``sekoia_automation.exceptions``."""

from __future__ import annotations


class AutomationSDKError(Exception):
    """Base class of every SDK error; ``str()`` is ``"ClassName: message"``."""

    def __str__(self) -> str:
        if self.args:
            return f"{type(self).__name__}: {self.args[0]}"
        return type(self).__name__


class SendEventError(AutomationSDKError):
    """Sending an event (or results) to the platform failed."""

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code


class CommandNotFoundError(AutomationSDKError):
    """``Module.run()`` got a command that no component is registered under."""


class InvalidDirectoryError(AutomationSDKError):
    """``send_event(directory=...)`` names a directory that does not exist."""


class MissingActionArgumentError(AutomationSDKError):
    """A required action argument is missing."""

    def __init__(self, argument: str) -> None:  # no super().__init__: as the real SDK
        self.argument = argument

    def __str__(self) -> str:
        return f"Missing argument: {self.argument}"


class MissingActionArgumentFileError(AutomationSDKError):
    """The file named by an action's ``<name>_path`` argument does not exist."""

    def __init__(self, filepath) -> None:  # no super().__init__: as the real SDK
        self.filepath = filepath

    def __str__(self) -> str:
        return f"Missing argument file: {self.filepath}"


class ModuleConfigurationError(AutomationSDKError):
    """The module configuration is missing required keys or fails its model."""


class TriggerConfigurationError(AutomationSDKError):
    """A trigger's or connector's configuration fails its model."""
