"""Code written for the real sekoia_automation SDK runs on kit unchanged, and behaves the same.

The real SDK (`sekoia-automation-sdk`, a test dependency) is installed in the same environment: kit's
loader must not disturb it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import patch

import pytest

import kit

sdk = pytest.importorskip("sekoia_automation.module", reason="the real sekoia-automation-sdk is a test dependency")
requests_mock = pytest.importorskip("requests_mock")

COMPONENTS = Path(__file__).parent / "data" / "real_sdk" / "components.py"


def _real(name):
    """Import a component with the real SDK (a plain import, as its authors do)."""
    sys.path.insert(0, str(COMPONENTS.parent))
    try:
        import components  # noqa: PLC0415

        return getattr(components, name)
    finally:
        sys.path.remove(str(COMPONENTS.parent))


def test_loaded_code_runs_on_kit_and_the_real_sdk_is_untouched():
    cls = kit.load_component(f"{COMPONENTS}:AlertTrigger")
    assert issubclass(cls, kit.Trigger)
    import sekoia_automation.trigger as real_trigger

    assert "site-packages" in real_trigger.__file__
    assert not issubclass(cls, real_trigger.Trigger)
    assert sys.modules["sekoia_automation.trigger"] is real_trigger
    assert not any(name.startswith("sekoia_automation") and "kit" in getattr(mod, "__file__", "") or ""
                   for name, mod in sys.modules.items() if mod is not None and name.startswith("sekoia_automation"))


def test_action_results_match_the_real_sdk(tmp_path, platform):
    real_cls = _real("LookupAction")
    module = sdk.Module()
    module._manifest = {}
    module._configuration = {}
    action = real_cls(module=module, data_path=tmp_path)
    action._arguments = {"ip": "10.20.30.40", "tags": ["a"]}
    with requests_mock.Mocker() as mock, patch.object(sdk.Module, "load_config", return_value="http://callback"):
        mock.patch("http://callback", json={})
        action.execute()
        finished = mock.request_history[-1].json()
    kit_cls = kit.load_component(f"{COMPONENTS}:LookupAction")
    record = platform.run_action(kit_cls, {"ip": "10.20.30.40", "tags": ["a"]})
    assert finished["results"] == {"ip": "10.20.30.40", "score": 0, "tags": ["a"]}
    assert record.results == finished["results"]
    assert record.outputs == finished["outputs"] == {"safe": True}
    assert finished["status"] == "finished" and record.error is None


def test_intake_events_match_the_real_sdk_serialisation(tmp_path, platform):
    real_cls = _real("CountingConnector")
    module = sdk.Module()
    module._manifest = {}
    module._configuration = {}
    connector = real_cls(module=module, data_path=tmp_path)
    connector.configuration = {"intake_key": "k", "intake_server": "https://intake.test"}
    connector.log = lambda *a, **k: None
    with requests_mock.Mocker() as mock:
        mock.post("https://intake.test/batch", json={"event_ids": ["1", "2", "3"]})
        connector.push_events_to_intakes(
            [{"n": 1, "text": "héllo"}, "line 1", _real("Event")(name="e", value=1)]
        )
        real_jsons = mock.request_history[0].json()["jsons"]
    kit_cls = kit.load_component(f"{COMPONENTS}:CountingConnector")
    sim = platform.load(kit_cls, configuration={"intake_key": "k"})
    assert sim.step().events == real_jsons


def test_trigger_event_body_matches_the_real_sdk(tmp_path, platform):
    real_cls = _real("AlertTrigger")
    module = sdk.Module()
    module._manifest = {}
    module._configuration = {}
    with patch("signal.signal"):
        trigger = real_cls(module=module, data_path=tmp_path)
    with requests_mock.Mocker() as mock, patch.object(sdk.Module, "load_config", return_value="http://callback"):
        mock.post("http://callback", json={})
        trigger.send_event("alert", {"id": 1})
        real_body = mock.request_history[0].json()
    kit_cls = kit.load_component(f"{COMPONENTS}:AlertTrigger")
    (run,) = platform.load(kit_cls).step().runs
    kit_body = run.to_dict()
    assert set(kit_body) == set(real_body) == {"name", "event", "request_id"}
    assert (kit_body["name"], kit_body["event"]) == (real_body["name"], real_body["event"])


def test_connector_written_for_the_real_sdk_steps_with_its_storage(platform):
    cls = kit.load_component(f"{COMPONENTS}:CountingConnector")
    sim = platform.load(cls, configuration={"intake_key": "k", "frequency": 30})
    sim.step(3)
    assert dict(sim.storage) == {"context.json": {"n": 3}}
    assert sim.events["step"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
