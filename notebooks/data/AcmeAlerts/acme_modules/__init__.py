from pydantic import BaseModel, Field
from sekoia_automation.module import Module


class AcmeModuleConfiguration(BaseModel):
    base_url: str = Field("https://api.acme.test", description="API base URL")
    api_key: str = Field(description="API key", json_schema_extra={"secret": True})


class AcmeModule(Module):
    configuration: AcmeModuleConfiguration
