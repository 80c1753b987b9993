"""``sekoia_automation.http.aio.token_refresher`` as the SDK before 1.23 has it: a ``pydantic.v1`` token."""

from __future__ import annotations

import time
from typing import Generic, TypeVar

from pydantic.v1 import BaseModel
from pydantic.v1.generics import GenericModel

from kit.http.aio.token_refresher import GenericTokenRefresher, RefreshedTokenT

HttpTokenT = TypeVar("HttpTokenT", bound=BaseModel)


class RefreshedToken(GenericModel, Generic[HttpTokenT]):
    """A token as the authorization server gave it, with when it was made and how long it lives (seconds)."""

    token: HttpTokenT
    created_at: int
    ttl: int

    def is_expired(self) -> bool:
        """Past ``created_at + ttl`` (with a second's margin), on the component's clock."""
        return self.created_at + self.ttl < time.time() - 1

    def is_valid(self) -> bool:
        """Not :meth:`is_expired`."""
        return not self.is_expired()


__all__ = ["GenericTokenRefresher", "HttpTokenT", "RefreshedToken", "RefreshedTokenT"]
