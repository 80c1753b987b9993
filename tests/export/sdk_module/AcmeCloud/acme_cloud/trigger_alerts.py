import time

from requests import RequestException
from sekoia_automation.trigger import Trigger

from acme_cloud.client import ClientMixin
from acme_cloud.models import Alert, AlertsConfiguration


class AlertsTrigger(ClientMixin, Trigger):
    """Start a playbook for each new Acme Cloud alert."""

    name = "Get Acme Cloud alerts"
    description = "Start a playbook for each new alert"
    configuration: AlertsConfiguration
    results_model = Alert

    def run(self) -> None:
        after = None
        while self.running:
            try:
                params = {"after": after} if after else {}
                if self.configuration.severity:
                    params["severity"] = self.configuration.severity
                response = self.client.get(self.client.url("/v1/alerts"), params=params, timeout=30)
                response.raise_for_status()
                for alert in response.json()["items"]:
                    after = alert["id"]
                    self.send_event(event_name=f"Acme Cloud alert {alert['id']}", event=Alert(**alert).model_dump())
            except RequestException as error:
                self.log_exception(error, message="Failed to fetch alerts")
            time.sleep(self.configuration.frequency)
