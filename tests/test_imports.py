"""kit._imports: rewriting imports between sekoia_automation and kit, both ways."""

from __future__ import annotations

import pytest

from kit._imports import ImportRewriteError, rewrite_imports


def test_to_kit_keeps_the_rest_of_the_file():
    source = (
        "import time  # keep me\n"
        "from sekoia_automation.trigger import Trigger  # comment\n"
        "from sekoia_automation import constants\n"
        "import sekoia_automation.storage\n"
        "from mypkg.client import Client\n"
        "x = sekoia_automation.storage.write\n"
    )
    assert rewrite_imports(source, to="kit", local_packages={"mypkg": "_private.mypkg"}) == (
        "import time  # keep me\n"
        "from kit.trigger import Trigger  # comment\n"
        "from kit import constants\n"
        "import kit.storage, kit as sekoia_automation\n"
        "from _private.mypkg.client import Client\n"
        "x = sekoia_automation.storage.write\n"
    )


def test_to_sekoia_automation_maps_top_level_names_and_attributes():
    source = (
        "import kit\n"
        "from kit import Trigger, constants, DefaultConnectorConfiguration\n"
        "from kit.storage import PersistentJSON\n"
        "def f():\n"
        "    from kit import Action, Module\n"
        "class A(kit.Action):\n"
        "    pass\n"
    )
    assert rewrite_imports(source, to="sekoia_automation") == (
        "from sekoia_automation.action import Action\n"
        "from sekoia_automation.trigger import Trigger\n"
        "from sekoia_automation import constants\n"
        "from sekoia_automation.connector import DefaultConnectorConfiguration\n"
        "from sekoia_automation.storage import PersistentJSON\n"
        "def f():\n"
        "    from sekoia_automation.action import Action\n"
        "    from sekoia_automation.module import Module\n"
        "class A(Action):\n"
        "    pass\n"
    )


def test_round_trip():
    source = "from sekoia_automation.connector import Connector, DefaultConnectorConfiguration\n"
    there = rewrite_imports(source, to="kit")
    assert there == "from kit.connector import Connector, DefaultConnectorConfiguration\n"
    assert rewrite_imports(there, to="sekoia_automation") == source


def test_kit_only_names_cannot_be_exported():
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from kit import FakePlatform\n", to="sekoia_automation")
    assert str(error.value) == (
        "line 1: kit.FakePlatform is part of kit's development kit and has no sekoia_automation equivalent; keep "
        "it out of the module's code (tests may use it)"
    )


def test_bad_direction():
    with pytest.raises(ValueError, match=r"^to='x': expected 'kit' or 'sekoia_automation'$"):
        rewrite_imports("", to="x")


def test_import_kit_among_other_modules():
    source = "import json, kit\nclass A(kit.Trigger):\n    pass\n"
    assert rewrite_imports(source, to="sekoia_automation") == (
        "import json\nfrom sekoia_automation.trigger import Trigger\nclass A(Trigger):\n    pass\n"
    )


def test_parts_of_the_sdk_kit_does_not_implement_are_named():
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from sekoia_automation.typing import SupportedAuthentications\n", to="kit")
    assert str(error.value) == (
        "import of sekoia_automation.typing: sekoia_automation.typing is not implemented by kit (kit implements "
        "account_validator, action, aio, asset_connector, checkpoint, config, connector, constants, exceptions, "
        "helpers, http, loguru, metrics, module, storage, timer, trigger, utils of sekoia_automation)"
    )
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from sekoia_automation.connector.metrics import MetricsMixin\n", to="kit")
    assert str(error.value) == (
        "import of sekoia_automation.connector.metrics: sekoia_automation.connector.metrics is not implemented by "
        "kit (of sekoia_automation.connector, kit implements sekoia_automation.connector, "
        "sekoia_automation.connector.workers)"
    )
    assert rewrite_imports("from sekoia_automation.asset_connector import AssetConnector\n", to="kit") == (
        "from kit.asset_connector import AssetConnector\n"
    )
    assert rewrite_imports("from sekoia_automation.helpers.timestepper import TimeStepper\n", to="kit") == (
        "from kit.helpers.timestepper import TimeStepper\n"
    )


def test_the_helper_modules_of_the_sdk_map_to_kit_both_ways():
    source = (
        "from sekoia_automation.timer import RepeatedTimer\n"
        "from sekoia_automation.connector.workers import Worker, Workers\n"
        "from sekoia_automation.metrics import PrometheusExporterThread, make_exporter\n"
        "from sekoia_automation.loguru.config import init_logging\n"
        "from sekoia_automation import config\n"
        "import sekoia_automation.config\n"
    )
    there = rewrite_imports(source, to="kit")
    assert there == (
        "from kit.timer import RepeatedTimer\n"
        "from kit.connector.workers import Worker, Workers\n"
        "from kit.metrics import PrometheusExporterThread, make_exporter\n"
        "from kit.loguru.config import init_logging\n"
        "from kit import config\n"
        "import kit.config, kit as sekoia_automation\n"
    )
    assert rewrite_imports(there, to="sekoia_automation") == source


def test_the_async_mode_maps_to_kit_aio_both_ways():
    source = (
        "from sekoia_automation.aio.connector import AsyncConnector\n"
        "from sekoia_automation.aio.helpers import limit_concurrency\n"
        "from sekoia_automation.aio.helpers.files.utils import delete_file\n"
    )
    there = rewrite_imports(source, to="kit")
    assert there == (
        "from kit.aio.connector import AsyncConnector\n"
        "from kit.aio.helpers import limit_concurrency\n"
        "from kit.aio.helpers.files.utils import delete_file\n"
    )
    assert rewrite_imports(there, to="sekoia_automation") == source
    with pytest.raises(ImportRewriteError) as error:
        rewrite_imports("from sekoia_automation.aio.helpers.other import x\n", to="kit")
    assert str(error.value) == (
        "import of sekoia_automation.aio.helpers.other: sekoia_automation.aio.helpers.other is not implemented by "
        "kit (of sekoia_automation.aio, kit implements sekoia_automation.aio, sekoia_automation.aio.connector, "
        "sekoia_automation.aio.helpers, sekoia_automation.aio.helpers.files, sekoia_automation.aio.helpers.files.csv, "
        "sekoia_automation.aio.helpers.files.utils, sekoia_automation.aio.helpers.http, "
        "sekoia_automation.aio.helpers.http.http_client, sekoia_automation.aio.helpers.http.token_refresher, "
        "sekoia_automation.aio.helpers.http.utils)"
    )


def test_the_sdk_http_clients_are_kits_and_before_1_23_the_token_is_a_pydantic_v1_model():
    from kit._flavour import Flavour

    source = (
        "from sekoia_automation.http.sync.http_client import SyncHttpClient\n"
        "from sekoia_automation.http.aio.token_refresher import RefreshedToken\n"
    )
    assert rewrite_imports(source, to="kit") == (
        "from kit.http.sync.http_client import SyncHttpClient\n"
        "from kit.http.aio.token_refresher import RefreshedToken\n"
    )
    old = Flavour(sdk=(1, 20, 0), origin="poetry.lock", sdk_text="1.20.0")
    assert rewrite_imports(source, to="kit", flavour=old) == (
        "from kit.http.sync.http_client import SyncHttpClient\n"
        "from kit.v1.http.aio.token_refresher import RefreshedToken\n"
    )
    assert rewrite_imports(rewrite_imports(source, to="kit", flavour=old), to="sekoia_automation") == source
