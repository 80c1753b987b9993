"""An async connector in the shape of the repository's users of the aio HTTP helpers (an AsyncHttpClient with
retries, an OAuth token refresher), for the real SDK."""

import asyncio
import time

from pydantic import BaseModel
from sekoia_automation.aio.connector import AsyncConnector
from sekoia_automation.http.aio.http_client import AsyncHttpClient
from sekoia_automation.http.aio.token_refresher import GenericTokenRefresher, RefreshedToken

API = "https://api.acme.test"


class AcmeToken(BaseModel):
    access_token: str
    expires_in: int


class AcmeTokenRefresher(GenericTokenRefresher[RefreshedToken[AcmeToken]]):
    """Gets an OAuth token with client credentials."""

    def __init__(self, client_id: str, secret: str, api: str = API):
        super().__init__()
        self.client_id = client_id
        self.secret = secret
        self.api = api

    async def get_token(self) -> RefreshedToken[AcmeToken]:
        async with self.session().post(
            f"{self.api}/oauth/token", json={"client_id": self.client_id, "client_secret": self.secret}
        ) as response:
            token = AcmeToken(**await response.json())
        return RefreshedToken(token=token, created_at=int(time.time()), ttl=token.expires_in)


class AcmeClient(AsyncHttpClient):
    """Reads alerts with a bearer token, retrying a 429 up to 3 times."""

    def __init__(self, refresher: AcmeTokenRefresher):
        client = AsyncHttpClient.create(max_retries=3, backoff_factor=2, status_forcelist=[429])
        super().__init__(client._retry_policy, client._rate_limiter_config)
        self.refresher = refresher

    async def alerts(self) -> tuple[int, list]:
        async with self.refresher.with_access_token() as token:
            headers = {"Authorization": f"Bearer {token.token.access_token}"}
            async with self.get(f"{self.refresher.api}/alerts", headers=headers) as response:
                return response.status, (await response.json())["alerts"]

    async def close(self) -> None:
        await super().close()
        await self.refresher.close()


class AcmeConnector(AsyncConnector):
    """Pushes the alerts of each trip, then sleeps 60 s."""

    async def async_run(self):
        client = AcmeClient(AcmeTokenRefresher("acme-id", "acme-secret"))
        try:
            while self.running:
                status, alerts = await client.alerts()
                await self.push_data_to_intakes([f"{status} alert {alert['id']}" for alert in alerts])
                await asyncio.sleep(60)
        finally:
            await client.close()
