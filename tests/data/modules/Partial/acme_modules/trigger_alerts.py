import time
from datetime import datetime, timezone
import requests
from pydantic import BaseModel
from sekoia_automation.trigger import Trigger
from sekoia_automation.storage import PersistentJSON
from acme_modules import AcmeModule
class AlertsConfiguration(BaseModel):
    frequency: int = 60
class AlertsTrigger(Trigger):
    module: AcmeModule
    configuration: AlertsConfiguration
    def run(self):
        while self.running:
            r = requests.get(f"{self.module.configuration.base_url}/alerts", headers={"Authorization": self.module.configuration.api_key})
            for a in r.json()["items"]:
                self.send_event("alert", {"id": a["id"], "seen": datetime.now(timezone.utc).isoformat()})
            with PersistentJSON("context.json", self.data_path) as ctx:
                ctx["last"] = datetime.now(timezone.utc).isoformat()
            time.sleep(self.configuration.frequency)
