"""The fake platform's rules engine: TIME_INTERVAL (cron) and EVENT (counter) triggers.

``platform.add_rule(...)``, ``platform.publish(...)`` and ``platform.publish_many(...)`` use it;
this namespace gives its classes for typed rules, records and errors::

    from kit.rules import EventTrigger, Target, TimeIntervalTrigger
    platform.add_rule(NotifyAction, [EventTrigger("CLIENT_SUBSCRIBED", 3)], [Target.client("alice")])

Importing it does not import pandas (the tables do, when read).
"""

from kit._rules import *  # noqa: F403
from kit._rules import __all__  # noqa: F401
