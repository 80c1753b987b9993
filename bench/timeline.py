"""sim.timeline() for 100,000 records, against sim.events of the same simulation.

A connector runs 1,000 steps; each pushes 80 events one push at a time, logs 10 lines, makes 5 HTTP
calls and sends 4 events: 80,000 pushes, 10,000 log lines, 5,000 HTTP calls, 4,000 events and 1,000
steps, 100,000 records. The figure is the timeline prepared as the browser gets it (the marks, aggregated
into time bins, and the Vega-Lite specification); the baseline is sim.events, the table of its 80,000
intake events.

Goals: the timeline in at most 2x the time of sim.events; the data given to Vega stays bounded
(at most max_marks marks).
Run: python bench/timeline.py
"""

from __future__ import annotations

import json
import time

from _common import best_of, report

import kit

STEPS = 1_000
PUSHES, LOGS, CALLS, SENDS = 80, 10, 5, 4
URL = "https://api.example.test/items"


def main() -> None:
    class Busy(kit.Connector):
        def run(self):
            import requests

            n = 0
            while self.running:
                n += 1
                for i in range(PUSHES):
                    self.push_events_to_intakes([{"id": f"{n}-{i}", "user": f"user{i}@example.com"}])
                for i in range(LOGS):
                    self.log(f"step {n}: line {i}", level=("info", "debug", "warning", "error")[i % 4])
                for i in range(CALLS):
                    requests.get(f"{URL}?page={n}&i={i}", timeout=10)
                for i in range(SENDS):
                    self.send_event(event_name=f"alert-{n}-{i}", event={"n": n, "i": i})
                time.sleep(60)

    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        # one call in five is answered 500: the timeline colours HTTP marks by status
        platform.http.add_callback(
            "GET", URL, callback=lambda request: (500 if request.url.endswith("i=4") else 200, {}, '{"items": []}')
        )
        sim = platform.load(Busy, configuration={"intake_key": "k"})
        sim.run_for(minutes=STEPS - 1, max_steps=STEPS)
        assert len(sim.reports) == STEPS
        records = len(sim.reports) + sim._host.intake.pushed + len(sim.log_records) + len(sim.http_records)
        records += len(sim.run_records)
        assert records == 100_000, records

        sim.timeline().spec  # imports Altair once: not part of the figure  # noqa: B018
        timeline_time = best_of(lambda: sim.timeline().spec, repeat=3)
        baseline = best_of(lambda: sim.events, repeat=3)
        timeline = sim.timeline()
        marks = len(timeline.spec["datasets"]["timeline"])
        size = len(json.dumps(timeline.spec))
        assert timeline.total == records and timeline.aggregated and marks <= 3000

    ratio = timeline_time / baseline
    report(
        "timeline",
        f"sim.timeline() of {records:,} records in {timeline_time:.3f} s ({marks:,} marks, "
        f"bins of {timeline.bin_seconds:g} s, {size / 1e6:.1f} MB of Vega-Lite)",
        f"sim.events ({sim._host.intake.pushed:,} events) {baseline:.3f} s",
        ratio,
        "goal ratio <= 2",
        ratio <= 2,
    )


if __name__ == "__main__":
    main()
