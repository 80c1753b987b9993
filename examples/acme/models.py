"""Configuration and event models of the Acme module."""

from pydantic import BaseModel, Field

from kit import DefaultConnectorConfiguration, Module


class AcmeModuleConfiguration(BaseModel):
    """How to reach the Acme API."""

    base_url: str = Field("https://api.acme.test", description="Acme API root")
    api_key: str = Field(description="Acme API key", json_schema_extra={"secret": True})


class AcmeModule(Module):
    configuration: AcmeModuleConfiguration


class AuditConnectorConfiguration(DefaultConnectorConfiguration):
    """Where events go, and how often the audit log is polled."""

    frequency: int = Field(60, description="seconds between two polls when there is nothing new")
    page_size: int = Field(100, ge=1, le=1000, description="events per page")


class LoginTriggerConfiguration(BaseModel):
    """How often the login feed is polled and what counts as suspicious."""

    frequency: int = Field(300, description="seconds between two polls")
    min_risk: int = Field(70, ge=0, le=100, description="lowest risk score that starts a playbook")


class SuspiciousLogin(BaseModel):
    """The event a suspicious login starts a playbook with."""

    user: str
    source_ip: str
    country: str
    risk: int
    login_at: str
