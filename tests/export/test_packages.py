"""Export of components that live in a real package: models and helpers in sibling modules,
relative imports, absolute imports of the author's own package, module objects
(``from . import helpers``), ``from __future__ import annotations``; ``import kit`` with
``kit.Trigger`` (attribute style); generated tests that can fail."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kit
import kit._export
from kit._export import RoundTripError
from tests.export.conftest import MODULE_UUID, run_generated_tests

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
OPTIONS = dict(uuid=MODULE_UUID, date="2024-05-01", lock=False)


def _forget(prefix: str) -> None:
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def import_from(monkeypatch: pytest.MonkeyPatch):
    """Import packages from a directory put first on sys.path; forget them afterwards."""
    imported: list[str] = []

    def load(directory: Path, package: str):
        import importlib

        monkeypatch.syspath_prepend(str(directory))
        _forget(package)
        imported.append(package)
        return importlib.import_module(package)

    yield load
    for package in imported:
        _forget(package)


def _findings(target: Path) -> list[str]:
    return [f"{f.file}: {f.path}: {f.message}" for f in kit.check(target)]


# -- examples/acme ---------------------------------------------------------------------

ACME_HTTP = {
    "AcmeAuditConnector": {
        "http": [{"method": "GET", "url": "https://api.acme.test/api/v1/audit", "json": {"items": []}}],
    },
    "SuspiciousLoginTrigger": {
        "http": [
            {
                "method": "GET",
                "url": "https://api.acme.test/api/v1/logins",
                "json": {"items": [{"id": 1, "user": "a@acme.test", "ip": "203.0.113.1", "country": "KP",
                                    "risk": 90, "at": "2024-01-01T00:00:00+00:00"}]},
            }
        ],
    },
}


def test_the_example_package_exports_with_its_relative_imports(tmp_path: Path, import_from) -> None:
    import_from(EXAMPLES, "acme")
    from acme.connector import AcmeAuditConnector
    from acme.models import AcmeModule
    from acme.trigger import SuspiciousLoginTrigger

    target = tmp_path / "Acme"
    result = kit.export(
        AcmeAuditConnector, SuspiciousLoginTrigger, to=target, module=AcmeModule, name="Acme",
        categories=["Applicative"], examples=ACME_HTTP, **OPTIONS,
    )  # round trip checked
    assert "acme_modules/__init__.py" in result.written
    code = {p.name: p.read_text() for p in (target / "acme_modules").glob("*.py")}
    assert sorted(code) == ["__init__.py", "connector_acme_audit.py", "trigger_suspicious_login.py"]
    everything = "".join(code.values())
    assert not re.search(r"from \.|(from|import) acme\b", everything)
    assert "from kit" not in everything and "import kit" not in everything
    # the module class and its configuration, shared by both components, are in __init__
    assert "class AcmeModule(Module):" in code["__init__.py"]
    assert "class AcmeModuleConfiguration(BaseModel):" in code["__init__.py"]
    trigger = code["trigger_suspicious_login.py"]
    assert "from acme_modules import AcmeModule\n" in trigger
    assert "class LoginTriggerConfiguration(BaseModel):" in trigger and "class SuspiciousLogin(BaseModel):" in trigger
    assert "AuditConnectorConfiguration" not in trigger  # models of the other component stay there
    # the fake API of the example is used by nobody's code: not exported
    assert "fake_api" not in everything and "audit_event" not in everything
    # third-party imports stay imports and become dependencies
    pyproject = (target / "pyproject.toml").read_text()
    dependencies = pyproject.split("[tool.poetry.dependencies]\n")[1].split("\n\n")[0].splitlines()
    assert dependencies == ['python = ">=3.11,<3.13"', 'sekoia-automation-sdk = "^1.23"', 'pydantic = "*"', 'requests = "*"']

    assert _findings(target) == ["poetry.lock: $: missing"]
    proc = run_generated_tests(target, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_the_example_exports_from_the_notebook_style_absolute_imports(tmp_path: Path, import_from) -> None:
    """Absolute imports of the author's package (``from acme.models import X``) are followed too."""
    src = tmp_path / "src"
    (src / "shop").mkdir(parents=True)
    (src / "shop" / "__init__.py").write_text("")
    (src / "shop" / "models.py").write_text(textwrap.dedent("""\
        from pydantic import BaseModel

        from kit import Module


        class ShopConfiguration(BaseModel):
            url: str = "https://shop.test"


        class ShopModule(Module):
            configuration: ShopConfiguration


        class OrderArguments(BaseModel):
            order: str
        """))
    (src / "shop" / "actions.py").write_text(textwrap.dedent("""\
        from kit import Action
        from shop.models import OrderArguments, ShopModule


        class CancelOrder(Action):
            module: ShopModule

            def run(self, arguments: OrderArguments) -> dict:
                return {"cancelled": arguments.order}
        """))
    import_from(src, "shop")
    from shop.actions import CancelOrder
    from shop.models import ShopModule

    target = tmp_path / "Shop"
    kit.export(CancelOrder, to=target, module=ShopModule, name="Shop", **OPTIONS)
    action = (target / "shop_modules" / "action_cancel_order.py").read_text()
    assert not re.search(r"(from|import) shop\b", action)
    assert "from shop_modules import ShopModule\n" in action
    assert "class OrderArguments(BaseModel):" in action
    assert _findings(target) == ["poetry.lock: $: missing"]
    proc = run_generated_tests(target, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- helpers in a sibling module -------------------------------------------------------

HELPERS = """\
from __future__ import annotations

import re

import requests

PREFIX = "svc-"
PATTERN = re.compile(r"^[a-z]+$")
UNUSED = "left behind"


def clean(name: str) -> str:
    return PREFIX + name.strip().lower()


def valid(name: str) -> bool:
    return bool(PATTERN.match(name))


def fetch(url: str) -> dict:
    return requests.get(url, timeout=5).json()


def unused_helper() -> None:
    pass
"""

CONSTANTS = """\
DEFAULT_FREQUENCY = 30
"""

MODELS = """\
from __future__ import annotations

from pydantic import BaseModel

from kit.module import Module

from .constants import DEFAULT_FREQUENCY


class WatchConfiguration(BaseModel):
    frequency: int = DEFAULT_FREQUENCY


class LookupArguments(BaseModel):
    name: str


class WatchModule(Module):
    pass
"""

COMPONENTS = """\
import time

from kit.action import Action
from kit.trigger import Trigger

from . import helpers
from .helpers import clean
from .models import LookupArguments, WatchConfiguration, WatchModule


class NameWatch(Trigger):
    module: WatchModule
    configuration: WatchConfiguration

    def run(self) -> None:
        while self.running:
            name = clean("Alice")
            if helpers.valid(name.removeprefix(helpers.PREFIX)):
                self.send_event(event_name=name, event={"name": name})
            time.sleep(self.configuration.frequency)


class CleanName(Action):
    module: WatchModule

    def run(self, arguments: LookupArguments) -> dict:
        return {"name": clean(arguments.name)}
"""


def _watch_package(root: Path) -> None:
    package = root / "watch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""The author\'s package."""\n')
    (package / "helpers.py").write_text(HELPERS)
    (package / "constants.py").write_text(CONSTANTS)
    (package / "models.py").write_text(MODELS)
    (package / "components.py").write_text(COMPONENTS)


def test_helpers_in_a_sibling_module_are_exported(tmp_path: Path, import_from) -> None:
    _watch_package(tmp_path / "src")
    import_from(tmp_path / "src", "watch")
    from watch.components import CleanName, NameWatch
    from watch.models import WatchModule

    target = tmp_path / "Watch"
    kit.export(NameWatch, CleanName, to=target, module=WatchModule, name="Watch", **OPTIONS)
    package = target / "watch_modules"
    files = sorted(p.name for p in package.glob("*.py"))
    assert files == ["__init__.py", "action_clean_name.py", "helpers.py", "trigger_name_watch.py"]
    helpers = (package / "helpers.py").read_text()
    # `helpers.valid` and `helpers.PREFIX` are read as attributes: the module keeps its name and holds
    # them, what they need and `clean` (imported by name from the same file, used by both components)
    assert helpers == (
        "from __future__ import annotations\n\n"
        "import re\n\n"
        'PREFIX = "svc-"\n\n\n'
        "def clean(name: str) -> str:\n    return PREFIX + name.strip().lower()\n\n\n"
        'PATTERN = re.compile(r"^[a-z]+$")\n\n\n'
        "def valid(name: str) -> bool:\n    return bool(PATTERN.match(name))\n"
    )
    trigger = (package / "trigger_name_watch.py").read_text()
    assert "from watch_modules import WatchModule, helpers\nfrom watch_modules.helpers import clean\n" in trigger
    assert "from . import" not in trigger and "watch." not in trigger
    action = (package / "action_clean_name.py").read_text()
    assert "from watch_modules.helpers import clean\n" in action
    # the constant of a third module that a model uses is copied with the model
    assert "DEFAULT_FREQUENCY = 30\n\n\nclass WatchConfiguration(BaseModel):" in trigger
    everything = "".join(p.read_text() for p in package.glob("*.py"))
    assert "unused_helper" not in everything and "UNUSED" not in everything and "def fetch" not in everything
    # requests is imported only by the helper nobody uses: not a dependency
    assert "requests =" not in (target / "pyproject.toml").read_text()
    assert _findings(target) == ["poetry.lock: $: missing"]
    proc = run_generated_tests(target, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_module_object_passed_around_is_copied_whole(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "tools").mkdir(parents=True)
    (src / "tools" / "__init__.py").write_text("")
    (src / "tools" / "table.py").write_text("RED = 1\nBLUE = 2\n\n\ndef names():\n    return ['RED', 'BLUE']\n")
    (src / "tools" / "action.py").write_text(textwrap.dedent("""\
        from kit.action import Action

        from tools import table


        class ReadTable(Action):
            def run(self, arguments) -> dict:
                return {name: getattr(table, name) for name in table.names()}
        """))
    import_from(src, "tools")
    from tools.action import ReadTable

    target = tmp_path / "T"
    kit.export(ReadTable, to=target, name="Tools", **OPTIONS)
    table = (target / "tools_modules" / "table.py").read_text()
    assert "RED = 1" in table and "BLUE = 2" in table and "def names():" in table
    proc = run_generated_tests(target, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_configuration_annotated_with_a_string_is_refused(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "future").mkdir(parents=True)
    (src / "future" / "__init__.py").write_text("")
    (src / "future" / "components.py").write_text(
        "from __future__ import annotations\n\n" + COMPONENTS.replace("from . import helpers\n", "").replace(
            "from .helpers import clean\n", "clean = str.strip\n"
        ).replace(".models import", "future.models import").replace(
            "helpers.valid(name.removeprefix(helpers.PREFIX))", "name"
        )
    )
    (src / "future" / "models.py").write_text(MODELS.replace("from .constants import DEFAULT_FREQUENCY\n", "DEFAULT_FREQUENCY = 30\n"))
    import_from(src, "future")
    from future.components import NameWatch

    with pytest.raises(kit._export.ExportError) as info:
        kit.export(NameWatch, to=tmp_path / "F", name="Future", **OPTIONS)
    assert str(info.value) == (
        "NameWatch.configuration is annotated with the string 'WatchConfiguration' (`from __future__ import "
        f"annotations` in {src / 'future' / 'components.py'}): the real SDK does not evaluate that annotation and "
        "fails with `isinstance() arg 2 must be a type` when it sets the configuration; remove `from __future__ "
        "import annotations` from that file and export again"
    )
    assert not (tmp_path / "F").exists()


# -- import kit; kit.Trigger -----------------------------------------------------------


def test_attribute_style_kit_imports_are_rewritten(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "attr").mkdir(parents=True)
    (src / "attr" / "__init__.py").write_text("")
    (src / "attr" / "trigger.py").write_text(textwrap.dedent("""\
        import time

        import kit
        from pydantic import BaseModel


        class PingModule(kit.Module):
            pass


        class PingConfiguration(BaseModel):
            frequency: int = 10


        class Ping(kit.Trigger):
            module: PingModule
            configuration: PingConfiguration

            def run(self) -> None:
                while self.running:
                    self.send_event(event_name="ping", event={})
                    time.sleep(self.configuration.frequency)
        """))
    import_from(src, "attr")
    from attr.trigger import Ping, PingModule

    target = tmp_path / "P"
    kit.export(Ping, to=target, module=PingModule, name="Ping", **OPTIONS)
    init = (target / "ping_modules" / "__init__.py").read_text()
    trigger = (target / "ping_modules" / "trigger_ping.py").read_text()
    assert init == "from sekoia_automation.module import Module\n\n\nclass PingModule(Module):\n    pass\n"
    assert "from sekoia_automation.trigger import Trigger\n" in trigger
    assert "class Ping(Trigger):" in trigger
    assert "kit" not in init + trigger
    proc = run_generated_tests(target, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- generated tests can fail ----------------------------------------------------------


def test_the_generated_test_fails_when_the_component_crashes(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "crash").mkdir(parents=True)
    (src / "crash" / "__init__.py").write_text("")
    (src / "crash" / "components.py").write_text(textwrap.dedent("""\
        import time

        import requests

        from kit.action import Action
        from kit.trigger import Trigger


        class Crashing(Trigger):
            def run(self) -> None:
                raise RuntimeError("boom")


        class Polling(Trigger):
            def run(self) -> None:
                while self.running:
                    try:
                        requests.get("https://api.crash.test/items", timeout=5).raise_for_status()
                    except requests.RequestException as error:
                        self.log(f"poll failed: {error}", "error")
                    time.sleep(60)


        class Failing(Action):
            def run(self, arguments) -> dict:
                raise ValueError("bad input")
        """))
    import_from(src, "crash")
    from crash.components import Crashing, Failing, Polling

    target = tmp_path / "C"
    kit.export(Crashing, Polling, Failing, to=target, name="Crash", **OPTIONS)
    polling_test = (target / "tests" / "test_trigger_polling.py").read_text()
    assert "@pytest.mark.skip(\n    reason=\"no recorded HTTP answers for Polling" in polling_test
    assert "pytest.mark.skip" not in (target / "tests" / "test_trigger_crashing.py").read_text()
    proc = run_generated_tests(target, tmp_path, "-rs")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 failed, 1 skipped" in proc.stdout, proc.stdout
    assert "RuntimeError: boom" in proc.stdout
    assert (
        "SKIPPED [1] tests/test_trigger_polling.py:"
    ) in proc.stdout and "no recorded HTTP answers for Polling: add the API's answers to" in proc.stdout
    assert "ValueError" in proc.stdout and "bad input" in proc.stdout

    # with the API's answers given to export, the polling trigger's test passes
    target = tmp_path / "C2"  # an existing component's test is the author's: a new export writes a new one
    kit.export(
        Crashing, Polling, Failing, to=target, name="Crash",
        examples={"Polling": {"http": [{"method": "GET", "url": "https://api.crash.test/items", "json": []}]}},
        **OPTIONS,
    )
    assert json.loads((target / "tests" / "data" / "recorded_trigger_polling.json").read_text())["http"] == [
        {"method": "GET", "url": "https://api.crash.test/items", "json": []}
    ]
    proc = run_generated_tests(target, tmp_path)
    assert "2 failed, 1 passed" in proc.stdout, proc.stdout

    # a wrong answer makes the component log an error, and its test fails on it
    target = tmp_path / "C3"
    kit.export(
        Crashing, Polling, Failing, to=target, name="Crash",
        examples={"Polling": {"http": [{"method": "GET", "url": "https://api.crash.test/items", "status": 500}]}},
        **OPTIONS,
    )
    proc = run_generated_tests(target, tmp_path)
    assert "3 failed" in proc.stdout, proc.stdout
    assert "500 Server Error" in proc.stdout and "poll failed" in proc.stdout


def test_a_round_trip_failure_in_a_followed_module_points_at_its_file(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "rt").mkdir(parents=True)
    (src / "rt" / "__init__.py").write_text("")
    (src / "rt" / "limits.txt").write_text("5\n")
    (src / "rt" / "helpers.py").write_text(
        "from pathlib import Path\n\nLIMIT = int((Path(__file__).parent / 'limits.txt').read_text())\n"
    )
    (src / "rt" / "trigger.py").write_text(
        "from kit.trigger import Trigger\n\nfrom .helpers import LIMIT\n\n\nclass Limited(Trigger):\n"
        "    def run(self) -> None:\n        assert LIMIT\n"
    )
    import_from(src, "rt")
    from rt.trigger import Limited

    target = tmp_path / "R"
    with pytest.raises(RoundTripError) as info:
        kit.export(Limited, to=target, name="Rt", **OPTIONS)
    # data files of the author's package are not exported: the round trip says where the code came from
    assert (
        "raised at rt_modules/trigger_limited.py, line 5, which comes from "
        f"{src / 'rt' / 'helpers.py'}, line 3: FileNotFoundError"
    ) in str(info.value)


def test_import_kit_on_one_line_with_other_modules(tmp_path: Path, import_from) -> None:
    src = tmp_path / "src"
    (src / "multi").mkdir(parents=True)
    (src / "multi" / "__init__.py").write_text("")
    (src / "multi" / "action.py").write_text(
        "import json, kit\n\n\nclass Dump(kit.Action):\n    def run(self, arguments) -> dict:\n"
        "        return {'text': json.dumps(arguments)}\n"
    )
    import_from(src, "multi")
    from multi.action import Dump

    target = tmp_path / "M"
    kit.export(Dump, to=target, name="Multi", **OPTIONS)
    code = (target / "multi_modules" / "action_dump.py").read_text()
    assert code.startswith("import json\n\nfrom sekoia_automation.action import Action\n\n\nclass Dump(Action):\n")
