"""Kill ``PersistentJSON`` writers with SIGKILL mid-write, then open the file: no temp file may be left.

Run as a script for a long campaign: ``PYTHONPATH=. python tests/kill_writer_trials.py 1000 DIR``.
Each trial forks a writer that rewrites ``context.json`` (about 1 MB) in a loop, kills it after a
random delay, then opens the file as the next run of the component would and checks it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path


def _writer(folder: Path, ready: int) -> None:  # in the forked child
    from kit.storage import PersistentJSON

    os.write(ready, b"x")
    n = 0
    while True:
        n += 1
        with PersistentJSON("context.json", folder) as context:
            context.clear()
            context.update({"n": n, "payload": ["x" * 1000] * 1000})


def run_trials(trials: int, folder: Path, seed: int = 0) -> dict:
    """Run ``trials`` kills; return counts and the failures found after each next open."""
    from kit.storage import PersistentJSON

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with PersistentJSON("context.json", folder) as context:
        context.update({"n": 0, "payload": []})
    left_by_kills = 0
    failures: list[str] = []
    for trial in range(trials):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_end)
                _writer(folder, write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        os.read(read_end, 1)
        os.close(read_end)
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        left_by_kills += sum(1 for name in os.listdir(folder) if name != "context.json")
        with PersistentJSON("context.json", folder) as context:  # the next open
            if not isinstance(context.get("n"), int) or set(context) != {"n", "payload"}:
                failures.append(f"trial {trial}: content {str(context)[:80]}")
        leftovers = sorted(name for name in os.listdir(folder) if name != "context.json")
        if leftovers:
            failures.append(f"trial {trial}: left {leftovers}")
    return {"trials": trials, "temp_files_left_by_kills": left_by_kills, "failures": failures}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("kill-trials")
    print(json.dumps(run_trials(count, target)))
