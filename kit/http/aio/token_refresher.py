"""``RefreshedToken`` and ``GenericTokenRefresher``, as in ``sekoia_automation.http.aio.token_refresher``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from kit._optional import need

HttpTokenT = TypeVar("HttpTokenT", bound=BaseModel)


class RefreshedToken(BaseModel, Generic[HttpTokenT]):
    """A token as the authorization server gave it, with when it was made and how long it lives (seconds)."""

    token: HttpTokenT
    created_at: int
    ttl: int

    def is_expired(self) -> bool:
        """Past ``created_at + ttl`` (with a second's margin), on the component's clock."""
        return self.created_at + self.ttl < int(time.time()) - 1

    def is_valid(self) -> bool:
        """Not :meth:`is_expired`."""
        return not self.is_expired()


RefreshedTokenT = TypeVar("RefreshedTokenT")


class GenericTokenRefresher(Generic[RefreshedTokenT]):
    """Keeps an access token fresh: subclasses implement :meth:`get_token`.

    The first :meth:`with_access_token` gets a token and schedules the next refresh ``ttl``
    seconds later (an asyncio task: on kit, a virtual-clock sleep); :meth:`close` cancels it.
    """

    _session: Any = None  # aiohttp.ClientSession, shared by the refresher's calls
    _refresh_expired = True  # with_access_token also refreshes a token that expired

    def __init__(self) -> None:
        self._token: Any = None
        self._token_refresh_task: asyncio.Task[None] | None = None

    def session(self) -> Any:
        """The refresher's ``aiohttp.ClientSession`` (made on first use)."""
        if not self._session:
            self._session = need("aiohttp", "aiohttp", "GenericTokenRefresher.session()").ClientSession()
        return self._session

    async def get_token(self) -> RefreshedTokenT:
        """A new token: implement it in the subclass."""
        raise NotImplementedError("You should implement `get_token` method in child class")

    async def _refresh_token(self) -> None:
        self._token = await self.get_token()
        await self._schedule_token_refresh(self._token.ttl)

    async def _schedule_token_refresh(self, expires_in: int) -> None:
        if self._token_refresh_task:
            self._token_refresh_task.cancel()

        async def refresh_later() -> None:
            await asyncio.sleep(expires_in)
            await self._refresh_token()

        self._token_refresh_task = asyncio.create_task(refresh_later())

    async def close(self) -> None:
        """Cancel the scheduled refresh and close the session."""
        if self._token_refresh_task:
            self._token_refresh_task.cancel()
        if self._session:
            await self._session.close()

    @asynccontextmanager
    async def with_access_token(self) -> AsyncGenerator[RefreshedTokenT, None]:
        """The current token, got first when there is none (or it expired)."""
        if self._token is None or (self._refresh_expired and not self._token.is_valid()):
            await self._refresh_token()
        if not self._token:
            raise ValueError("Token can not be initialized")
        yield self._token


__all__ = ["GenericTokenRefresher", "HttpTokenT", "RefreshedToken", "RefreshedTokenT"]
