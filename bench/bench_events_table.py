"""sim.events for 1,000,000 JSON events, against pandas.read_json(lines=True) on the same strings.

Goals: the table in at most 1.5x the time of read_json; holding the events costs at most 2x their
total size in memory (measured with tracemalloc around the pushes).
Run: python bench/bench_events_table.py
"""

from __future__ import annotations

import io
import time
import tracemalloc

import orjson
import pandas as pd
from _common import best_of, report

import kit

N = 1_000_000
BATCH = 1_000


def make_strings() -> list[str]:
    return [
        orjson.dumps(
            {
                "id": i,
                "timestamp": "2024-01-01T00:00:00Z",
                "user": f"user{i % 97}@example.com",
                "action": ("login", "logout", "download")[i % 3],
                "src_ip": f"10.0.{i % 250}.{i % 200}",
                "message": "User logged in from the corporate VPN gateway",
            }
        ).decode()
        for i in range(N)
    ]


def main() -> None:
    strings = make_strings()
    total = sum(len(s) for s in strings)

    class Pushes(kit.Connector):
        def run(self):
            for start in range(0, N, BATCH):
                self.push_events_to_intakes(strings[start : start + BATCH])
            time.sleep(60)

    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        sim = platform.load(Pushes, configuration={"intake_key": "k"})
        # memory: what the recorder holds once the events are serialised (the strings are the component's
        # own objects; kit keeps references plus its per-batch metadata and lists)
        tracemalloc.start()
        sim.step()
        sim._host.intake.materialize()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # memory if every event were a fresh string (a component that builds each JSON text itself)
        strings_size = sum(s.__sizeof__() for s in strings)
        table_time = best_of(lambda: sim.events, repeat=3)
        frame = sim.events
        assert len(frame) == N and frame["step"].iloc[-1] == 1

    joined = "\n".join(strings)
    baseline = best_of(lambda: pd.read_json(io.StringIO(joined), lines=True), repeat=3)
    ratio = table_time / baseline
    report(
        "events table",
        f"sim.events for {N:,} events in {table_time:.2f} s",
        f"pandas.read_json(lines=True) {baseline:.2f} s",
        ratio,
        "goal ratio <= 1.5",
        ratio <= 1.5,
    )
    memory_ratio = (peak + strings_size) / total
    report(
        "events memory",
        f"{(peak + strings_size) / 1e6:.0f} MB held (kit's own {peak / 1e6:.0f} MB + the strings {strings_size / 1e6:.0f} MB)",
        f"total size of the events {total / 1e6:.0f} MB",
        memory_ratio,
        "goal ratio <= 2",
        memory_ratio <= 2,
    )


if __name__ == "__main__":
    main()
