import time

from pydantic import BaseModel, Field
from sekoia_automation.trigger import Trigger

from acme_alerts_modules.common import now_iso


class AlertsConfiguration(BaseModel):
    frequency: int = Field(60, description="Seconds between two polls")
    severity: str | None = None


class Alert(BaseModel):
    id: str
    severity: str
    created_at: str


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
