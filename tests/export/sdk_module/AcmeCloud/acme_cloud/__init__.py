from pydantic import BaseModel, Field
from sekoia_automation.module import Module


class AcmeCloudConfiguration(BaseModel):
    base_url: str = Field("https://api.acme-cloud.test", description="API root of the Acme Cloud tenant")
    api_key: str = Field(..., description="API key of a service account", secret=True)


class AcmeCloudModule(Module):
    configuration: AcmeCloudConfiguration
