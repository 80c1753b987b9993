"""A trigger that starts a playbook for each risky login."""

import time

import requests

from kit import Trigger

from .models import AcmeModule, LoginTriggerConfiguration, SuspiciousLogin


class SuspiciousLoginTrigger(Trigger):
    """Polls ``GET /api/v1/logins?after=<id>`` and sends one event per login at or above ``min_risk``."""

    name = "Suspicious Acme login"
    description = "Start a playbook when Acme scores a login as risky"
    module: AcmeModule
    configuration: LoginTriggerConfiguration
    results_model = SuspiciousLogin

    def run(self) -> None:
        last_id = 0
        while self.running:
            response = requests.get(
                f"{self.module.configuration.base_url}/api/v1/logins",
                params={"after": last_id},
                headers={"Authorization": f"Bearer {self.module.configuration.api_key}"},
                timeout=30,
            )
            response.raise_for_status()
            for login in response.json()["items"]:
                last_id = max(last_id, login["id"])
                if login["risk"] >= self.configuration.min_risk:
                    self.send_event(
                        event_name=f"Suspicious login of {login['user']}",
                        event={
                            "user": login["user"],
                            "source_ip": login["ip"],
                            "country": login["country"],
                            "risk": login["risk"],
                            "login_at": login["at"],
                        },
                    )
            time.sleep(self.configuration.frequency)
