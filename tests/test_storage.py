"""kit.storage: PersistentJSON (atomic), write, temp_directory, per-component DATA_STORAGE."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import kit
from kit import constants
from kit.storage import PersistentJSON, get_data_path, temp_directory, write


def test_persistent_json_round_trip(tmp_path):
    with PersistentJSON("context.json", tmp_path) as context:
        context["cursor"] = "abc"
    assert (tmp_path / "context.json").read_text() == '{"cursor":"abc"}'
    with PersistentJSON("context.json", tmp_path) as context:
        assert context == {"cursor": "abc"}


def test_persistent_json_dumps_even_when_the_block_raises(tmp_path):
    with pytest.raises(RuntimeError):
        with PersistentJSON("context.json", tmp_path) as context:
            context["a"] = 1
            raise RuntimeError("boom")
    assert (tmp_path / "context.json").read_text() == '{"a":1}'


def test_persistent_json_invalid_file_gives_empty_dict(tmp_path):
    (tmp_path / "context.json").write_text("{not json")
    with PersistentJSON("context.json", tmp_path) as context:
        assert context == {}


def test_a_crash_during_a_write_keeps_the_previous_content(tmp_path, monkeypatch):
    with PersistentJSON("context.json", tmp_path) as context:
        context["cursor"] = "old"

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        with PersistentJSON("context.json", tmp_path) as context:
            context["cursor"] = "new"
    monkeypatch.undo()
    assert (tmp_path / "context.json").read_text() == '{"cursor":"old"}'
    assert [p.name for p in tmp_path.iterdir()] == ["context.json"]  # no temp file left behind


def test_write_and_temp_directory(tmp_path):
    relative = write("test.txt", "hello", data_path=tmp_path)
    assert relative.name == "test.txt" and len(relative.parts) == 2
    assert (tmp_path / relative).read_text() == "hello"
    flat = write("data.json", {"a": 1}, temp_dir=False, data_path=tmp_path)
    assert flat == Path("data.json")
    assert (tmp_path / "data.json").read_bytes() == b'{"a":1}'
    name = temp_directory(tmp_path)
    assert (tmp_path / name).is_dir()


def test_data_storage_is_the_components_folder_when_hosted(platform):
    seen = []

    class Where(kit.Trigger):
        def run(self):
            seen.append((constants.DATA_STORAGE, get_data_path()))
            with PersistentJSON("state.json") as state:  # no data_path: DATA_STORAGE
                state["x"] = 1
            time.sleep(1)

    sim = platform.load(Where)
    sim.step()
    assert seen == [(str(sim.data_path), sim.data_path)]
    assert dict(sim.storage) == {"state.json": {"x": 1}}
    assert constants.DATA_STORAGE == "/symphony_data"  # other threads: the real default


def test_data_storage_can_be_monkeypatched(monkeypatch, tmp_path):
    monkeypatch.setattr(constants, "DATA_STORAGE", str(tmp_path))
    assert get_data_path() == tmp_path


def test_assigning_data_storage_never_hides_a_hosted_components_folder(platform, tmp_path):
    original = constants.DATA_STORAGE
    constants.DATA_STORAGE = str(tmp_path)  # what a module's conftest does
    try:
        assert constants.DATA_STORAGE == str(tmp_path)
        seen = []

        class Where(kit.Trigger):
            def run(self):
                seen.append(constants.DATA_STORAGE)
                time.sleep(1)

        sim = platform.load(Where)
        sim.step()
        assert seen == [str(sim.data_path)]
    finally:
        constants.DATA_STORAGE = original
    assert constants.DATA_STORAGE == "/symphony_data"


def _kill_trials(trials, tmp_path):
    import json
    import subprocess
    import sys

    script = Path(__file__).with_name("kill_writer_trials.py")
    done = subprocess.run(
        [sys.executable, str(script), str(trials), str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_writers_killed_mid_write_leave_no_temp_file_after_the_next_open(tmp_path):
    summary = _kill_trials(200, tmp_path)
    assert summary["failures"] == []
    assert summary["temp_files_left_by_kills"] > 20  # the kills did land mid-write
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["context.json"]


@pytest.mark.slow
def test_a_thousand_kill_9_trials_leave_no_temp_file(tmp_path):
    summary = _kill_trials(1000, tmp_path)
    assert summary["failures"] == []
    assert summary["temp_files_left_by_kills"] > 100


def test_a_temp_file_of_a_running_writer_is_kept(tmp_path):
    # a write under way in another live process (here: this one's parent) is not disturbed
    target = tmp_path / "context.json"
    target.write_text("{}")
    busy = tmp_path / f".context.json.kit-tmp-{os.getppid()}-abc"
    stale = tmp_path / ".context.json.kit-tmp-999999999-abc"
    busy.write_text("partial")
    stale.write_text("partial")
    with PersistentJSON("context.json", tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [busy.name, "context.json"]
