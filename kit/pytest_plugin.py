"""pytest fixtures for module authors (registered automatically when kit is installed).

``kit_platform`` gives a fresh :class:`kit.FakePlatform` per test, closed afterwards::

    def test_my_trigger(kit_platform):
        sim = kit_platform.load(MyTrigger, configuration={"frequency": 60})
        sim.step()
        assert len(sim.run_records) == 1
"""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture
def kit_platform() -> Iterator["object"]:
    """A fresh fake platform whose clock starts at 2024-01-01T00:00:00Z."""
    from kit import FakePlatform

    with FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        yield platform


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kit")
    group.addoption(
        "--kit-sdk",
        action="store_true",
        default=False,
        help="serve sekoia_automation from kit for this session: a module's own tests run on kit unchanged "
        "(the module directory is the rootdir; its poetry.lock says which SDK it pins)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # before the first conftest: a module's tests/conftest.py imports sekoia_automation at once
    if early_config.known_args_namespace.kit_sdk:
        from kit._served import serve

        try:
            flavour = serve(early_config.rootpath)
        except RuntimeError as error:
            raise pytest.UsageError(str(error)) from None
        early_config.stash[_SERVED] = flavour


_SERVED = pytest.StashKey["object"]()


def pytest_report_header(config: pytest.Config) -> str | None:
    flavour = config.stash.get(_SERVED, None)
    if flavour is None:
        return None
    pinned = flavour.pins() if flavour.origin else "no SDK pin found: kit's SDK as of 1.23"
    return f"kit: sekoia_automation served by kit ({pinned})"
