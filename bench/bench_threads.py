"""Stepping a thread group: 4 consumer threads that each poll then sleep 60 s, against single-thread stepping.

Goal (issue 10): at least 2,000 group steps/s, and at most 3x per thread-step what one step of a
single-thread component costs, measured in the same run (a loop that only sleeps).
Run: python bench/bench_threads.py
"""

from __future__ import annotations

import threading
import time

from _common import best_of, report

import kit

N = 5_000  # group steps
THREADS = 4


class OnlySleeps(kit.Trigger):
    def run(self):
        while True:
            time.sleep(1)


class FourConsumers(kit.Connector):
    polls = [0] * THREADS

    def run(self):
        def consume(index):
            polls = type(self).polls
            while True:
                polls[index] += 1  # the poll
                time.sleep(60)

        for index in range(THREADS):
            threading.Thread(target=consume, args=(index,), name=f"consumer-{index}", daemon=True).start()
        while True:
            time.sleep(86_400)


def _stepper(platform, component, n):
    sim = platform.load(component, configuration={"intake_key": "k"}, name=component.__name__)
    sim.step()

    def steps() -> None:
        sim.step(n)
        del sim.reports[:-1]  # memory stays flat across repeats

    return sim, steps


def main() -> None:
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        group, group_steps = _stepper(platform, FourConsumers, N)
        single, single_steps = _stepper(platform, OnlySleeps, N * THREADS)
        group_time = best_of(group_steps)
        single_time = best_of(single_steps)
        assert all(p >= 3 * N for p in FourConsumers.polls), FourConsumers.polls  # every thread ran each step
        group.stop()
        single.stop()
    rate = N / group_time
    per_thread_step = group_time / (N * THREADS)
    per_single_step = single_time / (N * THREADS)
    ratio = per_thread_step / per_single_step
    report(
        "thread group steps",
        f"{rate:,.0f} group steps/s of {THREADS} threads ({per_thread_step * 1e6:.1f} us per thread-step)",
        f"single-thread stepping {1 / per_single_step:,.0f} steps/s ({per_single_step * 1e6:.1f} us/step)",
        ratio,
        "goal >= 2,000 group steps/s and ratio <= 3",
        rate >= 2_000 and ratio <= 3,
    )


if __name__ == "__main__":
    main()
