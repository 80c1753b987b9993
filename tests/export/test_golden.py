"""Golden files: every file the export of the sample module writes.

Regenerate after an intended change with ``KIT_UPDATE_GOLDEN=1 pytest tests/export/test_golden.py``
and review the diff of tests/golden/.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from tests.export.conftest import GOLDEN, export_sample, tree

SAMPLE = GOLDEN / "acme_module"


def test_export_matches_the_golden_files(tmp_path: Path) -> None:
    target = tmp_path / "Acme"
    export_sample(target)
    written = tree(target)
    if os.environ.get("KIT_UPDATE_GOLDEN"):
        import shutil

        shutil.rmtree(SAMPLE, ignore_errors=True)
        for relpath, data in written.items():
            (SAMPLE / relpath).parent.mkdir(parents=True, exist_ok=True)
            (SAMPLE / relpath).write_bytes(data)
    golden = tree(SAMPLE)
    assert sorted(written) == sorted(golden), "the export writes a different set of files than tests/golden/"
    problems = []
    for relpath in sorted(golden):
        if written[relpath] != golden[relpath]:
            diff = difflib.unified_diff(
                golden[relpath].decode().splitlines(keepends=True),
                written[relpath].decode().splitlines(keepends=True),
                fromfile=f"golden/{relpath}",
                tofile=f"export/{relpath}",
            )
            problems.append("".join(diff))
    assert not problems, "export output drifted from tests/golden (KIT_UPDATE_GOLDEN=1 to accept):\n" + "\n".join(problems)


def test_golden_manifests_use_the_sdk_layout() -> None:
    import json

    trigger = json.loads((SAMPLE / "trigger_fetch_alerts.json").read_text())
    connector = json.loads((SAMPLE / "connector_auditconnector.json").read_text())
    action = json.loads((SAMPLE / "action_lookup_ip.json").read_text())
    assert list(trigger) == ["name", "description", "uuid", "docker_parameters", "arguments", "results"]
    assert list(connector) == ["name", "description", "uuid", "docker_parameters", "arguments"]
    assert list(action) == ["name", "description", "uuid", "docker_parameters", "arguments", "results", "outputs"]
    # uuid5(module uuid, display name), as the SDK's generator
    import uuid

    module_uuid = uuid.UUID("7cf9ccf6-e20a-4e53-bd77-3c19cdc94154")
    assert trigger["uuid"] == str(uuid.uuid5(module_uuid, "Fetch Alerts"))
    assert connector["uuid"] == str(uuid.uuid5(module_uuid, "AuditConnector"))
    # no trailing newline, indent=2, as json.dumps(indent=2)
    text = (SAMPLE / "trigger_fetch_alerts.json").read_text()
    assert text == json.dumps(trigger, indent=2)
    manifest = json.loads((SAMPLE / "manifest.json").read_text())
    assert list(manifest) == ["uuid", "name", "slug", "description", "version", "categories", "configuration"]
    assert manifest["configuration"]["secrets"] == ["api_key"]
    assert "secret" not in manifest["configuration"]["properties"]["api_key"]


def test_exported_code_copies_only_what_components_use() -> None:
    code = "".join((SAMPLE / p).read_text() for p in sorted(tree(SAMPLE)) if p.endswith(".py"))
    assert "unused_helper" not in code
    assert "UNUSED_CONSTANT" not in code
    assert "import kit" not in code.replace("import kit\n\nMODULE_DIR", "")  # only the generated tests use kit
    assert "from kit" not in code
    assert "from sekoia_automation.trigger import Trigger" in code
