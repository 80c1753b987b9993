"""Components using the SDK's own HTTP clients, written for the real SDK as modules of the repository are."""

import asyncio
import time

from pydantic import BaseModel
from sekoia_automation.aio.connector import AsyncConnector
from sekoia_automation.http.aio.http_client import AsyncHttpClient
from sekoia_automation.http.aio.token_refresher import GenericTokenRefresher, RefreshedToken
from sekoia_automation.http.retry import RetryPolicy
from sekoia_automation.http.sync.http_client import SyncHttpClient
from sekoia_automation.trigger import Trigger

API = "https://api.acme.example"


class ApiToken(BaseModel):
    access_token: str


class AcmeTokenRefresher(GenericTokenRefresher[RefreshedToken[ApiToken]]):
    async def get_token(self) -> RefreshedToken[ApiToken]:
        async with self.session().post(f"{API}/oauth/token", data={"grant_type": "client_credentials"}) as response:
            data = await response.json()
        return RefreshedToken(token=ApiToken(access_token=data["access_token"]), created_at=int(time.time()), ttl=data["expires_in"])


class AcmeClient(AsyncHttpClient):
    def __init__(self) -> None:
        super().__init__(retry_policy=RetryPolicy.create(max_retries=3, backoff_factor=2, status_forcelist=[503]))
        self.refresher = AcmeTokenRefresher()

    async def alerts(self) -> list:
        async with self.refresher.with_access_token() as token:
            headers = {"Authorization": f"Bearer {token.token.access_token}"}
            async with self.get(f"{API}/alerts", headers=headers) as response:
                return (await response.json())["items"]

    async def close(self) -> None:
        await self.refresher.close()
        await super().close()


def fetch_sync() -> list:
    """One page of alerts with the sync client: a 429 is retried by urllib3 with a backoff."""
    client = SyncHttpClient.create(max_retries=3, backoff_factor=1, status_forcelist=[429])
    response = client.session().get(f"{API}/alerts")
    return [response.status_code, response.json()["items"]]


async def fetch_async() -> list:
    client = AcmeClient()
    try:
        return await client.alerts()
    finally:
        await client.close()


class SyncAlerts(Trigger):
    def run(self) -> None:
        while self.running:
            status, items = fetch_sync()
            self.send_event("alerts", {"status": status, "items": items})
            time.sleep(60)


class AsyncAlerts(AsyncConnector):
    async def main(self) -> None:
        while self.running:
            items = await fetch_async()
            await self.push_data_to_intakes([str(item) for item in items])
            await asyncio.sleep(60)

    def run(self) -> None:
        asyncio.run(self.main())
