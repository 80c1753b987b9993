from sekoia_automation.action import Action

from acme_cloud.client import ClientMixin


class AcmeCloudAction(ClientMixin, Action):
    """Base of the module's actions: an authenticated client and error reporting."""

    def get_json(self, path: str, **params) -> dict | None:
        response = self.client.get(self.client.url(path), params=params, timeout=30)
        if not response.ok:
            self.error(f"Acme Cloud answered {response.status_code} for {path}")
            return None
        return response.json()
