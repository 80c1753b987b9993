"""The asynchronous mode, as in ``sekoia_automation.aio``: :class:`kit.aio.connector.AsyncConnector`.

Hosted by a :class:`kit.FakePlatform`, its event loop runs on the platform's
virtual clock (every wait for a timer is a pause point) and its aiohttp calls
are answered from ``platform.http``.
"""
