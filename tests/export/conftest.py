"""Shared helpers of the export tests."""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
MODULE_UUID = "7cf9ccf6-e20a-4e53-bd77-3c19cdc94154"
EXPORT_OPTIONS = dict(
    name="Acme Alerts",
    description="Alerts from Acme",
    uuid=MODULE_UUID,
    date="2024-05-01",

    lock=False,
)


def export_sample(to: Path, **options):
    """Export the sample module (tests/export/sample_components.py) to ``to``."""
    import kit
    from tests.export.sample_components import AcmeModule, AlertTrigger, AuditConnector, LookupIP

    return kit.export(AlertTrigger, AuditConnector, LookupIP, to=to, module=AcmeModule, **{**EXPORT_OPTIONS, **options})


def run_generated_tests(target: Path, tmp_path: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    """Run the module's tests as its repository's CI does: pytest in the module directory, on the real
    SDK, with kit unimportable (a stand-in ``kit`` package that raises on import is first on the path)."""
    import os
    import subprocess
    import sys

    blocker = tmp_path / "no-kit"
    (blocker / "kit").mkdir(parents=True, exist_ok=True)
    (blocker / "kit" / "__init__.py").write_text(
        'raise ImportError("a generated test imported kit: the module repository has no kit")\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(blocker)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:kit", *args, "tests"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def tree(root: Path) -> dict[str, bytes]:
    """``{relative path: bytes}`` of every file under ``root``."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """A fresh export of the sample module (round trip checked)."""
    target = tmp_path / "Acme"
    export_sample(target)
    return target

# tests/export/sdk_module/ holds module directories written for the real SDK (test data): their own
# tests/ are not tests of this repository
collect_ignore = ["sdk_module"]
