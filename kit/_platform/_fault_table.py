"""``sim.faults`` and ``platform.faults.records``: injected faults as a DataFrame with assertion helpers
(pandas is imported only here, on first use)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit._platform._faults import _UNSET, Fault, FaultRecord, assert_reaction
from kit._platform._tables import _frame

_COLUMNS = [
    ("fault", "fault", "int64"), ("step", "step", "int64"), ("time", "time", "time"),
    ("component", "component", object), ("thread", "thread", object), ("kind", "kind", object),
    ("method", "method", object), ("url", "url", object), ("injected", "injected", object),
    ("reaction", "reaction", object), ("retried_after", "retried_after", "float64"),
    ("retry_step", "retry_step", "Int64"), ("logged", lambda r: list(r.logged), object),
    ("skipped", "skipped", bool), ("next_request", "next_request", object), ("crashed", "crashed", object),
]


class FaultTable(pd.DataFrame):
    """Injected faults, one row per firing, with what the component did next (see ``FaultRecord``).

    ``assert_retried(after=30)``, ``assert_crashed(TypeError)``, ``assert_logged("rate limited")``,
    ``assert_skipped()`` and ``assert_reaction(...)`` check every row (or those of ``fault=``, a
    :class:`Fault` or its id); a failure names the fault, what was expected and what happened.
    ``records`` holds the immutable records.  Slicing it gives a plain DataFrame.
    """

    _metadata = ["records"]

    @property
    def _constructor(self) -> Any:
        return pd.DataFrame

    def _select(self, fault: Any) -> tuple[tuple[FaultRecord, ...], str]:
        records = tuple(self.records)
        if fault is None:
            return records, "the injected faults" if len(records) != 1 else f"fault {records[0].fault}"
        ident = fault.id if isinstance(fault, Fault) else fault
        return tuple(r for r in records if r.fault == ident), str(fault) if isinstance(fault, Fault) else (
            f"fault {ident}"
        )

    def assert_reaction(
        self, fault: Any = None, *, retried_after: Any = _UNSET, logged: Any = _UNSET, skipped: Any = _UNSET,
        crashed: Any = _UNSET,
    ) -> None:
        """Assert the reaction to each firing (of ``fault``, else every one).

        ``retried_after`` (seconds, ``None`` for no retry, ``True`` for any), ``logged`` (text or a
        compiled regex), ``skipped`` (bool), ``crashed`` (an exception type or name, ``True``, ``None``).
        """
        records, what = self._select(fault)
        assert_reaction(records, what, retried_after=retried_after, logged=logged, skipped=skipped, crashed=crashed)

    def assert_retried(self, after: Any = True, *, fault: Any = None) -> None:
        """Assert the component retried after ``after`` virtual seconds (``True``: after any time)."""
        self.assert_reaction(fault, retried_after=after)

    def assert_crashed(self, type: Any = True, *, fault: Any = None) -> None:  # noqa: A002 - the exception type
        """Assert the step of the fault raised (``type``: the exception class or its name)."""
        self.assert_reaction(fault, crashed=type)

    def assert_logged(self, text: Any, *, fault: Any = None) -> None:
        """Assert the component logged a line containing ``text`` (or matching a compiled regex) before its retry."""
        self.assert_reaction(fault, logged=text)

    def assert_skipped(self, *, fault: Any = None) -> None:
        """Assert the component moved on to other requests before retrying."""
        self.assert_reaction(fault, skipped=True)


def fault_table(records: tuple[FaultRecord, ...]) -> FaultTable:
    """The firings ``records`` as a :class:`FaultTable`."""
    frame = _frame(list(records), _COLUMNS)
    table = FaultTable(frame)
    table.records = records
    return table
