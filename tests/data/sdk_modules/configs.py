"""A trigger reading its configuration through sekoia_automation.config, for the real SDK."""

import time

from sekoia_automation import config
from sekoia_automation.trigger import Trigger


class ConfigReadingTrigger(Trigger):
    """Sends what sekoia_automation.config answers for a set key, a missing one and a missing one allowed."""

    def run(self):
        while self.running:
            try:
                missing = config.load_config("no_such_key")
            except FileNotFoundError as error:
                missing = str(error)
            self.send_event(
                "config",
                {
                    "configuration": config.load_config("trigger_configuration", "json"),
                    "missing": missing,
                    "allowed": config.load_config("no_such_key", non_exist_ok=True),
                },
            )
            time.sleep(60)
