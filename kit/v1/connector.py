"""``sekoia_automation.connector`` as the SDK before 1.23 has it: a ``pydantic.v1`` configuration."""

from __future__ import annotations

from pydantic.v1 import BaseModel

from kit.connector import Connector, EventType


# The configuration every connector has. No docstring: pydantic.v1 would give it to every
# subclass's schema as its description (inspect.getdoc follows the MRO).
class DefaultConnectorConfiguration(BaseModel):

    intake_server: str | None = None
    intake_key: str


__all__ = ["Connector", "DefaultConnectorConfiguration", "EventType"]
