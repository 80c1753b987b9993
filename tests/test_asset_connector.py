"""Asset connectors: the same connector on the real SDK and on kit pushes the same bodies with the same
headers and logs; the platform records each asset (``sim.assets``); ``run()`` steps cycle by cycle."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path

import pytest

import kit
from kit._platform._records import thaw

sdk = pytest.importorskip("sekoia_automation.module", reason="the real sekoia-automation-sdk is a test dependency")
requests_mock = pytest.importorskip("requests_mock")
pytest.importorskip("sekoia_automation.asset_connector", reason="this sekoia-automation-sdk has no asset connectors")

COMPONENTS = Path(__file__).parent / "data" / "real_sdk" / "asset_components.py"
VENDOR = "https://vendor.test/api"
UUID = "7f0c8a3e-0000-4000-8000-00000000a55e"
CONFIGURATION = {"sekoia_base_url": "https://api.test/", "sekoia_api_key": "KEY", "batch_size": 2, "frequency": 600}
HOSTS = [
    {"hosts": [{"id": "h1", "name": "web-1", "os": "linux", "seen": 1700000001.0},
               {"id": "h2", "name": "dc-1", "os": "windows", "seen": 1700000002.0}], "next": 2},
    {"hosts": [{"id": "h3", "name": "db-1", "os": "linux", "seen": 1700000003.0}], "next": None},
]
USERS = {"users": [{"id": "u1", "login": "ada", "email": "ada@example.com", "mfa": True, "groups": ["admins"]},
                   {"id": "u2", "login": "bob", "groups": []}]}


def _real(name):
    """The component imported with the real SDK, as its authors run it."""
    spec = importlib.util.spec_from_file_location("real_asset_components", COMPONENTS)
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_asset_components"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop("real_asset_components", None)
    return getattr(module, name)


def _real_connector(name, tmp_path):
    module = sdk.Module()
    module._manifest = {}
    module._configuration = {}
    module._connector_configuration_uuid = UUID
    connector = _real(name)(module=module, data_path=tmp_path)
    connector.configuration = dict(CONFIGURATION)
    logs = []
    connector.log = lambda message, level="info", *args, **kwargs: logs.append((level, message))
    return connector, logs


def _kit_logs(sim, uuid):
    return [(r.level, r.message.replace(uuid, UUID)) for r in sim.log_records if r.source in ("component", "sdk")]


def test_sync_asset_connector_pushes_what_the_real_sdk_pushes(tmp_path, platform):
    connector, real_logs = _real_connector("AcmeDeviceAssets", tmp_path)
    endpoint = f"https://api.test/api/v2/asset-management/asset-connector/{UUID}"
    with requests_mock.Mocker() as mock:
        mock.get(f"{VENDOR}/hosts/1", json=HOSTS[0])
        mock.get(f"{VENDOR}/hosts/2", json=HOSTS[1])
        mock.post(endpoint, json={})
        connector.asset_fetch_cycle()
        pushes = [r for r in mock.request_history if r.method == "POST"]
    real_bodies = [p.json() for p in pushes]

    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration=CONFIGURATION)
    platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[0])
    platform.http.get(f"{VENDOR}/hosts/2", json=HOSTS[1])
    report = sim.step()
    uuid = sim._host.connector_configuration_uuid

    assert report.pause == "asset_fetch_cycle() ended"
    assert report.summary() == "step 1 [paused] 2024-01-01T00:00:00Z: 3 assets, 4 HTTP calls, 5 logs; paused at asset_fetch_cycle() ended"
    assert [r.uid for r in report.assets] == ["h1", "h2", "h3"]
    kit_bodies = [json.loads(c.request_body) for c in sim.http_records if c.method == "POST"]
    assert [len(b["items"]) for b in real_bodies] == [2, 1]
    assert kit_bodies == real_bodies
    assert [thaw(r.asset) for r in sim.asset_records] == [i for b in real_bodies for i in b["items"]]
    assert [(r.batch, r.index, r.type, r.uid, r.class_uid) for r in sim.asset_records] == [
        (0, 0, "device", "h1", 5001), (0, 1, "device", "h2", 5001), (1, 0, "device", "h3", 5001)
    ]
    assert _kit_logs(sim, uuid) == real_logs
    assert pushes[0].headers["User-Agent"] == f"sekoiaio-asset-connector-{UUID}"
    kit_post = next(c for c in sim.http_records if c.method == "POST")
    assert kit_post.url == f"https://api.test/api/v2/asset-management/asset-connector/{uuid}"
    assert kit_post.request_headers["User-Agent"] == f"sekoiaio-asset-connector-{uuid}"
    assert kit_post.request_headers["Content-Type"] == pushes[0].headers["Content-Type"] == "application/json"
    assert pushes[0].headers["Authorization"] == "Bearer KEY"
    # the checkpoint is updated after each successful push, with the latest time seen
    assert sim.instance.checkpoints == connector.checkpoints == [1700000002.0, 1700000003.0]

    # the next cycle finds nothing and sleeps what is left of the frequency, on the virtual clock
    platform.http.replace("GET", f"{VENDOR}/hosts/1", json={"hosts": [], "next": None})
    report = sim.step()
    assert report.pause.startswith("sleep(")
    assert sim.logs["message"].tolist()[-1] == "Next run in the future. Waiting 600.0 seconds"


def test_async_asset_connector_pushes_what_the_real_sdk_pushes(tmp_path, platform, monkeypatch):
    import aiohttp
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    from kit._platform._aiohttp import FakeClientResponse

    connector, real_logs = _real_connector("AcmeUserAssets", tmp_path)
    endpoint = f"https://api.test/api/v2/asset-management/asset-connector/{UUID}"
    calls = []

    async def answer(session, method, url, **kwargs):
        # the vendor's users and the push, answered without a network (aioresponses does not support this aiohttp)
        calls.append((method, str(url), kwargs.get("json"), dict(session.headers)))
        body = json.dumps(USERS if method == "GET" else {}).encode()
        headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
        return FakeClientResponse(method=method, url=URL(str(url)), status=200, reason="OK", headers=headers,
                                  body=body, request_info=None)

    async def cycle():
        await connector.asset_fetch_cycle()
        await connector._session.close()
        return [body for method, url, body, _ in calls if method == "POST" and url == endpoint]

    with monkeypatch.context() as patched:
        patched.setattr(aiohttp.ClientSession, "_request", answer)
        real_bodies = asyncio.run(cycle())

    cls = kit.load_component(f"{COMPONENTS}:AcmeUserAssets")
    sim = platform.load(cls, configuration=CONFIGURATION)
    platform.http.get(f"{VENDOR}/users", json=USERS)
    for _ in range(10):
        sim.step()
        if sim.asset_records:
            break
    uuid = sim._host.connector_configuration_uuid
    kit_bodies = [json.loads(c.request_body) for c in sim.http_records if c.method == "POST"]
    assert [len(b["items"]) for b in real_bodies] == [2]
    assert kit_bodies == real_bodies
    assert [(r.type, r.uid) for r in sim.asset_records] == [("user", "u1"), ("user", "u2")]
    assert _kit_logs(sim, uuid)[: len(real_logs)] == real_logs
    assert len(sim.instance.checkpoints) == len(connector.checkpoints) == 1
    real_headers = next(h for method, _, _, h in calls if method == "POST")
    assert real_headers["User-Agent"] == f"sekoiaio-asset-connector-{UUID}"
    kit_post = next(c for c in sim.http_records if c.method == "POST")
    assert kit_post.request_headers["User-Agent"] == f"sekoiaio-asset-connector-{uuid}"


def test_a_push_the_api_refuses_is_logged_as_the_real_sdk_logs_it(tmp_path, platform):
    connector, real_logs = _real_connector("AcmeDeviceAssets", tmp_path)
    endpoint = f"https://api.test/api/v2/asset-management/asset-connector/{UUID}"
    with requests_mock.Mocker() as mock:
        mock.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
        mock.post(endpoint, status_code=503, text="maintenance")
        connector.asset_fetch_cycle()

    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration=CONFIGURATION)
    uuid = sim._host.connector_configuration_uuid
    platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
    platform.http.post(f"https://api.test/api/v2/asset-management/asset-connector/{uuid}", status=503, body="maintenance")
    sim.step()

    assert ("error", "Error while pushing assets to Sekoia.io - Server error - HTTP (503) : maintenance") in real_logs
    assert _kit_logs(sim, uuid) == real_logs
    assert sim.asset_records == ()  # a registered answer is the platform's answer: nothing recorded
    assert sim.instance.checkpoints == connector.checkpoints == []


def test_sim_assets_table_columns(platform):
    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration=CONFIGURATION)
    platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
    sim.step()
    table = sim.assets
    assert list(table.columns) == [
        "step", "time", "component", "batch", "index", "type", "class_name", "class_uid", "uid", "version", "asset",
    ]
    assert table[["step", "component", "type", "uid", "class_name", "version"]].values.tolist() == [
        [1, "AcmeDeviceAssets", "device", "h3", "Device Inventory Info", 1]
    ]
    assert str(table["time"].iloc[0]) == "2024-01-01 00:00:00+00:00"
    assert platform.assets["uid"].tolist() == ["h3"]


def test_configuration_and_environment_overrides(platform, monkeypatch):
    from kit.asset_connector.models.connector import DefaultAssetConnectorConfiguration

    assert DefaultAssetConnectorConfiguration(sekoia_base_url=None, sekoia_api_key="k").model_dump() == {
        "sekoia_base_url": None, "sekoia_api_key": "k", "frequency": 10800, "batch_size": 100,
    }
    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration={"sekoia_base_url": None, "sekoia_api_key": "k"})
    connector = sim.instance
    monkeypatch.setenv("ASSET_CONNECTOR_BATCH_SIZE", "7")
    monkeypatch.setenv("ASSET_CONNECTOR_FREQUENCY", "30")
    monkeypatch.setenv("ASSET_CONNECTOR_PRODUCTION_BASE_URL", "https://api.eu.test")
    assert (connector.batch_size, connector.frequency) == (7, 30)
    assert connector.asset_connector_endpoint == (
        f"https://api.eu.test/api/v2/asset-management/asset-connector/{sim._host.connector_configuration_uuid}"
    )
    assert connector.handle_api_error(404) == "Client error - HTTP (404)"
    assert connector.handle_api_error(302) == "Unexpected error (302)"


def test_ocsf_models_sync_id_and_caption():
    from kit.asset_connector.models.ocsf.software import Fingerprint, SoftwareBillOfMaterials

    assert Fingerprint(algorithm_id=3, value="ab").algorithm == "SHA-256"
    assert Fingerprint(algorithm="SHA-512/256", value="ab").algorithm_id == 11
    # as the real SDK: the SBOM tests truthiness, so UNKNOWN (0) fills nothing
    assert SoftwareBillOfMaterials(package={"name": "p", "version": "1"}, type_id=0).type is None
    assert SoftwareBillOfMaterials(package={"name": "p", "version": "1"}, type_id=2).type == "CycloneDX"


def test_the_models_match_the_real_sdk():
    """Every enum of the installed real SDK's OCSF models has the same members in kit (kit may lack members
    the real SDK added after the version kit follows, never the reverse), and every kit field is a real one."""
    import importlib

    for name in ("base", "device", "group", "organization", "risk_level", "software", "user", "vulnerability"):
        real = importlib.import_module(f"sekoia_automation.asset_connector.models.ocsf.{name}")
        ours = importlib.import_module(f"kit.asset_connector.models.ocsf.{name}")
        for attr in ours.__all__:
            mine, theirs = getattr(ours, attr), getattr(real, attr)
            if hasattr(mine, "model_fields"):
                assert set(mine.model_fields) <= set(theirs.model_fields), (name, attr)
            elif hasattr(mine, "__members__"):
                assert {m: v.value for m, v in mine.__members__.items()} == {
                    m: v.value for m, v in theirs.__members__.items()
                }, (name, attr)


def test_an_sdk_before_asset_connectors_names_the_version():
    from kit._flavour import Flavour
    from kit._imports import ImportRewriteError, rewrite_imports

    flavour = Flavour((1, 18, 2), None, "/m/poetry.lock", "1.18.2")
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from sekoia_automation.asset_connector import AssetConnector\n", to="kit", flavour=flavour)
    assert str(error.value) == (
        "import of sekoia_automation.asset_connector: sekoia_automation.asset_connector first appeared in "
        "sekoia-automation-sdk 1.19.0, but /m/poetry.lock pins sekoia-automation-sdk 1.18.2; pin "
        "sekoia-automation-sdk >= 1.19.0 (poetry add sekoia-automation-sdk@^1.19.0)"
    )
    old = Flavour((1, 22, 3), None, "/m/poetry.lock", "1.22.3")
    assert rewrite_imports("from sekoia_automation.asset_connector.models.ocsf.device import Device\n", to="kit",
                           flavour=old) == "from kit.v1.asset_connector.models.ocsf.device import Device\n"
    exported = rewrite_imports(
        "from kit.v1.asset_connector.models.ocsf.device import Device\nfrom kit.asset_connector import AssetConnector\n",
        to="sekoia_automation",
    )
    assert exported == (
        "from sekoia_automation.asset_connector.models.ocsf.device import Device\n"
        "from sekoia_automation.asset_connector import AssetConnector\n"
    )
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from sekoia_automation.asset_connector.helpers import x\n", to="kit")
    assert str(error.value).startswith(
        "import of sekoia_automation.asset_connector.helpers: sekoia_automation.asset_connector.helpers is not "
        "implemented by kit (of sekoia_automation.asset_connector, kit implements sekoia_automation.asset_connector, "
    )


def test_models_before_1_23_have_that_sdks_members():
    from kit.v1.asset_connector.models.ocsf.device import DeviceTypeId, DeviceTypeStr
    from kit.v1.asset_connector.models.ocsf.user import UserTypeId

    assert (DeviceTypeId.LAPTOP, DeviceTypeStr.LOAD_BALANCER, UserTypeId.OTHER) == (3, "Load Balancer", 99)
    import kit.asset_connector.models.ocsf.device as current

    assert not hasattr(current.DeviceTypeId, "LAPTOP")


def test_a_push_is_retried_for_an_hour_of_virtual_time_then_the_cycle_error_is_logged(platform):
    import requests

    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration=CONFIGURATION)
    uuid = sim._host.connector_configuration_uuid
    endpoint = f"https://api.test/api/v2/asset-management/asset-connector/{uuid}"
    platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
    platform.http.post(endpoint, body=requests.ConnectionError("reset by peer"))
    reports = sim.run_until(lambda s: any(r.level == "error" for r in s.log_records), max_steps=1000)

    waits = [r.pause for r in reports]
    assert waits[:6] == ["sleep(1)", "sleep(2)", "sleep(4)", "sleep(8)", "sleep(10)", "sleep(10)"]
    posts = [c for c in sim.http_records if c.method == "POST"]
    # attempts at 0, 1, 3, 7, 15, then every 10 s; the one at or after 3600 s is the last
    assert len(posts) == 5 + (3600 - 15 + 9) // 10 + 1
    assert [(r.level, r.message) for r in sim.log_records if r.level == "error"] == [
        ("error", "Error while running asset connector AcmeDeviceAssets\nreset by peer")
    ]
    assert sim.asset_records == ()


def test_a_module_directory_with_an_asset_connector_loads_and_simulates(platform):
    """The directory pins SDK 1.22.3: its models (DeviceTypeId.LAPTOP) are that SDK's."""
    directory = kit.load_module_directory(Path(__file__).parent / "data" / "modules" / "AcmeAssets")
    assert directory.names() == ["acme_device_assets"]
    platform.http.get("https://api.acme.test/hosts", json=[{"id": "l1", "name": "laptop-1", "kind": "laptop"}])
    sim = directory.simulate(
        platform, "acme_device_assets", {"sekoia_base_url": "https://api.test", "sekoia_api_key": "KEY"},
        {"api_key": "acme"},
    )
    sim.step()
    assert [(r.type, r.uid, thaw(r.asset)["device"]["type_id"], thaw(r.asset)["device"]["type"])
            for r in sim.asset_records] == [("device", "l1", 3, "Laptop")]


def test_assets_never_leave_the_process_even_with_allow_network():
    from kit import FakePlatform

    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    with FakePlatform(start="2024-01-01T00:00:00Z", allow_network=True, step_timeout=5) as platform:
        sim = platform.load(cls, configuration={"sekoia_base_url": None, "sekoia_api_key": "KEY"})
        platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
        sim.step()
        uuid = sim._host.connector_configuration_uuid
        assert [(c.method, c.url, c.status, c.response_body) for c in sim.http_records] == [
            ("GET", f"{VENDOR}/hosts/1", 200, json.dumps(HOSTS[1])),
            ("POST", f"https://api.sekoia.io/api/v2/asset-management/asset-connector/{uuid}", 200, "{}"),
        ]
        assert [r.uid for r in sim.asset_records] == ["h3"]


MODULE_TEST = '''
from unittest.mock import patch

import requests_mock
from sekoia_automation.asset_connector.models.ocsf.device import DeviceTypeId
from sekoia_automation.module import Module

from acme_assets.devices import AcmeDeviceAssets


def test_a_laptop_is_pushed(tmp_path):
    assert DeviceTypeId.LAPTOP == 3
    module = Module()
    module._connector_configuration_uuid = "c0ffee"
    connector = AcmeDeviceAssets(module=module, data_path=tmp_path)
    connector.configuration = {"sekoia_base_url": "https://api.test", "sekoia_api_key": "KEY"}
    with requests_mock.Mocker() as mock, patch.object(AcmeDeviceAssets, "log"):
        mock.get("https://api.acme.test/hosts", json=[{"id": "l1", "name": "laptop-1", "kind": "laptop"}])
        mock.post("https://api.test/api/v2/asset-management/asset-connector/c0ffee", json={})
        connector.asset_fetch_cycle()
        body = mock.request_history[-1].json()
    assert body["items"][0]["device"]["type"] == "Laptop"
'''


def test_a_module_pinning_sdk_1_22_runs_its_own_tests_on_kit(tmp_path):
    import shutil
    import subprocess

    root = tmp_path / "AcmeAssets"
    shutil.copytree(Path(__file__).parent / "data" / "modules" / "AcmeAssets", root)
    (root / "tests").mkdir()
    (root / "tests" / "test_devices.py").write_text(MODULE_TEST)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--kit-sdk"],
        cwd=root, capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"kit: sekoia_automation served by kit ({root / 'poetry.lock'} pins sekoia-automation-sdk 1.22.3)" in (
        result.stdout
    )
    assert "1 passed" in result.stdout


def test_the_sekoia_api_key_is_a_secret_on_the_platform(platform):
    cls = kit.load_component(f"{COMPONENTS}:AcmeDeviceAssets")
    sim = platform.load(cls, configuration={"sekoia_base_url": None, "sekoia_api_key": "KEY-5f3a9c"})
    platform.http.get(f"{VENDOR}/hosts/1", json=HOSTS[1])
    sim.instance.log("configured with KEY-5f3a9c")
    assert sim.log_records[-1].message == "configured with ***"
    sim.step()
    post = next(c for c in sim.http_records if c.method == "POST")
    assert post.request_headers["Authorization"] == "***"
