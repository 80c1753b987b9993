"""kit in IPython and Jupyter: magics and a control panel over a fake Sekoia.io platform.

Load it once per notebook::

    %load_ext kit
    %platform --start 2024-01-01T00:00:00Z     # a fixed virtual clock (optional)

Write a component in a ``%%component`` cell (its source is kept for export)::

    %%component
    import time
    from kit import Trigger

    class Tick(Trigger):
        def run(self):
            while self.running:
                self.send_event(event_name="tick", event={"n": 1})
                time.sleep(60)

Load, step, look::

    %load_component Tick --config {"frequency": 60}     # binds `sim`
    %step                      # one step: from one pause point (sleep, wait) to the next
    %step 5
    %run_for 2h                # 90s, 30m, 2h, 1d, 1h30m...; a progress bar on long runs
    %run_until events >= 100
    %runs   %events   %logs   %http   %steps   %threads   %storage
    %stop   %restart           # restart: a new instance on the same storage
    %debug_step                # post-mortem debugger on the last failing step
    sim                        # (or %panel) the control panel: buttons, clock, live tables

Usage
-----
``%load_component TARGET [NAME] [--config JSON|NAME] [--module-config JSON|NAME] [--as NAME]``
    TARGET: a class in the notebook; ``package.module:Class``; ``path/file.py:Class``; or a
    module directory as in the automation-library (``path/to/Module NAME`` or
    ``path/to/Module:NAME``, NAME its ``docker_parameters`` or class name), whose code may
    import ``sekoia_automation``: it runs on kit. Configuration is JSON or the name of a dict
    or model variable; a module directory's manifests check it. An action runs at once
    (``--config`` are its arguments); ``%run_action`` does the same with ``--args``.
``%platform [--start ISO | --reset | --use NAME]``
    The notebook's one :class:`kit.FakePlatform` (created on first use).
Magics that act on a simulation take ``--sim NAME`` (a variable or a simulation's name);
without it they act on the component loaded last. ``%validate PATH``, ``%infer_schema [SIM]``
and ``%export_module CLASS... --to DIR`` wrap :func:`kit.check`, :func:`kit.infer_schema`
and :func:`kit.export`. Every magic has help: ``%step?``.

Caveats
-------
- Widgets receive no clicks while a cell runs: each panel button runs a bounded amount of
  work (a step, N steps, a span of virtual time) and returns.
- The kernel's interrupt button stops ``%run_for`` between steps; the steps done stay
  recorded and the next ``%step`` goes on with the step that was running.
- ``%unload_ext kit`` removes the magics, the cell hook and the panel display; the platform
  and its simulations stay usable from Python. ``%reload_ext kit`` starts a new platform.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KitMagics", "SimulationPanel", "load_ipython_extension", "unload_ipython_extension"]

_REGISTRY_KEY = "KitMagics"


def __getattr__(name: str) -> Any:
    if name == "KitMagics":
        from kit.ipython._magics import KitMagics

        return KitMagics
    if name == "SimulationPanel":
        from kit.ipython._panel import SimulationPanel

        return SimulationPanel
    raise AttributeError(f"module 'kit.ipython' has no attribute {name!r}")


def _extension(ipython: Any) -> Any:
    """The loaded ``KitMagics`` instance of this shell, or None."""
    return ipython.magics_manager.registry.get(_REGISTRY_KEY)


def load_ipython_extension(ipython: Any) -> None:
    """Register kit's magics, the after-cell panel refresh and the panel display of simulations.

    Loading twice is harmless: an already loaded extension is unloaded first, so one
    set of magics and hooks remains.
    """
    from kit.ipython._magics import KitMagics
    from kit._stepper._simulation import Simulation

    if _extension(ipython) is not None:
        unload_ipython_extension(ipython)
    magics = KitMagics(ipython)
    ipython.register_magics(magics)
    ipython.events.register("post_run_cell", magics.post_run_cell)
    if _has_widgets(ipython):
        formatter = ipython.display_formatter.ipython_display_formatter
        formatter.for_type(Simulation, magics.display_simulation)


def _has_widgets(ipython: Any) -> bool:
    """True in a Jupyter kernel (widgets render there); a terminal keeps the text display."""
    return getattr(ipython, "kernel", None) is not None


def unload_ipython_extension(ipython: Any) -> None:
    """Remove kit's magics, its cell hook and the panel display (what :func:`load_ipython_extension` added)."""
    from kit._stepper._simulation import Simulation

    magics = _extension(ipython)
    if magics is None:
        return
    manager = ipython.magics_manager
    for kind, names in magics.magics.items():
        table = manager.magics[kind]
        for name in names:
            if getattr(table.get(name), "__self__", None) is magics:
                del table[name]
    del manager.registry[_REGISTRY_KEY]
    try:
        ipython.events.unregister("post_run_cell", magics.post_run_cell)
    except ValueError:
        pass
    formatter = ipython.display_formatter.ipython_display_formatter
    if formatter.type_printers.get(Simulation) == magics.display_simulation:
        formatter.pop(Simulation)
