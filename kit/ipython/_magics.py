"""``KitMagics``: the thin IPython adapter over :class:`kit.ipython._session.Session`."""

from __future__ import annotations

import html
import re
import weakref
from typing import Any

from IPython.core import magic_arguments
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand

from kit.ipython._session import (
    Session,
    extract_json_options,
    parse_duration,
    resolve_component,
)

__all__ = ["KitMagics", "StepList"]

_RUN_UNTIL_OPTION = re.compile(r"^\s*--(max-steps|sim|timeout)(?:\s+|=)(\S+)")


def _unquote(text: str | None) -> str | None:
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


class StepList(list):
    """The reports of several steps; shown as one summary line per step."""

    def __repr__(self) -> str:
        if not self:
            return "<no step ran>"
        return "\n".join(report.summary() for report in self)

    def _repr_html_(self) -> str:
        if not self:
            return "<div>no step ran</div>"
        items = "".join(f"<li><code>{html.escape(report.summary())}</code></li>" for report in self)
        return f"<div><b>{len(self)} step{'s' * (len(self) != 1)}</b><ul style='margin:0'>{items}</ul></div>"


@magics_class
class KitMagics(Magics):
    """kit's magics: load components into the notebook's fake platform, step them, look at what they did.

    One instance per shell holds the notebook's :class:`Session` (its
    :class:`kit.FakePlatform`).  Magics that act on a simulation take ``--sim NAME``
    (a variable or a simulation name); without it they act on the one loaded last.
    """

    def __init__(self, shell: Any, session: Session | None = None) -> None:
        super().__init__(shell)
        self.session = session or Session(shell.user_ns)
        self.panels: weakref.WeakSet = weakref.WeakSet()

    # -- hooks -------------------------------------------------------------------------
    def post_run_cell(self, result: Any = None) -> None:
        """After each cell: redraw the panels whose simulation changed."""
        for panel in list(self.panels):
            try:
                panel.refresh()
            except Exception:  # noqa: S110 - a panel must never break the notebook
                pass

    def display_simulation(self, sim: Any) -> None:
        """Show ``sim`` as a control panel (registered as the display of :class:`kit.Simulation`)."""
        from IPython.display import display

        display(self.panel_for(sim))

    def panel_for(self, sim: Any) -> Any:
        """A new :class:`~kit.ipython.SimulationPanel` for ``sim``, refreshed after every cell."""
        from kit.ipython._panel import SimulationPanel

        panel = SimulationPanel(sim)
        self.panels.add(panel)
        return panel

    # -- the platform ----------------------------------------------------------------------
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--start", help="start a new platform whose virtual clock starts at this ISO time")
    @magic_arguments.argument("--reset", action="store_true", help="start a new platform (clock at the current time)")
    @magic_arguments.argument("--use", metavar="NAME", help="adopt a kit.FakePlatform from a notebook variable")
    @magic_arguments.argument("--step-timeout", type=float, help="real seconds a step may take (with --start/--reset)")
    @magic_arguments.argument("--allow-network", action="store_true", help="let unregistered HTTP calls through")
    @magic_arguments.argument("--record", metavar="FILE", help=(
        "write every real HTTP exchange to this cassette (a new platform; needs --allow-network)"))
    @magic_arguments.argument("--replay", metavar="FILE", help=(
        "answer HTTP calls from this cassette (a new platform; its clock starts where the recording did)"))
    def platform(self, line: str = "") -> Any:
        """%platform => Show the notebook's fake platform, or start a new one.

        Without options, returns the platform (``p = %platform`` binds it) and lists
        its simulations. ``--start 2024-01-01T00:00:00Z`` (or ``--reset``) closes the
        platform this extension created and starts a new one; ``--use NAME`` adopts a
        ``kit.FakePlatform`` created in the notebook. ``--record FILE --allow-network`` starts a
        new platform writing the components' real HTTP exchanges to that cassette; ``--replay FILE``
        one answering from it.
        """
        args = magic_arguments.parse_argstring(self.platform, line)
        session = self.session
        record, replay = _unquote(args.record), _unquote(args.replay)
        if record and replay:
            raise UsageError("--record and --replay: record writes a cassette, replay answers from one; pick one")
        if args.use:
            try:
                value = session.lookup(args.use)
            except KeyError:
                raise UsageError(f"--use {args.use}: there is no variable {args.use!r} in the notebook") from None
            platform = session.use_platform(value)
        elif args.start or args.reset or record or replay:
            if record and not args.allow_network:
                raise UsageError(f"--record {record} writes the real HTTP exchanges: add --allow-network")
            platform = session.new_platform(
                start=_unquote(args.start), step_timeout=args.step_timeout, allow_network=args.allow_network,
                record=record, replay=replay,
            )
        else:
            if args.step_timeout is not None or args.allow_network:
                raise UsageError("--step-timeout and --allow-network apply to a new platform: add --reset or --start")
            platform = session.platform
        for label, sim in session.simulations():
            print(f"{label}: {sim!r}")
        return platform

    # -- loading ----------------------------------------------------------------------------
    @no_var_expand
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("target", metavar="TARGET", help=(
        "a class in the notebook; package.module:Class; path/file.py:Class; or a module directory "
        "path/to/Module (with NAME, or path/to/Module:NAME)"))
    @magic_arguments.argument("name", metavar="NAME", nargs="?", help=(
        "for a module directory: the docker_parameters or class name of the component"))
    @magic_arguments.argument("--config", metavar="JSON|NAME", help=(
        "the component's configuration (an action's arguments): a JSON object or a dict/model variable"))
    @magic_arguments.argument("--module-config", metavar="JSON|NAME", help=(
        "the module configuration: a JSON object or a dict/model variable"))
    @magic_arguments.argument("--as", dest="as_name", metavar="NAME", help=(
        "the variable to bind the simulation (action: its record) to; default: sim (action: record)"))
    def load_component(self, line: str = "") -> None:
        """%load_component => Load a trigger, connector or action into the notebook's fake platform.

        Examples::

            %load_component MyTrigger --config {"frequency": 60}
            %load_component acme.triggers:AlertsTrigger --config cfg --as alerts
            %load_component path/to/AcmeModule acme_alerts --config {...} --module-config {...}

        A trigger or connector becomes a :class:`kit.Simulation` bound to ``--as`` (default
        ``sim``), stepped with ``%step``, ``%run_for``...; an action runs once with
        ``--config`` as its arguments, and its record is bound to ``--as`` (default
        ``record``). A module directory's manifests check the configuration.
        """
        self._load(line, action_only=False)

    @no_var_expand
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("target", metavar="TARGET", help="an Action class, or where to find it (as for %%load_component)")
    @magic_arguments.argument("name", metavar="NAME", nargs="?", help="for a module directory: the action's name")
    @magic_arguments.argument("--args", dest="config", metavar="JSON|NAME", help="the action's arguments")
    @magic_arguments.argument("--module-config", metavar="JSON|NAME", help="the module configuration")
    @magic_arguments.argument("--as", dest="as_name", metavar="NAME", help="bind the ActionRecord to this variable")
    def run_action(self, line: str = "") -> Any:
        """%run_action => Run an action on the notebook's fake platform and show its record.

        Example: ``%run_action Lookup --args {"ip": "1.2.3.4"} --module-config cfg``.
        """
        return self._load(line, action_only=True)

    def _load(self, line: str, *, action_only: bool) -> Any:
        from kit.action import Action
        from kit.exceptions import ModuleConfigurationError, TriggerConfigurationError

        magic = self.run_action if action_only else self.load_component
        stripped, placeholders = extract_json_options(line)
        args = magic_arguments.parse_argstring(magic, stripped)
        session = self.session
        target = _unquote(args.target) or ""
        cls, directory = resolve_component(session, target, _unquote(args.name))
        option = "--args" if action_only else "--config"
        configuration = session.data(option, _unquote(args.config), placeholders)
        module_configuration = session.data("--module-config", _unquote(args.module_config), placeholders)
        is_action = issubclass(cls, Action)
        if action_only and not is_action:
            raise UsageError(
                f"{target} is a {'Connector' if _is_connector(cls) else 'Trigger'}, not an action: load it with "
                f"%load_component {target} --config {{...}} and step it"
            )
        platform = session.platform
        component_name = _unquote(args.name) or cls.__name__
        try:
            if is_action:
                if directory is not None:
                    record = directory.run_action(platform, component_name, configuration, module_configuration)
                else:
                    record = platform.run_action(cls, configuration, module_configuration)
            elif directory is not None:
                sim = directory.simulate(platform, component_name, configuration, module_configuration)
            else:
                sim = platform.load(cls, configuration, module_configuration)
        except (TriggerConfigurationError, ModuleConfigurationError) as error:
            raise UsageError(str(error)) from None
        except (ValueError, TypeError) as error:
            raise UsageError(str(error)) from None
        if is_action:
            name = args.as_name or "record"
            session.bind(name, record)
            status = "ok" if record.ok else f"error: {record.error}"
            print(f"ran {cls.__name__} ({status}); its record is `{name}` ({name}.results, {name}.logs)")
            return record if action_only else None
        name = args.as_name or "sim"
        session.bind(name, sim)
        session.current_name = name
        print(
            f"loaded {sim.name} ({cls.__name__}) as `{name}` at {sim.now.isoformat().replace('+00:00', 'Z')}; "
            f"step it with %step, %run_for 1h or {name}.step()"
        )
        return None

    @cell_magic
    def component(self, line: str = "", cell: str = "") -> None:
        """%%component => Run the cell and keep its exact source for export.

        Classes defined in a notebook have no source file (``inspect.getsource``
        fails on them); this cell magic records the cell's text on every class the
        cell defines at top level (``Class.__kit_source__``), so ``kit.export`` and
        ``%export_module`` write exactly that code. Redefining a class in a later
        ``%%component`` cell replaces its source.
        """
        import ast

        if line.strip():
            raise UsageError(f"%%component takes no arguments (got {line.strip()!r}); put only code in the cell")
        result = self.shell.run_cell(cell, store_history=False, silent=False)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            raise UsageError(
                f"%%component: the cell raised {type(error).__name__} (shown above); nothing was captured. "
                "Fix the cell and run it again."
            )
        try:
            tree = ast.parse(self.shell.transform_cell(cell))
        except SyntaxError:
            return
        origin = f"notebook cell [{self.shell.execution_count}]"
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                cls = self.shell.user_ns.get(node.name)
                if isinstance(cls, type):
                    _capture(cls, cell, origin)

    # -- stepping -------------------------------------------------------------------------------
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("n", metavar="N", nargs="?", default="1", help="how many steps (default 1)")
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--timeout", type=float, help="real seconds each step may take")
    def step(self, line: str = "") -> Any:
        """%step => Run the current simulation for N steps (default 1) and show what each did.

        A step runs the component from one pause point (``time.sleep``,
        ``Event.wait``...) to the next, in virtual time.
        """
        from kit._stepper._simulation import SimulationEnded, StepTimeout

        args = magic_arguments.parse_argstring(self.step, line)
        try:
            args.n = int(args.n)
        except ValueError:
            raise UsageError(f"%step N: N is a number of steps, e.g. %step 3; got {args.n!r}") from None
        if args.n < 1:
            raise UsageError(f"%step N: N must be at least 1; got {args.n}")
        sim = self.session.simulation(args.sim)
        try:
            result = sim.step(args.n, timeout=args.timeout)
        except StepTimeout as error:
            print(str(error))
            return error.report
        except SimulationEnded as error:
            raise UsageError(f"{error}; or %restart") from None
        return StepList(result) if isinstance(result, list) else result

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("duration", metavar="DURATION", help="virtual time: 90s, 30m, 2h, 1d, 1h30m...")
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--all", action="store_true", help="step every component of the platform")
    @magic_arguments.argument("--max-steps", type=int, default=100_000, help="fail after this many steps")
    @magic_arguments.argument("--timeout", type=float, help="real seconds each step may take")
    @magic_arguments.argument("--progress", action="store_true", help="show the progress bar at once")
    @magic_arguments.argument("--no-progress", action="store_true", help="never show a progress bar")
    def run_for(self, line: str = "") -> Any:
        """%run_for => Run the current simulation through a span of virtual time.

        ``%run_for 2h`` runs every step whose wake-up time falls in the next two
        hours and leaves the clock exactly two hours later. Runs that take more than
        a second of real time show a progress bar; the kernel's interrupt button
        stops the run between steps, keeping every step recorded so far (the next
        ``%step``/``%run_for`` goes on from there).
        """
        from kit._stepper._simulation import SimulationEnded, StepTimeout

        first = line.split()[0] if line.split() else ""
        if first.startswith("-") and first[1:2].isdigit():
            raise UsageError(f"%run_for {first}: a duration cannot be negative; give e.g. %run_for 1h")
        words = line.split()
        if len(words) > 1 and _UNIT_WORD.match(words[1]) and first.replace(".", "", 1).isdigit():
            unit = words[1].lower()[0]
            raise UsageError(
                f"%run_for {first} {words[1]}: write the unit next to the number, e.g. %run_for {first}{unit} "
                "(units: s, m, h, d; 1h30m works too)"
            )
        args = magic_arguments.parse_argstring(self.run_for, line)
        seconds = parse_duration(_unquote(args.duration) or "")
        if args.progress and args.no_progress:
            raise UsageError("give --progress or --no-progress, not both")
        if args.max_steps < 1:
            raise UsageError(f"--max-steps must be at least 1; got {args.max_steps}")
        session = self.session
        if args.all:
            if args.sim:
                raise UsageError("give --sim NAME or --all, not both")
            platform = session.platform
            sims = list(platform.simulations)
            label = f"{len(sims)} component{'s' * (len(sims) != 1)}"
        else:
            sim = session.simulation(args.sim)
            platform = sim.platform
            sims = [sim]
            label = sim.name
        progress = None if args.no_progress else (0.0 if args.progress else 1.0)
        end = platform.clock.time() + seconds
        before = [len(s.reports) for s in sims]

        def new_reports() -> StepList:
            done = StepList(r for s, n in zip(sims, before) for r in s.reports[n:])
            done.sort(key=lambda r: (r.start, r.number))
            return done

        try:
            _run_chunked(platform, sims, args.all, end, args.max_steps, args.timeout, progress)
        except KeyboardInterrupt:
            count = len(new_reports())
            print(
                f"interrupted after {count} step{'s' * (count != 1)} of {label}, at "
                f"{platform.clock.now().isoformat().replace('+00:00', 'Z')}; every step so far is recorded. "
                "%step or %run_for goes on from here."
            )
            return None
        except StepTimeout as error:
            print(str(error))
            return error.report
        except SimulationEnded as error:
            raise UsageError(f"{error}; or %restart") from None
        except RuntimeError as error:
            raise UsageError(str(error)) from None
        return _RunSummary(label, new_reports(), platform.clock.now())

    @no_var_expand
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--max-steps", type=int, default=1000, help="fail after this many steps (default 1000)")
    @magic_arguments.argument("--timeout", type=float, help="real seconds each step may take")
    @magic_arguments.argument("expression", metavar="EXPR", nargs="*", help="a Python condition, e.g. events >= 100")
    def run_until(self, line: str = "") -> Any:
        """%run_until => Step the current simulation until a condition holds.

        Options come first, then the condition, e.g. ``%run_until --max-steps 500 events >= 100``.
        In the condition, ``events``, ``runs``, ``logs``, ``http`` and ``steps`` are counts;
        ``now`` is the virtual time, ``state`` the simulation's state, ``storage`` its
        storage, ``last`` the last step report, and ``sim`` the simulation; the
        notebook's variables are visible too.
        """
        from kit._stepper._simulation import SimulationEnded, StepTimeout

        options = []
        rest = line
        while True:
            match = _RUN_UNTIL_OPTION.match(rest)
            if match is None:
                break
            options.append(f"--{match.group(1)} {match.group(2)}")
            rest = rest[match.end():]
        args = magic_arguments.parse_argstring(self.run_until, " ".join(options))
        expression = rest.strip()
        if not expression:
            raise UsageError("%run_until needs a condition, e.g. %run_until events >= 100 or %run_until runs > 3")
        try:
            code = compile(expression, "<run_until>", "eval")
        except SyntaxError as error:
            caret = " " * max((error.offset or 1) - 1, 0) + "^"
            raise UsageError(
                f"%run_until: the condition is not a Python expression ({error.msg}):\n    {expression}\n    {caret}"
            ) from None
        sim = self.session.simulation(args.sim)
        user_ns = self.shell.user_ns

        def predicate(s: Any) -> bool:
            host = s._host
            names = {
                "sim": s, "events": host.intake.pushed, "runs": len(host.runs), "logs": len(host.logs),
                "http": len(host.http), "steps": len(s.reports), "now": s.now, "state": s.state,
                "storage": s.storage, "last": s.last,
            }
            try:
                return bool(eval(code, user_ns, names))  # noqa: S307 - the user's own condition
            except NameError as error:
                raise UsageError(
                    f"%run_until: {error} (names: events, runs, logs, http, steps, now, state, storage, last, sim, "
                    "and the notebook's variables)"
                ) from None

        reports = StepList()
        try:
            reports.extend(sim.run_until(predicate, max_steps=args.max_steps, timeout=args.timeout))
        except StepTimeout as error:
            print(str(error))
            return error.report
        except (SimulationEnded, RuntimeError) as error:
            raise UsageError(str(error)) from None
        return reports

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    def stop(self, line: str = "") -> None:
        """%stop => Stop the current simulation as the platform would (``stop()``, then force)."""
        args = magic_arguments.parse_argstring(self.stop, line)
        sim = self.session.simulation(args.sim)
        state = sim.stop()
        print(f"{sim.name}: {state}")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    def restart(self, line: str = "") -> None:
        """%restart => Stop the current simulation and start a new instance on the same storage.

        What the component persisted (its checkpoint, its cursor) survives, as when
        the platform restarts a crashed or updated trigger.
        """
        args = magic_arguments.parse_argstring(self.restart, line)
        sim = self.session.simulation(args.sim)
        sim.restart()
        files = ", ".join(sim.storage) or "empty"
        print(f"{sim.name} restarted on the same storage ({files}); the next %step starts the new instance")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--print", dest="show", action="store_true", help=(
        "print the traceback and the failing frame's variables instead of opening the debugger"))
    def debug_step(self, line: str = "") -> None:
        """%debug_step => Open the debugger (post-mortem) on the last exception raised in a step.

        ``--print`` prints the traceback and the variables of the innermost frame
        instead (secrets masked), without waiting for input.
        """
        args = magic_arguments.parse_argstring(self.debug_step, line)
        sim = self.session.simulation(args.sim)
        found = _last_exception(sim)
        if found is None:
            raise UsageError(f"no step of {sim.name} raised an exception; nothing to debug")
        report, error = found
        if args.show:
            print(_describe_failure(sim, report, error))
            return
        sim.debug()

    # -- tables and views --------------------------------------------------------------------
    def _table(self, line: str, magic: Any, attribute: str, platform_attribute: str | None) -> Any:
        args = magic_arguments.parse_argstring(magic, line)
        if getattr(args, "all", False):
            if args.sim:
                raise UsageError("give --sim NAME or --all, not both")
            frame = getattr(self.session.platform, platform_attribute or attribute)
        else:
            frame = getattr(self.session.simulation(args.sim), attribute)
        if args.tail is not None:
            if args.tail < 1:
                raise UsageError(f"-n must be at least 1; got {args.tail}")
            frame = frame.tail(args.tail)
        return frame

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--all", action="store_true", help="every component of the platform")
    @magic_arguments.argument("-n", dest="tail", type=int, help="only the last N rows")
    def events(self, line: str = "") -> Any:
        """%events => The intake events pushed so far, as a DataFrame (step, time, batch, then the events' fields)."""
        return self._table(line, self.events, "events", "events")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--all", action="store_true", help="every component of the platform")
    @magic_arguments.argument("-n", dest="tail", type=int, help="only the last N rows")
    def runs(self, line: str = "") -> Any:
        """%runs => The playbook runs started by ``send_event``, as a DataFrame."""
        return self._table(line, self.runs, "runs", "runs")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--all", action="store_true", help="every component of the platform")
    @magic_arguments.argument("-n", dest="tail", type=int, help="only the last N rows")
    def logs(self, line: str = "") -> Any:
        """%logs => The log lines, as a DataFrame (secrets masked)."""
        return self._table(line, self.logs, "logs", "logs")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--all", action="store_true", help="every component of the platform")
    @magic_arguments.argument("-n", dest="tail", type=int, help="only the last N rows")
    def http(self, line: str = "") -> Any:
        """%http => The outbound HTTP calls, as a DataFrame (secrets masked)."""
        return self._table(line, self.http, "http", "http_calls")

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("-n", dest="tail", type=int, help="only the last N rows")
    def steps(self, line: str = "") -> Any:
        """%steps => One row per step: status, times, where it paused, counts, storage change, error."""
        return self._table(line, self.steps, "steps", None)

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    def threads(self, line: str = "") -> Any:
        """%threads => The threads the component started and where each one is: state, what it waits for,
        until when (virtual time), file and line. Empty while it started none."""
        args = magic_arguments.parse_argstring(self.threads, line)
        return self.session.simulation(args.sim).threads

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    def storage(self, line: str = "") -> Any:
        """%storage => What the current simulation's storage holds (its checkpoint): path -> content."""
        from kit._platform._records import thaw

        args = magic_arguments.parse_argstring(self.storage, line)
        sim = self.session.simulation(args.sim)
        return {path: thaw(content) for path, content in sim.storage.items()}  # masked as sim.storage is

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--sim", metavar="NAME", help="the simulation (default: the one loaded last)")
    @magic_arguments.argument("--rows", type=int, default=10, help="rows per table (default 10)")
    def panel(self, line: str = "") -> None:
        """%panel => Show the control panel of the current simulation (buttons, clock, live tables)."""
        from IPython.display import display

        args = magic_arguments.parse_argstring(self.panel, line)
        if args.rows < 1:
            raise UsageError(f"--rows must be at least 1; got {args.rows}")
        sim = self.session.simulation(args.sim)
        panel = self.panel_for(sim)
        panel.rows = args.rows
        panel.refresh(force=True)
        display(panel)

    # -- export ------------------------------------------------------------------------------
    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("path", metavar="PATH", help="the module directory to check")
    @magic_arguments.argument("--events", metavar="NAME", help=(
        "also check the events recorded by this simulation (variable or name) against the component's results schema"))
    @magic_arguments.argument("--component", metavar="NAME", help="which component produced the events")
    @magic_arguments.argument("--no-code", action="store_true", help="do not load the code to compare its models")
    def validate(self, line: str = "") -> Any:
        """%validate => Check a module directory as the automation-library checks do (and events against results)."""
        from kit._export import check

        args = magic_arguments.parse_argstring(self.validate, line)
        events = self.session.simulation(args.events) if args.events else None
        try:
            findings = check(_unquote(args.path), events=events, component=args.component, code=not args.no_code)
        except ValueError as error:
            raise UsageError(str(error)) from None
        if not findings:
            print(f"{_unquote(args.path)}: no problem found")
            return None
        print(f"{len(findings)} problem{'s' * (len(findings) != 1)} in {_unquote(args.path)}:")
        for finding in findings:
            print(f"  - {finding}")
        return None

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("source", metavar="SIM", nargs="?", help=(
        "a simulation (variable or name; default: the one loaded last) or a variable holding events"))
    @magic_arguments.argument("--title", help="the schema's title")
    def infer_schema(self, line: str = "") -> Any:
        """%infer_schema => A draft-7 JSON schema that every recorded event of a simulation fits."""
        from kit._export import infer_schema

        args = magic_arguments.parse_argstring(self.infer_schema, line)
        source: Any
        if args.source is None:
            source = self.session.current()
        else:
            try:
                source = self.session.lookup(args.source)
            except KeyError:
                source = self.session.simulation(args.source)
        try:
            return infer_schema(source, title=args.title)
        except ValueError as error:
            raise UsageError(str(error)) from None

    @line_magic
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("classes", metavar="CLASS", nargs="+", help="component classes (and a Module subclass)")
    @magic_arguments.argument("--to", required=True, metavar="DIR", help="the module directory to write")
    @magic_arguments.argument("--name", help="the module's display name")
    @magic_arguments.argument("--version", help="the module's version")
    @magic_arguments.argument("--force", action="store_true", help="overwrite files changed by hand")
    @magic_arguments.argument("--no-round-trip", action="store_true", help="skip the check in a fresh interpreter")
    @magic_arguments.argument("--no-lock", action="store_true", help="do not run poetry lock")
    def export_module(self, line: str = "") -> Any:
        """%export_module => Write a module directory (manifests, main.py, package, tests) from notebook classes.

        Example: ``%export_module AcmeModule AlertsTrigger --to ../modules/Acme --name "Acme"``.
        Classes written in ``%%component`` cells are exported from that cell's exact source.
        """
        from kit._export import ExportError, export

        args = magic_arguments.parse_argstring(self.export_module, line)
        classes = []
        for name in args.classes:
            try:
                value = self.session.lookup(name)
            except KeyError:
                raise UsageError(f"%export_module: there is no variable {name!r} in the notebook") from None
            if not (isinstance(value, type)):
                raise UsageError(f"%export_module: {name} is {type(value).__name__}, not a class")
            classes.append(value)
        try:
            result = export(
                *classes, to=_unquote(args.to), name=_unquote(args.name), version=args.version, force=args.force,
                round_trip=not args.no_round_trip, lock=not args.no_lock,
            )
        except ExportError as error:
            raise UsageError(str(error)) from None
        print(result)
        return None


def _is_connector(cls: type) -> bool:
    from kit.connector import Connector

    return issubclass(cls, Connector)


def _capture(cls: type, source: str, origin: str) -> None:
    try:
        from kit._export import capture_source
    except ImportError:  # the exporter is optional for stepping
        cls.__kit_source__ = (source, origin)  # type: ignore[attr-defined]
        return
    try:
        capture_source(cls, source, origin)
    except Exception:
        cls.__kit_source__ = (source, origin)  # type: ignore[attr-defined]


class _RunSummary:
    """What ``%run_for`` shows: how many steps ran and what they did in total."""

    def __init__(self, label: str, reports: StepList, now: Any) -> None:
        self.label = label
        self.reports = reports
        self.now = now

    def __repr__(self) -> str:
        reports = self.reports
        runs = sum(len(r.runs) for r in reports)
        events = sum(r.events_pushed for r in reports)
        http = sum(len(r.http) for r in reports)
        errors = sum(1 for r in reports if r.errors)
        text = (
            f"{len(reports)} step{'s' * (len(reports) != 1)} of {self.label} up to "
            f"{self.now.isoformat().replace('+00:00', 'Z')}: {runs} run{'s' * (runs != 1)}, "
            f"{events} event{'s' * (events != 1)}, {http} HTTP call{'s' * (http != 1)}"
        )
        if errors:
            text += f", {errors} step{'s' * (errors != 1)} with an error (see %steps)"
        if reports and reports[-1].status not in {"paused"}:
            text += f"; last step {reports[-1].status}"
        return text


def _run_chunked(
    platform: Any, sims: list, every: bool, end: float, max_steps: int, timeout: float | None, delay: float | None,
) -> None:
    """Run up to virtual time ``end`` in small spans, updating a progress bar between them.

    Running span by span is the same as one run: steps are ordered by wake-up time and
    the clock is only ever moved to the next wake-up or to a span's end.  ``every``
    steps every component of the platform (``platform.advance``), else ``sims[0]``.
    """
    clock = platform.clock
    start = clock.time()
    total = end - start
    first = sum(len(s.reports) for s in sims)
    bar = None
    if delay is not None and total > 0:
        from tqdm.auto import tqdm

        bar = tqdm(total=round(total), unit="s", desc="virtual time", delay=delay, leave=False)
    chunk = max(total / 200.0, 1.0)
    try:
        while True:
            span = min(end - clock.time(), chunk)
            done = sum(len(s.reports) for s in sims) - first
            budget = max(max_steps - done, 0)
            try:
                if every:
                    platform.advance(span, max_steps=budget, timeout=timeout)
                else:
                    sims[0].run_for(span, max_steps=budget, timeout=timeout)
            except RuntimeError as error:
                if "max_steps" not in str(error):
                    raise
                raise RuntimeError(
                    f"stopped after --max-steps={max_steps} steps at "
                    f"{clock.now().isoformat().replace('+00:00', 'Z')}; a component may loop without sleeping. "
                    "Raise --max-steps or look at %steps."
                ) from None
            if bar is not None:
                bar.n = round(clock.time() - start)
                bar.set_postfix_str(f"{sum(len(s.reports) for s in sims) - first} steps", refresh=False)
                bar.update(0)
            if clock.time() >= end:
                break
    finally:
        if bar is not None:
            bar.close()


def _last_exception(sim: Any) -> tuple[Any, Any] | None:
    for report in reversed(sim.reports):
        for error in report.errors:
            if error.exception is not None:
                return report, error
    return None


def _describe_failure(sim: Any, report: Any, error: Any) -> str:
    mask = sim._host.mask
    lines = [f"step {report.number} [{report.status}] at {report.start.isoformat().replace('+00:00', 'Z')}", ""]
    lines.append(error.traceback.rstrip())
    from kit._runtime import user_traceback

    # the variables of the component's frame that called what failed, not of kit's fake below it
    tb = user_traceback(error.exception.__traceback__) or error.exception.__traceback__
    frame = None
    while tb is not None:
        frame = tb.tb_frame
        tb = tb.tb_next
    if frame is not None:
        lines.append("")
        lines.append(f"variables of {frame.f_code.co_name}() at line {frame.f_lineno}:")
        for name, value in sorted(frame.f_locals.items()):
            if name.startswith("__"):
                continue
            try:
                text = repr(value)
            except Exception as exc:  # noqa: BLE001 - a broken repr must not hide the rest
                text = f"<repr failed: {type(exc).__name__}>"
            text = mask.text(re.sub(r" at 0x[0-9a-f]+", "", text))  # masked before it is cut
            if len(text) > 200:
                text = text[:199] + "…"
            lines.append(f"  {name} = {text}")
    return "\n".join(lines)


# "%run_for 2 hours": a unit written as a word, apart from its number
_UNIT_WORD = re.compile(r"^(s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)$", re.IGNORECASE)
