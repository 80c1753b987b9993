"""kit._loader: code written for sekoia_automation loads on kit, from files, packages and module directories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import kit
from kit.exceptions import ModuleConfigurationError, TriggerConfigurationError
from kit._loader import ComponentLoadError, load_component, load_module_directory

DATA = Path(__file__).parent / "data"
ACME = DATA / "modules" / "Acme"


def test_module_directory_loads_with_its_registrations_and_module_class():
    directory = load_module_directory(ACME)
    assert directory.names() == ["alerts_trigger"]
    trigger = directory.component("alerts_trigger")
    assert issubclass(trigger, kit.Trigger)
    assert directory.component("AlertsTrigger") is trigger
    assert directory.module_class.__name__ == "AcmeModule"
    assert directory.manifest_for("alerts_trigger")["name"] == "Alerts"
    assert not any(name.split(".")[0] == "acme_modules" for name in sys.modules)  # private names only


def test_module_directory_simulation(platform):
    directory = load_module_directory(ACME)
    platform.http.get("https://api.acme.test/alerts", json={"items": [{"id": 7}]})
    sim = directory.simulate(platform, "alerts_trigger", {"frequency": 10}, {"api_key": "acme-key-1"})
    report = sim.step()
    assert [dict(r.event)["id"] for r in report.runs] == [7]
    assert report.runs[0].event["seen"] == "2024-01-01T00:00:00+00:00"  # datetime.now() on the virtual clock
    assert dict(report.storage_after)["context.json"] == {"last": "2024-01-01T00:00:00+00:00"}


def test_configuration_is_checked_against_the_manifest_schema(platform):
    directory = load_module_directory(ACME)
    # the errors platform.load raises for the same mistakes in the code's models
    with pytest.raises(TriggerConfigurationError) as error:
        directory.simulate(platform, "alerts_trigger", {"frequency": 0}, {"api_key": "k"})
    assert str(error.value) == (
        "TriggerConfigurationError: arguments of alerts_trigger (Acme) does not match the manifest schema (1 error):\n"
        "  - frequency: 0 is less than the minimum of 1\n"
        "Fix these fields in the configuration you pass."
    )
    with pytest.raises(ModuleConfigurationError) as error:
        directory.simulate(platform, "alerts_trigger", {"frequency": 5}, {"base_url": "x"})
    assert str(error.value) == (
        "ModuleConfigurationError: module configuration of Acme does not match the manifest schema (1 error):\n"
        "  - api_key: required field is missing\n"
        "Fix these fields in the module configuration you pass."
    )
    with pytest.raises(ModuleConfigurationError) as error:
        directory.simulate(platform, "alerts_trigger", {"frequency": 5})
    assert str(error.value) == (
        "ModuleConfigurationError: module configuration of Acme does not match the manifest schema (1 error):\n"
        "  - api_key: required field is missing\n"
        "Pass it as module_configuration={...} (simulate's fourth argument, run_action's third)."
    )


def test_unknown_docker_parameters():
    directory = load_module_directory(ACME)
    with pytest.raises(ComponentLoadError) as error:
        directory.component("nope")
    assert str(error.value) == "Acme: no component is registered under 'nope' in main.py; registered: alerts_trigger"


def test_directory_without_main_or_manifest(tmp_path):
    with pytest.raises(ComponentLoadError) as error:
        load_module_directory(tmp_path)
    assert str(error.value) == f"{tmp_path} is not a module directory: it has no manifest.json"
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ComponentLoadError) as error:
        load_module_directory(tmp_path)
    assert str(error.value) == (
        f"{tmp_path} has no main.py: a module directory registers its components in main.py "
        '(module.register(Class, "docker_parameters")); create it, or `kit generate-files` it'
    )


def test_file_target_and_missing_class():
    cls = load_component(f"{DATA / 'real_sdk' / 'components.py'}:AlertTrigger")
    assert issubclass(cls, kit.Trigger)
    with pytest.raises(ComponentLoadError) as error:
        load_component(f"{DATA / 'real_sdk' / 'components.py'}:Nope")
    assert str(error.value) == (
        f"{DATA / 'real_sdk' / 'components.py'} has no class 'Nope'; the components defined there are: "
        "AlertTrigger, CountingConnector, LookupAction"
    )


def test_unknown_targets_say_what_was_looked_for():
    with pytest.raises(ComponentLoadError) as error:
        load_component("no/such/file.py:Cls")
    assert str(error.value) == f"no such file: no/such/file.py (looked for it from {Path.cwd()})"
    with pytest.raises(ComponentLoadError) as error:
        load_component("no_such_package.module:Cls")
    assert str(error.value) == (
        "cannot import 'no_such_package.module': no such module on sys.path (looked for no_such_package.module:Cls)"
    )
    with pytest.raises(ComponentLoadError) as error:
        load_component("justaname")
    assert str(error.value) == (
        f"cannot find 'justaname': it is not a directory or a .py file (looked in {Path.cwd()}), and a "
        "'package.module:Class' target needs its ':Class'"
    )


def test_dotted_target_for_real_sdk_code(monkeypatch):
    monkeypatch.syspath_prepend(str(DATA / "modules" / "Acme"))
    cls = load_component("acme_modules.trigger_alerts:AlertsTrigger")
    assert issubclass(cls, kit.Trigger)


IMPLEMENTED = (
    "account_validator, action, aio, asset_connector, checkpoint, config, connector, constants, exceptions, "
    "helpers, http, loguru, metrics, module, storage, timer, trigger, utils"
)


def test_unsupported_sdk_parts_are_named(tmp_path):
    (tmp_path / "uses_typing.py").write_text("from sekoia_automation.typing import SupportedAuthentications\n")
    with pytest.raises(ComponentLoadError) as error:
        load_component(f"{tmp_path / 'uses_typing.py'}:X")
    assert str(error.value) == (
        f"{tmp_path / 'uses_typing.py'}: import of sekoia_automation.typing: sekoia_automation.typing is not "
        f"implemented by kit (kit implements {IMPLEMENTED} of sekoia_automation)"
    )


def test_components_kit_cannot_run_do_not_hide_the_others(platform):
    with pytest.warns(UserWarning) as caught:
        directory = load_module_directory(DATA / "modules" / "Partial")
    assert directory.names() == ["alerts_trigger"]
    reason = (
        "import of sekoia_automation.typing: sekoia_automation.typing is not implemented by kit (kit implements "
        f"{IMPLEMENTED} of sekoia_automation)"
    )
    assert str(caught[0].message) == f"Partial: loaded without device_assets: device_assets: {reason}"
    with pytest.raises(ComponentLoadError) as error:
        directory.component("device_assets")
    assert str(error.value) == f"Partial: device_assets cannot run on kit: {reason}"
    platform.http.get("https://api.acme.test/alerts", json={"items": [{"id": 3}]})
    sim = directory.simulate(platform, "alerts_trigger", {"frequency": 10}, {"api_key": "acme-key-1"})
    assert [dict(r.event)["id"] for r in sim.step().runs] == [3]


def test_a_module_defining_prometheus_metrics_loads_again(tmp_path):
    """A notebook re-runs its load cell: metrics defined at import time replace the earlier ones."""
    prometheus_client = pytest.importorskip("prometheus_client")
    root = tmp_path / "Prom"
    (root / "prom_mod").mkdir(parents=True)
    (root / "prom_mod" / "__init__.py").write_text(
        "from prometheus_client import Counter\n"
        "from sekoia_automation.trigger import Trigger\n\n"
        "EVENTS = Counter('kit_test_prom_events_total', 'events', ['intake'])\n\n\n"
        "class Tick(Trigger):\n"
        "    def run(self):\n"
        "        EVENTS.labels(intake='x').inc()\n"
    )
    (root / "main.py").write_text(
        "from sekoia_automation.module import Module\n\nfrom prom_mod import Tick\n\n"
        'if __name__ == "__main__":\n    module = Module()\n    module.register(Tick, "tick")\n    module.run()\n'
    )
    (root / "manifest.json").write_text('{"uuid": "7cf9ccf6-e20a-4e53-bd77-3c19cdc94154", "name": "Prom"}')
    first = load_module_directory(root).component("tick")
    second = load_module_directory(root).component("tick")
    assert first is not second
    registry = prometheus_client.REGISTRY
    assert "register" not in vars(registry)  # the registry is itself again afterwards
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        prometheus_client.Counter("kit_test_prom_events_total", "events", ["intake"])


def test_a_loaded_directory_accepts_what_the_runtime_accepts(tmp_path) -> None:
    import json

    import pytest

    import kit
    from tests.test_flavour import make_module

    root = make_module(tmp_path / "Edgewatch")
    manifest = json.loads((root / "connector_edge.json").read_text())
    manifest["arguments"]["required"] = ["intake_key", "frequency"]
    (root / "connector_edge.json").write_text(json.dumps(manifest, indent=2))
    loaded = kit.load_module_directory(root)
    with kit.FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        with pytest.warns(kit.KitWarning) as warned:
            sim = loaded.simulate(platform, "edge", configuration={"intake_key": "k"})
        assert [str(w.message) for w in warned] == [
            "arguments of edge (Edgewatch): the manifest requires 'frequency' (default 60), which the "
            "configuration leaves out; EdgeConnector's model defaults it, so the runtime runs as kit does here, but "
            "the platform's configuration form will ask for it: give it a value, or drop it from the manifest's "
            "\"required\""
        ]
        sim.step()
        assert len(sim.events) == 1
        # a model instance is taken as it is (its None defaults are not checked against the manifest)
        from kit.utils import model_annotation

        model = model_annotation(loaded.items["edge"], "configuration")
        loaded.simulate(platform, "edge", configuration=model(intake_key="k2"))
        with pytest.raises(TriggerConfigurationError) as info:
            loaded.simulate(platform, "edge", configuration={"frequency": 5})
    assert str(info.value) == (
        "TriggerConfigurationError: arguments of edge (Edgewatch) does not match the manifest schema (1 error):\n"
        "  - intake_key: required field is missing\n"
        "Fix these fields in the configuration you pass."
    )
