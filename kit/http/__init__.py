"""The SDK's HTTP client helpers, as in ``sekoia_automation.http`` (SDK 1.15 and later).

- :mod:`kit.http.http_client`: :class:`~kit.http.http_client.Method` and
  :class:`~kit.http.http_client.AbstractHttpClient` (``create(max_retries=..., max_rate=...)``);
- :mod:`kit.http.retry` and :mod:`kit.http.rate_limiter`: the two configurations;
- :mod:`kit.http.sync.http_client`: a ``requests`` session with urllib3 retries (and
  ``requests_ratelimiter`` when rate limited);
- :mod:`kit.http.aio.http_client` and :mod:`kit.http.aio.token_refresher`: aiohttp.

Their calls are ordinary ``requests``/aiohttp calls, so on a kit platform they are answered
from ``platform.http``, recorded in ``sim.http``, and their backoff sleeps run on the virtual
clock.
"""
