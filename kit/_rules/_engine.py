"""The rules engine: TIME_INTERVAL and EVENT triggers on a virtual clock, state in SQLite.

This is a Python reimplementation of the C2 automation engine's semantics (see
``shared/reference/rules-semantics.md``), driven by the platform's virtual clock instead
of goroutines and timers:

* A TIME_INTERVAL trigger is due at ``next_after(rule.last_executed)``; a rule that never
  ran is due at once ("first run"); after the engine was down (reopened on a file with an
  old ``last_executed``) it fires **once** at the reopening time however many slots were
  missed, then on schedule. ``last_executed`` becomes the actual fire time. An expression
  with no further match warns (:class:`CronNeverDueWarning`) and is never due; the Go
  engine busy-looped there.
* An EVENT trigger counts events of its type that match any rule target (+1 per event),
  then checks ``counter >= maxOccurrence`` on **every** event of its type, matching or
  not, fires and resets to 0. Counters are never decayed; ``update_rule`` keeps the
  counter of a trigger passed back with its id.
* Any fire sets the rule's ``last_executed`` for all its triggers, then runs the action
  (``KEY_ROTATION`` on the fake key service, anything else through ``run_action``).
  ``last_executed`` is updated even if the action fails.

The engine never reads real time: ``now()`` is the platform's virtual clock, and the
platform calls :meth:`RulesEngine.run_due` as the clock advances (using
:meth:`RulesEngine.next_due` to interleave rule fires with its own steps).

Concurrency: one lock; fires are processed one at a time, so two triggers of one rule can
never deadlock (the Go engine could). ``publish``/``run_due`` never block behind a thread
that is running fires: they hand their work to that thread and return an empty
:class:`Fires`. Calls made from inside an action (on the same thread) are queued the same
way and processed, in time order, before the outer call returns.

Cost: ``publish_many`` counts a batch in one loop (:meth:`RulesEngine._run_events`) and
writes it in one transaction; every fire goes to a flat log of plain values that the
garbage collector does not track, and FireRecords are built only when read (``fires``,
the :class:`Fires` a call returns, ``fires_table()``).
"""

from __future__ import annotations

import difflib
import heapq
import json
import math
import threading
import warnings
from collections import deque
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence as SequenceABC
from datetime import datetime, timezone
from itertools import repeat
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ._actions import action_from_json, action_to_json, describe_action, materialise, normalise_action
from ._cron import CronExpression, count_slots, parse_cron
from ._errors import (
    CronNeverDueWarning,
    EngineClosed,
    InvalidTrigger,
    RuleNotFound,
    RulesError,
    UnknownAction,
    UnknownEventType,
    UnsupportedTargetType,
)
from ._keys import FakeKeyService
from ._model import (
    C2_EVENT_TYPES,
    ActionType,
    Event,
    EventTrigger,
    FireRecord,
    Rule,
    Target,
    TargetType,
    TimeIntervalTrigger,
    Trigger,
    TriggerType,
    parse_target,
    parse_trigger,
    with_id,
)
from ._store import Store

__all__ = ["RulesEngine", "Fires"]

UTC = timezone.utc
_UNSET: Any = object()
# Records are named tuples; building them with every field given can skip their Python-level __new__.
_new_tuple = tuple.__new__


def _utc(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def _iso(t: float) -> str:
    """``2024-01-01T00:05:00Z`` (milliseconds only when the time has them)."""
    d = datetime.fromtimestamp(t, UTC)
    if t == math.floor(t):
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _utc_column(pd: Any, col: Any) -> Any:
    """A tz-aware UTC column with one resolution (ns) whatever pandas infers from the values."""
    return pd.to_datetime(col, utc=True).astype("datetime64[ns, UTC]")


_TRIGGER_TYPES = {t.value: t for t in TriggerType}


_LOG_COLUMNS = ("rule_id", "trigger_id", "trigger_type", "time", "reason", "result", "error",
                "event_type", "event_source", "event_target", "event_data")


_LOG_WIDTH = len(_LOG_COLUMNS)


def _fire_record(log: list, i: int) -> FireRecord:
    """Fire number ``i`` of an engine's fire log (a flat list, ``_LOG_COLUMNS`` per fire) as a FireRecord."""
    raw = log[i * _LOG_WIDTH:(i + 1) * _LOG_WIDTH]
    event = None if raw[7] is None else _new_tuple(Event, (raw[7], raw[8], raw[9], raw[3], raw[10]))
    return _new_tuple(FireRecord, (raw[0], raw[1], _TRIGGER_TYPES[raw[2]], raw[3], raw[4], raw[5], raw[6], event))


class Fires(SequenceABC):
    """The fire records of one ``publish``/``publish_many``/``run_due`` call, in order.

    A read-only sequence (index it, iterate it, ``len()``, compare it with a tuple): each
    :class:`FireRecord` is built when read, so a bulk publish that nobody looks at costs no
    records. Every fire is also in :attr:`RulesEngine.fires` and ``fires_table()``.
    """

    __slots__ = ("_log", "_index")

    def __init__(self, log: list[Any], ranges: list[range]) -> None:
        self._log = log  # the engine's fire log: append-only, so these fires never change
        if len(ranges) == 1:
            self._index: Sequence[int] = ranges[0]
        else:
            self._index = [i for r in ranges for i in r]

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            view = Fires.__new__(Fires)
            view._log, view._index = self._log, self._index[i]
            return view
        return _fire_record(self._log, self._index[i])

    def __iter__(self) -> Iterator[FireRecord]:
        log = self._log
        return (_fire_record(log, i) for i in self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Fires, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


def _fire_order(tr: "_Trig") -> tuple[int, int]:
    return (tr.rule.id, tr.id)


class _Trig:
    """In-memory state of one trigger."""

    __slots__ = ("id", "rule", "spec", "kind", "kind_name", "cron", "event_type", "max_occ", "reason", "counter", "stored",
                 "due", "nominal", "armed_at", "warned")

    def __init__(self, spec: Trigger, rule: "_Rule", counter: int, stored: int, armed_at: float) -> None:
        self.id: int = spec.id  # type: ignore[assignment]
        self.rule = rule
        self.spec = spec
        self.kind = spec.type
        self.kind_name = spec.type.value  # a plain str for the fire log (see RulesEngine._fire)
        self.cron: CronExpression | None = parse_cron(spec.expr) if isinstance(spec, TimeIntervalTrigger) else None
        self.event_type: str | None = spec.event_type if isinstance(spec, EventTrigger) else None
        self.max_occ: int = spec.max_occurrence if isinstance(spec, EventTrigger) else 0
        # why it fires when its counter reaches the maximum: made once, not once per fire
        self.reason = f"counter {self.max_occ} >= maxOccurrence {self.max_occ}"
        self.counter = counter
        self.stored = stored  # counter value in the database (0 when there is no row yet)
        self.due: float | None = None  # when the heap should fire it (TIME_INTERVAL)
        self.nominal: float | None = None  # next_after(last_executed); None for a first run
        self.armed_at = armed_at  # when this trigger's "watcher" (re)started
        self.warned = False


class _Rule:
    __slots__ = ("id", "description", "action", "last", "stored_last", "trigs", "targets", "time_trigs", "event_trigs",
                 "record", "runnable")

    def __init__(self, rid: int, description: str, action: Any, last: float | None, stored_last: float | None) -> None:
        self.id = rid
        self.description = description
        self.action = action
        self.last = last
        self.stored_last = stored_last  # last_executed in the database
        self.trigs: list[_Trig] = []
        self.targets: tuple[Target, ...] = ()
        self.time_trigs: list[_Trig] = []
        self.event_trigs: list[_Trig] = []
        self.record: Rule | None = None
        self.runnable: Any = None  # the action object handed to run_action, resolved on first fire

    def set_trigs(self, trigs: list[_Trig]) -> None:
        self.trigs = trigs
        self.time_trigs = [t for t in trigs if t.kind is TriggerType.TIME_INTERVAL]
        self.event_trigs = [t for t in trigs if t.kind is TriggerType.EVENT]


class _TypeIndex:
    """EVENT triggers of one event type, indexed by the names their rules' targets match."""

    __slots__ = ("by_source", "by_target", "armed")

    def __init__(self) -> None:
        self.by_source: dict[str, list[_Trig]] = {}  # CLIENT and ANY targets
        self.by_target: dict[str, list[_Trig]] = {}  # TOPIC and ANY targets
        self.armed: set[_Trig] = set()  # counter already >= maxOccurrence (after lowering it): fire on any event


class RulesEngine:
    """Rules with TIME_INTERVAL and EVENT triggers, on a virtual clock, persisted in SQLite.

    Parameters
    ----------
    database:
        ``":memory:"`` (default) or a file path. Opening an existing file resumes its
        rules, ``last_executed`` times and EVENT counters.
    now:
        The virtual clock: returns epoch seconds (UTC) as a float. Never real time.
    run_action:
        ``run_action(action, targets, event) -> result`` runs every action that is not
        ``KEY_ROTATION``: ``action`` is the rule's class / callable, or a list of them for a
        playbook (registered names already replaced by their objects), ``targets`` the rule's
        :class:`Target` tuple, ``event`` the triggering :class:`Event` (``None`` for
        TIME_INTERVAL fires). Exceptions become the fire record's ``error``.
    event_types:
        Event type names besides C2's ``CLIENT_SUBSCRIBED``/``CLIENT_UNSUBSCRIBED`` that
        EVENT triggers may listen to and :meth:`publish` may send (same as calling
        :meth:`register_event_type` for each).
    actions:
        Named actions (``{"notify": NotifyAction}``), usable as ``action="notify"``.
    key_service:
        The fake C2 key service for ``KEY_ROTATION`` (default: a new :class:`FakeKeyService`).
    synchronous:
        SQLite ``synchronous`` pragma for file databases (``"NORMAL"``: a process crash loses
        nothing committed; ``"FULL"``: power loss neither).
    """

    def __init__(
        self,
        database: str = ":memory:",
        *,
        now: Callable[[], float],
        run_action: Callable[[Any, tuple[Target, ...], Event | None], Any] | None = None,
        event_types: Iterable[str] = (),
        actions: Mapping[str, Any] | None = None,
        key_service: FakeKeyService | None = None,
        synchronous: str = "NORMAL",
    ) -> None:
        if not callable(now):
            raise TypeError(f"now must be a callable returning the virtual time in epoch seconds, got {now!r}")
        if run_action is not None and not callable(run_action):
            raise TypeError(f"run_action must be callable (action, targets, event) -> result, got {run_action!r}")
        self._now = now
        self._run_action = run_action
        self._lock = threading.RLock()
        self._inbox: deque[tuple] = deque()
        self._events: deque[tuple[float, Iterator[tuple], int]] = deque()  # batches (see _drain)
        self._busy = False
        self._closed = False
        self._rules: dict[int, _Rule] = {}
        self._trigs: dict[int, _Trig] = {}
        self._heap: list[tuple[float, int, int]] = []
        self._by_type: dict[str, _TypeIndex] = {}
        self._event_types: set[str] = set(C2_EVENT_TYPES)
        self._actions: dict[str, Any] = {}
        # Every fire, flat (see _fire): FireRecords are built when read.
        self._log: list[Any] = []
        self._warnings: list[str] = []
        # What to write at the end of a call: rules and triggers whose last_executed / counter
        # changed, or, after a bulk publish (cheaper than tracking each event), every one of them
        # is compared with the value stored (_rescan).
        self._dirty_rules: set[_Rule] = set()
        self._dirty_trigs: set[_Trig] = set()
        self._rescan = False
        self.key_service = key_service if key_service is not None else FakeKeyService()
        for name, act in (actions or {}).items():
            self.register_action(name, act)
        self._store = Store(database, synchronous)
        self.database = self._store.database
        # An in-memory database is never read back: counters and last_executed live in the
        # engine's own objects, so writing each change to it would only cost time.
        self._durable = str(self.database) != ":memory:"
        self._utc_cache: tuple[float, datetime] = (float("nan"), datetime.fromtimestamp(0, UTC))
        t0 = float(now())
        self._cursor = t0  # virtual time up to which fires were processed
        self._horizon = t0  # latest time run_due/publish asked for
        try:
            self._load(t0)
            for name in event_types:
                self.register_event_type(name)
        except BaseException:
            self._store.close()
            raise

    # ------------------------------------------------------------------ loading

    def _load(self, t0: float) -> None:
        data = self._store.load()
        self._event_types.update(data["event_types"])
        states = dict(data["states"])
        for rid, desc, action_json, last in data["rules"]:
            self._rules[rid] = _Rule(rid, desc, action_from_json(action_json, self._actions), last, last)
        trigs: dict[int, list[_Trig]] = {}
        for tid, rid, ttype, settings in data["triggers"]:
            spec = parse_trigger({"id": tid, "type": ttype, "settings": settings})
            counter = states.get(tid, 0)  # no row yet: a fresh state with counter 0
            tr = _Trig(spec, self._rules[rid], counter, counter, t0)
            trigs.setdefault(rid, []).append(tr)
            self._trigs[tid] = tr
        targets: dict[int, list[Target]] = {}
        for gid, rid, gtype, expr in data["targets"]:
            targets.setdefault(rid, []).append(Target(gtype, expr, gid))
        for rid, rule in self._rules.items():
            rule.set_trigs(trigs.get(rid, []))
            rule.targets = tuple(targets.get(rid, []))
            self._index(rule)
            for tr in rule.time_trigs:
                self._schedule(tr)

    # ------------------------------------------------------------------ validation helpers

    def _check_open(self) -> None:
        if self._closed:
            raise EngineClosed(
                f"the rules engine on {self.database!r} is closed: open a new RulesEngine on the same database to continue"
            )

    def _unknown_event_type(self, name: Any, where: str) -> UnknownEventType:
        known = sorted(self._event_types)
        if not isinstance(name, str):
            return UnknownEventType(
                f"unknown event type {name!r}{where}: an event type is a name (a string); known types are {', '.join(known)}"
            )
        hint = ""
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
        return UnknownEventType(
            f"unknown event type {name!r}{where}{hint}: known types are {', '.join(known)}; "
            f"declare a new one with engine.register_event_type({name!r}) or RulesEngine(..., event_types=[...])"
        )

    def _validate_trigger(self, spec: Trigger) -> Trigger:
        if isinstance(spec, EventTrigger) and spec.event_type not in self._event_types:
            raise self._unknown_event_type(spec.event_type, " in EVENT trigger")
        return spec

    def _get(self, rule_id: int) -> _Rule:
        rule = self._rules.get(rule_id)
        if rule is None:
            ids = sorted(self._rules)
            shown = ", ".join(map(str, ids[:20])) + (", ..." if len(ids) > 20 else "")
            raise RuleNotFound(f"no rule with id {rule_id!r}: the rule ids are [{shown}]; see engine.list_rules()")
        return rule

    # ------------------------------------------------------------------ declarations

    def register_event_type(self, name: str) -> None:
        """Declare an event type (e.g. a hosted trigger's event name) for EVENT triggers and publish.

        Idempotent; persisted in the database.
        """
        if not isinstance(name, str) or not name.strip():
            raise UnknownEventType(f"event type name {name!r} is empty: give a non-empty name such as 'alert_created'")
        with self._lock:
            self._check_open()
            if name in self._event_types:
                return
            with self._store.transaction():
                self._store.add_event_type(name)
            self._event_types.add(name)

    @property
    def event_types(self) -> tuple[str, ...]:
        """Every event type EVENT triggers may listen to, sorted."""
        return tuple(sorted(self._event_types))

    def register_action(self, name: str, action: Any) -> None:
        """Make ``action`` (a class, callable or playbook list) usable by name, e.g. ``add_rule("notify", ...)``.

        Names live in memory only: register them again after reopening a database.
        """
        if not isinstance(name, str) or not name.strip():
            raise UnknownAction(f"action name {name!r} is empty: give a name such as 'notify'")
        if name.strip().upper() == ActionType.KEY_ROTATION.value:
            raise UnknownAction(f"action name {name!r} is reserved for the built-in key rotation: choose another name")
        if not (callable(action) or (isinstance(action, (list, tuple)) and action)):
            raise UnknownAction(
                f"action {action!r} registered as {name!r} is not runnable: give an Action class, a callable or a playbook list"
            )
        self._actions[name] = action
        for rule in getattr(self, "_rules", {}).values():
            rule.runnable = None  # names may now resolve differently

    # ------------------------------------------------------------------ CRUD

    def add_rule(
        self,
        action: Any = ActionType.KEY_ROTATION,
        triggers: Sequence[Any] = (),
        targets: Sequence[Any] = (),
        *,
        description: str = "",
    ) -> Rule:
        """Create a rule and return it (with ids for the rule, its triggers and targets).

        ``triggers``: :class:`TimeIntervalTrigger`, :class:`EventTrigger` or API dicts
        (``{"type": "EVENT", "settings": {"eventType": ..., "maxOccurrence": ...}}``).
        ``targets``: :class:`Target`, ``("CLIENT", "alice")`` or ``{"type": ..., "expr": ...}``.
        A TIME_INTERVAL trigger of a new rule is due at once (the original's first run); the
        platform's next :meth:`run_due` fires it at the time the rule was added.
        """
        with self._lock:
            self._check_open()
            act = normalise_action(action, self._actions, self._run_action is not None)
            specs = [self._validate_trigger(parse_trigger(t)) for t in triggers]
            tgts = [parse_target(t) for t in targets]
            if not isinstance(description, str):
                raise TypeError(f"description must be a string, got {description!r}")
            t = float(self._now())
            with self._store.transaction():
                rid = self._store.insert_rule(description, action_to_json(act))
                specs = [
                    with_id(s, self._store.insert_trigger(rid, s.type.value, json.dumps(s.settings), i))
                    for i, s in enumerate(specs)
                ]
                tgts = [with_id(g, self._store.insert_target(rid, g.type.value, g.name, i)) for i, g in enumerate(tgts)]
            rule = _Rule(rid, description, act, None, None)
            rule.set_trigs([_Trig(s, rule, 0, 0, t) for s in specs])
            rule.targets = tuple(tgts)
            self._install(rule)
            return self._record(rule)

    def update_rule(
        self,
        rule: int | Rule,
        *,
        description: str = _UNSET,
        action: Any = _UNSET,
        triggers: Sequence[Any] = _UNSET,
        targets: Sequence[Any] = _UNSET,
    ) -> Rule:
        """Change a rule, as the original ``UpdateRule`` does.

        ``rule`` is an id, or a :class:`Rule` record whose fields are the new values (e.g.
        ``dataclasses.replace(rule, description=...)``); keyword arguments override them.
        Triggers and targets passed back **with their id** are kept (an EVENT trigger keeps
        its counter even if its settings change; lowering ``maxOccurrence`` below the counter
        fires on the next event of that type); those without an id are new (counter 0); the
        rule's others are deleted. ``last_executed`` is kept.

        The original restarted every watcher on any change; here only this rule's triggers
        restart (the others would compute the same schedule). A kept TIME_INTERVAL trigger is
        re-armed at the update time, so a slot already due fires at once, as after a restart.
        """
        with self._lock:
            self._check_open()
            if isinstance(rule, Rule):
                rid = rule.id
                description = rule.description if description is _UNSET else description
                action = rule.action if action is _UNSET else action
                triggers = rule.triggers if triggers is _UNSET else triggers
                targets = rule.targets if targets is _UNSET else targets
            else:
                rid = rule
            old = self._get(rid)
            desc = old.description if description is _UNSET else description
            if not isinstance(desc, str):
                raise TypeError(f"description must be a string, got {desc!r}")
            act = old.action if action is _UNSET else normalise_action(action, self._actions, self._run_action is not None)
            specs = [t.spec for t in old.trigs] if triggers is _UNSET else [self._validate_trigger(parse_trigger(t)) for t in triggers]
            tgts = list(old.targets) if targets is _UNSET else [parse_target(t) for t in targets]
            self._check_ids(rid, "trigger", [s.id for s in specs], {t.id for t in old.trigs})
            self._check_ids(rid, "target", [g.id for g in tgts], {g.id for g in old.targets})
            t = float(self._now())
            keep_t = {s.id for s in specs if s.id is not None}
            keep_g = {g.id for g in tgts if g.id is not None}
            with self._store.transaction():
                self._store.update_rule(rid, desc, action_to_json(act))
                self._store.delete_triggers([tr.id for tr in old.trigs if tr.id not in keep_t])
                self._store.delete_targets([g.id for g in old.targets if g.id not in keep_g])
                new_specs = []
                for i, s in enumerate(specs):
                    if s.id is None:
                        s = with_id(s, self._store.insert_trigger(rid, s.type.value, json.dumps(s.settings), i))
                    else:
                        self._store.update_trigger(s.id, s.type.value, json.dumps(s.settings), i)
                    new_specs.append(s)
                new_tgts = []
                for i, g in enumerate(tgts):
                    if g.id is None:
                        g = with_id(g, self._store.insert_target(rid, g.type.value, g.name, i))
                    else:
                        self._store.update_target(g.id, g.type.value, g.name, i)
                    new_tgts.append(g)
            self._uninstall(old)
            old_trigs = {tr.id: tr for tr in old.trigs}
            new = _Rule(rid, desc, act, old.last, old.stored_last)
            trigs = []
            for s in new_specs:
                prev = old_trigs.get(s.id)
                # a kept id keeps its counter (the state row survives); a new id starts at 0
                trigs.append(_Trig(s, new, prev.counter if prev else 0, prev.stored if prev else 0, t))
            new.set_trigs(trigs)
            new.targets = tuple(new_tgts)
            # an update from inside an action: carry over state changed by this call but not yet written
            if new.last != new.stored_last:
                self._dirty_rules.add(new)
            self._dirty_trigs.update(tr for tr in trigs if tr.counter != tr.stored)
            self._install(new)
            return self._record(new)

    def _check_ids(self, rid: int, what: str, ids: list[int | None], own: set[int | None]) -> None:
        seen: set[int] = set()
        for i in ids:
            if i is None:
                continue
            if i in seen:
                raise InvalidTrigger(f"{what} id {i} is given twice in the update of rule {rid}: give each kept {what} once")
            seen.add(i)
            if i not in own:
                raise InvalidTrigger(
                    f"{what} id {i} is not a {what} of rule {rid} (its {what}s are {sorted(x for x in own if x is not None)}): "
                    f"pass it without an id to create a new {what}"
                )

    def remove_rule(self, rule_id: int) -> Rule:
        """Delete a rule with its triggers, targets and counters; return its last state."""
        with self._lock:
            self._check_open()
            rule = self._get(rule_id)
            with self._store.transaction():
                self._store.delete_rule(rule_id)
            self._uninstall(rule)
            self._dirty_rules.discard(rule)  # its row is gone
            return self._record(rule)

    def get_rule(self, rule_id: int) -> Rule:
        """The rule with this id (raises :class:`RuleNotFound`)."""
        with self._lock:
            return self._record(self._get(rule_id))

    def list_rules(self) -> tuple[Rule, ...]:
        """Every rule, by id."""
        with self._lock:
            return tuple(self._record(self._rules[i]) for i in sorted(self._rules))

    def counter(self, trigger_id: int) -> int:
        """Current counter of an EVENT trigger (the original never exposed it; handy in tests and notebooks)."""
        with self._lock:
            tr = self._trigs.get(trigger_id)
            if tr is None or tr.kind is not TriggerType.EVENT:
                ids = sorted(t.id for t in self._trigs.values() if t.kind is TriggerType.EVENT)
                raise RuleNotFound(f"no EVENT trigger with id {trigger_id!r}: the EVENT trigger ids are {ids}")
            return tr.counter

    def _record(self, rule: _Rule) -> Rule:
        if rule.record is None:
            rule.record = Rule(
                id=rule.id,
                description=rule.description,
                action=rule.action,
                last_executed=_utc(rule.last),
                triggers=tuple(tr.spec for tr in rule.trigs),
                targets=rule.targets,
            )
        return rule.record

    def _install(self, rule: _Rule) -> None:
        self._rules[rule.id] = rule
        for tr in rule.trigs:
            self._trigs[tr.id] = tr
        self._index(rule)
        for tr in rule.time_trigs:
            self._schedule(tr)

    def _uninstall(self, rule: _Rule) -> None:
        self._unindex(rule)
        for tr in rule.trigs:
            if self._trigs.get(tr.id) is tr:
                del self._trigs[tr.id]
            self._dirty_trigs.discard(tr)
        if self._rules.get(rule.id) is rule:
            del self._rules[rule.id]

    # ------------------------------------------------------------------ EVENT index

    def _index(self, rule: _Rule) -> None:
        for tr in rule.event_trigs:
            idx = self._by_type.get(tr.event_type)  # type: ignore[arg-type]
            if idx is None:
                idx = self._by_type[tr.event_type] = _TypeIndex()  # type: ignore[index]
            for g in rule.targets:
                if g.type is not TargetType.TOPIC:
                    lst = idx.by_source.setdefault(g.name, [])
                    if tr not in lst:  # +1 per event however many targets match
                        lst.append(tr)
                if g.type is not TargetType.CLIENT:
                    lst = idx.by_target.setdefault(g.name, [])
                    if tr not in lst:
                        lst.append(tr)
            if tr.counter >= tr.max_occ:
                idx.armed.add(tr)

    def _unindex(self, rule: _Rule) -> None:
        for tr in rule.event_trigs:
            idx = self._by_type.get(tr.event_type)  # type: ignore[arg-type]
            if idx is None:
                continue
            for table in (idx.by_source, idx.by_target):
                for g in rule.targets:
                    lst = table.get(g.name)
                    if lst and tr in lst:
                        lst.remove(tr)
                        if not lst:
                            del table[g.name]
            idx.armed.discard(tr)

    # ------------------------------------------------------------------ TIME_INTERVAL schedule

    def _schedule(self, tr: _Trig) -> None:
        """(Re)compute when a TIME_INTERVAL trigger is due and push it on the heap."""
        cron = tr.cron
        last = tr.rule.last
        if last is None or last < 0:  # never executed (or before 1970, like Go's zero time): first run
            nominal = None
            due = tr.armed_at if cron.next_after(tr.armed_at) is not None else None  # type: ignore[union-attr]
            after = tr.armed_at
        else:
            nominal = cron.next_after(last)  # type: ignore[union-attr]
            due = None if nominal is None else (nominal if nominal >= tr.armed_at else tr.armed_at)
            after = last
        tr.nominal = nominal
        if due is None:
            tr.due = None
            if not tr.warned:
                tr.warned = True
                msg = (
                    f"TIME_INTERVAL trigger {tr.id} of rule {tr.rule.id}: cron expression {tr.spec.expr!r} "  # type: ignore[union-attr]
                    f"has no match after {_iso(after)}, so the trigger is never due "
                    "(check the year and day fields, or remove the trigger)"
                )
                self._warnings.append(msg)
                warnings.warn(msg, CronNeverDueWarning, stacklevel=4)
            return
        if due != tr.due:
            tr.due = due
            heapq.heappush(self._heap, (due, tr.rule.id, tr.id))

    def _peek_due(self) -> float | None:
        heap = self._heap
        trigs = self._trigs
        while heap:
            due, _, tid = heap[0]
            tr = trigs.get(tid)
            if tr is not None and tr.due == due:
                return due
            heapq.heappop(heap)  # stale entry (rescheduled, removed or updated trigger)
        return None

    def next_due(self) -> float | None:
        """Earliest epoch at which a TIME_INTERVAL trigger is due (may be <= now), or ``None``."""
        with self._lock:
            return self._peek_due()

    # ------------------------------------------------------------------ driving

    def run_due(self, until: float | None = None) -> Fires:
        """Fire, in time order, every TIME_INTERVAL trigger due up to ``until`` (default ``now()``).

        The engine runs continuously in virtual time: each slot up to ``until`` fires at
        its own time. Returns the fire records of this call (``()`` when another thread,
        or an enclosing call on this thread, is processing fires: it does this work too).
        """
        horizon = float(self._now()) if until is None else float(until)
        return self._submit((("due", horizon),))

    def publish(self, type: str, source: str, target: str, data: Mapping[str, Any] | None = None) -> Fires:
        """Send one event on the platform's event stream at the virtual time ``now()``.

        C2 events: ``source`` is the client, ``target`` the topic. TIME_INTERVAL triggers due
        up to now fire first, so fires stay in time order. Returns the fire records of this
        call (see :meth:`run_due` for when that is ``()``).
        """
        ev = self._checked_event(type, source, target, data)
        return self._submit((("evs", float(self._now()), iter((ev,)), 1),))

    def publish_many(self, events: Iterable[Any]) -> Fires:
        """Publish several events at the virtual time ``now()``, with one database transaction.

        Each event is ``(type, source, target)``, ``(type, source, target, data)`` or a
        mapping with those keys. All are validated before any is processed. This is the
        fast way to send many events: the batch is counted in one pass.
        """
        # a copy of a list: the batch may be processed after this returns (see _submit), and the caller may reuse the list
        evs = events if type(events) is tuple else list(events)
        now = float(self._now())  # one virtual instant for the whole batch
        if self._plain(evs):
            return self._submit((("evs", now, zip(evs, repeat(None)), len(evs)),))
        check = self._checked_event
        checked = []
        for ev in evs:
            if (type(ev) is tuple or isinstance(ev, list)) and 3 <= len(ev) <= 4:
                checked.append(check(*ev))
            elif isinstance(ev, AbcMapping):
                absent = [key for key in ("source", "target") if key not in ev]
                if absent:
                    raise TypeError(
                        f"event {ev!r:.120} has no {' and no '.join(repr(key) for key in absent)}: give the client "
                        "and the topic, e.g. {'type': ..., 'source': 'alice', 'target': 'news'} (None for none)"
                    )
                checked.append(check(ev.get("type"), ev.get("source"), ev.get("target"), ev.get("data")))
            else:
                raise TypeError(f"cannot read event {ev!r}: give (type, source, target[, data]) or a mapping with those keys")
        return self._submit((("evs", now, iter(checked), len(checked)),))

    def _plain(self, evs: Sequence[Any]) -> bool:
        """True when every event is a valid ``(type, source, target)`` tuple of strings.

        The common case, checked in a few C loops instead of one Python call per event (and
        without ``zip(*evs)``, whose one iterator per event would wake the garbage collector).
        """
        if set(map(type, evs)) != {tuple} or set(map(len, evs)) != {3}:
            return False
        try:
            "".join(map(itemgetter(1), evs)), "".join(map(itemgetter(2), evs))
            return set(map(itemgetter(0), evs)) <= self._event_types
        except TypeError:  # a source or target that is not a string, a type that is not hashable
            return False  # the per-event checks say which event is wrong

    def _checked_event(self, etype: Any, source: Any, target: Any, data: Any = None) -> tuple:
        """One event as ``((type, source, target), data)``, or the error that says what is wrong with it."""
        if not isinstance(etype, str) or etype not in self._event_types:
            raise self._unknown_event_type(etype, " published")
        if type(source) is not str or type(target) is not str:
            source = "" if source is None else source
            target = "" if target is None else target
            if not isinstance(source, str) or not isinstance(target, str):
                raise TypeError(
                    f"event source and target must be strings (the client and the topic), got {source!r} and {target!r}"
                )
        return (etype, source, target), data

    def _submit(self, items: Iterable[tuple]) -> Fires:
        self._check_open()
        self._inbox.extend(items)
        done: list[range] = []  # the fires this call logged
        lock = self._lock
        while True:
            if not lock.acquire(False):
                # Someone else holds the lock. If it is running fires, it drains the inbox
                # (our items included) before it leaves: return instead of waiting, so an
                # action that waits for this thread can never deadlock.
                if self._busy:
                    return Fires(self._log, done)
                if not lock.acquire(timeout=0.005):
                    continue
            try:
                self._check_open()
                if self._busy:  # called from inside an action: the enclosing drain processes it
                    return Fires(self._log, done)
                self._busy = True
                start = self._fire_count()
                try:
                    self._drain()
                finally:
                    self._busy = False
                    done.append(range(start, self._fire_count()))
            finally:
                lock.release()
            if not self._inbox:
                return Fires(self._log, done)

    def _drain(self) -> None:
        """Process queued requests and events in virtual-time order, then write the changes.

        ``_events`` holds batches ``(time, iterator of ((type, source, target), data), size)``: a
        batch is counted in one pass (:meth:`_run_events`) until a fire reschedules a
        TIME_INTERVAL trigger; then what is due is looked at again before the rest of it.
        """
        inbox, events = self._inbox, self._events
        try:
            while True:
                if inbox:
                    batch = list(inbox)
                    inbox.clear()
                    for item in batch:
                        if item[1] > self._horizon:
                            self._horizon = item[1]
                        if item[0] == "evs":
                            events.append(item[1:])
                due = self._peek_due()
                if due is not None and due > self._horizon:
                    due = None
                if due is not None and (not events or due <= events[0][0]):
                    self._fire_time()
                elif events:  # the next batch comes before the next due slot
                    if self._run_events(*events[0]):
                        events.popleft()
                elif not inbox:
                    break
        finally:
            if self._horizon > self._cursor:
                self._cursor = self._horizon
            self._flush()

    def _fire_time(self) -> None:
        due, _, tid = heapq.heappop(self._heap)
        tr = self._trigs[tid]
        fire_t = due if due >= self._cursor else self._cursor
        self._cursor = fire_t
        nominal = tr.nominal
        if nominal is None:
            reason = "first run: never executed, due at once"
        elif fire_t > nominal:
            n = count_slots(tr.cron, nominal - 1, fire_t)  # type: ignore[arg-type]
            many = "1000+" if n >= 1000 else str(n)
            if n <= 1:
                reason = f"catch-up: cron slot {_iso(nominal)} was missed, fired once at {_iso(fire_t)}"
            else:
                reason = (
                    f"catch-up: {many} cron slots missed since {_iso(nominal)}, "
                    f"fired once at {_iso(fire_t)} (no backfill)"
                )
        else:
            reason = f"cron slot {_iso(nominal)} due"
        tr.due = None  # consumed; _fire reschedules it from the new last_executed
        self._fire(tr.rule, tr, fire_t, reason, None, self._utc_at(fire_t))

    def _run_events(self, t: float, events: Iterator[tuple], n: int) -> bool:
        """Count ``events`` (all at time ``t``) for the EVENT triggers of their types; fire
        those at their maximum, in rule order.

        True when the iterator is exhausted; False when a fire rescheduled TIME_INTERVAL
        triggers (the caller looks at what is due again, then calls again for the rest).
        This loop is the engine's hot path: keep calls out of it.
        """
        if t > self._cursor:
            self._cursor = t
        by_type, trigs, fire = self._by_type, self._trigs, self._fire
        dirty = self._dirty_trigs if self._durable and self._track(n) else None
        when = None  # the fire time as a datetime, made on the first fire
        for (etype, source, target), data in events:
            idx = by_type.get(etype)
            if idx is None:
                continue
            a = idx.by_source.get(source)
            b = idx.by_target.get(target)
            if a:
                # +1 per event even if several targets match (counting order does not matter: fires are sorted)
                matched = {*a, *b} if b else a
            else:
                matched = b or ()
            firing = None
            for tr in matched:
                c = tr.counter
                if dirty is not None and c == tr.stored:  # first change since the last write
                    dirty.add(tr)
                c += 1
                tr.counter = c
                if c >= tr.max_occ:
                    if firing is None:
                        firing = [tr]
                    else:
                        firing.append(tr)
            armed = idx.armed
            if armed:  # the check runs on every event of the type, matching or not
                for tr in armed:
                    if firing is None:
                        firing = [tr]
                    elif tr not in firing:
                        firing.append(tr)
            if firing is None:
                continue
            if when is None:
                when = self._utc_at(t)
            if data is None:  # Event's own constructor only matters for data (it makes it read-only)
                event = _new_tuple(Event, (etype, source, target, when, None))
            else:
                event = Event(etype, source, target, when, data)
            if len(firing) > 1:
                firing.sort(key=_fire_order)
            rescheduled = False
            for tr in firing:
                if trigs.get(tr.id) is not tr:  # removed or updated by an earlier action of this event
                    continue
                c = tr.counter
                reason = tr.reason if c == tr.max_occ else f"counter {c} >= maxOccurrence {tr.max_occ}"
                if armed:
                    if tr not in matched:
                        reason += " (checked on a non-matching event)"
                    armed.discard(tr)
                tr.counter = 0
                if dirty is not None:
                    dirty.add(tr)
                fire(tr.rule, tr, t, reason, event, when)
                if tr.rule.time_trigs:
                    rescheduled = True
            if rescheduled:
                return False
        return True

    def _utc_at(self, t: float) -> datetime:
        # many fires share one virtual time: keep the last conversion
        cached = self._utc_cache
        if cached[0] != t:
            cached = self._utc_cache = (t, datetime.fromtimestamp(t, UTC))
        return cached[1]

    def _fire(self, rule: _Rule, tr: _Trig, t: float, reason: str, ev: Event | None, when: datetime) -> None:
        # Order of the original rule watcher: save last_executed, tell every trigger, run the action.
        rule.last = t
        rule.record = None
        if self._durable and not self._rescan:
            self._dirty_rules.add(rule)
        if rule.time_trigs:
            for tt in rule.time_trigs:
                self._schedule(tt)
        runnable = rule.runnable
        if runnable is None:  # first fire since the rule or the registered names changed
            runnable, result, error = self._resolve(rule, tr, t)
        if runnable is not None:
            try:
                result, error = self._run_action(runnable, rule.targets, ev), None  # type: ignore[misc]
            except Exception as exc:  # the fire is recorded with the error; last_executed stays updated
                result, error = None, f"{type(exc).__name__}: {exc}"
        # The log is one flat list of plain values, _LOG_COLUMNS per fire: logging a fire
        # allocates no object the cyclic garbage collector tracks. Kept as FireRecords and
        # Events, a million fires made the collector's passes cost more than the fires.
        if ev is None:
            self._log.extend((rule.id, tr.id, tr.kind_name, when, reason, result, error, None, None, None, None))
        else:
            self._log.extend((rule.id, tr.id, tr.kind_name, when, reason, result, error, ev[0], ev[1], ev[2], ev[4]))

    def _resolve(self, rule: _Rule, tr: _Trig, t: float) -> tuple[Any, Any, str | None]:
        """``(runnable, None, None)`` for an action run by ``run_action`` (kept on the rule for the
        next fires), else ``(None, result, error)``: key rotation done here, or why nothing can run."""
        action = rule.action
        if action is ActionType.KEY_ROTATION:
            rotated, errors = [], []
            for g in rule.targets:  # every target, not only the one that matched; one failure does not stop the rest
                try:
                    rotated.append(self.key_service.rotate(g, time=t, rule_id=rule.id, trigger_id=tr.id))
                except UnsupportedTargetType as exc:
                    errors.append(f"UnsupportedTargetType: {exc}")
                except Exception as exc:  # a fake service should not fail, but a custom one may
                    errors.append(f"{g}: {type(exc).__name__}: {exc}")
            return None, tuple(rotated), ("; ".join(errors) or None)
        obj, err = materialise(action, self._actions)
        if err is not None:
            return None, None, err
        if self._run_action is None:
            return None, None, f"action {describe_action(action)} needs a runner: create RulesEngine(..., run_action=...)"
        rule.runnable = obj
        return obj, None, None

    def _track(self, n: int) -> bool:
        """On a file database: whether to note each trigger that ``n`` events change (else every
        one is compared with its stored value at the write). An in-memory database is never written."""
        if self._rescan:
            return False
        if n >= len(self._trigs):
            self._rescan = True
            return False
        return True

    def _flush(self) -> None:
        """Write what changed during this call, committed before the call returns."""
        dirty_rules, dirty_trigs = self._dirty_rules, self._dirty_trigs
        if self._durable:
            if self._rescan:
                rules: Iterable[_Rule] = self._rules.values()
                trigs: Iterable[_Trig] = self._trigs.values()
            else:  # entries of removed or replaced rules are skipped
                rules = [r for r in dirty_rules if self._rules.get(r.id) is r]
                trigs = [tr for tr in dirty_trigs if self._trigs.get(tr.id) is tr]
            rules = [r for r in rules if r.last != r.stored_last]
            trigs = [tr for tr in trigs if tr.counter != tr.stored]
            if rules or trigs:
                self._store.write_state([(r.id, r.last) for r in rules], [(tr.id, tr.counter) for tr in trigs])
            for r in rules:
                r.stored_last = r.last
            for tr in trigs:
                tr.stored = tr.counter
        self._rescan = False
        dirty_rules.clear()
        dirty_trigs.clear()

    # ------------------------------------------------------------------ results

    @property
    def fires(self) -> tuple[FireRecord, ...]:
        """Every fire since this engine was opened, in order."""
        with self._lock:
            return tuple(Fires(self._log, [range(self._fire_count())]))

    def _fire_count(self) -> int:
        return len(self._log) // _LOG_WIDTH

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings issued so far (e.g. expressions that are never due)."""
        return tuple(self._warnings)

    def rules_table(self) -> "Any":
        """The rules as a pandas DataFrame (one row per rule; counters shown as ``counter/max``)."""
        import pandas as pd

        rows = []
        with self._lock:
            for rid in sorted(self._rules):
                r = self._rules[rid]
                trig_txt = []
                for tr in r.trigs:
                    if tr.kind is TriggerType.TIME_INTERVAL:
                        trig_txt.append(f"#{tr.id} TIME_INTERVAL {tr.spec.expr!r}")  # type: ignore[union-attr]
                    else:
                        trig_txt.append(f"#{tr.id} EVENT {tr.event_type} {tr.counter}/{tr.max_occ}")
                dues = [tr.due for tr in r.time_trigs if tr.due is not None]
                rows.append({
                    "rule_id": rid,
                    "description": r.description,
                    "action": describe_action(r.action),
                    "last_executed": _utc(r.last),
                    "next_due": _utc(min(dues)) if dues else None,
                    "triggers": "; ".join(trig_txt),
                    "targets": ", ".join(str(g) for g in r.targets),
                })
        cols = ["rule_id", "description", "action", "last_executed", "next_due", "triggers", "targets"]
        df = pd.DataFrame(rows, columns=cols)
        for c in ("last_executed", "next_due"):
            df[c] = _utc_column(pd, df[c])
        return df

    def fires_table(self) -> "Any":
        """Every fire as a pandas DataFrame: rule, trigger, time (UTC), reason, result, error, event."""
        import pandas as pd

        with self._lock:
            log = self._log
            rows = [log[i:i + _LOG_WIDTH - 1] for i in range(0, len(log), _LOG_WIDTH)]  # all but event_data
        df = pd.DataFrame(rows, columns=list(_LOG_COLUMNS[:-1]))
        df["time"] = _utc_column(pd, df["time"])
        return df

    def keys_table(self) -> "Any":
        """Every key the fake C2 key service generated (fingerprints only)."""
        import pandas as pd

        cols = ["time", "target_type", "name", "fingerprint", "rule_id", "trigger_id"]
        rows = [(k.time, k.target_type.value, k.name, k.fingerprint, k.rule_id, k.trigger_id)
                for k in self.key_service.records]
        df = pd.DataFrame(rows, columns=cols)
        df["time"] = _utc_column(pd, df["time"])
        return df

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Write pending state and close the database. Idempotent."""
        with self._lock:
            if self._closed:
                return
            if self._busy:
                raise RulesError("cannot close the rules engine from inside a rule's action: close it after the call returns")
            try:
                self._flush()
            finally:
                self._closed = True
                self._inbox.clear()
                self._events.clear()
                self._store.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "RulesEngine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._rules)} rules"
        return f"<RulesEngine {self.database!r} {state}>"
