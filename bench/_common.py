"""Helpers shared by the benchmarks: best-of timing and a uniform report line."""

from __future__ import annotations

import time
from typing import Callable


def best_of(function: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (machines are shared and noisy)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, figure: str, baseline: str, ratio: float, goal: str, ok: bool) -> None:
    print(f"{name}: {figure}; baseline {baseline}; ratio {ratio:.2f} ({goal}: {'met' if ok else 'NOT met'})")
