"""kit: write, step through, test and export Sekoia.io automation modules.

The SDK (same names and behaviour as ``sekoia_automation``)::

    from kit import Module, Trigger, Connector, Action, DefaultConnectorConfiguration
    from kit import storage, constants, checkpoint, exceptions

Modules pinned below ``sekoia-automation-sdk`` 1.23 (``pydantic.v1`` models in the SDK)::

    from kit.v1.connector import DefaultConnectorConfiguration

The development kit::

    platform = kit.FakePlatform(start="2024-01-01T00:00:00Z")
    sim = platform.load(MyConnector, configuration={...})
    sim.step(); sim.run_for(hours=2); sim.events   # a DataFrame

``import kit`` stays light: the fake platform, pandas, IPython and widgets load
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Everything loads on first use, so `import kit` costs less than `import pydantic`.
_LAZY = {
    "Action": ("kit.action", "Action"),
    "Connector": ("kit.connector", "Connector"),
    "DefaultConnectorConfiguration": ("kit.connector", "DefaultConnectorConfiguration"),
    "Module": ("kit.module", "Module"),
    "SekoiaAutomationBaseModel": ("kit._models", "SekoiaAutomationBaseModel"),
    "ModuleItem": ("kit.module", "ModuleItem"),
    "Trigger": ("kit.trigger", "Trigger"),
    "checkpoint": ("kit.checkpoint", None),
    "constants": ("kit.constants", None),
    "exceptions": ("kit.exceptions", None),
    "storage": ("kit.storage", None),
    "rules": ("kit.rules", None),
    "FakePlatform": ("kit._platform._platform", "FakePlatform"),
    "KitWarning": ("kit._platform._platform", "KitWarning"),
    "Simulation": ("kit._stepper._simulation", "Simulation"),
    "StepReport": ("kit._stepper._report", "StepReport"),
    "StepTimeout": ("kit._stepper._simulation", "StepTimeout"),
    "SimulationEnded": ("kit._stepper._simulation", "SimulationEnded"),
    "VirtualClock": ("kit._stepper._clock", "VirtualClock"),
    "load_component": ("kit._loader", "load_component"),
    "load_module_directory": ("kit._loader", "load_module_directory"),
    "export": ("kit._export", "export"),
    "ModuleInfo": ("kit._export", "ModuleInfo"),
    "check": ("kit._export", "check"),
    "infer_schema": ("kit._export", "infer_schema"),
}

if TYPE_CHECKING:  # pragma: no cover - for static tools
    from kit import checkpoint, constants, exceptions, rules, storage
    from kit.action import Action
    from kit.connector import Connector, DefaultConnectorConfiguration
    from kit.module import Module, ModuleItem
    from kit.trigger import Trigger
    from kit._export import ModuleInfo, check, export, infer_schema
    from kit._loader import load_component, load_module_directory
    from kit._platform._platform import FakePlatform, KitWarning
    from kit._stepper._clock import VirtualClock
    from kit._stepper._report import StepReport
    from kit._stepper._simulation import Simulation, SimulationEnded, StepTimeout


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'kit' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext kit``: register kit's magics."""
    from kit.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext kit``: remove kit's magics and hooks."""
    from kit.ipython import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "Action",
    "Connector",
    "DefaultConnectorConfiguration",
    "FakePlatform",
    "KitWarning",
    "Module",
    "ModuleInfo",
    "ModuleItem",
    "SekoiaAutomationBaseModel",
    "Simulation",
    "SimulationEnded",
    "StepReport",
    "StepTimeout",
    "Trigger",
    "VirtualClock",
    "check",
    "checkpoint",
    "constants",
    "exceptions",
    "export",
    "infer_schema",
    "load_component",
    "load_module_directory",
    "rules",
    "storage",
]
