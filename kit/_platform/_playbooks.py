"""Playbooks on the fake platform: trigger events and rules start chains of actions."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from kit._platform._records import ActionRecord, thaw
from kit.action import Action

if TYPE_CHECKING:
    from kit._platform._platform import FakePlatform


@dataclass(frozen=True, slots=True)
class PlaybookRun:
    """One run of a playbook: what started it and each action's record, in order."""

    playbook: str
    time: datetime
    trigger: str | None
    event_name: str | None
    run_id: str | None
    steps: tuple[ActionRecord, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(step.ok for step in self.steps)


@dataclass(frozen=True, slots=True)
class PlaybookStep:
    """An action of a playbook and how its arguments are built.

    ``arguments`` is a dict, or a callable ``(event, previous_results) -> dict`` where
    ``previous_results`` is the list of the results of the steps before it.
    """

    action: type
    arguments: Any = None
    name: str | None = None


def _step(item: Any) -> PlaybookStep:
    if isinstance(item, PlaybookStep):
        return item
    if isinstance(item, Mapping):
        if "action" not in item:
            raise ValueError(f"playbook step {dict(item)!r} has no 'action': write {{'action': MyAction, 'arguments': ...}}")
        return PlaybookStep(item["action"], item.get("arguments"), item.get("name"))
    if isinstance(item, tuple) and len(item) == 2:
        return PlaybookStep(item[0], item[1])
    return PlaybookStep(item)


def check_steps(actions: Sequence[Any]) -> tuple[PlaybookStep, ...]:
    """Validate a playbook's steps; each names an Action class (kit's, or loaded through kit)."""
    if isinstance(actions, (str, bytes)) or not isinstance(actions, Sequence) or not actions:
        raise ValueError(
            f"a playbook is a non-empty list of actions (Action classes, (Action, arguments) pairs or "
            f"{{'action': ..., 'arguments': ...}} dicts), got {actions!r}"
        )
    steps = tuple(_step(item) for item in actions)
    for step in steps:
        if not (isinstance(step.action, type) and issubclass(step.action, Action)):
            raise TypeError(
                f"playbook step {step.action!r} is not an Action class; a playbook runs actions "
                "(load code written for sekoia_automation with kit.load_component first)"
            )
        if step.arguments is not None and not (isinstance(step.arguments, Mapping) or callable(step.arguments)):
            raise TypeError(
                f"arguments of playbook step {step.action.__name__} must be a dict or a callable "
                f"(event, previous_results) -> dict, got {step.arguments!r}"
            )
    return steps


class Playbook:
    """A list of actions started by a hosted trigger's events (see :meth:`FakePlatform.playbook`)."""

    def __init__(
        self,
        platform: "FakePlatform",
        name: str,
        steps: tuple[PlaybookStep, ...],
        *,
        trigger: str | None,
        event_name: str | None,
        module_configuration: Any,
        module: Any,
    ) -> None:
        self.platform = platform
        self.name = name
        self.steps = steps
        self.trigger = trigger
        self.event_name = event_name
        self.module_configuration = module_configuration
        self.module = module
        self.enabled = True
        self._lock = threading.Lock()

    def matches(self, component: str, event_name: str) -> bool:
        return self.enabled and (self.trigger is None or self.trigger == component) and (
            self.event_name is None or self.event_name == event_name
        )

    def run(self, event: Any, *, trigger: str | None = None, event_name: str | None = None,
            run_id: str | None = None) -> PlaybookRun:
        """Run every step in order with arguments built from ``event``; stop at the first failing step."""
        results: list[Any] = []
        records: list[ActionRecord] = []
        error = None
        started = self.platform.clock.now()
        for step in self.steps:
            try:
                arguments = step.arguments(event, list(results)) if callable(step.arguments) else (
                    dict(step.arguments) if step.arguments is not None else dict(event or {})
                )
            except Exception as exc:  # the author's builder failed: that is the run's error
                error = f"arguments of {step.action.__name__}: {type(exc).__name__}: {exc}"
                break
            record = self.platform.run_action(
                step.action, arguments, self.module_configuration, module=self.module, name=step.name,
            )
            records.append(record)
            results.append(thaw(record.results))
            if not record.ok:
                error = f"{record.action} failed: {record.error.splitlines()[-1] if record.error else ''}"
                break
        return PlaybookRun(self.name, started, trigger, event_name, run_id, tuple(records), error)

    def __repr__(self) -> str:
        names = " -> ".join(s.action.__name__ for s in self.steps)
        on = f"{self.trigger or 'any trigger'}:{self.event_name or 'any event'}"
        return f"<Playbook {self.name} on {on}: {names}>"


def rule_action_runner(platform: "FakePlatform") -> Callable[[Any, tuple, Any], Any]:
    """The rules engine's ``run_action``: Action classes and playbooks run on the platform."""

    def run(action: Any, targets: tuple, event: Any) -> Any:
        arguments = {
            "targets": [{"type": t.type.value if hasattr(t.type, "value") else str(t.type), "name": t.name}
                        for t in targets],
            "event": None if event is None else {
                "type": event.type, "source": event.source, "target": event.target,
                "time": event.time.isoformat(), "data": thaw(event.data) if event.data is not None else None,
            },
        }
        if isinstance(action, type) and issubclass(action, Action):
            record = platform.run_action(action, arguments)
            if not record.ok:
                raise RuntimeError(f"{record.action} failed: {(record.error or '').splitlines()[-1]}")
            return record
        if isinstance(action, (list, tuple)):
            steps = check_steps([_from_engine_step(item) for item in action])
            playbook = Playbook(platform, "rule playbook", steps, trigger=None, event_name=None,
                                module_configuration=None, module=None)
            result = playbook.run(arguments)
            if result.error:
                raise RuntimeError(result.error)
            return result
        if callable(action):
            return action(targets, event)
        raise TypeError(f"cannot run rule action {action!r}")

    return run


def _from_engine_step(item: Any) -> Any:
    if isinstance(item, Mapping):
        return {k: v for k, v in item.items()}
    return item
