"""The aiohttp client and token refresher, as in ``sekoia_automation.http.aio``."""
