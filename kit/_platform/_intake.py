"""Fast capture of intake events.

The hot path (``push``) only keeps a shallow copy of the batch and where it came
from; events are serialised the way the real SDK serialises them (and checked
against its size limits) when they are first read, in one pass.  Serialised
events are kept as raw JSON strings, with per-batch metadata in compact arrays;
DataFrames are built from them vectorised, once per change.
"""

from __future__ import annotations

import threading
from array import array
from typing import Any, Callable

import orjson

from kit import constants
from kit.utils import is_model_instance, model_dump_json

_dumps = orjson.dumps

# Event ids are positional strings ("0", "1", ...), unique within a recorder.  Creating a str per
# event is most of the cost of a push, so the strings are made once per process and shared.
_id_pool: list[str] = []
_id_pool_lock = threading.Lock()


def _ids(start: int, stop: int) -> list[str]:
    if stop > len(_id_pool):
        with _id_pool_lock:
            if stop > len(_id_pool):
                grow = max(stop, 2 * len(_id_pool), 65_536)
                _id_pool.extend(map(str, range(len(_id_pool), grow)))
    return _id_pool[start:stop]


class IntakeRecorder:
    """Events pushed by one component, in push order."""

    def __init__(self, component: str, on_warning: Callable[[int, float, str], None], mask: Any = None) -> None:
        self.component = component
        self._on_warning = on_warning
        self._mask = mask  # the platform's Secrets: strings are kept masked
        self._pending: list[tuple[list, int, float, int, str]] = []
        self.strings: list[str] = []
        # one entry per serialised batch
        self.batch_step = array("q")
        self.batch_time = array("d")
        self.batch_end = array("q")  # index in ``strings`` after the batch's last event
        self.batch_chunks = array("q")  # number of chunks the real SDK would have sent
        self.batch_id_end = array("q")  # pushed-event count after the batch (ids count dropped events too)
        self.batch_thread: list[str] = []  # the component's thread that pushed it ("" without threads)
        self.dropped = 0
        self.converted = 0
        self._next_id = 0
        self._lock = threading.Lock()

    def push(self, events: list, step: int, when: float, thread: str = "") -> list[str]:
        """Capture a batch; return one id per event, as the intake would."""
        batch = list(events)
        with self._lock:
            start = self._next_id
            self._next_id = end = start + len(batch)
            self._pending.append((batch, step, when, end, thread))
        return _ids(start, end)

    @property
    def pushed(self) -> int:
        """Events pushed so far (dropped ones included), without serialising anything."""
        return self._next_id

    def materialize(self) -> None:
        """Serialise pending batches as the real SDK's ``_chunk_events`` does."""
        if not self._pending:
            return
        with self._lock:
            pending, self._pending = self._pending, []
        limit = constants.EVENT_BYTES_MAX_SIZE
        chunk_limit = constants.CHUNK_BYTES_MAX_SIZE
        for batch, step, when, id_end, thread in pending:
            failures: list[str] = []
            strings, dropped, converted, starts = _serialise(batch, limit, chunk_limit, failures)
            if failures:
                self._on_warning(
                    step,
                    when,
                    f"{len(failures)} event(s) pushed at step {step} cannot be serialised ({failures[0]}) and were "
                    "left out: the real SDK raises this in push_events_to_intakes; push JSON data (no sets, "
                    "bytes or objects)",
                )
            mask = self._mask
            if mask and strings and mask.text("\n".join(strings)) != "\n".join(strings):
                strings = [mask.text(text) for text in strings]
            self.strings.extend(strings)
            self.batch_step.append(step)
            self.batch_time.append(when)
            self.batch_end.append(len(self.strings))
            self.batch_chunks.append(len(starts))
            self.batch_id_end.append(id_end)
            self.batch_thread.append(thread)
            if dropped:
                self.dropped += dropped
                self._on_warning(
                    step,
                    when,
                    f"{dropped} too long events were discarded (length > 250kb): "
                    f"the real SDK drops events over {limit:,} characters",
                )
            if converted:
                self.converted += len(converted)
                kinds = ", ".join(sorted(converted))
                self._on_warning(
                    step,
                    when,
                    f"{len(converted)} event(s) of type {kinds} were sent as their repr (str(event)), "
                    "as the real SDK does; push dicts, strings or pydantic models instead",
                )

    def strings_between(self, first_id: int, last_id: int) -> list[str]:
        """Serialised events whose ids are in ``[first_id, last_id)`` (batch boundaries)."""
        from bisect import bisect_right

        self.materialize()
        ends = self.batch_id_end
        first_batch = bisect_right(ends, first_id)
        last_batch = bisect_right(ends, last_id)
        start = self.batch_end[first_batch - 1] if first_batch > 0 else 0
        stop = self.batch_end[last_batch - 1] if last_batch > 0 else 0
        return self.strings[start:stop]

    def rows(self) -> tuple[list[str], Any, Any, Any]:
        """(strings, step per event, time per event, batch per event), materialised."""
        import numpy as np

        self.materialize()
        ends = np.frombuffer(self.batch_end, dtype=np.int64) if len(self.batch_end) else np.zeros(0, np.int64)
        counts = np.diff(np.concatenate(([0], ends)))
        steps = np.repeat(np.frombuffer(self.batch_step, dtype=np.int64), counts) if len(counts) else np.zeros(0, int)
        times = np.repeat(np.frombuffer(self.batch_time, dtype=np.float64), counts) if len(counts) else np.zeros(0)
        batches = np.repeat(np.arange(len(counts)), counts)
        return self.strings, steps, times, batches

    def threads(self) -> list[str] | None:
        """The thread that pushed each event, or None when the component started no thread."""
        self.materialize()
        if not any(self.batch_thread):
            return None
        names: list[str] = []
        start = 0
        for end, thread in zip(self.batch_end, self.batch_thread):
            names.extend([thread or "main"] * (end - start))  # "": pushed before the first thread started
            start = end
        return names


def _serialise(
    batch: list, limit: int, chunk_limit: int, failures: list[str] | None = None
) -> tuple[list[str], int, set[str], list[int]]:
    """The batch serialised as the real SDK's ``_chunk_events`` does: ``(strings, dropped, converted
    type names, chunk starts)``, each chunk starting at its index in ``strings``."""
    strings: list[str] = []
    dropped = 0
    converted: set[str] = set()
    starts: list[int] = []
    chunk_size = 0
    for event in batch:
        if isinstance(event, str):
            text = event
        elif isinstance(event, dict) or is_model_instance(event):
            try:
                text = _dumps(event).decode() if isinstance(event, dict) else model_dump_json(event)
            except (TypeError, ValueError) as error:
                # the real SDK raises this inside push_events_to_intakes; kit serialises later,
                # so it keeps the other events and says which push it was
                if failures is not None:
                    failures.append(f"{type(error).__name__}: {error}")
                continue
        else:
            converted.add(type(event).__name__)
            text = str(event)
        size = len(text)
        if size > limit:
            dropped += 1
            continue
        if not starts or chunk_size + size > chunk_limit:
            starts.append(len(strings))
            chunk_size = 0
        chunk_size += size
        strings.append(text)
    return strings, dropped, converted, starts
