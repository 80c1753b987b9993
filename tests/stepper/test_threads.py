"""kit._stepper._threads: the threads a connector starts are one group stepped on the virtual clock.

The connectors below are written in the shapes common in public Sekoia.io modules (kit's own
code, no module's): one consumer thread per stream sharing a checkpoint and a lock, a thread pool
fetching pages in parallel, a producer thread feeding a queue that a forwarder thread empties, a
consumer thread that dies and is restarted by its connector.  Every HTTP answer comes from
``platform.http``; nothing reaches the network.
"""

from __future__ import annotations

import asyncio
import functools
import json
import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
import responses

import kit
from kit.storage import PersistentJSON

API = "https://api.vendor.test"
HERE = "test_threads.py"


def _line(marker: str) -> int:
    """The line of this file holding ``marker`` (reports name the lines threads pause on)."""
    with open(__file__, encoding="utf-8") as source:
        for number, text in enumerate(source, 1):
            if marker in text and "_line(" not in text:
                return number
    raise AssertionError(marker)


# -- a fake vendor API: each stream has 2 events per virtual minute ---------------------------
def events_api(request):
    """``GET /{stream}/events?cursor=N``: the events numbered N.. that exist by now (virtual time)."""
    url = urlparse(request.url)
    stream = url.path.split("/")[1]
    cursor = int(parse_qs(url.query).get("cursor", ["0"])[0])
    minutes = int((time.time() - datetime(2024, 1, 1, tzinfo=UTC).timestamp()) // 60)
    available = 2 * (minutes + 1)
    page = list(range(cursor, min(available, cursor + 5)))
    body = {"events": [{"stream": stream, "id": f"{stream}-{n}"} for n in page], "next": cursor + len(page)}
    return 200, {}, json.dumps(body)


def register_api(platform):
    platform.http.add_callback(responses.GET, re.compile(rf"{API}/\w+/events.*"), callback=events_api,
                               content_type="application/json")


# -- 1. one consumer thread per stream, a shared checkpoint and lock --------------------------
class StreamConsumer(threading.Thread):
    def __init__(self, connector, stream, lock):
        super().__init__(name=f"consumer-{stream}", daemon=True)
        self.connector = connector
        self.stream = stream
        self.lock = lock

    def run(self):
        connector = self.connector
        while connector.running:
            with self.lock:
                with PersistentJSON("checkpoint.json", connector.data_path) as checkpoint:
                    cursor = checkpoint.get(self.stream, 0)
            response = requests.get(f"{API}/{self.stream}/events", params={"cursor": cursor}, timeout=30)
            page = response.json()
            if page["events"]:
                connector.push_events_to_intakes(page["events"])
            with self.lock:
                with PersistentJSON("checkpoint.json", connector.data_path) as checkpoint:
                    checkpoint[self.stream] = page["next"]
            if len(page["events"]) < 5:
                time.sleep(60)  # consumer sleeps


class StreamsConnector(kit.Connector):
    streams = ("alerts", "audit")

    def run(self):
        lock = threading.Lock()
        consumers = [StreamConsumer(self, stream, lock) for stream in self.streams]
        for consumer in consumers:
            consumer.start()
        while self.running:
            time.sleep(300)  # supervisor sleeps
        for consumer in consumers:
            consumer.join()


def load(platform, component, **kwargs):
    return platform.load(component, configuration={"intake_key": "k"}, **kwargs)


def test_consumer_threads_share_a_checkpoint_and_step_on_the_virtual_clock(platform):
    register_api(platform)
    sim = load(platform, StreamsConnector)
    first = sim.step()
    assert first.status == "paused"
    assert first.threads == (
        f"main: sleep(300) ({HERE}:{_line('supervisor sleeps')})",
        f"consumer-alerts: sleep(60) ({HERE}:{_line('consumer sleeps')})",
        f"consumer-audit: sleep(60) ({HERE}:{_line('consumer sleeps')})",
    )
    assert first.events == [
        '{"stream":"alerts","id":"alerts-0"}', '{"stream":"alerts","id":"alerts-1"}',
        '{"stream":"audit","id":"audit-0"}', '{"stream":"audit","id":"audit-1"}',
    ]
    second = sim.step()
    assert (second.start, second.slept, second.events_pushed) == (datetime(2024, 1, 1, 0, 1, tzinfo=UTC), 60, 4)

    started = time.monotonic()
    sim.run_for(days=1)
    assert time.monotonic() - started < 600  # a virtual day, not a real one (a margin for loaded machines)
    assert sim.now == datetime(2024, 1, 2, 0, 1, tzinfo=UTC)
    minutes = 24 * 60 + 2  # pages fetched at 00:00, 00:01, ... and 00:01 the next day
    events = sim.events
    assert list(events.columns[:5]) == ["step", "time", "component", "thread", "batch"]
    assert events.groupby("thread")["id"].count().to_dict() == {"consumer-alerts": 2 * minutes,
                                                               "consumer-audit": 2 * minutes}
    assert events["id"].is_unique
    assert dict(sim.storage) == {"checkpoint.json": {"alerts": 2 * minutes, "audit": 2 * minutes}}
    http = sim.http
    assert list(http.columns[:4]) == ["step", "time", "component", "thread"]
    assert set(http["thread"]) == {"consumer-alerts", "consumer-audit"}
    assert (http["status"] == 200).all()
    assert http["url"].iloc[:2].tolist() == [f"{API}/alerts/events?cursor=0", f"{API}/audit/events?cursor=0"]
    steps = sim.steps
    assert "threads" in steps.columns
    assert steps["threads"].iloc[-1] == list(first.threads)


def test_a_restart_on_the_same_storage_resumes_from_the_checkpoint_without_duplicates(platform):
    register_api(platform)
    sim = load(platform, StreamsConnector)
    sim.run_for(minutes=10)
    assert sim.stop() == "stopped"
    before = len(sim.events)
    sim.restart()
    sim.run_for(minutes=10)
    events = sim.events
    assert events["id"].is_unique
    assert len(events) > before
    assert sorted(events[events["thread"] == "consumer-audit"]["id"], key=lambda i: int(i.split("-")[1])) == [
        f"audit-{n}" for n in range(2 * 21)
    ]
    assert dict(sim.storage) == {"checkpoint.json": {"alerts": 42, "audit": 42}}
    # the restarted instance's threads have the same names: a fresh group
    assert sim.last.threads[0].startswith("main: ")
    assert [t.split(":")[0] for t in sim.last.threads] == ["main", "consumer-alerts", "consumer-audit"]


def _tables(sim):
    drop_time = ["time"]
    return {
        "events": sim.events.drop(columns=drop_time),
        "http": sim.http.drop(columns=drop_time),
        "steps": sim.steps.drop(columns=["start", "end"]),
        "logs": sim.logs.drop(columns=drop_time),
    }


def _run_twice(component, span, **kwargs):
    tables = []
    for _ in range(2):
        with kit.FakePlatform(start="2024-01-01T00:00:00Z", step_timeout=5) as platform:
            register_api(platform)
            sim = load(platform, component)
            sim.run_for(**span)
            tables.append((_tables(sim), sim.events["time"].tolist(), sim.steps["start"].tolist()))
    return tables


def test_the_same_inputs_give_the_same_tables_run_after_run():
    (first, times1, starts1), (second, times2, starts2) = _run_twice(StreamsConnector, {"hours": 2})
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    assert times1 == times2 and starts1 == starts2
    (first, *_), (second, *_) = _run_twice(PagesConnector, {"minutes": 30})
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)


# -- 2. a thread pool fetching pages in parallel -----------------------------------------------
class PagesConnector(kit.Connector):
    def run(self):
        while self.running:
            with ThreadPoolExecutor(max_workers=3) as pool:
                futures = {pool.submit(self.fetch, stream): stream for stream in ("a", "b", "c", "d")}
                pages = {futures[future]: future.result() for future in as_completed(futures)}
            for stream in sorted(pages):
                self.push_events_to_intakes(pages[stream]["events"])
            time.sleep(60)  # pages loop sleeps

    def fetch(self, stream):
        self.log(f"fetching {stream}", level="debug")
        return requests.get(f"{API}/{stream}/events", params={"cursor": 0}).json()


def test_a_thread_pool_fetches_pages_in_parallel_answered_by_the_platform(platform):
    register_api(platform)
    sim = load(platform, PagesConnector)
    report = sim.step()
    assert report.status == "paused"
    assert report.pause == f"sleep(60) ({HERE}:{_line('pages loop sleeps')})"
    assert report.events_pushed == 8
    assert [json.loads(e)["id"] for e in report.events] == [
        "a-0", "a-1", "b-0", "b-1", "c-0", "c-1", "d-0", "d-1"]
    http = sim.http
    assert http["url"].tolist() == [f"{API}/{s}/events?cursor=0" for s in "abcd"]
    assert set(http["thread"]) <= {"ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_1", "ThreadPoolExecutor-0_2"}
    logs = sim.logs
    assert logs["message"].tolist() == ["fetching a", "fetching b", "fetching c", "fetching d"]
    assert logs["thread"].tolist() == http["thread"].tolist()
    # the pool's threads ended with the pool: the step lists them once, as finished
    assert report.threads[0] == f"main: sleep(60) ({HERE}:{_line('pages loop sleeps')})"
    assert all(t.endswith(": finished") for t in report.threads[1:])
    sim.run_for(hours=1)
    # pages of up to 5 events: 2 per stream at 00:00, 4 at 00:01, then 5
    assert len(sim.events) == 8 + 16 + 20 * 59
    assert sim.steps["status"].unique().tolist() == ["paused"]
    # each loop's pool is numbered in the group, as the standard library numbers them in a process
    assert sim.http["thread"].iloc[-1].startswith("ThreadPoolExecutor-60_")


# -- 3. a producer thread feeding a queue that a forwarder thread empties -------------------------
class QueueConnector(kit.Connector):
    def run(self):
        events = queue.Queue(maxsize=50)
        threads = [
            threading.Thread(target=self.produce, args=(events,), name="producer"),
            threading.Thread(target=self.forward, args=(events,), name="forwarder"),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()  # queue main joins

    def produce(self, events):
        cursor = 0
        while self.running:
            page = requests.get(f"{API}/feed/events", params={"cursor": cursor}).json()
            for event in page["events"]:
                events.put(event)
            cursor = page["next"]
            if len(page["events"]) < 5:
                time.sleep(120)

    def forward(self, events):
        batch = []
        first = 0.0
        while self.running:
            try:
                event = events.get(timeout=5)  # forwarder waits
            except queue.Empty:
                pass
            else:
                if not batch:
                    first = time.monotonic()
                batch.append(event)
            if len(batch) >= 4 or (batch and time.monotonic() - first >= 20):
                self.push_events_to_intakes(batch)
                batch = []


def test_a_producer_thread_feeds_a_queue_a_forwarder_thread_empties(platform):
    register_api(platform)
    sim = load(platform, QueueConnector)
    started = time.monotonic()
    sim.run_for(hours=1)
    assert time.monotonic() - started < 600  # a virtual hour, not a real one
    events = sim.events
    assert set(events["thread"]) == {"forwarder"}
    assert events["id"].tolist()[:6] == [f"feed-{n}" for n in range(6)]
    assert events["id"].is_unique
    assert set(sim.http["thread"]) == {"producer"}
    # a poll every 2 minutes: 2 events at 00:00 (flushed 20 s later), then 4 (a full batch, at once)
    batches = events.groupby("batch").agg(size=("id", "count"), time=("time", "first"))
    assert batches["size"].tolist() == [2] + [4] * 30
    assert batches["time"].dt.strftime("%H:%M:%S").tolist()[:3] == ["00:00:20", "00:02:00", "00:04:00"]
    assert len(events) == 2 + 4 * 30  # polls at 00:00, 00:02, ... 01:00
    # the queue's timed get is measured on the virtual clock: the forwarder wakes every 5 s
    assert len(sim.steps) == 3600 // 5 + 1
    assert sim.last.threads == (
        f"main: join ({HERE}:{_line('queue main joins')})",
        f"producer: sleep(120) ({HERE}:{_line('time.sleep(120)')})",
        f"forwarder: wait(5) ({HERE}:{_line('forwarder waits')})",
    )


# -- 4. a consumer thread that dies; the connector notices and starts another ---------------------
class DyingConsumerConnector(kit.Connector):
    attempts = 0

    def run(self):
        consumer = self.start_consumer()
        while self.running:
            if not consumer.is_alive():
                self.log("consumer thread died, starting a new one", level="error")
                consumer = self.start_consumer()
            time.sleep(10)  # supervisor checks

    def start_consumer(self):
        consumer = threading.Thread(target=self.consume, name="consumer")
        consumer.start()
        return consumer

    def consume(self):
        type(self).attempts += 1
        if type(self).attempts == 1:
            time.sleep(15)
            raise ValueError("the vendor sent a page kit cannot parse")  # consumer dies
        while self.running:
            self.push_events_to_intakes([{"attempt": type(self).attempts}])
            time.sleep(60)


def test_a_consumer_thread_that_dies_is_recorded_and_the_connector_reacts(platform):
    DyingConsumerConnector.attempts = 0
    sim = load(platform, DyingConsumerConnector)
    reports = sim.run_for(seconds=30)
    assert [r.status for r in reports] == ["paused"] * 5
    assert [r.start.second for r in reports] == [0, 10, 15, 20, 30]
    crashed = reports[2]
    assert crashed.start == datetime(2024, 1, 1, 0, 0, 15, tzinfo=UTC)
    assert len(crashed.errors) == 1
    error = crashed.errors[0]
    assert (error.where, error.type, error.message) == (
        "thread consumer", "ValueError", "the vendor sent a page kit cannot parse")
    assert f'{HERE}", line {_line("consumer dies")}, in consume' in error.traceback
    assert crashed.threads == (f"main: sleep(10) ({HERE}:{_line('supervisor checks')})", "consumer: crashed")
    assert str(crashed) == (
        "<StepReport step 3 [paused] 2024-01-01T00:00:15Z; paused at sleep(10) "
        f"({HERE}:{_line('supervisor checks')}); ValueError: the vendor sent a page kit cannot parse>"
    )
    # the supervisor's next check (t=20 s) logs and starts a new consumer, which pushes
    reaction = reports[3]
    assert reaction.start == datetime(2024, 1, 1, 0, 0, 20, tzinfo=UTC)
    assert [(r.level, r.message, r.thread) for r in reaction.logs] == [
        ("error", "consumer thread died, starting a new one", "main")]
    assert reaction.events == ['{"attempt":2}']
    assert sim.events["thread"].tolist() == ["consumer"]
    assert sim.steps["error"].tolist() == [None, None, "ValueError: the vendor sent a page kit cannot parse", None, None]


# -- 5. deadlocks ------------------------------------------------------------------------------------
class LockOrderDeadlock(kit.Connector):
    def run(self):
        first, second = threading.Lock(), threading.Lock()

        def one():
            with first:
                time.sleep(1)
                with second:  # one waits
                    pass

        def two():
            with second:
                time.sleep(1)
                with first:  # two waits
                    pass

        threads = [threading.Thread(target=one, name="one"), threading.Thread(target=two, name="two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()  # lock-order main joins


def test_a_deadlock_is_reported_naming_each_thread_and_line(platform):
    sim = load(platform, LockOrderDeadlock)
    first, second = sim.step(2)
    assert first.status == "paused"
    assert second.status == "deadlock"
    assert second.start == datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)
    where = (
        "every thread of the group waits for another one and none has a wake time: "
        f"main: join ({HERE}:{_line('lock-order main joins')}); one: lock ({HERE}:{_line('one waits')}); "
        f"two: lock ({HERE}:{_line('two waits')}). sim.stop() ends them."
    )
    assert second.where == where
    assert str(second) == f"<StepReport step 2 [deadlock] 2024-01-01T00:00:01Z; at {where}>"
    assert second.threads == (
        f"main: join ({HERE}:{_line('lock-order main joins')})",
        f"one: lock ({HERE}:{_line('one waits')})",
        f"two: lock ({HERE}:{_line('two waits')})",
    )
    assert sim.steps["status"].tolist() == ["paused", "deadlock"]
    assert sim.next_wake is None
    # virtual time goes on without the group (nothing of it can run)
    assert sim.run_for(hours=1) == []
    assert sim.stop() == "stopped"


class NobodyFeedsTheQueue(kit.Connector):
    def run(self):
        events = queue.Queue()
        reader = threading.Thread(target=lambda: events.get(), name="reader")  # reader waits
        reader.start()
        reader.join()  # main waits for the reader


def test_a_reader_waiting_for_a_queue_nobody_feeds_is_a_deadlock(platform):
    report = load(platform, NobodyFeedsTheQueue).step()
    assert report.status == "deadlock"
    assert report.where == (
        "every thread of the group waits for another one and none has a wake time: "
        f"main: join ({HERE}:{_line('main waits for the reader')}); "
        f"reader: wait() ({HERE}:{_line('reader waits')}). sim.stop() ends them."
    )


# -- 6. HTTP from threads ---------------------------------------------------------------------------
class HttpFromThreads(kit.Connector):
    def run(self):
        def call(url):
            try:
                return requests.get(url, timeout=5).status_code
            except requests.ConnectionError as error:
                return str(error)

        results = {}
        worker = threading.Thread(target=lambda: results.update(thread=call(f"{API}/ok")), name="fetcher")
        worker.start()
        worker.join()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool") as pool:
            results["pool"] = pool.submit(call, f"{API}/missing").result()
        self.push_events_to_intakes([results])
        time.sleep(60)


def test_requests_from_a_thread_and_a_pool_worker_are_answered_and_recorded_with_the_thread(platform):
    platform.http.get(f"{API}/ok", json={"ok": True})
    report = load(platform, HttpFromThreads).step()
    refusal = (
        f"kit: no fake response is registered for GET {API}/missing.\n"
        f"Registered:\n  - GET {API}/ok\n"
        f"Register one with platform.http.add(responses.GET, '{API}/missing', json=...) "
        "or allow real network with FakePlatform(allow_network=True)."
    )
    assert json.loads(report.events[0]) == {"thread": 200, "pool": refusal}
    assert [(c.thread, c.method, c.url, c.status, c.error) for c in report.http] == [
        ("fetcher", "GET", f"{API}/ok", 200, None),
        ("pool_0", "GET", f"{API}/missing", None, refusal),
    ]
    assert platform.http_calls["thread"].tolist() == ["fetcher", "pool_0"]


# -- 7. virtual time in threads ----------------------------------------------------------------------
class Clocks(kit.Connector):
    seen: list = []

    def run(self):
        def tick():
            for _ in range(24):
                type(self).seen.append((time.time(), time.monotonic(), datetime.now(UTC), threading.Event().wait(5)))
                time.sleep(3600)

        ticker = threading.Thread(target=tick, name="ticker")
        ticker.start()
        ticker.join()
        while self.running:
            time.sleep(3600)  # clocks main


def test_sleeping_in_a_thread_moves_the_virtual_clock_not_real_time(platform):
    Clocks.seen = []
    sim = load(platform, Clocks)
    started = time.monotonic()
    sim.run_for(days=2)
    assert time.monotonic() - started < 600  # two virtual days, not real ones
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    assert Clocks.seen[0] == (start, start, datetime(2024, 1, 1, tzinfo=UTC), False)
    assert [s[0] - start for s in Clocks.seen] == [h * 3605.0 for h in range(24)]
    assert [s[1] for s in Clocks.seen] == [s[0] for s in Clocks.seen]
    assert [s[2].timestamp() for s in Clocks.seen] == [s[0] for s in Clocks.seen]
    assert sim.steps["threads"].iloc[-1] == [f"main: sleep(3600) ({HERE}:{_line('clocks main')})"]


class RateLimited(kit.Connector):
    """A consumer thread under a limiter of 3 requests per 10 s (measured on time.monotonic)."""

    def run(self):
        def consume():
            calls = []
            while self.running:
                now = time.monotonic()
                calls = [t for t in calls if now - t < 10]
                if len(calls) >= 3:
                    time.sleep(10 - (now - calls[0]))
                    continue
                calls.append(now)
                requests.get(f"{API}/rated/events", params={"cursor": 0})

        consumer = threading.Thread(target=consume, name="limited")
        consumer.start()
        consumer.join()


def test_a_consumer_thread_under_a_rate_limiter(platform):
    register_api(platform)
    sim = load(platform, RateLimited)
    sim.run_for(minutes=1)
    http = sim.http
    assert set(http["thread"]) == {"limited"}
    per_window = http.groupby(http["time"].dt.floor("10s"))["url"].count()
    assert per_window.tolist() == [3] * 7  # windows 00:00:00, 00:00:10 ... 00:01:00: 3 calls each


# -- 8. stop and restart -----------------------------------------------------------------------------
class Stubborn(kit.Connector):
    """Threads that never look at ``running``."""

    threads: list = []

    def run(self):
        def spin(n):
            while True:
                time.sleep(n)

        type(self).threads = [threading.Thread(target=spin, args=(n,), name=f"spin-{n}") for n in (7, 11)]
        for thread in type(self).threads:
            thread.start()
        while self.running:
            time.sleep(60)  # stubborn main


def test_stop_ends_every_thread_of_the_group(platform):
    sim = load(platform, Stubborn)
    sim.run_for(minutes=5)
    threads = Stubborn.threads
    assert all(t.is_alive() for t in threads)
    assert sim.stop() == "stopped"
    assert sim.state == "stopped"
    for thread in threads:
        thread.join(2)
    assert [t.is_alive() for t in threads] == [False, False]
    assert sim._worker.members == []
    sim.restart()
    assert sim.step().threads == (
        f"main: sleep(60) ({HERE}:{_line('stubborn main')})",
        f"spin-7: sleep(7) ({HERE}:{_line('time.sleep(n)')})",
        f"spin-11: sleep(11) ({HERE}:{_line('time.sleep(n)')})",
    )
    assert sim.stop() == "stopped"


def test_stopping_a_deadlocked_group_ends_its_threads(platform):
    sim = load(platform, LockOrderDeadlock)
    sim.step(2)
    assert sim.last.status == "deadlock"
    assert sim.stop() == "stopped"
    assert sim._worker.members == []


# -- 9. asyncio loops whose work runs in threads ---------------------------------------------------------
class AsyncToThread(kit.Connector):
    def run(self):
        async def main():
            loop = asyncio.get_running_loop()
            for _ in range(3):
                one = await asyncio.to_thread(requests.get, f"{API}/a/events")
                two = await loop.run_in_executor(None, requests.get, f"{API}/b/events")
                self.push_events_to_intakes(one.json()["events"][:1] + two.json()["events"][:1])
                await asyncio.sleep(60)  # async sleep

        asyncio.run(main())
        while self.running:
            time.sleep(3600)  # after the loop


def test_an_asyncio_loop_awaiting_to_thread_and_run_in_executor_steps(platform):
    register_api(platform)
    sim = load(platform, AsyncToThread)
    reports = sim.run_for(minutes=5)
    assert [r.status for r in reports] == ["paused"] * 4
    assert [r.pause for r in reports] == [f"sleep(60) ({HERE}:{_line('async sleep')})"] * 3 + [
        f"sleep(3600) ({HERE}:{_line('after the loop')})"]
    assert [r.start.minute for r in reports] == [0, 1, 2, 3]
    # asyncio.run shut its default executor down (in a thread of its own): both ended in the last step
    assert reports[-1].threads == (
        f"main: sleep(3600) ({HERE}:{_line('after the loop')})",
        "asyncio_0: finished",
        "Thread-1 (_do_shutdown): finished",
    )
    assert sim.events["id"].tolist() == ["a-0", "b-0"] * 3
    assert set(sim.http["thread"]) == {"asyncio_0"}


# -- 10. threads that are not the component's ------------------------------------------------------------
def test_threads_the_test_starts_stay_real(platform):
    sim = load(platform, StreamsConnector)
    register_api(platform)
    sim.step()
    seen = {}

    def outside():
        seen["time"] = time.time()
        seen["slept"] = threading.Event().wait(0.01)

    thread = threading.Thread(target=outside)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert abs(seen["time"] - time.time()) < 60
    assert seen["slept"] is False
    assert not hasattr(thread, "_kit_member")
    sim.stop()


class Spinner(kit.Connector):
    def run(self):
        def spin():
            while True:  # spins
                pass

        threading.Thread(target=spin, name="spinner").start()
        while self.running:
            time.sleep(60)


def test_a_thread_that_never_pauses_times_the_step_out_naming_the_thread(platform):
    sim = load(platform, Spinner)
    with pytest.raises(kit.StepTimeout) as error:
        sim.step(timeout=0.5)
    message = str(error.value)
    assert message.startswith("step 1 of Spinner did not reach a pause point")
    assert f"the component is at spinner: {__file__}:{_line('# spins')} in spin()" in message
    assert sim.stop() == "stopped"


class IdlePool(kit.Connector):
    def run(self):
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="idle")
        pool.submit(lambda: None).result()
        while self.running:
            time.sleep(60)  # idle pool main


def test_stopping_ends_the_idle_workers_of_a_pool_quietly(platform, caplog):
    sim = load(platform, IdlePool)
    assert sim.step().threads == (f"main: sleep(60) ({HERE}:{_line('idle pool main')})", "idle_0: wait()")
    assert sim.stop() == "stopped"
    assert sim._worker.members == []
    assert [r.message for r in caplog.records if r.name == "concurrent.futures"] == []
    assert sim.logs.empty


class PoolMadeInInit(kit.Connector):
    """The pool is made in ``__init__``, on the simulation's thread, before the group exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fetch")

    def run(self):
        while self.running:
            pages = list(self.pool.map(lambda s: requests.get(f"{API}/{s}/events").json(), ["a", "b", "c"]))
            self.push_events_to_intakes([page["events"][0] for page in pages])
            time.sleep(60)  # init pool main


def test_a_pool_made_in_the_connectors_init_joins_the_group(platform):
    register_api(platform)
    sim = load(platform, PoolMadeInInit)
    reports = sim.run_for(minutes=2)
    assert [r.status for r in reports] == ["paused"] * 3
    assert sim.events["id"].tolist() == ["a-0", "b-0", "c-0"] * 3
    assert set(sim.http["thread"]) <= {"fetch_0", "fetch_1"}
    assert reports[-1].threads == (
        f"main: sleep(60) ({HERE}:{_line('init pool main')})", "fetch_0: wait()", "fetch_1: wait()")
    assert sim.stop() == "stopped"
    assert sim._worker.members == []


class StartsAProcess(kit.Connector):
    processes: list = []

    def run(self):
        import subprocess
        import sys

        def tail():
            process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            type(self).processes.append(process)
            while self.running:
                time.sleep(60)

        threading.Thread(target=tail, name="tail").start()
        while self.running:
            time.sleep(60)


def test_stop_kills_the_processes_the_group_started(platform):
    StartsAProcess.processes = []
    sim = load(platform, StartsAProcess)
    sim.step()
    (process,) = StartsAProcess.processes
    assert process.poll() is None
    assert sim.stop() == "stopped"
    assert process.poll() is not None


class Waits(kit.Connector):
    """The blocking calls threads make while they work together, each a pause point."""

    seen: list = []

    def run(self):
        seen = type(self).seen
        start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
        ready = threading.Condition()
        items = []
        one_at_a_time = threading.BoundedSemaphore(1)

        def waiter():
            with ready:
                seen.append(("waiter", ready.wait_for(lambda: items, timeout=100), time.time() - start))

        def notifier():
            time.sleep(30)
            with ready:
                items.append(1)
                ready.notify_all()

        def parent():
            child = threading.Thread(target=lambda: time.sleep(5), name="child")
            child.start()
            child.join(timeout=2)
            seen.append(("join(2)", child.is_alive(), time.time() - start))
            child.join()
            seen.append(("join()", child.is_alive(), time.time() - start))

        def limited():
            with one_at_a_time:
                seen.append(("semaphore", threading.current_thread().name, time.time() - start))
                time.sleep(10)

        threads = [
            threading.Thread(target=waiter, name="waiter"), threading.Thread(target=notifier, name="notifier"),
            threading.Thread(target=parent, name="parent"), threading.Thread(target=limited, name="limited-1"),
            threading.Thread(target=limited, name="limited-2"), threading.Thread(target=sys_exit, name="exits"),
            threading.Timer(7, lambda: seen.append(("timer", time.time() - start))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seen.append(("all joined", time.time() - start))
        while self.running:
            time.sleep(600)


def sys_exit():
    raise SystemExit(0)


def test_conditions_semaphores_timers_and_joins_wait_on_the_virtual_clock(platform):
    Waits.seen = []
    sim = load(platform, Waits)
    started = time.monotonic()
    reports = sim.run_for(minutes=1)
    assert time.monotonic() - started < 45  # a virtual minute, not a real one
    assert Waits.seen == [
        ("semaphore", "limited-1", 0.0), ("join(2)", True, 2.0), ("join()", False, 5.0), ("timer", 7.0),
        ("semaphore", "limited-2", 10.0), ("waiter", [1], 30.0), ("all joined", 30.0),
    ]
    assert [r.start.second for r in reports] == [0, 2, 5, 7, 10, 20, 30]
    # a thread ending with SystemExit ends quietly, as with threading's excepthook
    assert all(not r.errors for r in reports)
    assert "exits: finished" in reports[0].threads


class LoopConsumer(threading.Thread):
    """A consumer thread with its own asyncio loop, made in ``__init__`` (on the connector's thread)."""

    def __init__(self, connector, stream):
        super().__init__(name=f"loop-{stream}")
        self.connector = connector
        self.stream = stream
        self._stop_event = threading.Event()
        self._loop = asyncio.new_event_loop()

    def stop(self):
        self._stop_event.set()

    def run(self):
        asyncio.set_event_loop(self._loop)
        while not self._stop_event.is_set():
            self.connector.push_events_to_intakes(self._loop.run_until_complete(self.fetch()))
            time.sleep(30)  # loop consumer sleeps
        self._loop.close()

    async def fetch(self):
        aiohttp = pytest.importorskip("aiohttp")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{API}/{self.stream}/events") as response:
                page = await response.json()
        await asyncio.sleep(1)  # loop consumer awaits
        return page["events"][:1]


class LoopConsumers(kit.Connector):
    def run(self):
        consumers = [LoopConsumer(self, stream) for stream in ("a", "b")]
        for consumer in consumers:
            consumer.start()
        while self.running:
            time.sleep(5)  # loop supervisor
        for consumer in consumers:
            consumer.stop()


def test_consumer_threads_running_their_own_event_loops(platform):
    register_api(platform)
    sim = load(platform, LoopConsumers)
    first, second = sim.step(2)
    assert first.threads == (
        f"main: sleep(5) ({HERE}:{_line('loop supervisor')})",
        f"loop-a: sleep(1) ({HERE}:{_line('loop consumer awaits')})",
        f"loop-b: sleep(1) ({HERE}:{_line('loop consumer awaits')})",
    )
    assert [(c.thread, c.url) for c in first.http] == [("loop-a", f"{API}/a/events"), ("loop-b", f"{API}/b/events")]
    assert second.start == datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert second.events == ['{"stream":"a","id":"a-0"}', '{"stream":"b","id":"b-0"}']
    sim.run_for(minutes=2)
    assert len(sim.events) == 2 * 4  # at 00:00:01, 00:00:32, 00:01:03, 00:01:34
    assert sim.stop() == "stopped"
    assert sim._worker.members == []


class StartsTwice(kit.Connector):
    error = None

    def run(self):
        thread = threading.Thread(target=lambda: time.sleep(1), name="once")
        thread.start()
        try:
            thread.start()
        except RuntimeError as error:
            type(self).error = str(error)
        thread.join()
        while self.running:
            time.sleep(60)  # started twice main


def test_starting_a_thread_twice_raises_as_the_standard_library_does(platform):
    sim = load(platform, StartsTwice)
    sim.run_for(seconds=1)
    assert StartsTwice.error == "threads can only be started once"
    assert sim.last.threads == (f"main: sleep(60) ({HERE}:{_line('started twice main')})", "once: finished")


def _busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class SlowThreads(kit.Connector):
    def run(self):
        def slow(name):
            while self.running:
                self.push_events_to_intakes([{"from": name}])
                _busy(0.3)
                time.sleep(10)

        for name in ("x", "y"):
            threading.Thread(target=slow, args=(name,), name=name).start()
        while self.running:
            time.sleep(10)


def test_an_interrupted_group_step_is_waited_for_again(platform):
    import _thread
    import signal

    sim = load(platform, SlowThreads)
    sim.step()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a kernel
    try:
        timer = threading.Timer(0.1, _thread.interrupt_main)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            sim.step()
    finally:
        signal.signal(signal.SIGINT, previous)
    report = sim.step()  # the interrupted step is waited for again, not lost
    assert report.number == 2
    assert report.events == ['{"from":"x"}', '{"from":"y"}']
    assert sim.step().number == 3
    assert len(sim.events) == 6


def test_two_connectors_with_threads_share_the_platform_clock(platform):
    register_api(platform)
    streams = load(platform, StreamsConnector, name="streams")
    pages = load(platform, PagesConnector, name="pages")
    reports = platform.advance(minutes=3)
    assert [(r.component, r.start.minute) for r in reports] == [
        ("streams", 0), ("pages", 0), ("streams", 1), ("pages", 1), ("streams", 2), ("pages", 2),
        ("streams", 3), ("pages", 3)]
    assert len(streams.events) == 4 * 4  # 2 new events per stream each minute
    assert set(streams.http["thread"]) == {"consumer-alerts", "consumer-audit"}
    assert all(t.startswith("ThreadPoolExecutor-") for t in pages.http["thread"])
    calls = platform.http_calls
    assert calls["time"].is_monotonic_increasing
    assert set(calls["component"]) == {"streams", "pages"}


class TokenConsumer(threading.Thread):
    """Each consumer logs in once (a ``cached_property`` that backs off with a sleep)."""

    def __init__(self, connector, name):
        super().__init__(name=name)
        self.connector = connector

    @functools.cached_property
    def token(self):
        time.sleep(2)  # back-off before logging in
        return f"token-of-{self.name}"

    def run(self):
        while self.connector.running:
            self.connector.push_events_to_intakes([{"token": self.token}])
            time.sleep(60)


class TokenConsumers(kit.Connector):
    def run(self):
        consumers = [TokenConsumer(self, name) for name in ("one", "two")]
        for consumer in consumers:
            consumer.start()
        while self.running:
            time.sleep(60)


def test_consumers_computing_a_cached_property_while_another_sleeps_in_it(platform):
    # functools.cached_property (Python 3.11) holds one lock per property while it computes
    sim = load(platform, TokenConsumers, step_timeout=2)
    reports = sim.run_for(seconds=5)
    assert [r.status for r in reports] == ["paused"] * 3
    assert [r.start.second for r in reports] == [0, 2, 4]
    assert sim.events["token"].tolist() == ["token-of-one", "token-of-two"]


MODULE_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="shared")


class UsesTheModulePool(kit.Connector):
    def run(self):
        while self.running:
            page = MODULE_POOL.submit(lambda: requests.get(f"{API}/a/events").json()).result()
            self.push_events_to_intakes(page["events"][:1])
            time.sleep(60)


def test_a_thread_pool_kept_at_module_level_serves_the_instance_after_a_restart(platform):
    register_api(platform)
    sim = load(platform, UsesTheModulePool)
    first = sim.step()
    assert first.events == ['{"stream":"a","id":"a-0"}']
    sim.restart()
    second = sim.step()
    assert (second.status, second.errors, second.events) == ("paused", (), ['{"stream":"a","id":"a-0"}'])
    assert [c.thread for c in second.http] == ["shared_0"]
    assert sim.stop() == "stopped"


def test_the_threads_of_a_group_are_a_table_the_magic_and_the_panel_show(tmp_path) -> None:
    from kit._loader import import_file
    from tests.export.test_from_simulations import CONSUMERS

    (tmp_path / "streams.py").write_text(CONSUMERS)
    code = import_file(tmp_path / "streams.py")
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        sim = platform.load(code.StreamsConnector, {"intake_key": "i"})
        assert sim.threads.empty and list(sim.threads.columns) == [
            "thread", "state", "waits", "seconds", "wakes_at", "file", "line"
        ]
        sim.step(2)
        threads = sim.threads
        file = str(tmp_path / "streams.py")
        assert threads.drop(columns=["seconds", "wakes_at"]).to_dict("records") == [
            {"thread": "main", "state": "paused", "waits": "join", "file": file, "line": 24},
            {"thread": "consumer-audit", "state": "paused", "waits": "sleep", "file": file, "line": 15},
            {"thread": "consumer-alerts", "state": "paused", "waits": "sleep", "file": file, "line": 15},
        ]
        # the main thread waits for the others: no wake time of its own
        assert threads["seconds"].isna().tolist() == [True, False, False]
        assert threads["wakes_at"].isna().tolist() == [True, False, False]
        assert threads["wakes_at"].iloc[1] == pd.Timestamp("2024-01-01T00:02:00Z")
        from kit.ipython._panel import SimulationPanel

        panel = SimulationPanel(sim)
        panel.refresh(force=True)
        assert "consumer-alerts" in panel.pages["Threads"].value
        assert panel.tabs.get_title(1) == "Threads (3)"


def test_the_threads_an_action_starts_are_hosted_like_the_action() -> None:
    from kit.action import Action

    class FetchAll(Action):
        def run(self, arguments: dict) -> dict:
            def fetch(index: int) -> dict:
                time.sleep(30)  # virtual, as the action's own sleeps
                return requests.get(f"https://api.example.test/items/{index}", timeout=5).json()

            with ThreadPoolExecutor(2) as pool:
                items = list(pool.map(fetch, range(3)))
            def elsewhere() -> None:
                try:
                    requests.get("https://elsewhere.example.test/", timeout=5)
                except requests.ConnectionError:
                    pass

            worker = threading.Thread(target=elsewhere)
            worker.start()
            worker.join()
            return {"items": items}

    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        for index in range(3):
            platform.http.get(f"https://api.example.test/items/{index}", json={"id": index})
        started = time.monotonic()
        record = platform.run_action(FetchAll, {})
        assert time.monotonic() - started < 5
        assert (record.ok, record.results) == (True, {"items": [{"id": 0}, {"id": 1}, {"id": 2}]})
        calls = platform.http_calls
        assert sorted(calls["url"]) == [
            "https://api.example.test/items/0", "https://api.example.test/items/1", "https://api.example.test/items/2",
            "https://elsewhere.example.test/",
        ]
        # the unregistered URL reached no network: kit refused it and recorded the call
        refused = calls[calls["url"] == "https://elsewhere.example.test/"]
        assert refused["error"].iloc[0].startswith("kit: no fake response is registered for GET https://elsewhere.example.test/.")
