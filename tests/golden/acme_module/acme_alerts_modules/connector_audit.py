import time

from pydantic import Field
from sekoia_automation.connector import Connector, DefaultConnectorConfiguration

from acme_alerts_modules.common import now_iso

PAGE_SIZE = 50


class AuditConnectorConfiguration(DefaultConnectorConfiguration):
    batch_size: int = Field(PAGE_SIZE, description="Events per batch")


class AuditConnector(Connector):
    configuration: AuditConnectorConfiguration

    def run(self) -> None:
        while self.running:
            self.push_events_to_intakes(events=[f"audit {now_iso()}"])
            time.sleep(60)
