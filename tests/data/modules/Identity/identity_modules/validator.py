import requests
from sekoia_automation.account_validator import AccountValidator

from identity_modules import IdentityModule


class IdentityValidator(AccountValidator):
    module: IdentityModule

    def validate(self) -> bool:
        response = requests.get(
            f"{self.module.configuration.base_url.rstrip('/')}/api/v1/users/me",
            headers={"Authorization": f"SSWS {self.module.configuration.api_token}"},
            timeout=10,
        )
        if not response.ok:
            self.error(f"the token was refused ({response.status_code})")
            return False
        return True
