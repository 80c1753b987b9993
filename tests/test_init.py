"""kit/__init__.py: one public surface, light to import."""

from __future__ import annotations

import subprocess
import sys

import kit


def heavy_modules_loaded_by(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = (
        f"{code}\nimport sys\n"
        "print(','.join(m for m in ('pandas', 'IPython', 'ipywidgets', 'jsonschema', 'responses', 'requests', 'numpy', "
        "'altair', 'vl_convert') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return out.split(",") if out else []


def test_import_kit_loads_no_heavy_module():
    assert heavy_modules_loaded_by("import kit") == []


def test_sdk_names_keep_their_light_cost():
    code = (
        "from kit import Trigger, Connector, Action, Module, DefaultConnectorConfiguration\n"
        "from kit import storage, constants, checkpoint, exceptions\n"
    )
    assert [m for m in heavy_modules_loaded_by(code) if m not in ("requests", "numpy")] == []


def test_public_names_resolve():
    for name in kit.__all__:
        assert getattr(kit, name) is not None, name
    assert set(kit.__all__) <= set(dir(kit))


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="^module 'kit' has no attribute 'Nope'$"):
        kit.Nope  # noqa: B018


def test_rules_namespace_is_public_and_light():
    code = (
        "from kit.rules import EventTrigger, Fires, RulesEngine, Target, TimeIntervalTrigger\n"
        "import kit\n"
        "assert kit.rules.RulesEngine is RulesEngine\n"
    )
    assert [m for m in heavy_modules_loaded_by(code) if m not in ("requests", "numpy")] == []
