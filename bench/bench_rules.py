"""Benchmark of the rules engine (kit._rules) against plain baselines measured in the same run.

    python bench/bench_rules.py            # full run: 10,000 cron rules x 1 day, 1,000,000 events
    python bench/bench_rules.py --quick    # a smaller run for a smoke test

1. TIME_INTERVAL: 10,000 rules evaluated over one virtual day of minute slots (the
   platform's clock advances minute by minute and calls ``run_due()`` each time).
   Baseline: a plain croniter loop per rule over the same day (iterators built outside
   the timing), i.e. the croniter work with no engine around it.
   Two rule sets: a realistic mix (many rules share an expression) and all-distinct
   expressions (so the engine's one-entry memo for shared expressions cannot help).
2. EVENT: 1,000,000 events through 1,000 EVENT rules. Baseline: a plain dictionary
   index (type -> name -> counters) with the same counting rule and a no-op action.
   Rules have maxOccurrence 1..49, so about 30% of events fire a rule; each fire builds
   an Event, calls run_action and logs the fire, where the baseline calls a no-op.
   The figure is ``publish_many()`` in batches of 10,000 (the engine's way to take a
   stream of events), on an in-memory and on a file database (one committed transaction
   per batch). Shown beside it, not part of the figure: batches of 1,000 on a file (ten
   times the commits), ``publish()`` per event (a Python call, and on a file a committed
   SQLite transaction, per event: what "nothing acknowledged is lost" costs per call), and
   counting alone. Machines are shared and noisy, so engine and baseline run interleaved:
   the events are cut into rounds, each round goes through both back to back.

Every engine run is checked to fire exactly as often as its baseline. Goal: at most 2x
the baseline. The script prints what it measured, goal met or not.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from croniter import croniter  # noqa: E402

from kit._rules import EventTrigger, RulesEngine, Target, TimeIntervalTrigger, parse_cron  # noqa: E402

T0 = datetime(2024, 6, 3, tzinfo=timezone.utc).timestamp()  # a Monday, 00:00 UTC
DAY = 86400.0


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def noop_action(action, targets, event):
    return None


def noop():
    return None


REPEAT = 2


def best_of(fn, *args):
    """Run fn REPEAT times and keep the fastest run (first element of its result is the time)."""
    results = [fn(*args) for _ in range(REPEAT)]
    return min(results, key=lambda r: r[0])


def report(name: str, engine_s: float, base_s: float, extra: str = "", goal: bool = True) -> float:
    ratio = engine_s / base_s if base_s > 0 else float("inf")
    verdict = ("goal met" if ratio <= 2.0 else "GOAL NOT MET (> 2x)") if goal else "(shown for comparison)"
    print(f"  {name:<46} engine {engine_s:8.3f} s | baseline {base_s:8.3f} s | ratio {ratio:5.2f}x  {verdict}{extra}")
    return ratio


# ----------------------------------------------------------------------------- cron rules


def mixed_expressions(n: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        kind = rng.random()
        m = rng.randrange(60)
        if kind < 0.30:
            out.append(f"{m} * * * *")  # hourly at a minute: 24/day
        elif kind < 0.50:
            out.append(f"{m} */{rng.choice((2, 3, 4, 6))} * * *")  # every few hours
        elif kind < 0.70:
            out.append(f"{m} {rng.randrange(24)} * * *")  # daily
        elif kind < 0.85:
            out.append(f"*/{rng.choice((15, 20, 30))} * * * 1-5 *")  # 6 fields: year last
        else:
            out.append(f"{m} 9-17 * * mon-fri")  # office hours
    return out


def distinct_expressions(n: int, rng: random.Random) -> list[str]:
    # 7 fields: second minute hour dom month dow year; distinct (second, minute, hour-step) triples
    out, seen = [], set()
    while len(out) < n:
        s, m, h = rng.randrange(60), rng.randrange(60), rng.choice((1, 2, 3, 4, 6, 8, 12))
        if (s, m, h) in seen:
            continue
        seen.add((s, m, h))
        out.append(f"{s} {m} */{h} * * * *")
    return out


def baseline_cron(exprs: list[str], start: float, end: float) -> tuple[float, int]:
    """Plain croniter: count the first run plus every slot in (start, end] for each rule."""
    iters = [croniter(parse_cron(e).normalized, start, second_at_beginning=True, max_years_between_matches=130)
             for e in exprs]
    t0 = time.perf_counter()
    fires = 0
    for it in iters:
        fires += 1  # first run at start, as the engine does
        nxt = it.get_next(float)
        while nxt <= end:
            fires += 1
            nxt = it.get_next(float)
    return time.perf_counter() - t0, fires


def engine_cron(exprs: list[str], start: float, end: float, database: str) -> tuple[float, float, int]:
    if os.path.exists(database):
        os.remove(database)
    clock = Clock(start)
    eng = RulesEngine(database, now=clock, run_action=noop_action)
    t0 = time.perf_counter()
    for e in exprs:
        eng.add_rule(noop, [TimeIntervalTrigger(e)], [Target.client("c")])
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    fires = len(eng.run_due())
    minute = start
    while minute < end:
        minute += 60.0
        clock.t = minute
        fires += len(eng.run_due())
    elapsed = time.perf_counter() - t0
    eng.close()
    return elapsed, setup, fires


def bench_cron(n_rules: int, tmpdir: str) -> list[float]:
    rng = random.Random(42)
    ratios = []
    print(f"\n1. TIME_INTERVAL: {n_rules:,} rules over one virtual day of minute slots (run_due every minute)")
    for label, exprs in (("mixed", mixed_expressions(n_rules, rng)), ("distinct", distinct_expressions(n_rules, rng))):
        parse_cron.cache_clear()
        base_s, base_fires = best_of(baseline_cron, exprs, T0, T0 + DAY)
        for db_label, database in ((":memory:", ":memory:"), ("file", os.path.join(tmpdir, f"cron-{label}.db"))):
            parse_cron.cache_clear()
            eng_s, setup_s, fires = best_of(engine_cron, exprs, T0, T0 + DAY, database)
            assert fires == base_fires, (label, fires, base_fires)
            ratios.append(report(
                f"{label} ({len(set(exprs)):,} distinct exprs), {db_label} db", eng_s, base_s,
                f"  [{fires:,} fires; add_rule x{n_rules:,}: {setup_s:.2f} s]"))
    return ratios


# ----------------------------------------------------------------------------- event rules


def make_event_rules(n_rules: int, rng: random.Random) -> list[tuple[str, list[Target], int]]:
    rules = []
    for i in range(n_rules):
        etype = "CLIENT_SUBSCRIBED" if i % 2 == 0 else "CLIENT_UNSUBSCRIBED"
        targets = [Target.client(f"client-{rng.randrange(500)}")]
        if rng.random() < 0.5:
            targets.append(Target.topic(f"topic-{rng.randrange(100)}"))
        if rng.random() < 0.1:
            targets.append(Target.any(f"client-{rng.randrange(500)}"))
        rules.append((etype, targets, rng.randrange(1, 50)))
    return rules


def make_events(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    types = ("CLIENT_SUBSCRIBED", "CLIENT_UNSUBSCRIBED")
    clients = [f"client-{i}" for i in range(600)]
    topics = [f"topic-{i}" for i in range(120)]
    return [(types[rng.randrange(2)], clients[rng.randrange(600)], topics[rng.randrange(120)]) for _ in range(n)]


class BaselineEvents:
    """A plain dictionary index (type -> name -> counter cells) with the same counting rule
    (+1 per event, fire at the maximum, reset) and a no-op action."""

    def __init__(self, rules) -> None:
        self.index: dict[str, tuple[dict, dict]] = {}
        for etype, targets, max_occ in rules:
            cell = [0, max_occ]
            by_src, by_tgt = self.index.setdefault(etype, ({}, {}))
            for t in targets:
                if t.type.value != "TOPIC":
                    lst = by_src.setdefault(t.name, [])
                    if all(c is not cell for c in lst):  # identity: cells with equal values are different rules
                        lst.append(cell)
                if t.type.value != "CLIENT":
                    lst = by_tgt.setdefault(t.name, [])
                    if all(c is not cell for c in lst):
                        lst.append(cell)

    def run(self, events) -> int:
        index = self.index
        fires = 0
        for etype, source, target in events:
            idx = index.get(etype)
            if idx is None:
                continue
            a = idx[0].get(source)
            b = idx[1].get(target)
            matched = {id(c): c for c in a + b}.values() if a and b else (a or b or ())
            for cell in matched:
                cell[0] += 1
                if cell[0] >= cell[1]:
                    cell[0] = 0
                    noop()
                    fires += 1
        return fires


class EngineEvents:
    """The engine with the same rules, fed with ``publish()`` per event or ``publish_many()`` in batches."""

    def __init__(self, rules, database: str, batch: int | None) -> None:
        if os.path.exists(database):
            os.remove(database)
        self.engine = RulesEngine(database, now=Clock(T0), run_action=noop_action)
        for etype, targets, max_occ in rules:
            self.engine.add_rule(noop, [EventTrigger(etype, max_occ)], targets)
        self.batch = batch

    def run(self, events) -> int:
        fires = 0
        if self.batch is None:
            publish = self.engine.publish
            for etype, source, target in events:
                fires += len(publish(etype, source, target))
        else:
            publish_many, batch = self.engine.publish_many, self.batch
            for i in range(0, len(events), batch):
                fires += len(publish_many(events[i:i + batch]))
        return fires


def paired(rules, events, database: str, batch: int | None, rounds: int) -> tuple[float, float, int, int]:
    """Engine and baseline over the same events, interleaved: the events are cut into ``rounds``
    parts; each part goes through the baseline and the engine back to back (in alternating
    order), so both see the same machine conditions. Returns the summed times and fires."""
    base, eng = BaselineEvents(rules), EngineEvents(rules, database, batch)
    size = -(-len(events) // rounds)
    if batch is not None:  # whole batches per round, so a round never cuts the batch size down
        size = max(batch, -(-size // batch) * batch)
    base_s = eng_s = 0.0
    base_fires = eng_fires = 0
    gc.collect()
    for k, i in enumerate(range(0, len(events), size)):
        part = events[i:i + size]
        for runner in ((base, eng) if k % 2 == 0 else (eng, base)):
            t0 = time.perf_counter()
            fires = runner.run(part)
            elapsed = time.perf_counter() - t0
            if runner is base:
                base_s, base_fires = base_s + elapsed, base_fires + fires
            else:
                eng_s, eng_fires = eng_s + elapsed, eng_fires + fires
    eng.engine.close()
    return eng_s, base_s, eng_fires, base_fires


def bench_events(n_rules: int, n_events: int, tmpdir: str, rounds: int) -> tuple[list[float], list[float]]:
    """Returns (goal ratios, other ratios)."""
    rng = random.Random(7)
    rules = make_event_rules(n_rules, rng)
    events = make_events(n_events, rng)
    small = events[: max(1, n_events // 10)]
    print(f"\n2. EVENT: {n_events:,} events through {n_rules:,} EVENT rules "
          f"(engine and baseline interleaved in {rounds} rounds, best of {REPEAT})")
    goal, other = [], []

    def measure(name, rule_set, evs, database, batch, ratios, note=""):
        runs = [paired(rule_set, evs, database, batch, rounds) for _ in range(REPEAT)]
        eng_s, base_s, fires, base_fires = min(runs, key=lambda r: r[0] / r[1])
        assert fires == base_fires, (name, fires, base_fires)
        ratios.append(report(name, eng_s, base_s, f"  [{fires:,} fires; {eng_s / len(evs) * 1e6:.2f} us/event]{note}",
                             goal=ratios is goal))

    print("  the figure: publish_many(), the engine's way to take a stream of events")
    measure("publish_many(batch=10000), :memory: db", rules, events, ":memory:", 10_000, goal)
    measure("publish_many(batch=10000), file db", rules, events, os.path.join(tmpdir, "ev-batch.db"), 10_000, goal)
    print("  for comparison (not the figure): smaller transactions, one publish() call per event, counting alone")
    measure("publish_many(batch=1000), file db", rules, events, os.path.join(tmpdir, "ev-batch1k.db"), 1000, other,
            "  (a commit per 1,000 events)")
    measure("publish() per event, :memory: db", rules, events, ":memory:", None, other,
            "  (a Python call per event)")
    measure(f"publish() per event, file db ({len(small):,} events)", rules, small, os.path.join(tmpdir, "ev-each.db"),
            None, other, "  (a committed SQLite transaction per call)")
    # The same events when no rule reaches its maximum: the cost of counting alone.
    quiet = [(etype, targets, 10**9) for etype, targets, _ in rules]
    measure("counting only (no fires), batch=10000, :memory:", quiet, events, ":memory:", 10_000, other)
    return goal, other


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1,000 cron rules and 100,000 events")
    ap.add_argument("--rules", type=int, default=None, help="number of TIME_INTERVAL rules (default 10,000)")
    ap.add_argument("--events", type=int, default=None, help="number of events (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best is kept (default 2)")
    ap.add_argument("--rounds", type=int, default=20, help="EVENT: parts the events are cut into, interleaving engine "
                    "and baseline (default 20)")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    n_rules = args.rules or (1000 if args.quick else 10_000)
    n_events = args.events or (100_000 if args.quick else 1_000_000)
    print(f"rules engine benchmark (python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}); "
          f"ratio = engine / baseline, best of {REPEAT} runs each")
    with tempfile.TemporaryDirectory() as tmpdir:
        cron = bench_cron(n_rules, tmpdir)
        ev, _ = bench_events(1000, n_events, tmpdir, max(1, args.rounds))
    print(f"\nworst ratio: TIME_INTERVAL {max(cron):.2f}x, EVENT {max(ev):.2f}x (goal: <= 2x)")


if __name__ == "__main__":
    main()
