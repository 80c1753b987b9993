"""Components in the shapes of the repository's RepeatedTimer and Workers users, for the real SDK."""

import time

from sekoia_automation.connector import Connector
from sekoia_automation.connector.workers import Worker, Workers
from sekoia_automation.timer import RepeatedTimer
from sekoia_automation.trigger import Trigger


class RefreshingTrigger(Trigger):
    """Refreshes a stream token every 30 s with a RepeatedTimer while its loop reads every 10 s."""

    def run(self):
        self.refreshes = 0
        self.refresh_timer = RepeatedTimer(30, self.refresh)
        self.refresh_timer.start()
        try:
            while self.running:
                self.send_event("tick", {"refreshes": self.refreshes})
                time.sleep(10)
        finally:
            self.refresh_timer.stop()

    def refresh(self):
        self.refreshes += 1
        self.log(f"refresh {self.refreshes}", "info")


class Fetcher(Worker):
    """Pushes one event every 5 s until stopped."""

    def __init__(self, connector, name):
        super().__init__()
        self.connector = connector
        self.label = name

    def run(self):
        n = 0
        while self.is_running:
            n += 1
            self.connector.push_events_to_intakes([f"{self.label} {n}"])
            time.sleep(5)


class WorkersConnector(Connector):
    """Runs two Fetcher workers, supervised every 10 s."""

    def run(self):
        self.workers = Workers.create(2, Fetcher, self, "fetcher")
        self.workers.start()
        while self.running:
            self.workers.supervise()
            time.sleep(10)
        self.workers.stop()
