from pydantic import BaseModel, Field
from sekoia_automation.module import Module


class IdentityConfiguration(BaseModel):
    base_url: str = Field(..., description="Tenant URL")
    api_token: str = Field(..., description="API token", json_schema_extra={"secret": True})


class IdentityModule(Module):
    configuration: IdentityConfiguration
