"""The loguru configuration of ``sekoia_automation.loguru``: ``config.init_logging(LoggingConfig())``.

https://github.com/Delgan/loguru

As in the real SDK, ``init_logging`` sends the standard ``logging`` records to
loguru and loguru's lines to ``sys.stdout``.  On kit, what a hosted component
logs through loguru is also recorded by the fake platform (``sim.logs``,
``source="loguru"``, ``sent=False``: the real platform sees only the container's
output, not its log API), and kit's capture of ``logging`` records stays in place.
"""
