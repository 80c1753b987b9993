"""The exported module in a fresh virtual environment with the real sekoia-automation-sdk.

Installs the module's dependencies and dev dependencies (from its pyproject.toml) from PyPI, and
not kit, then: imports the components on the real SDK, runs the SDK's own
``sekoia-automation generate-files-from-code`` on a copy and compares its manifests with
kit's, and runs the module's generated tests. Runs in CI (marker ``venv``); a few minutes.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.export.conftest import export_sample

def _run(cmd: list[str], cwd: Path, timeout: int = 420) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def _requirements(pyproject: Path) -> list[str]:
    data = tomllib.loads(pyproject.read_text())
    poetry = data["tool"]["poetry"]
    out = []
    for group in (poetry["dependencies"], poetry["group"]["dev"]["dependencies"]):
        for name, spec in group.items():
            if name == "python":
                continue
            if spec.startswith("^"):  # Poetry's caret: >= that version, < the next major
                spec = f">={spec[1:]},<{int(spec[1:].split('.')[0]) + 1}"
            out.append(name if spec == "*" else f"{name}{spec}")
    return out


@pytest.mark.venv
def test_exported_module_runs_on_the_real_sdk_in_a_fresh_venv(tmp_path: Path) -> None:
    module_dir = tmp_path / "Acme"
    export_sample(module_dir)
    # Poetry resolves the module as written (the repository's CI starts with `poetry install`)
    poetry = shutil.which("poetry")
    assert poetry, "poetry is a test dependency (pip install -e '.[test]')"
    _run([poetry, "lock"], module_dir)
    _run([poetry, "check", "--lock"], module_dir)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    requirements = _requirements(module_dir / "pyproject.toml")
    assert "sekoia-automation-sdk>=1.23,<2" in requirements
    uv = shutil.which("uv")
    if uv:
        _run([uv, "pip", "install", "--python", str(python), *requirements], tmp_path)
    else:
        _run([str(python), "-m", "pip", "install", "-q", *requirements], tmp_path)
    missing = subprocess.run([str(python), "-c", "import kit"], capture_output=True, text=True, cwd=tmp_path)
    assert "No module named 'kit'" in missing.stderr, "kit must not be installed where the module's tests run"

    # the package imports on the real SDK, without kit
    _run(
        [
            str(python),
            "-c",
            "import sys; sys.modules['kit'] = None\n"
            "from sekoia_automation.trigger import Trigger\n"
            "from sekoia_automation.action import Action\n"
            "from acme_alerts_modules.trigger_alert import AlertTrigger\n"
            "from acme_alerts_modules.action_lookup_ip import LookupIP\n"
            "import main\n"
            "assert issubclass(AlertTrigger, Trigger) and issubclass(LookupIP, Action)\n",
        ],
        module_dir,
    )

    # the SDK's own generator agrees with kit's manifests
    copy = tmp_path / "sdk-generated"
    shutil.copytree(module_dir, copy)
    _run([str(venv / "bin" / "sekoia-automation"), "generate-files-from-code", str(copy)], tmp_path)
    for name in ("trigger_fetch_alerts.json", "connector_auditconnector.json", "action_lookup_ip.json"):
        ours = json.loads((module_dir / name).read_text())
        theirs = json.loads((copy / name).read_text())
        ours.pop("outputs", None)  # kit adds declared output branches; the SDK's generator does not
        assert ours == theirs, name
        assert list(ours) == list(theirs), name
    assert json.loads((copy / "manifest.json").read_text()) == json.loads((module_dir / "manifest.json").read_text())

    # the generated tests pass there, with no kit installed
    proc = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], module_dir)
    assert "3 passed" in proc.stdout, proc.stdout
