"""kit.checkpoint: the real SDK's checkpoints, on the component's virtual clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import kit
from kit.checkpoint import CheckpointCursor, CheckpointDatetime, CheckpointTimestamp, TimeUnit


def test_datetime_checkpoint_defaults_to_virtual_now_minus_start_at(platform):
    offsets = []

    class Uses(kit.Connector):
        def run(self):
            checkpoint = CheckpointDatetime(self.data_path, start_at=timedelta(minutes=5))
            offsets.append(checkpoint.offset)
            checkpoint.offset = datetime(2024, 1, 1, 0, 3, tzinfo=UTC)
            checkpoint.offset = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)  # older: ignored
            time.sleep(60)

    sim = platform.load(Uses, configuration={"intake_key": "k"})
    sim.step()
    assert offsets == [datetime(2023, 12, 31, 23, 55, tzinfo=UTC)]
    assert dict(sim.storage) == {"context.json": {"most_recent_date_seen": "2024-01-01T00:03:00+00:00"}}


def test_datetime_checkpoint_clamps_to_ignore_older_than(tmp_path):
    (tmp_path / "context.json").write_text('{"most_recent_date_seen": "2000-01-01T00:00:00+00:00"}')
    checkpoint = CheckpointDatetime(tmp_path, ignore_older_than=timedelta(days=1))
    assert checkpoint.offset > datetime.now(UTC) - timedelta(days=1, minutes=1)


def test_timestamp_checkpoint_units(tmp_path):
    checkpoint = CheckpointTimestamp(tmp_path, TimeUnit.MILLISECOND, ignore_older_than=None, subkey="a")
    checkpoint.offset = 1_700_000_000_000
    again = CheckpointTimestamp(tmp_path, TimeUnit.MILLISECOND, ignore_older_than=None, subkey="a")
    assert again.offset == 1_700_000_000_000
    # NANOSECOND multiplies by 1,000,000 (really microseconds), as the real SDK does
    nano = CheckpointTimestamp(tmp_path / "n", TimeUnit.NANOSECOND)
    assert nano.to_datetime(1_000_000) == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_cursor_checkpoint(tmp_path):
    cursor = CheckpointCursor(tmp_path)
    assert cursor.offset is None
    cursor.offset = "page-2"
    assert CheckpointCursor(tmp_path).offset == "page-2"
    sub = CheckpointCursor(tmp_path, subkey="tenant")
    sub.offset = 5
    assert (tmp_path / "context.json").read_text() == '{"cursor":"page-2","tenant":{"cursor":5}}'
