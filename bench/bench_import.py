"""`import kit` against `import pydantic` alone, each in fresh interpreters.

Goal: at most 1.3x. Run: python bench/bench_import.py
"""

from __future__ import annotations

import subprocess
import sys

from _common import report

RUNS = 15


def import_time(module: str) -> float:
    """Median seconds to import ``module`` in a fresh interpreter (interpreter start-up excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = sorted(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(RUNS)
    )
    return times[len(times) // 2]


def main() -> None:
    import_time("kit")  # warm the file cache
    kit_time = import_time("kit")
    pydantic_time = import_time("pydantic")
    ratio = kit_time / pydantic_time
    report(
        "import kit",
        f"{kit_time * 1000:.1f} ms",
        f"import pydantic {pydantic_time * 1000:.1f} ms",
        ratio,
        "goal ratio <= 1.3",
        ratio <= 1.3,
    )


if __name__ == "__main__":
    main()
