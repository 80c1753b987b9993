"""Step overhead for a loop that only sleeps, against a bare two-thread Event ping-pong.

Goal: at least 10,000 steps/s, and at most 3x the time of one Event ping-pong round trip.
Run: python bench/bench_step.py
"""

from __future__ import annotations

import threading
import time

from _common import best_of, report

import kit

N = 20_000


class OnlySleeps(kit.Trigger):
    def run(self):
        while True:
            time.sleep(1)


def ping_pong(n: int) -> None:
    ping, pong = threading.Event(), threading.Event()

    def worker() -> None:
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    thread = threading.Thread(target=worker)
    thread.start()
    for _ in range(n):
        ping.set()
        pong.wait()
        pong.clear()
    thread.join()


def main() -> None:
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        sim = platform.load(OnlySleeps)
        sim.step()
        # keep only the last reports so memory stays flat across repeats
        def steps() -> None:
            sim.step(N)
            del sim.reports[:-1]

        kit_time = best_of(steps)
        baseline = best_of(lambda: ping_pong(N))
    per_step = kit_time / N
    per_round = baseline / N
    rate = N / kit_time
    ratio = per_step / per_round
    report(
        "step overhead",
        f"{rate:,.0f} steps/s ({per_step * 1e6:.1f} us/step)",
        f"Event ping-pong {N / baseline:,.0f} round trips/s ({per_round * 1e6:.1f} us)",
        ratio,
        "goal >= 10,000 steps/s and ratio <= 3",
        rate >= 10_000 and ratio <= 3,
    )


if __name__ == "__main__":
    main()
