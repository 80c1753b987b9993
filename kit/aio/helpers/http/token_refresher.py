"""``sekoia_automation.aio.helpers.http.token_refresher`` (the SDK before 1.20): a ``pydantic.v1`` token.

Its refresher differs from :mod:`kit.http.aio.token_refresher`'s as the SDK's did then: it
refreshes on schedule only (not when the token is found expired) and :meth:`close` leaves the
session open.
"""

from __future__ import annotations

from kit.http.aio.token_refresher import GenericTokenRefresher as _Refresher
from kit.http.aio.token_refresher import RefreshedTokenT
from kit.v1.http.aio.token_refresher import HttpTokenT, RefreshedToken


class GenericTokenRefresher(_Refresher[RefreshedTokenT]):
    """Keeps an access token fresh: subclasses implement :meth:`get_token` (see :mod:`kit.http.aio.token_refresher`)."""

    _refresh_expired = False

    async def close(self) -> None:
        """Cancel the scheduled refresh."""
        if self._token_refresh_task:
            self._token_refresh_task.cancel()


__all__ = ["GenericTokenRefresher", "HttpTokenT", "RefreshedToken", "RefreshedTokenT"]
