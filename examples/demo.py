"""kit's demo: the Acme connector and trigger stepped on the fake platform, an action run, and the
whole module exported to a module directory that ``kit check`` reads.

Run it with ``python examples/demo.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kit  # noqa: E402
from acme import fake_api  # noqa: E402
from acme.action import LookupUserAction  # noqa: E402
from acme.connector import AcmeAuditConnector  # noqa: E402
from acme.models import AcmeModule  # noqa: E402
from acme.trigger import SuspiciousLoginTrigger  # noqa: E402

MODULE_CONFIGURATION = {"base_url": "https://api.acme.test", "api_key": "acme-demo-key-123"}


def main() -> None:
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 12)
    with kit.FakePlatform(start="2024-01-01T06:00:00Z") as platform:
        fake_api.register(platform.http)
        connector = platform.load(
            AcmeAuditConnector,
            configuration={"intake_key": "demo-intake-key", "frequency": 60, "page_size": 50},
            module_configuration=MODULE_CONFIGURATION,
            module=AcmeModule,
        )
        trigger = platform.load(
            SuspiciousLoginTrigger,
            configuration={"frequency": 300, "min_risk": 70},
            module_configuration=MODULE_CONFIGURATION,
            module=AcmeModule,
        )

        print("== First step of the connector (it catches up on the last hour, page by page)")
        print(connector.step())
        print()
        print("== Two virtual hours of both components, interleaved by the platform's clock")
        reports = platform.advance(hours=2)
        print(f"{len(reports)} steps, virtual time now {platform.clock.now():%Y-%m-%d %H:%M:%S} UTC")
        print()
        print("== Intake events (sim.events)")
        print(connector.events[["step", "time", "id", "timestamp", "user", "action"]].tail(8).to_string())
        print()
        print("== Playbook runs (sim.runs)")
        print(trigger.runs[["step", "time", "event_name", "risk", "country"]].to_string())
        print()
        print("== The connector's cursor survives a restart")
        print("before:", dict(connector.storage)["context.json"]["cursor"])
        connector.restart()
        connector.run_for(minutes=10)
        print("after: ", dict(connector.storage)["context.json"]["cursor"])
        ids = connector.events["id"]
        print(f"{len(ids)} events, {ids.duplicated().sum()} duplicated")
        print()
        print("== An action: run once, its results checked against its results model")
        record = platform.run_action(
            LookupUserAction, {"email": "bob@acme.test"}, module_configuration=MODULE_CONFIGURATION, module=AcmeModule
        )
        print(record)
        print("results:", record.results)
        print()
        print("== Export: the three components become a module directory (sekoia_automation imports)")
        with tempfile.TemporaryDirectory() as where:
            target = Path(where) / "Acme"
            kit.export(
                AcmeAuditConnector, SuspiciousLoginTrigger, LookupUserAction, module=AcmeModule, to=target,
                simulations=[connector, trigger, record], lock=False,
            )
            for path in sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()):
                print("  ", path)
            # lock=False keeps the demo quick and offline; then kit check says what is left to do
            findings = kit.check(target)
            print("kit check:", "no problems" if not findings else "")
            for finding in findings:
                print(f"   {finding.file}: {finding.message}; {finding.fix}".replace(where, "<tmp>"))
        print()
        print("Open the notebooks: python -m pip install -e '.[test]' && python -m jupyter lab notebooks/")


if __name__ == "__main__":
    main()
