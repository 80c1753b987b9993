"""HTTP clients with retries and rate limits, as in ``sekoia_automation.http`` (kit implements the aio one).

Their calls are ``aiohttp`` calls: made by a hosted component, they are answered
by ``platform.http`` and recorded in ``sim.http``, and their back-off sleeps and
rate-limiter waits are pause points on the virtual clock.
"""
