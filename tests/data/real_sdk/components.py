"""Components written for the real sekoia_automation SDK (used by the compatibility tests)."""

import time

from pydantic import BaseModel
from sekoia_automation.action import Action
from sekoia_automation.connector import Connector, DefaultConnectorConfiguration
from sekoia_automation.storage import PersistentJSON
from sekoia_automation.trigger import Trigger


class LookupArguments(BaseModel):
    ip: str
    tags: list[str] = []


class LookupResult(BaseModel):
    ip: str
    score: int
    tags: list[str]


class LookupAction(Action):
    results_model = LookupResult

    def run(self, arguments: LookupArguments) -> dict:
        self.log(f"scoring {arguments.ip}", "info")
        score = sum(int(part) for part in arguments.ip.split(".")) % 100
        self.set_output("risky" if score > 50 else "safe")
        return {"ip": arguments.ip, "score": score, "tags": arguments.tags}


class Event(BaseModel):
    name: str
    value: int


class CountingConfiguration(DefaultConnectorConfiguration):
    frequency: int = 10


class CountingConnector(Connector):
    configuration: CountingConfiguration

    def run(self):
        while self.running:
            with PersistentJSON("context.json", self.data_path) as context:
                n = context.get("n", 0) + 1
                context["n"] = n
            self.push_events_to_intakes([{"n": n, "text": "héllo"}, f"line {n}", Event(name="e", value=n)])
            time.sleep(self.configuration.frequency)


class Alert(BaseModel):
    id: int
    severity: str = "low"


class AlertTrigger(Trigger):
    results_model = Alert

    def run(self):
        n = 0
        while self.running:
            n += 1
            self.send_event("alert", {"id": n})
            time.sleep(60)
