"""examples/demo.py, the README's first command: it runs and shows each part of the workflow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def test_the_demo_steps_runs_an_action_exports_and_checks():
    result = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in (
        "== First step of the connector",
        "== Intake events (sim.events)",
        "== Playbook runs (sim.runs)",
        "== The connector's cursor survives a restart",
        "== An action: run once",
        "== Export: the three components become a module directory",
    ):
        assert heading in out
    assert "results: {'email': 'bob@acme.test', 'department': 'it', 'mfa': False}" in out
    assert "   acme_modules/action_lookup_user.py\n" in out
    assert "   tests/test_action_lookup_user.py\n" in out
    assert "   poetry.lock: missing; run `cd <tmp>/Acme && poetry lock`\n" in out
    assert "0 duplicated" in out
