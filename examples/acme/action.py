"""An action that looks an Acme user up."""

import requests
from pydantic import BaseModel, Field

from kit import Action

from .models import AcmeModule


class LookupUserArguments(BaseModel):
    email: str = Field(description="The user's e-mail address")


class AcmeUser(BaseModel):
    email: str
    department: str
    mfa: bool


class LookupUserAction(Action):
    """``GET /api/v1/users/<email>``: the user's department and whether MFA is on."""

    name = "Look up an Acme user"
    description = "Get an Acme user's department and MFA status"
    module: AcmeModule
    results_model = AcmeUser

    def run(self, arguments: LookupUserArguments) -> dict:
        response = requests.get(
            f"{self.module.configuration.base_url}/api/v1/users/{arguments.email}",
            headers={"Authorization": f"Bearer {self.module.configuration.api_key}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()
