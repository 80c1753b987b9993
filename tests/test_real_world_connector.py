"""A connector written the way automation-library connectors are, for the real SDK, run on kit unchanged.

It registers SIGINT/SIGTERM handlers in ``__init__``, rate-limits its requests with
``requests_ratelimiter`` (whose ``sleep`` and ``monotonic`` were bound before kit was imported),
follows ``Link`` headers, keeps a checkpoint and an events cache, and stops on SIGTERM.
"""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

import kit

pytest.importorskip("requests_ratelimiter", reason="installed with the real sekoia-automation-sdk (test extra)")
pytest.importorskip("cachetools")

MODULE = Path(__file__).parent / "data" / "modules" / "Identity"
ORIGIN = datetime(2024, 3, 1, 11, 0, tzinfo=UTC).timestamp()
EVERY = 20  # one audit event every 20 virtual seconds


def _logs(request):
    query = parse_qs(urlparse(request.url).query)
    since = datetime.fromisoformat(query["since"][0]).timestamp() if "since" in query else float(query["after"][0])
    first = max(0, int((since - ORIGIN + EVERY - 1) // EVERY))
    last = int((time.time() - ORIGIN) // EVERY)  # the component's thread: virtual time
    items = [
        {"uuid": f"evt-{i}", "published": datetime.fromtimestamp(ORIGIN + i * EVERY, UTC).isoformat()}
        for i in range(first, min(last + 1, first + 5))
    ]
    headers = {}
    if first + 5 <= last:
        headers["Link"] = f'<https://idp.test/api/v1/logs?after={ORIGIN + (first + 5) * EVERY}>; rel="next"'
    return 200, headers, json.dumps(items)


@pytest.fixture
def platform():
    with kit.FakePlatform(start="2024-03-01T12:00:00Z") as fake:
        yield fake


def test_it_runs_unchanged_for_virtual_hours(platform):
    platform.http.add_callback(responses.GET, re.compile(r"https://idp\.test/api/v1/logs.*"), callback=_logs)
    directory = kit.load_module_directory(MODULE)
    interrupt = signal.getsignal(signal.SIGINT)
    sim = directory.simulate(
        platform, "identity_audit_logs", {"intake_key": "intake-1", "ratelimit_per_minute": 30},
        {"base_url": "https://idp.test/", "api_token": "idp-token-123456"},
    )
    assert signal.getsignal(signal.SIGINT) is interrupt  # the connector's handler did not take the kernel's
    started = time.monotonic()
    sim.run_for(hours=2)
    assert time.monotonic() - started < 30  # two virtual hours, rate limiter included
    events = sim.events
    # from the checkpoint's start (now - 5 min) to the end of the run, every event once
    assert events["uuid"].is_unique
    assert len(events) == (2 * 3600 + 5 * 60) // EVERY + 1
    assert all(call.status == 200 for call in sim.http_records)
    assert all(call.request_headers["Authorization"] == "***" for call in sim.http_records)
    assert sim.stop() == "stopped"
    assert sim.log_records[-1].message == "Stopping the audit logs connector"  # SIGTERM reached its handler
    # a restart resumes from the checkpoint and the cache: nothing is sent twice
    sim.restart()
    sim.run_for(minutes=10)
    assert sim.events["uuid"].is_unique
    assert len(sim.events) == (2 * 3600 + 15 * 60) // EVERY + 1
