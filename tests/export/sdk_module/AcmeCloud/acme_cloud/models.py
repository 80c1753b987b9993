from typing import Optional

from pydantic import BaseModel, Field
from sekoia_automation.connector import DefaultConnectorConfiguration


class AlertsConfiguration(BaseModel):
    frequency: int = Field(60, description="Seconds between two polls")
    severity: Optional[str] = Field(None, description="Only alerts of this severity")


class Alert(BaseModel):
    id: str
    severity: str
    title: str


class AuditConfiguration(DefaultConnectorConfiguration):
    frequency: int = Field(60, description="Seconds between two polls")
    chunk_size: int = Field(500, description="Events per batch sent to the intake")


class LookupArguments(BaseModel):
    ip: str = Field(..., description="The IP address to look up")


class LookupResults(BaseModel):
    ip: str
    known: bool
    reputation: Optional[int] = None
