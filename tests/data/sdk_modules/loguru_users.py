"""A trigger in the shape of the repository's loguru users, for the real SDK."""

import logging
import time

from loguru import logger
from sekoia_automation.trigger import Trigger

standard_logger = logging.getLogger("kit_test.loguru_users")


class LoguruTrigger(Trigger):
    """Logs with loguru (a message with arguments, a bound payload) and with logging, then sends an event."""

    def run(self):
        n = 0
        while self.running:
            n += 1
            logger.info("fetched {count} alerts", count=n)
            logger.bind(payload={"users": [{"name": "Nick", "age": 87}]}).debug("users payload")
            standard_logger.warning("slow page %d", n)
            self.send_event("alerts", {"count": n})
            time.sleep(60)
