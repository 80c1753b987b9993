"""``pytest --kit-sdk``: a module's own test suite runs on kit, unchanged."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_flavour import make_module

# a module's own test, written for the real SDK as the repository's tests are
MODULE_TEST = textwrap.dedent('''\
    from unittest.mock import patch

    import pytest
    import sekoia_automation.connector
    from sekoia_automation.module import Module

    from edgewatch.connector_edge import EdgeConfiguration, EdgeConnector


    @pytest.fixture
    def connector(tmp_path):
        module = Module()
        connector = EdgeConnector(module=module, data_path=tmp_path)
        connector.configuration = {"intake_key": "k", "frequency": 0}
        return connector


    def test_served_by_kit():
        assert sekoia_automation.connector.__name__ == "kit.v1.connector"
        # pydantic 1 semantics: an Optional field without default is optional
        assert EdgeConfiguration(intake_key="k").tags is None


    def test_one_turn(connector):
        with patch.object(connector, "push_events_to_intakes") as push, patch("time.sleep") as sleep:
            sleep.side_effect = lambda seconds: connector._stop_event.set()
            connector.run()
        push.assert_called_once_with(["site=None tags=None"])
''')


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=root, capture_output=True, text=True, check=False, timeout=300,
    )


def test_a_module_s_tests_run_on_kit_with_its_pinned_flavour(tmp_path: Path) -> None:
    root = make_module(tmp_path / "Edgewatch")
    (root / "tests" / "test_connector_edge.py").write_text(MODULE_TEST)
    result = _run(root, "--kit-sdk")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"kit: sekoia_automation served by kit ({root / 'poetry.lock'} pins sekoia-automation-sdk 1.13.0)" in (
        result.stdout
    )
    assert "2 passed" in result.stdout


def test_what_kit_does_not_implement_is_named(tmp_path: Path) -> None:
    root = make_module(tmp_path / "Edgewatch")
    (root / "tests" / "test_assets.py").write_text(
        "from sekoia_automation.typing import SupportedAuthentications\n\n\ndef test_x():\n    pass\n"
    )
    result = _run(root, "--kit-sdk", "-q", "tests/test_assets.py")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "E   ModuleNotFoundError: import of sekoia_automation.typing: sekoia_automation.typing is not implemented by "
        "kit (kit implements account_validator, action, aio, asset_connector, checkpoint, config, connector, "
        "constants, exceptions, helpers, http, loguru, metrics, module, storage, timer, trigger, utils of "
        "sekoia_automation) (the SDK is served by kit: pytest --kit-sdk)"
    ) in result.stdout


def test_without_the_option_nothing_is_served(tmp_path: Path) -> None:
    root = make_module(tmp_path / "Edgewatch")
    (root / "tests" / "test_real.py").write_text(
        "import sekoia_automation\n\n\ndef test_real():\n    assert 'kit' not in repr(sekoia_automation)\n"
    )
    result = _run(root, "-q", "tests/test_real.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "served by kit" not in result.stdout
