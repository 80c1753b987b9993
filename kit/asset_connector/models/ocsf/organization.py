"""``sekoia_automation.asset_connector.models.ocsf.organization``: the organisation an asset belongs to."""

from __future__ import annotations

from pydantic import BaseModel


class Organization(BaseModel):
    """An OCSF ``organization`` object (with its organisational unit)."""

    name: str
    ou_name: str | None = None
    ou_uid: str | None = None
    uid: str | None = None


__all__ = ["Organization"]
