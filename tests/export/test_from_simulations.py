"""kit.export(..., simulations=[...]): generated tests replay what the simulation saw."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_exported_tests_replay_the_recorded_http_answers(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from acme import fake_api
    from acme.connector import AcmeAuditConnector
    from acme.models import AcmeModule
    from acme.trigger import SuspiciousLoginTrigger

    secret = "acme-secret-key-42"
    module_configuration = {"base_url": "https://api.acme.test", "api_key": secret}
    with kit.FakePlatform(start="2024-01-01T06:00:00Z") as platform:
        fake_api.register(platform.http)
        connector = platform.load(AcmeAuditConnector, {"intake_key": "intake-1", "frequency": 60},
                                  module_configuration, module=AcmeModule)
        trigger = platform.load(SuspiciousLoginTrigger, {"frequency": 300}, module_configuration, module=AcmeModule)
        platform.advance(minutes=5)
        target = tmp_path / "Acme"
        kit.export(AcmeAuditConnector, SuspiciousLoginTrigger, to=target, module=AcmeModule, name="Acme",
                   categories=["Applicative"], simulations=[connector, trigger])
    tests = sorted((target / "tests").glob("test_*.py"))
    text = "\n".join(path.read_text() for path in tests)
    assert secret not in text and "'api_key': 'REDACTED'" in text
    assert "http.add(method='GET', url='https://api.acme.test/api/v1/audit', status=200, json=" in text
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target / "tests")],
                            capture_output=True, text=True, cwd=target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
