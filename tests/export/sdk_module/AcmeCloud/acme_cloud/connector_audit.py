import time
from functools import cached_property

from sekoia_automation.connector import Connector
from sekoia_automation.storage import PersistentJSON

from acme_cloud.client import ClientMixin
from acme_cloud.models import AuditConfiguration


class AuditLogsConnector(ClientMixin, Connector):
    """Forward Acme Cloud audit logs."""

    name = "Acme Cloud audit logs"
    description = "Forward the audit logs of Acme Cloud"
    configuration: AuditConfiguration

    @cached_property
    def context(self) -> PersistentJSON:
        return PersistentJSON("context.json", self.data_path)

    def run(self) -> None:
        while self.running:
            with self.context as context:
                cursor = context.get("cursor")
            response = self.client.get(self.client.url("/v1/audit"), params={"cursor": cursor}, timeout=30)
            if response.ok:
                page = response.json()
                events = [str(event) for event in page["items"]]
                for start in range(0, len(events), self.configuration.chunk_size):
                    self.push_events_to_intakes(events[start : start + self.configuration.chunk_size])
                with self.context as context:
                    context["cursor"] = page.get("cursor", cursor)
            else:
                self.log(f"audit fetch failed with {response.status_code}", level="error")
            time.sleep(self.configuration.frequency)
