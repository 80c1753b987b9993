"""kit/__init__.py: one public surface, light to import."""

from __future__ import annotations

import subprocess
import sys

import kit


def test_import_kit_loads_no_heavy_module():
    code = (
        "import sys, kit\n"
        "heavy = [m for m in ('pandas', 'IPython', 'ipywidgets', 'jsonschema', 'responses', 'requests', 'numpy') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_sdk_names_keep_their_light_cost():
    code = (
        "import sys\n"
        "from kit import Trigger, Connector, Action, Module, DefaultConnectorConfiguration\n"
        "from kit import storage, constants, checkpoint, exceptions\n"
        "print(','.join(m for m in ('pandas', 'IPython', 'ipywidgets', 'jsonschema', 'responses') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


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
        "import sys\n"
        "from kit.rules import EventTrigger, Fires, RulesEngine, Target, TimeIntervalTrigger\n"
        "import kit\n"
        "assert kit.rules.RulesEngine is RulesEngine\n"
        "print(','.join(m for m in ('pandas', 'IPython', 'ipywidgets') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
