"""Replaying a cassette of 10,000 exchanges, against answering the same calls from platform.http registrations.

A trigger makes 10,000 GETs (10 endpoints, a page each) in one step. Replay: a FakePlatform with
``replay=`` a cassette holding the 10,000 exchanges (loading the file included). Baseline, measured
in the same run: a FakePlatform whose ``platform.http`` has one registration per endpoint
(registering included).
Goal (issue 13): replay costs at most 1.5x the baseline.
Run: python bench/replay.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import requests
import yaml
from _common import best_of, report

import kit

N = 10_000
ENDPOINTS = 10
API = "https://api.vendor.test"


def _url(index: int) -> str:
    return f"{API}/api/e{index % ENDPOINTS}"


def _body(index: int) -> str:
    return json.dumps({"items": [{"id": index, "name": f"item-{index}", "severity": index % 5}], "next": index + 1})


class Pager(kit.Trigger):
    seen = 0

    def run(self):
        session = requests.Session()
        count = 0
        for index in range(N):
            response = session.get(_url(index), params={"page": index})
            count += response.status_code == 200 and len(response.content) > 0
        type(self).seen = count
        while self.running:
            time.sleep(60)


def _cassette(path: Path) -> Path:
    """A cassette as kit records it: N exchanges in responses' format, with kit's keys."""
    items = [
        {
            "response": {
                "method": "GET", "url": f"{_url(index)}?page={index}", "status": 200,
                "headers": {"Date": "Mon, 01 Jan 2024 00:00:00 GMT"}, "content_type": "application/json",
                "auto_calculate_content_length": False, "body": _body(index),
            },
            "kit": {"component": "Pager", "step": 1, "thread": "", "time": "2024-01-01T00:00:00Z",
                    "request": {"headers": {"Accept": "*/*"}}},
        }
        for index in range(N)
    ]
    path.write_text(yaml.dump({"kit": {"start": "2024-01-01T00:00:00Z"}, "responses": items},
                              Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
    return path


def _run(platform_factory) -> None:
    Pager.seen = 0
    with platform_factory() as platform:
        sim = platform.load(Pager, step_timeout=600)
        sim.step()
        sim.stop()
    assert Pager.seen == N, Pager.seen


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        cassette = _cassette(Path(directory) / "pages.yaml")

        def replay() -> kit.FakePlatform:
            return kit.FakePlatform(replay=cassette, step_timeout=600)

        def registered() -> kit.FakePlatform:
            platform = kit.FakePlatform(start="2024-01-01T00:00:00Z", step_timeout=600)
            for endpoint in range(ENDPOINTS):
                platform.http.get(_url(endpoint), body=_body(endpoint), content_type="application/json")
            return platform

        replay_time = best_of(lambda: _run(replay), repeat=2)
        baseline_time = best_of(lambda: _run(registered), repeat=2)
    ratio = replay_time / baseline_time
    report(
        "cassette replay",
        f"{N:,} exchanges replayed in {replay_time:.2f} s ({replay_time / N * 1e6:.0f} us each, loading included)",
        f"the same calls answered by {ENDPOINTS} platform.http registrations in {baseline_time:.2f} s "
        f"({baseline_time / N * 1e6:.0f} us each)",
        ratio,
        "goal: ratio <= 1.5",
        ratio <= 1.5,
    )


if __name__ == "__main__":
    main()
