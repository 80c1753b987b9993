import requests
from sekoia_automation.action import Action


class GetAlertAction(Action):
    """Read one alert."""

    def run(self, arguments: dict) -> dict:
        response = requests.get(
            f"{self.module.configuration.base_url}/alerts/{arguments['alert_id']}",
            headers={"Authorization": f"Bearer {self.module.configuration.api_key}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()
