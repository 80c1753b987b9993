from pydantic import BaseModel, Field
from sekoia_automation.module import Module
class AcmeConfiguration(BaseModel):
    api_key: str = Field(json_schema_extra={"secret": True})
    base_url: str = "https://api.acme.test"
class AcmeModule(Module):
    configuration: AcmeConfiguration
