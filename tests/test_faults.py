"""kit._platform._faults: platform.faults schedules faults on purpose; sim.faults shows what the component did next."""

from __future__ import annotations

import asyncio
import errno
import re
import threading
import time
from pathlib import Path

import pytest
import requests

import kit

httpx = pytest.importorskip("httpx")
aiohttp = pytest.importorskip("aiohttp")

API = "https://api.vendor.test"
EVENTS = f"{API}/events"


def connector(run):
    return type("Acme", (kit.Connector,), {"run": run})


def load(platform, run, **kwargs):
    return platform.load(connector(run), configuration={"intake_key": "k"}, name="Acme", **kwargs)


def idle(self):
    while self.running:
        time.sleep(3600)


# -- a connector using requests that honours Retry-After ----------------------------------------------------
def polite(self):
    while self.running:
        response = requests.get(EVENTS, timeout=30)
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            self.log(f"rate limited, waiting {wait} s", level="warning")
            time.sleep(wait)
            continue
        self.push_events_to_intakes(response.json())
        time.sleep(60)


def test_a_429_with_retry_after_is_retried_after_the_wait(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    sim = load(platform, polite)
    fault = platform.faults.add("status", EVENTS, method="GET", status=429, headers={"Retry-After": "30"}, step=2)
    sim.run_for(minutes=3)
    assert [(r.step, r.status) for r in sim.http_records][:3] == [(1, 200), (2, 429), (3, 200)]
    (record,) = sim.fault_records
    assert (record.fault, record.step, record.method, record.url, record.injected) == (
        1, 2, "GET", EVENTS, "status 429 (Retry-After: 30)"
    )
    assert (record.retried_after, record.retry_step, record.logged, record.skipped, record.crashed) == (
        30, 3, ("rate limited, waiting 30 s",), False, None
    )
    assert record.reaction == "retried after 30 s (step 3), logged 'rate limited, waiting 30 s'"
    table = sim.faults
    assert list(table[["fault", "step", "retried_after", "reaction"]].itertuples(index=False, name=None)) == [
        (1, 2, 30.0, "retried after 30 s (step 3), logged 'rate limited, waiting 30 s'")
    ]
    table.assert_retried(after=30)
    table.assert_logged("rate limited")
    fault.assert_reaction(retried_after=30, crashed=None, skipped=False)
    assert (fault.fired, fault.active) == (1, False)


def test_a_failed_assertion_names_the_fault_what_was_expected_and_what_happened(platform):
    platform.http.get(EVENTS, json=[])
    sim = load(platform, polite)
    fault = platform.faults.add("status", EVENTS, status=429, headers={"Retry-After": "30"}, step=2)
    sim.run_for(minutes=3)
    with pytest.raises(AssertionError) as error:
        sim.faults.assert_retried(after=10)
    assert str(error.value) == (
        "fault 1: the reaction differs:\n"
        "- fault 1 (status 429 (Retry-After: 30)) on GET https://api.vendor.test/events at step 2 "
        "(2024-01-01T00:01:00Z): expected retried after 10 s, got retried after 30 s. What it did: retried after "
        "30 s (step 3), logged 'rate limited, waiting 30 s'"
    )
    with pytest.raises(AssertionError) as error:
        fault.assert_reaction(crashed=True, logged="giving up")
    assert str(error.value) == (
        "fault 1: status 429 (Retry-After: 30) on any method https://api.vendor.test/events at step 2 times=1: "
        "the reaction differs:\n"
        "- fault 1 (status 429 (Retry-After: 30)) on GET https://api.vendor.test/events at step 2 "
        "(2024-01-01T00:01:00Z): expected a log line with 'giving up', got ['rate limited, waiting 30 s']; "
        "expected a crash, got none. What it did: retried after 30 s (step 3), logged 'rate limited, waiting 30 s'"
    )


def test_a_fault_that_never_fired_fails_its_assertion(platform):
    load(platform, idle)
    fault = platform.faults.add("status", EVENTS, status=500)
    with pytest.raises(AssertionError) as error:
        fault.assert_reaction(retried_after=True)
    assert str(error.value) == (
        "fault 1: status 500 on any method https://api.vendor.test/events times=1: never fired, so there is no "
        "reaction to check"
    )


# -- one that crashes on 500 -------------------------------------------------------------------------------
def strict(self):
    while self.running:
        response = requests.get(EVENTS, timeout=30)
        response.raise_for_status()
        self.push_events_to_intakes(response.json())
        time.sleep(60)


def test_a_500_that_crashes_the_step_is_shown_as_a_crash(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    sim = load(platform, strict)
    platform.faults.add("status", EVENTS, status=500, body="boom", nth=2)
    sim.step(2)
    (record,) = sim.fault_records
    assert record.crashed == (
        "HTTPError: 500 Server Error: Internal Server Error for url: https://api.vendor.test/events"
    )
    assert record.step == 2
    sim.faults.assert_crashed(requests.HTTPError)
    sim.faults.assert_crashed("HTTPError")
    assert sim.http_records[1].status == 500 and sim.http_records[1].response_body == "boom"
    with pytest.raises(AssertionError) as error:
        sim.faults.assert_crashed(ValueError)
    assert "expected a crash with ValueError, got HTTPError: 500 Server Error" in str(error.value)


# -- httpx timeouts ----------------------------------------------------------------------------------------
def with_httpx(self):
    while self.running:
        try:
            response = httpx.get(EVENTS, timeout=httpx.Timeout(20, connect=5))
        except httpx.TimeoutException as error:
            self.log(f"timed out ({type(error).__name__}), retrying in 10 s", level="warning")
            time.sleep(10)
            continue
        self.push_events_to_intakes(response.json())
        time.sleep(60)


def test_a_delay_moves_the_clock_by_the_read_timeout_and_raises_httpx_read_timeout(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    sim = load(platform, with_httpx)
    platform.faults.add("delay", EVENTS)
    report = sim.step()
    assert (report.start.isoformat(), report.end.isoformat()) == (
        "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:20+00:00"
    )
    assert report.logs[0].message == "timed out (ReadTimeout), retrying in 10 s"
    assert report.http[0].error == (
        "kit fault 1: GET https://api.vendor.test/events got no answer within its read timeout (20 s)"
    )
    sim.step()
    sim.faults.assert_reaction(retried_after=10, logged="ReadTimeout")
    assert sim.fault_records[0].time.isoformat() == "2024-01-01T00:00:20+00:00"


def test_a_timeout_raises_httpx_connect_timeout_after_the_connect_timeout(platform):
    platform.http.get(EVENTS, json=[])
    sim = load(platform, with_httpx)
    platform.faults.add("timeout", EVENTS)
    report = sim.step()
    assert report.end.isoformat() == "2024-01-01T00:00:05+00:00"
    assert report.logs[0].message == "timed out (ConnectTimeout), retrying in 10 s"


def test_a_delay_shorter_than_the_timeout_answers_late(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    sim = load(platform, with_httpx)
    platform.faults.add("delay", EVENTS, seconds=7)
    report = sim.step()
    assert (report.end.isoformat(), report.events_pushed, report.http[0].status) == (
        "2024-01-01T00:00:07+00:00", 1, 200
    )


def test_a_delay_of_a_request_without_timeout_says_a_real_client_would_wait_for_ever(platform):
    platform.http.get(EVENTS, json=[])
    errors = []

    def run(self):
        try:
            requests.get(EVENTS)
        except requests.Timeout as error:
            errors.append(str(error))
        idle(self)

    load(platform, run)
    platform.faults.add("delay", EVENTS)
    platform.simulations[0].step()
    assert errors == [
        "kit fault 1: GET https://api.vendor.test/events got no answer, and it has no timeout: a real client "
        "would wait for ever here; pass a timeout to the call (e.g. timeout=30)"
    ]


# -- aiohttp, and a component thread -------------------------------------------------------------------------
def test_aiohttp_gets_its_own_timeout_and_connection_errors(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    seen = []

    def run(self):
        async def main():
            timeout = aiohttp.ClientTimeout(total=15)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for _ in range(3):
                    try:
                        async with session.get(EVENTS) as response:
                            seen.append(response.status)
                    except asyncio.TimeoutError as error:
                        seen.append(type(error).__name__)
                    except aiohttp.ClientConnectionError as error:
                        seen.append(type(error).__name__)

        asyncio.run(main())
        idle(self)

    sim = load(platform, run)
    platform.faults.add("delay", EVENTS)
    platform.faults.add("connection_error", EVENTS)
    report = sim.step()
    assert seen == ["ServerTimeoutError", "ClientConnectionError", 200]
    assert report.end.isoformat() == "2024-01-01T00:00:15+00:00"
    assert [r.retried_after for r in sim.fault_records] == [0, 0]


def test_a_fault_reaches_a_thread_the_component_started(platform):
    platform.http.get(EVENTS, json=[{"id": 1}])
    statuses = []

    def run(self):
        def fetch():
            for _ in range(2):
                statuses.append(requests.get(EVENTS, timeout=10).status_code)
                time.sleep(5)

        worker = threading.Thread(target=fetch, name="fetcher")
        worker.start()
        worker.join()
        idle(self)

    sim = load(platform, run)
    platform.faults.add("status", EVENTS, status=503)
    sim.run_for(seconds=30)
    assert statuses == [503, 200]
    (record,) = sim.fault_records
    assert (record.thread, record.retried_after) == ("fetcher", 5)


def test_other_clients_raise_their_own_timeout_errors(platform):
    import http.client
    import urllib3

    platform.http.get(EVENTS, json=[])
    seen = []

    def run(self):
        try:
            urllib3.PoolManager().request("GET", EVENTS, timeout=urllib3.Timeout(connect=2, read=9))
        except urllib3.exceptions.ReadTimeoutError as error:
            seen.append(("urllib3", type(error).__name__))
        connection = http.client.HTTPSConnection("api.vendor.test", timeout=4)
        try:
            connection.request("GET", "/events")
        except TimeoutError as error:
            seen.append(("http.client", type(error).__name__))
        idle(self)

    sim = load(platform, run)
    platform.faults.add("delay", EVENTS, times=2)
    report = sim.step()
    assert seen == [("urllib3", "ReadTimeoutError"), ("http.client", "TimeoutError")]
    assert report.end.isoformat() == "2024-01-01T00:00:13+00:00"


# -- a page cut short, a connection refused, and what the component skipped to ---------------------------------
def test_a_truncated_page_no_longer_parses_and_the_component_skips_to_the_next_source(platform):
    platform.http.get(EVENTS, json=[{"id": n} for n in range(10)])
    platform.http.get(f"{API}/alerts", json=[{"id": "a"}])

    def run(self):
        while self.running:
            for url in (EVENTS, f"{API}/alerts"):
                try:
                    self.push_events_to_intakes(requests.get(url, timeout=30).json())
                except ValueError:
                    self.log(f"bad page from {url}", level="error")
            time.sleep(60)

    sim = load(platform, run)
    platform.faults.add("truncate", EVENTS, keep=20)
    sim.run_for(seconds=61)
    call = sim.http_records[0]
    assert (call.status, call.response_body, call.error) == (
        200, '[{"id": 0}, {"id": 1', "kit fault 1: the connection dropped after 20 of 110 bytes of the body"
    )
    (record,) = sim.fault_records
    assert (record.skipped, record.next_request, record.retried_after, record.logged) == (
        True, "GET https://api.vendor.test/alerts", 60, ("bad page from https://api.vendor.test/events",)
    )
    sim.faults.assert_skipped()
    assert record.reaction == (
        "skipped to GET https://api.vendor.test/alerts, retried after 60 s (step 2), "
        "logged 'bad page from https://api.vendor.test/events'"
    )


def test_a_connection_error_is_the_clients_own(platform):
    platform.http.get(EVENTS, json=[])
    seen = []

    def run(self):
        try:
            requests.get(EVENTS, timeout=3)
        except requests.ConnectionError as error:
            seen.append(str(error))
        idle(self)

    load(platform, run)
    platform.faults.add("connection_error", re.compile(r"/events$"))
    platform.simulations[0].step()
    assert seen == [
        "kit fault 1: the connection to api.vendor.test was refused (GET https://api.vendor.test/events)"
    ]


# -- an expired token: 401 then a new token ---------------------------------------------------------------
def test_a_401_for_an_expired_token_shows_the_token_refresh_then_the_retry(platform):
    token_url = f"{API}/oauth/token"
    platform.http.post(token_url, json={"access_token": "t2"})
    platform.http.get(EVENTS, json=[])

    def run(self):
        while self.running:
            response = requests.get(EVENTS, timeout=30)
            if response.status_code == 401:
                requests.post(token_url, timeout=30)
                response = requests.get(EVENTS, timeout=30)
            self.push_events_to_intakes(response.json() or ["nothing"])
            time.sleep(60)

    sim = load(platform, run)
    platform.faults.add("status", EVENTS, status=401, json={"error": "token expired"})
    sim.step()
    (record,) = sim.fault_records
    assert (record.retried_after, record.next_request, record.skipped) == (
        0, "POST https://api.vendor.test/oauth/token", True
    )
    assert sim.http_records[0].response_body == '{"error": "token expired"}'


# -- when: a virtual time, the n-th request, times, a seeded probability -------------------------------------------
def test_after_nth_and_times_choose_the_firings(platform):
    platform.http.get(EVENTS, json=[])
    statuses = []

    def run(self):
        while self.running:
            statuses.append(requests.get(EVENTS, timeout=30).status_code)
            time.sleep(60)

    sim = load(platform, run)
    platform.faults.add("status", EVENTS, status=502, after="2024-01-01T00:03:00Z", times=2)
    platform.faults.add("status", EVENTS, status=500, nth=7)
    sim.run_for(minutes=9)
    assert statuses == [200, 200, 200, 502, 502, 200, 500, 200, 200, 200]
    assert [(f.id, f.fired, f.active) for f in platform.faults.scheduled] == [(1, 2, False), (2, 1, False)]


def test_a_seeded_probability_gives_the_same_firings_in_two_runs():
    def once():
        with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
            platform.http.get(EVENTS, json=[])
            statuses = []

            def run(self):
                while self.running:
                    statuses.append(requests.get(EVENTS, timeout=30).status_code)
                    time.sleep(60)

            platform.faults.seed(7)
            sim = load(platform, run)
            platform.faults.add("status", EVENTS, status=503, probability=0.3, times=None)
            sim.run_for(minutes=29)
            return statuses

    first, second = once(), once()
    assert first == second
    assert len(first) == 30 and 0 < first.count(503) < 30


def test_remove_and_clear_unschedule_and_the_listing_shows_it(platform):
    platform.http.get(EVENTS, json=[])
    sim = load(platform, polite)
    first = platform.faults.add("status", EVENTS, status=500)
    platform.faults.add("timeout", EVENTS, component=sim)
    first.remove()
    assert [f.active for f in platform.faults] == [False, True]
    assert repr(platform.faults) == (
        "<Faults\n"
        "  fault 1: status 500 on any method https://api.vendor.test/events times=1: fired 0 (inactive)\n"
        "  fault 2: timeout on any method https://api.vendor.test/events of Acme times=1: fired 0>"
    )
    assert list(platform.faults.table["when"]) == ["next match", "next match"]
    platform.faults.clear()
    sim.step()
    assert sim.http_records[0].status == 200
    assert len(sim.faults) == 0
    with pytest.raises(KeyError) as error:
        platform.faults.remove(9)
    assert error.value.args[0] == (
        "platform.faults.remove(9): no scheduled fault has that id (ids: 1, 2); pass the Fault platform.faults.add "
        "returned, or its id"
    )


# -- platform faults ---------------------------------------------------------------------------------------
def test_the_intake_refusing_a_batch_is_retried_as_the_real_sdk_does(platform):
    results = []

    def run(self):
        results.append(self.push_events_to_intakes([{"id": 1}, {"id": 2}]))
        idle(self)

    sim = load(platform, run)
    platform.faults.add("intake_refused", status=503, times=3)
    sim.run_until(lambda s: len(results) == 1)
    assert results == [["0", "1"]]
    assert [(r.number, r.slept) for r in sim.reports] == [(1, None), (2, 1.0), (3, 2.0), (4, 4.0)]
    records = sim.fault_records
    assert [(r.step, r.retried_after, r.injected) for r in records] == [
        (1, 1, "intake_refused 503 (2 events)"), (2, 2, "intake_refused 503 (2 events)"),
        (3, 4, "intake_refused 503 (2 events)"),
    ]
    assert (records[0].method, records[0].url) == ("POST", "https://intake.kit.invalid/batch")
    assert len(sim.events) == 2


def test_an_intake_refusing_for_an_hour_loses_the_batch_with_the_sdks_log(platform):
    results = []

    def run(self):
        results.append(self.push_events_to_intakes([{"id": 1}]))
        idle(self)

    sim = load(platform, run)
    platform.faults.add("intake_refused", status=500, times=None)
    sim.run_until(lambda s: len(results) == 1, max_steps=500)
    assert results == [[]]
    assert len(sim.events) == 0
    messages = [r.message for r in sim.log_records if r.level == "error"]
    assert messages == [
        "Failed to forward 1 events",
        "Failed to forward 1 events\n500 Server Error: Internal Server Error for url: "
        "https://intake.kit.invalid/batch (kit fault 1)",
    ]
    assert sim.fault_records[-1].logged == (
        messages[0],
        "Failed to forward 1 events\nrequests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: "
        "https://intake.kit.invalid/batch (kit fault 1)",  # the traceback, kept local (level exception)
        messages[1],
    )
    assert sim.now.isoformat() == "2024-01-01T01:00:05+00:00"


def test_read_only_storage_raises_erofs_on_writes_of_that_component(platform):
    seen = []

    def run(self):
        while self.running:
            try:
                (self.data_path / "checkpoint.json").write_text('{"cursor": 1}')
                seen.append("written")
            except OSError as error:
                seen.append(error.errno)
                self.log(f"cannot save the checkpoint: {error.strerror}", level="error")
            time.sleep(60)

    sim = load(platform, run)
    fault = platform.faults.add("read_only_storage", component="Acme", step=2)
    sim.step(2)
    assert seen == ["written", errno.EROFS]
    (record,) = sim.fault_records
    assert (record.method, Path(record.url).name, record.logged) == (
        "open", "checkpoint.json", ("cannot save the checkpoint: Read-only file system",)
    )
    assert fault.times is None
    fault.remove()
    sim.step()
    assert seen == ["written", errno.EROFS, "written"]
    assert Path(__file__).exists()  # the main thread's files are untouched


def test_read_only_storage_makes_an_sdk_style_write_crash(platform):
    def run(self):
        with kit.storage.PersistentJSON("state.json", self.data_path) as state:
            state["cursor"] = 2
        idle(self)

    sim = load(platform, run)
    platform.faults.add("read_only_storage")
    sim.step()
    (record,) = sim.fault_records
    assert record.crashed.startswith("OSError: [Errno 30] Read-only file system: ")
    assert not (sim.data_path / "state.json").exists()


# -- bad input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (("teapot",), {}, ValueError,
         "platform.faults.add(kind='teapot'): unknown kind; use one of 'status', 'delay', 'timeout', "
         "'connection_error', 'truncate', 'intake_refused', 'read_only_storage', e.g. "
         "platform.faults.add('status', status=429, headers={'Retry-After': '30'})"),
        (("status", EVENTS), {"status": "429"}, TypeError,
         "platform.faults.add('status'): status='429': an HTTP status is an int from 100 to 599, e.g. status=429"),
        (("status", EVENTS), {}, ValueError,
         "platform.faults.add('status'): a 'status' fault needs the status to answer, e.g. status=503"),
        (("timeout", EVENTS), {"probability": -0.5}, ValueError,
         "platform.faults.add('timeout'): probability=-0.5: a probability is a number from 0 to 1, e.g. "
         "probability=0.1 (one matching request in ten, on average)"),
        (("timeout", EVENTS), {"probability": 0}, ValueError,
         "platform.faults.add('timeout'): probability=0: this fault could never fire; give a probability > 0"),
        (("status", EVENTS), {"status": 500, "times": 0}, ValueError,
         "platform.faults.add('status'): times=0: how many firings, an int >= 1 (or None: until removed), e.g. "
         "times=3"),
        (("intake_refused", EVENTS), {}, ValueError,
         "platform.faults.add('intake_refused'): url='https://api.vendor.test/events' is for faults of a request "
         "(status, delay, timeout, connection_error, truncate); an 'intake_refused' fault takes component, step, "
         "after, nth, probability and times"),
        (("timeout", 42), {}, TypeError,
         "platform.faults.add('timeout'): url=42: give the URL up to its query string, or a compiled regex "
         "searched in the whole URL, e.g. url='https://api.vendor.test/items' or url=re.compile(r'/items')"),
        (("timeout", EVENTS), {"component": "acme"}, ValueError,
         "platform.faults.add('timeout'): component='acme': no component of this platform has that name "
         "(hosted: 'Acme'); pass the simulation platform.load returned, or its name"),
        (("timeout", EVENTS), {"after": "tomorrow"}, ValueError,
         "platform.faults.add('timeout'): after='tomorrow' is not an ISO 8601 date; write it like "
         "after='2024-01-01T00:10:00Z'"),
        (("delay", EVENTS), {"seconds": -1}, ValueError,
         "platform.faults.add('delay'): seconds=-1: a delay is a number of virtual seconds > 0, e.g. seconds=60"),
        (("timeout", EVENTS), {"status": 500}, ValueError,
         "platform.faults.add('timeout'): status=500 is for the 'status' and 'intake_refused' kinds; remove it"),
    ],
)
def test_bad_input_names_the_argument_the_value_and_the_fix(platform, args, kwargs, error, message):
    load(platform, idle)
    with pytest.raises(error) as raised:
        platform.faults.add(*args, **kwargs)
    assert str(raised.value) == message
    assert len(platform.faults) == 0


def test_a_step_in_the_past_could_never_fire(platform):
    sim = load(platform, idle)
    sim.step(3)
    with pytest.raises(ValueError) as error:
        platform.faults.add("status", EVENTS, status=500, component=sim, step=2)
    assert str(error.value) == (
        "platform.faults.add('status'): step=2: step 2 of Acme is over (it has run 3 steps), so this fault could "
        "never fire; give a later step, e.g. step=4"
    )


# -- actions, and several components -------------------------------------------------------------------------
class Lookup(kit.Action):
    def run(self, arguments):
        response = requests.get(f"{API}/lookup", timeout=10)
        if response.status_code == 401:
            self.error("the API token expired")
            return None
        return response.json()


def test_an_action_sees_the_fault_and_the_record_says_what_it_did(platform):
    platform.http.get(f"{API}/lookup", json={"ok": True})
    platform.faults.add("status", f"{API}/lookup", status=401, times=None)
    first = platform.run_action(Lookup)
    second = platform.run_action(Lookup)
    assert (first.error, second.error) == ("the API token expired", "the API token expired")
    records = platform.faults.fault_records()
    assert [(r.component, r.reaction) for r in records] == [("Lookup", "nothing (yet)"), ("Lookup", "nothing (yet)")]
    assert str(platform.faults.scheduled[0]) == (
        "fault 1: status 401 on any method https://api.vendor.test/lookup until removed"
    )


def test_platform_faults_records_hold_every_components_firings(platform):
    platform.http.get(EVENTS, json=[])
    first = load(platform, polite)
    second = platform.load(connector(polite), configuration={"intake_key": "k"}, name="Other")
    platform.faults.add("status", EVENTS, status=429, headers={"Retry-After": "5"}, times=2)
    platform.advance(seconds=10)
    assert list(platform.faults.records[["component", "retried_after"]].itertuples(index=False, name=None)) == [
        ("Acme", 5.0), ("Other", 5.0)
    ]
    assert (len(first.faults), len(second.faults)) == (1, 1)
    second.faults.assert_retried(after=5)


def test_read_only_storage_refuses_os_level_writes_and_bytes_paths(platform):
    import os

    seen = []

    def run(self):
        root = os.fsencode(self.data_path)
        for attempt in (
            lambda: os.open(root + b"/raw.bin", os.O_WRONLY | os.O_CREAT),
            lambda: os.mkdir(self.data_path / "new"),
            lambda: os.replace(self.data_path / "kept.txt", self.data_path / "moved.txt"),
            lambda: os.remove(self.data_path / "kept.txt"),
        ):
            try:
                attempt()
                seen.append("done")
            except OSError as error:
                seen.append(error.errno)
        seen.append(os.path.exists(self.data_path) and (self.data_path / "kept.txt").read_text())
        idle(self)

    sim = load(platform, run)
    (sim.data_path / "kept.txt").write_text("kept")  # the test's own thread writes as usual
    platform.faults.add("read_only_storage", component=sim)
    sim.step()
    assert seen == [errno.EROFS, errno.EROFS, errno.EROFS, errno.EROFS, "kept"]
    assert [r.method for r in sim.fault_records] == ["open", "mkdir", "replace", "remove"]


def test_an_adapters_urllib3_retry_honours_the_faults_retry_after(platform):
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    platform.http.get(EVENTS, json=[{"id": 1}])

    def run(self):
        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[429])))
        self.push_events_to_intakes(session.get(EVENTS, timeout=30).json())
        idle(self)

    sim = load(platform, run)
    platform.faults.add("status", EVENTS, status=429, headers={"Retry-After": "7"})
    sim.step(2)
    assert [c.status for c in sim.http_records] == [429, 200]
    assert [r.slept for r in sim.reports] == [None, 7]
    sim.faults.assert_reaction(retried_after=7, logged=None, crashed=None)
