"""The in-process fake Sekoia.io platform."""

from __future__ import annotations

import contextlib
import inspect
import shutil
import tempfile
import warnings
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator

from kit import _runtime
from kit._platform import _aiohttp, _clients, _http
from kit._platform._faults import Faults
from kit._platform._host import ComponentHost
from kit._platform._playbooks import Playbook, PlaybookRun, check_steps
from kit._platform._records import ActionRecord, RunRecord, thaw
from kit._platform._secrets import Secrets
from kit._stepper._clock import VirtualClock
from kit._stepper import _threads
from kit._stepper._simulation import Simulation, _seconds, check_timeout
from kit.action import Action
from kit.connector import Connector
from kit.module import Module
from kit.trigger import Trigger
from kit.utils import is_model_instance, model_dump, secret_fields


class KitWarning(UserWarning):
    """A warning kit shows about what a component did (a dropped event, a repr sent as an event...)."""


class FakePlatform:
    """An in-process stand-in for the Sekoia.io platform that records everything components do.

    ``FakePlatform(start="2024-01-01T00:00:00Z")`` fixes the virtual clock's start
    (default: now).  Components loaded with :meth:`load` run one step at a time;
    actions run with :meth:`run_action`.  Outbound HTTP is answered from
    :attr:`http`, a ``responses.RequestsMock`` (``platform.http.get(url, json=...)``);
    unregistered calls fail unless ``allow_network=True``.  ``record="cassettes/acme.yaml"`` (with
    ``allow_network=True``) writes every real HTTP exchange of the components to that cassette as it
    happens (responses' recorder format, secrets masked, with the component, step, thread and virtual
    time of each); ``replay="cassettes/acme.yaml"`` answers what :attr:`http` registrations do not
    from the cassette, each exchange once, and starts the clock where the recording started (unless
    ``start`` is given).  :attr:`cassette` is the recorder or replayer.  Use it as a context
    manager (or call :meth:`close`) to stop workers and remove its temporary storage.
    :attr:`secrets` (a :class:`kit._platform._secrets.Secrets`) holds the secret values of every
    hosted component; everything the platform records or shows is masked by it.
    :attr:`faults` (a :class:`kit._platform._faults.Faults`) schedules faults on purpose (``platform.faults.add(
    "status", url, status=429, headers={"Retry-After": "30"})``...) and records what components did next.
    """

    def __init__(
        self,
        *,
        start: Any = None,
        storage: str | Path | None = None,
        step_timeout: float = 10.0,
        allow_network: bool = False,
        rules_database: str | Path = ":memory:",
        record: str | Path | None = None,
        replay: str | Path | None = None,
    ) -> None:
        check_timeout(step_timeout, "step_timeout")
        _check_cassette(record, replay, allow_network)
        replayer = None
        if replay is not None:
            from kit._platform._cassette import Replayer

            self.secrets = Secrets()
            replayer = Replayer(replay, self.secrets)  # a bad file is an error before anything starts
            if start is None:
                start = replayer.start
        _runtime.install()
        _http.install()
        _aiohttp.install()  # asyncio loops (virtual clock) and aiohttp calls (self.http) of hosted threads
        _clients.install()  # http.client/urllib, urllib3, httpx answered from self.http; other connections refused
        self.clock = VirtualClock(start)
        self._own_storage = storage is None
        self.storage = Path(storage) if storage is not None else Path(tempfile.mkdtemp(prefix="kit-platform-"))
        self.storage.mkdir(parents=True, exist_ok=True)
        self._run_storage = self.storage / "runs"
        self._run_storage.mkdir(exist_ok=True)
        self.step_timeout = step_timeout
        self.http = _http.new_registry(allow_network)
        self.allow_network = allow_network
        # scheduled faults (429s, timeouts, a refusing intake, read-only storage...) and their firings
        self.faults = Faults(self)
        #: the cassette this platform records to or replays from (None without record=/replay=)
        self.cassette: Any = replayer
        self._rules_database = rules_database
        self._rules: Any = None
        self._hosts: list[ComponentHost] = []
        self._simulations: list[Simulation] = []
        self._actions: list[ActionRecord] = []
        self._playbooks: list[Playbook] = []
        self._playbook_runs: list[PlaybookRun] = []
        self._event_targets: dict[str, Any] = {}
        self.warnings: list[str] = []
        # every secret value declared by a hosted component; everything shown passes through it
        if replayer is None:
            self.secrets = Secrets()
        self._closed = False
        if replayer is not None:
            # what the registrations do not answer goes to the cassette (then the network, if allowed)
            replayer.fallback = self.http._real_send if allow_network else None
            if not allow_network:
                self.http.add_passthru("")
            self.http._real_send = replayer.send
        elif record is not None:
            from kit._platform._cassette import Recorder

            try:
                self.cassette = Recorder(record, self.secrets, self.clock.time())
            except BaseException:
                self.close()  # its temporary storage goes
                raise
            self.http._real_send = self.cassette.wrap(self.http._real_send)
        if str(rules_database) != ":memory:":
            try:
                self.rules_engine  # reopen: rules, last_executed and counters resume now  # noqa: B018
            except BaseException:
                self.close()  # its temporary storage goes
                raise

    # -- hosting --------------------------------------------------------------------
    def load(
        self,
        component: type,
        configuration: Any = None,
        module_configuration: Any = None,
        *,
        name: str | None = None,
        module: Any = None,
        manifest: dict | None = None,
        secrets: Iterable[str] = (),
        data_path: str | Path | None = None,
        step_timeout: float | None = None,
        event_target: str | Callable[[dict], str] | None = None,
    ) -> Simulation:
        """Host a trigger or connector and return its :class:`Simulation` (not started yet).

        ``configuration`` and ``module_configuration`` are dicts or models; they are
        validated against the annotated models now, before the loop starts.
        ``module`` is the module class (or instance) whose ``configuration``
        annotation types the module configuration; ``manifest`` is its
        ``manifest.json`` (its ``secrets`` and ``required`` are honoured). ``secrets`` names more keys
        (of either configuration) whose values are secret, as a component manifest's
        ``arguments.secrets`` does; every secret value is masked in whatever kit shows.
        ``event_target`` says what the ``target`` of this trigger's events is on the
        platform's event stream (rules count them): a key of the event, or a callable
        ``event -> str``; the ``source`` is the component's name.
        """
        self._check_open()
        check_timeout(step_timeout, "step_timeout")
        _check_component(component, (Trigger,), "load")
        if event_target is not None and not (isinstance(event_target, str) or callable(event_target)):
            raise TypeError(f"event_target={event_target!r}: expected an event key (str) or a callable event -> str")
        display = self._unique_name(name or component.name or component.__name__)
        path = Path(data_path) if data_path is not None else self.storage / "components" / _storage_name(display)
        path.mkdir(parents=True, exist_ok=True)
        # keys a base class knows are secret on the platform (an asset connector's sekoia_api_key)
        secrets = (*secrets, *getattr(component, "_kit_secret_configuration_keys", ()))
        host, _ = self._host_for(
            component, display, path, _kind(component), module, manifest, module_configuration, secrets,
            "configuration", configuration,
        )

        def build() -> Any:
            fresh_module = self._module(module, manifest)
            fresh_module._kit_host = host
            fresh_module.configuration = host.module_configuration
            with _runtime.ThreadContext(self.clock, host):
                instance = component(module=fresh_module, data_path=path)
                instance.configuration = host.configuration
            return instance

        # The first instance is built now: a bad configuration field is an error before the loop starts.
        with self._masking_errors():
            simulation = Simulation(
                self, component, host, build, step_timeout=self.step_timeout if step_timeout is None else step_timeout
            )
        self._hosts.append(host)
        self._simulations.append(simulation)
        if event_target is not None:
            self._event_targets[display] = event_target
        return simulation

    def run_action(
        self,
        action: type,
        arguments: Any = None,
        module_configuration: Any = None,
        *,
        name: str | None = None,
        module: Any = None,
        manifest: dict | None = None,
        secrets: Iterable[str] = (),
        files: dict[str, Any] | None = None,
    ) -> ActionRecord:
        """Run an action (or an ``AccountValidator``) to completion and return its :class:`ActionRecord`.

        ``files`` are written to the action's storage first (name -> dict/list as
        JSON, or str/bytes), so ``<name>_path`` arguments can point at them; files
        the action returns with ``json_result`` are read with
        ``record.read_result_file(name)``. ``secrets`` names more keys (of the arguments or the module
        configuration) whose values are secret; fields of the arguments model declared secret
        (``json_schema_extra={"secret": True}``, v1 ``secret=True``, ``SecretStr``) are too.
        """
        self._check_open()
        from kit.account_validator import AccountValidator

        _check_component(action, (Action, AccountValidator), "run_action")
        display = name or action.name or action.__name__
        path = self.storage / "actions" / f"{_storage_name(display)}-{len(self._actions) + 1}"
        path.mkdir(parents=True, exist_ok=True)
        for filename, content in (files or {}).items():
            target = path / filename
            if not isinstance(filename, str) or Path(filename).is_absolute() or ".." in Path(filename).parts:
                raise ValueError(
                    f"run_action(files={{{filename!r}: ...}}): a file name is a path inside the action's storage "
                    "(no '..', not absolute), e.g. files={'input.json': {...}}"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            elif isinstance(content, str):
                target.write_text(content)
            else:
                import orjson

                target.write_bytes(orjson.dumps(content))
        host, module_obj = self._host_for(
            action, display, path, "action", module, manifest, module_configuration, secrets, "arguments", arguments
        )
        with _runtime.ThreadContext(self.clock, host):
            instance = action(module=module_obj, data_path=path)
            if isinstance(instance, Action):
                instance._arguments = host.arguments
            instance.execute()
        record = host.action_result
        assert record is not None
        self._actions.append(record)
        self._hosts.append(host)
        return record

    def _host_for(
        self, component: type, display: str, path: Path, kind: str, module: Any, manifest: dict | None,
        module_configuration: Any, secrets: Iterable[str], role: str, data: Any,
    ) -> tuple[ComponentHost, Module]:
        """The host of a component (its configuration or arguments given as ``data``) and its module, validated."""
        module_obj = self._module(module, manifest)
        self._warn_mixed_pydantic(component, type(module_obj), role)
        host = ComponentHost(
            self, display, path, module_configuration=None, configuration=None, secrets=self.secrets, kind=kind
        )
        module_obj._kit_host = host
        module_configuration = _as_data(module_configuration, "module_configuration")
        data = _as_data(data, role)
        self._warn_unknown_keys(display, type(module_obj), module_configuration, "module_configuration")
        if role == "configuration":
            self._warn_unknown_keys(display, component, data, "configuration")
        host.secret_keys = self._collect_secrets(module_obj, module_configuration, component, role, data, secrets)
        with self._masking_errors():
            module_obj.configuration = module_configuration if module_configuration is not None else {}
        host.module_configuration = module_configuration if module_configuration is not None else {}
        setattr(host, role, data if data is not None else {})
        module_namespace = inspect.getmodule(component)
        _threads.install()
        _runtime.virtualize_namespace(vars(module_namespace) if module_namespace else {})
        _runtime.rebind_imported_functions()
        return host, module_obj

    # -- time -------------------------------------------------------------------------
    def advance(
        self,
        seconds: float = 0,
        *,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
        max_steps: int = 1_000_000,
        timeout: float | None = None,
        progress: Any = None,
    ) -> list:
        """Move virtual time forward, stepping every loaded component and firing rules in time order."""
        span = _seconds(seconds, minutes, hours, days)
        check_timeout(timeout)
        return self._run_until_time(
            self.clock.time() + span, list(self._simulations), max_steps, timeout, progress
        )

    def _advance_to(self, when: float) -> None:
        rules = self._rules
        if rules is not None:
            while True:
                due = rules.next_due()
                if due is None or due > when:
                    break
                self.clock.advance_to(due)
                rules.run_due(due)
        self.clock.advance_to(when)

    def _run_until_time(
        self, target: float, sims: list[Simulation], max_steps: int, timeout: float | None, progress: Any
    ) -> list:
        reports: list = []
        bar = _progress(progress, target - self.clock.time())
        start = self.clock.time()
        failing = 0  # steps in a row that failed without moving virtual time
        try:
            while True:
                best = None
                best_time = None
                for sim in sims:
                    wake = sim.next_wake
                    if wake is not None and wake <= target and (best_time is None or wake < best_time):
                        best, best_time = sim, wake
                rules = self._rules
                due = rules.next_due() if rules is not None else None
                if due is not None and due <= target and (best_time is None or due < best_time):
                    self._advance_to(due)
                    continue
                if best is None:
                    break
                if len(reports) >= max_steps:
                    raise RuntimeError(
                        f"stopped after max_steps={max_steps} steps at {self.clock.now().isoformat()}; "
                        "a component may loop without sleeping. Raise max_steps or look at sim.steps."
                    )
                report = best._step_once(timeout)
                reports.append(report)
                failing = failing + 1 if report.errors and report.end == report.start else 0
                if failing >= _FAILING_STEPS_LIMIT:
                    raise RuntimeError(
                        f"stopped after {failing} steps in a row of {best.name} that failed at once, at "
                        f"{self.clock.now().isoformat()} (virtual time does not move): {report.summary()}. The real "
                        "SDK restarts a run() that raises at once, spinning like this; sleep after an error "
                        "(time.sleep(...) in an except) or fix the error. Every step so far is in sim.steps."
                    )
                if bar is not None:
                    bar.n = round(self.clock.time() - start)
                    bar.set_postfix_str(f"{len(reports)} steps", refresh=False)
                    bar.update(0)
            self._advance_to(target)
        finally:
            if bar is not None:
                bar.n = round(self.clock.time() - start)
                bar.close()
        return reports

    def _http_send(self, host: ComponentHost, adapter: Any, request: Any, **kwargs: Any) -> Any:
        return _http.send(self, host, adapter, request, **kwargs)

    # -- the event stream, rules and playbooks ----------------------------------------------
    def _on_run(self, host: ComponentHost, record: RunRecord) -> None:
        """A trigger's send_event: it starts matching playbooks and goes to the event stream."""
        event = thaw(record.event)
        for playbook in list(self._playbooks):
            if playbook.matches(host.name, record.event_name):
                self._playbook_runs.append(
                    playbook.run(event, trigger=host.name, event_name=record.event_name, run_id=record.request_id)
                )
        if self._rules is not None:
            mapper = self._event_targets.get(host.name)
            if mapper is None:
                target = ""
            elif callable(mapper):
                target = str(mapper(event))
            else:
                target = str(event.get(mapper, ""))
            self._rules.register_event_type(record.event_name)
            self._rules.publish(record.event_name, host.name, target, event)

    @property
    def rules_engine(self) -> Any:
        """The platform's rules engine (TIME_INTERVAL and EVENT triggers), created on first use."""
        if self._rules is None:
            from kit._platform._playbooks import rule_action_runner
            from kit._rules import RulesEngine

            self._rules = RulesEngine(
                str(self._rules_database), now=self.clock.time, run_action=rule_action_runner(self)
            )
            for warning in self._rules.warnings:
                self._warn(warning)
        return self._rules

    def add_rule(
        self, action: Any = "KEY_ROTATION", triggers: Any = (), targets: Any = (), *, description: str = ""
    ) -> Any:
        """Add a rule: ``action`` is ``"KEY_ROTATION"``, an Action class or a playbook (a list of them).

        ``triggers``: ``{"type": "TIME_INTERVAL", "settings": {"expr": "*/5 * * * 1-5 *"}}`` or
        ``{"type": "EVENT", "settings": {"eventType": ..., "maxOccurrence": 3}}`` (or the
        ``kit._rules`` trigger classes); ``targets``: ``("CLIENT", "alice")``, ``("TOPIC", ...)``,
        ``("ANY", ...)``.  TIME_INTERVAL rules follow the virtual clock; a new one fires at once.
        """
        self._check_open()
        rule = self.rules_engine.add_rule(action, triggers, targets, description=description)
        self._rules.run_due(self.clock.time())
        return rule

    def update_rule(self, rule: Any, **changes: Any) -> Any:
        """Change a rule (``description``, ``action``, ``triggers``, ``targets``); kept trigger ids keep their counters."""
        return self.rules_engine.update_rule(rule, **changes)

    def remove_rule(self, rule_id: int) -> Any:
        return self.rules_engine.remove_rule(rule_id)

    def register_event_type(self, name: str) -> None:
        """Declare an event type EVENT triggers may count (a hosted trigger's event name, say)."""
        self.rules_engine.register_event_type(name)

    def publish(self, type: str, source: str, target: str, data: Any = None) -> Any:
        """Put a C2-style event (``CLIENT_SUBSCRIBED``...) on the platform's event stream; return the fires.

        ``source`` is the client, ``target`` the topic; the fires are a read-only sequence of
        ``FireRecord`` (also in ``platform.rule_fires``).
        """
        self._check_open()
        return self.rules_engine.publish(type, source, target, data)

    def publish_many(self, events: Any) -> Any:
        """Put many events on the event stream at the current virtual time; return the fires.

        Each event is ``(type, source, target)``, ``(type, source, target, data)`` or a mapping
        with those keys; all are checked before any is counted. The fast way to replay a
        stream: the batch is counted in one pass and written in one transaction.
        """
        self._check_open()
        return self.rules_engine.publish_many(events)

    def playbook(
        self,
        actions: Any,
        *,
        trigger: Any = None,
        event_name: str | None = None,
        module_configuration: Any = None,
        module: Any = None,
        name: str | None = None,
    ) -> Playbook:
        """Start ``actions`` (a playbook) on every ``send_event`` of ``trigger`` (a simulation or its name).

        Each step is an Action class, an ``(Action, arguments)`` pair or a dict
        ``{"action": Action, "arguments": ...}``; ``arguments`` is a dict, or a callable
        ``(event, previous_results) -> dict`` (default: the event itself).  Runs are in
        :attr:`playbook_runs`, each action's record in :attr:`actions`.
        """
        self._check_open()
        steps = check_steps(actions)
        trigger_name = trigger.name if isinstance(trigger, Simulation) else trigger
        if trigger_name is not None and not isinstance(trigger_name, str):
            raise TypeError(f"trigger={trigger!r}: expected a simulation from platform.load or a component name")
        playbook = Playbook(
            self, name or f"playbook {len(self._playbooks) + 1}", steps, trigger=trigger_name, event_name=event_name,
            module_configuration=_as_data(module_configuration), module=module,
        )
        self._playbooks.append(playbook)
        return playbook

    @property
    def playbook_run_records(self) -> tuple[PlaybookRun, ...]:
        return tuple(self._playbook_runs)

    @property
    def playbook_runs(self):
        """Playbook runs as a DataFrame: time, playbook, trigger, event_name, ok, error, steps."""
        from kit._platform import _tables

        return _tables.playbook_runs_table(self._playbook_runs, self.secrets)

    @property
    def rules(self):
        """Rules as a DataFrame."""
        return self.rules_engine.rules_table()

    @property
    def rule_fires(self):
        """Rule fires as a DataFrame: rule, trigger, time, reason, action result, error (secrets masked)."""
        from kit._platform import _tables

        return _tables.masked_frame(self.rules_engine.fires_table(), self.secrets)

    @property
    def keys(self):
        """Keys made by the fake C2 key service (fingerprints only), as a DataFrame."""
        return self.rules_engine.keys_table()

    # -- tables ------------------------------------------------------------------------
    @property
    def simulations(self) -> tuple[Simulation, ...]:
        return tuple(self._simulations)

    @property
    def action_records(self) -> tuple[ActionRecord, ...]:
        return tuple(self._actions)

    @property
    def runs(self):
        """Playbook runs of every hosted trigger, as a DataFrame."""
        from kit._platform import _tables

        return _tables.runs_table(self._hosts)

    @property
    def events(self):
        """Intake events of every hosted connector, as a DataFrame."""
        from kit._platform import _tables

        return _tables.events_table(self._hosts)

    @property
    def logs(self):
        """Logs of every hosted component, as a DataFrame."""
        from kit._platform import _tables

        return _tables.logs_table(self._hosts)

    @property
    def http_calls(self):
        """Outbound HTTP calls of every hosted component, as a DataFrame."""
        from kit._platform import _tables

        return _tables.http_table(self._hosts)

    @property
    def assets(self):
        """Assets pushed by every hosted asset connector, as a DataFrame (see ``Simulation.assets``)."""
        from kit._platform import _tables

        return _tables.assets_table(self._hosts)

    @property
    def metrics(self):
        """Prometheus metric changes (``inc``, ``dec``, ``set``, ``observe``) of every hosted component, as a
        DataFrame: kit records them instead of serving them on a port."""
        from kit._platform import _tables

        return _tables.metrics_table(self._hosts)

    @property
    def actions(self):
        """Action runs, as a DataFrame."""
        from kit._platform import _tables

        return _tables.actions_table(self._actions, self.secrets)

    def timeline(
        self, *, components: Any = None, kinds: Any = None, max_marks: int = 3000, width: int = 800, **unknown: Any
    ):
        """The timeline of every hosted component on the virtual clock: a :class:`kit._timeline.Timeline`.

        One lane per component (one per thread for a component that started threads; actions run
        with :meth:`run_action` have theirs too), with a row per kind of mark: ``step``, ``push``
        (intake pushes, sized by their events), ``event`` (``send_event``), ``http`` (coloured by
        status: 2xx, 3xx, 4xx, 5xx, error), ``log`` (by level), ``crash`` (exceptions raised in a
        step), ``asset`` (assets pushed) and ``fault`` (injected faults, the reaction in the tooltip).
        In a notebook it shows as an interactive chart: hovering a mark shows its record
        (secrets masked). ``timeline.marks`` is the data drawn, as a DataFrame.

        Args:
            components: the components to draw (names or simulations; default: all).
            kinds: the kinds of marks to draw (default: all), e.g. ``kinds=["http", "log"]``.
            max_marks: past this many marks, marks are aggregated into time bins (one per lane, kind,
                colour and bin, sized by its count) so the chart stays responsive.
            width: the chart's width in pixels.

        Drawing needs the ``timeline`` extra: ``pip install 'sekoia-kit[timeline]'``.
        """
        from kit import _timeline

        call = "platform.timeline"
        _timeline.check_options(
            call, {"components": components, "kinds": kinds, "max_marks": max_marks, "width": width}, unknown
        )
        kinds = _timeline.check_kinds(call, kinds)
        reports = {id(sim._host): tuple(sim.reports) for sim in self._simulations}  # an action has none
        sources = [_timeline.Source(host.name, host, reports.get(id(host), ())) for host in self._hosts]
        if components is not None:
            sources = _pick_components(call, components, sources)
        return _timeline.prepare(
            sources, title=f"platform ({len(sources)} component{'s' * (len(sources) != 1)})", kinds=kinds,
            max_marks=max_marks, width=width, mask=self.secrets,
            empty_hint="load a component and step it (platform.advance(hours=1)), then draw it again",
        )

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        """Stop every worker and remove the platform's temporary storage."""
        if self._closed:
            return
        for sim in self._simulations:
            try:
                sim.stop(timeout=2.0)
            except Exception:  # noqa: S110 - closing must go on
                pass
        if self._rules is not None:
            self._rules.close()
        self.http.reset()
        if self.cassette is not None and self.cassette.mode == "record":
            self.cassette.close()
        self._closed = True
        if self._own_storage:
            shutil.rmtree(self.storage, ignore_errors=True)

    def __enter__(self) -> "FakePlatform":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<FakePlatform now={self.clock.now().isoformat().replace('+00:00', 'Z')} "
            f"components={len(self._simulations)} actions={len(self._actions)}{' closed' if self._closed else ''}>"
        )

    # -- helpers -------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this FakePlatform is closed; create a new one")

    def _unique_name(self, base: str) -> str:
        taken = {h.name for h in self._hosts}
        if base not in taken:
            return base
        index = 2
        while f"{base}-{index}" in taken:
            index += 1
        return f"{base}-{index}"

    def _module(self, module: Any, manifest: dict | None) -> Module:
        if module is None:
            module_obj = Module()
        elif isinstance(module, Module):
            module_obj = type(module)()
            module_obj._manifest = module._manifest
            module_obj._working_directory = module._working_directory
        elif isinstance(module, type) and issubclass(module, Module):
            module_obj = module()
        else:
            raise TypeError(
                f"module={module!r}: expected a Module subclass (or instance) of kit or sekoia_automation code "
                "loaded through kit"
            )
        if manifest is not None:
            module_obj._manifest = dict(manifest)
        elif module_obj._manifest is None:
            module_obj._manifest = {}
        return module_obj

    def _collect_secrets(
        self, module: Module, module_configuration: Any, component: type, role: str, data: Any, extra: Iterable[str]
    ) -> dict[str, frozenset[str]]:
        """Add the secret values of the module configuration and of the component's configuration or
        arguments (``role``) to :attr:`secrets`; return the secret keys of each.

        Secret keys come from the module manifest's ``configuration.secrets``, the models
        (``json_schema_extra={"secret": True}``, v1 ``secret=True``, ``SecretStr``) and ``extra``
        (``secrets=`` of :meth:`load`/:meth:`run_action`, a component manifest's ``arguments.secrets``).
        """
        from kit.utils import get_annotation_for, nested_secret_paths, run_arguments_annotation

        def model_secrets(model: Any) -> set[str]:
            return secret_fields(model) if not isinstance(model, property) else set()

        names = set(extra) | set(module.manifest_secrets())
        names |= model_secrets(get_annotation_for(type(module), "configuration"))
        model = get_annotation_for(component, "configuration") if role == "configuration" else (
            run_arguments_annotation(component)
        )
        component_names = set(extra) | model_secrets(model)
        self.secrets.add_fields(module_configuration, names)
        self.secrets.add_fields(data, component_names)
        # secret fields of nested models (a credentials model inside the configuration)
        module_model = get_annotation_for(type(module), "configuration")
        for owner, values in ((module_model, module_configuration), (model, data)):
            if not isinstance(owner, property):
                self.secrets.add_paths(values, nested_secret_paths(owner))
        return {"module_configuration": frozenset(names), role: frozenset(component_names)}

    @contextlib.contextmanager
    def _masking_errors(self) -> Iterator[None]:
        """Re-raise any exception of the block with the platform's secrets masked in its message."""
        try:
            yield
        except Exception as error:
            raise self.secrets.mask_exception(error)

    def _warn_mixed_pydantic(self, component: type, module_class: type, role: str) -> None:
        """A KitWarning per pydantic.v1 Field or validator in a v2 model the component is configured with."""
        from kit._pydantic import mixed_pydantic
        from kit.utils import get_annotation_for, run_arguments_annotation

        models = [get_annotation_for(module_class, "configuration")]
        if role == "configuration":
            models.append(get_annotation_for(component, "configuration"))
        else:  # an action's arguments (an account validator has no run: None)
            models.append(run_arguments_annotation(component))
        models.append(getattr(component, "results_model", None))
        for model in dict.fromkeys(m for m in models if isinstance(m, type)):
            for problem in mixed_pydantic(model):
                self._warn(problem)

    def _warn_unknown_keys(self, display: str, owner: type, data: Any, what: str) -> None:
        """A KitWarning for the keys of ``data`` that ``owner``'s configuration model ignores (a typo?)."""
        from kit.utils import get_annotation_for

        model = get_annotation_for(owner, "configuration")
        unknown, known = _ignored_keys(model, data)
        if unknown:
            listed = ", ".join(repr(key) for key in unknown)
            verb = "are not fields" if len(unknown) > 1 else "is not a field"
            self._warn(
                f"{display}: {what}: {listed} {verb} of {model.__name__} (its fields: {', '.join(known) or 'none'}); "
                "the real SDK ignores unknown keys without a word. Fix the spelling or remove the key."
            )

    def _warn(self, message: str) -> None:
        message = self.secrets.text(message)
        self.warnings.append(message)
        warnings.warn(message, KitWarning, stacklevel=2)


# a run() failing at once this many times in a row stops a run_for/advance (it would spin forever)
_FAILING_STEPS_LIMIT = 100


def _check_cassette(record: Any, replay: Any, allow_network: bool) -> None:
    """``record=``/``replay=`` of a FakePlatform: one of them, a path, and recording on the network."""
    for name, value in (("record", record), ("replay", replay)):
        if value is not None and not isinstance(value, (str, Path)):
            raise TypeError(f"FakePlatform({name}={value!r}): expected the path of a cassette, e.g. 'cassettes/acme.yaml'")
    if record is not None and replay is not None:
        raise ValueError(
            f"FakePlatform(record={str(record)!r}, replay={str(replay)!r}): record writes a cassette from the real "
            "network and replay answers from one; pass one of them"
        )
    if record is not None and not allow_network:
        raise ValueError(
            f"FakePlatform(record={str(record)!r}): recording writes the components' real HTTP exchanges, so the "
            f"calls must reach the network: FakePlatform(record={str(record)!r}, allow_network=True)"
        )


def _storage_name(name: Any) -> str:
    """The directory name for a component's storage: its display name with path separators and
    '..' replaced, so a name such as 'Get IP/Domain' or '../../x' stays inside the platform's storage."""
    import re

    text = re.sub(r"[/\\\0]", "_", str(name)).strip() or "component"
    return "_" if text in (".", "..") else text.replace("..", "__")


def _as_data(value: Any, what: str = "configuration") -> Any:
    """Models (or JSON text) given as configuration become plain data, as the platform would store them."""
    if isinstance(value, (str, bytes)):
        import json

        try:
            return json.loads(value)
        except ValueError as error:
            raise ValueError(
                f"{what} {value[:60]!r} is not valid JSON ({error}); pass a dict, a pydantic model or JSON text"
            ) from None
    if is_model_instance(value):
        dumped = model_dump(value)
        # SecretStr values must reach the model as their secret, not as '**********'
        return {k: (v.get_secret_value() if hasattr(v, "get_secret_value") else v) for k, v in dumped.items()}
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(
            f"{what}={value!r:.60}: a configuration is a dict, a pydantic model or JSON text, e.g. "
            f"{what}={{'api_key': '...'}}"
        )
    return value


def _ignored_keys(model: Any, data: Any) -> tuple[list[str], list[str]]:
    """The keys of ``data`` a pydantic ``model`` ignores (its extra setting is 'ignore'), and its field names."""
    if not isinstance(model, type) or not isinstance(data, Mapping):
        return [], []
    fields = getattr(model, "model_fields", None)
    if isinstance(fields, dict):  # pydantic v2
        extra = model.model_config.get("extra")
        aliases = {a for f in fields.values() for a in (f.alias, f.validation_alias) if isinstance(a, str)}
    else:  # pydantic v1
        fields = getattr(model, "__fields__", None)
        if not isinstance(fields, dict):
            return [], []
        extra = getattr(getattr(model, "__config__", None), "extra", None)
        extra = getattr(extra, "value", extra)
        aliases = {f.alias for f in fields.values()}
    if extra not in (None, "ignore"):
        return [], []
    known = set(fields) | aliases
    return [key for key in data if key not in known], list(fields)


def _pick_components(call: str, components: Any, sources: list) -> list:
    """The sources of the components named (or given as simulations) in ``components``, in that order."""
    items = [components] if isinstance(components, (str, Simulation)) else components
    try:
        items = list(items)
    except TypeError:
        items = None
    known = list(dict.fromkeys(source.component for source in sources))
    if not items or not all(isinstance(item, (str, Simulation)) for item in items):
        raise TypeError(
            f"{call}(components={components!r}): components is a list of component names or simulations, "
            f"e.g. components={list(known)[:2] or ['Pusher']!r}"
        )
    names = list(dict.fromkeys(item.name if isinstance(item, Simulation) else item for item in items))
    for name in names:
        if name not in known:
            raise ValueError(
                f"{call}(components={components!r}): no component {name!r} on this platform; its components are "
                f"{', '.join(map(repr, known)) or 'none yet (load one with platform.load)'}"
            )
    # an action run several times has one host per run: they share its lane
    return [source for name in names for source in sources if source.component == name]


def _kind(component: type) -> str:
    if issubclass(component, Connector):
        return "connector"
    if issubclass(component, Trigger):
        return "trigger"
    return "action"


def _check_component(component: Any, bases: tuple[type, ...], verb: str) -> None:
    expected = "a Trigger or Connector class" if verb == "load" else "an Action (or AccountValidator) class"
    if not isinstance(component, type):
        raise TypeError(f"platform.{verb}({component!r}): expected {expected}, got {type(component).__name__}")
    if verb == "load" and issubclass(component, Action):
        raise TypeError(
            f"platform.load({component.__name__}): {component.__name__} is an Action; "
            f"run it with platform.run_action({component.__name__}, arguments=...)"
        )
    if verb == "run_action" and issubclass(component, Trigger):
        raise TypeError(
            f"platform.run_action({component.__name__}): {component.__name__} is a "
            f"{'Connector' if issubclass(component, Connector) else 'Trigger'}; load it with "
            f"platform.load({component.__name__}, configuration=...) and step it"
        )
    if not issubclass(component, bases):
        hint = ""
        if any(base.__module__.startswith("sekoia_automation") for base in component.__mro__):
            hint = (
                " It subclasses the real sekoia_automation SDK: load its file through kit "
                "(kit.load_component('path/to/file.py:Class') or %load_component) so its imports run on kit."
            )
        raise TypeError(
            f"platform.{verb}({component.__name__}): {component.__name__} is not a subclass of kit's "
            f"{' or '.join(b.__name__ for b in bases)}; expected {expected}.{hint}"
        )
    if verb == "load":
        if issubclass(component, Connector):
            if component.run is Connector.run and component.iterate is Connector.iterate:
                raise TypeError(
                    f"platform.load({component.__name__}): {component.__name__} defines neither run() nor iterate(); "
                    "a Connector implements run(self) (its own loop calling push_events_to_intakes) or "
                    "iterate(self) (yielding (events, last_event_date) batches)"
                )
        elif getattr(component.run, "__isabstractmethod__", False):
            raise TypeError(
                f"platform.load({component.__name__}): {component.__name__} does not define run(); a Trigger "
                "implements run(self), the loop that calls send_event and sleeps"
            )
    elif issubclass(component, Action) and getattr(component.run, "__isabstractmethod__", False):
        raise TypeError(
            f"platform.run_action({component.__name__}): {component.__name__} does not define run(); an Action "
            "implements run(self, arguments) and returns its results"
        )
    elif not issubclass(component, Action) and getattr(component.validate, "__isabstractmethod__", False):
        raise TypeError(
            f"platform.run_action({component.__name__}): {component.__name__} does not define validate(); an "
            "AccountValidator implements validate(self) -> bool"
        )


def _progress(progress: Any, total: float) -> Any:
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=round(total), unit="s", desc="virtual time", leave=False)

