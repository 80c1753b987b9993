import time

import requests
from pydantic import BaseModel, Field
from sekoia_automation.storage import PersistentJSON
from sekoia_automation.trigger import Trigger

SEVERITIES = ("low", "medium", "high")


class FetchAlertsConfiguration(BaseModel):
    frequency: int = Field(300, ge=10, description="Seconds between two polls")
    severity: str = Field(description="Only alerts of this severity or above")


class FetchAlertsTrigger(Trigger):
    """Polls GET /alerts?after=<last id> and starts one playbook run per alert."""

    configuration: FetchAlertsConfiguration

    def run(self) -> None:
        state = PersistentJSON("state.json", self.data_path)
        minimum = SEVERITIES.index(self.configuration.severity)
        while self.running:
            with state as context:
                after = context.get("last_id", 0)
            response = requests.get(
                f"{self.module.configuration.base_url}/alerts",
                params={"after": after},
                headers={"Authorization": f"Bearer {self.module.configuration.api_key}"},
                timeout=30,
            )
            response.raise_for_status()
            for alert in response.json()["items"]:
                if SEVERITIES.index(alert["severity"]) >= minimum:
                    self.send_event(event_name=f"Acme alert {alert['id']}", event=alert)
                with state as context:
                    context["last_id"] = int(alert["id"])
            time.sleep(self.configuration.frequency)
