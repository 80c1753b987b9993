"""``sekoia_automation.asset_connector.models.ocsf.group``: a group of users or devices."""

from __future__ import annotations

from pydantic import BaseModel


class Group(BaseModel):
    """An OCSF ``group`` object."""

    name: str
    desc: str | None = None
    privileges: list[str] | None = None
    uid: str | None = None


__all__ = ["Group"]
