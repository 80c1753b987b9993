"""A sample module written with kit, used by the export tests (golden files, round trips)."""

import time
from datetime import datetime, timezone

from pydantic import BaseModel, Field

from kit.action import Action
from kit.connector import Connector, DefaultConnectorConfiguration
from kit.module import Module
from kit.trigger import Trigger

PAGE_SIZE = 50
UNUSED_CONSTANT = "not exported"


class AcmeModuleConfiguration(BaseModel):
    base_url: str = Field("https://api.acme.test", description="API base URL")
    api_key: str = Field(description="API key", json_schema_extra={"secret": True})


class AcmeModule(Module):
    configuration: AcmeModuleConfiguration


class AlertsConfiguration(BaseModel):
    frequency: int = Field(60, description="Seconds between two polls")
    severity: str | None = None


class Alert(BaseModel):
    id: str
    severity: str
    created_at: str


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def unused_helper() -> None:
    """Not used by any component: export must not copy it."""


class AlertTrigger(Trigger):
    """Sends one event per alert."""

    name = "Fetch Alerts"
    description = "Fetch new alerts from Acme"
    configuration: AlertsConfiguration
    results_model = Alert

    def run(self) -> None:
        count = 0
        while self.running:
            count += 1
            self.send_event(
                event_name=f"alert-{count}",
                event={"id": str(count), "severity": self.configuration.severity or "low", "created_at": now_iso()},
            )
            time.sleep(self.configuration.frequency)


class AuditConnectorConfiguration(DefaultConnectorConfiguration):
    batch_size: int = Field(PAGE_SIZE, description="Events per batch")


class AuditConnector(Connector):
    configuration: AuditConnectorConfiguration

    def run(self) -> None:
        while self.running:
            self.push_events_to_intakes(events=[f"audit {now_iso()}"])
            time.sleep(60)


class LookupArguments(BaseModel):
    ip: str = Field(description="The IP address to look up")


class LookupResults(BaseModel):
    ip: str
    known: bool


class LookupIP(Action):
    """Look up an IP address."""

    name = "Lookup IP"
    description = "Tell whether Acme knows an IP address"
    results_model = LookupResults
    output_branches = {"known": "Acme knows the IP", "unknown": "Acme does not know the IP"}

    def run(self, arguments: LookupArguments) -> dict:
        known = arguments.ip.startswith("10.")
        self.set_output("known" if known else "unknown")
        return {"ip": arguments.ip, "known": known}
