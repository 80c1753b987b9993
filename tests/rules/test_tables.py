"""DataFrames with tz-aware UTC time columns; importing the engine does not import pandas."""

from __future__ import annotations

import os
import subprocess
import sys

from kit._rules import EventTrigger, Target, TimeIntervalTrigger

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_tables(engine, clock):
    import pandas as pd

    r = engine.add_rule("KEY_ROTATION", [TimeIntervalTrigger("*/5 * * * 1-5 *"), EventTrigger("CLIENT_SUBSCRIBED", 10)],
                        [Target.client("alice"), Target.any("x")], description="seed")
    engine.run_due()
    for _ in range(5):
        engine.publish("CLIENT_SUBSCRIBED", "alice", "news")
    rules = engine.rules_table()
    assert list(rules.columns) == ["rule_id", "description", "action", "last_executed", "next_due", "triggers", "targets"]
    row = rules.iloc[0]
    assert row["triggers"] == (f"#{r.triggers[0].id} TIME_INTERVAL '*/5 * * * 1-5 *'; "
                               f"#{r.triggers[1].id} EVENT CLIENT_SUBSCRIBED 5/10")
    assert row["targets"] == "CLIENT:alice, ANY:x"
    assert row["next_due"] == pd.Timestamp("2024-06-07T12:05:00Z")
    assert str(rules["last_executed"].dtype) == "datetime64[ns, UTC]"

    fires = engine.fires_table()
    assert list(fires.columns) == ["rule_id", "trigger_id", "trigger_type", "time", "reason", "result", "error",
                                   "event_type", "event_source", "event_target"]
    assert str(fires["time"].dtype) == "datetime64[ns, UTC]"
    assert fires.loc[0, "trigger_type"] == "TIME_INTERVAL"
    assert fires.loc[0, "error"].startswith("UnsupportedTargetType: cannot rotate the key of ANY target 'x'")

    keys = engine.keys_table()
    assert list(keys.columns) == ["time", "target_type", "name", "fingerprint", "rule_id", "trigger_id"]
    assert keys["name"].tolist() == ["alice"]
    assert str(keys["time"].dtype) == "datetime64[ns, UTC]"


def test_empty_tables_have_their_columns(engine):
    assert engine.rules_table().empty and len(engine.rules_table().columns) == 7
    assert str(engine.fires_table()["time"].dtype) == "datetime64[ns, UTC]"
    assert str(engine.keys_table()["time"].dtype) == "datetime64[ns, UTC]"


def test_importing_the_rules_engine_does_not_import_pandas():
    code = ("import sys; import kit; before = 'pandas' in sys.modules; import kit._rules; "
            "print(before, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": ROOT})
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.split()
    assert after == "False" or before == "True"  # kit._rules itself adds no pandas import
