from pydantic import BaseModel
from sekoia_automation.module import Module


class AcmeConfiguration(BaseModel):
    api_key: str


class AcmeModule(Module):
    configuration: AcmeConfiguration
