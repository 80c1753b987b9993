"""Asset connectors in the shapes of the module repository's (a client fetching pages from a vendor's
API, a mapping to OCSF models, a checkpoint), written against the real SDK. The methods
``get_mapped_fields`` and ``reset_checkpoint`` are there because SDKs from 1.24 make them abstract."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import requests

from sekoia_automation.asset_connector import AssetConnector, AsyncAssetConnector
from sekoia_automation.asset_connector.models.ocsf.base import Metadata, Product
from sekoia_automation.asset_connector.models.ocsf.device import (
    Device,
    DeviceOCSFModel,
    DeviceTypeId,
    DeviceTypeStr,
    OperatingSystem,
    OSTypeId,
    OSTypeStr,
)
from sekoia_automation.asset_connector.models.ocsf.group import Group
from sekoia_automation.asset_connector.models.ocsf.user import (
    Account,
    AccountTypeId,
    AccountTypeStr,
    User,
    UserOCSFModel,
)

VENDOR = "https://vendor.test/api"
METADATA = Metadata(product=Product(name="Acme EDR", vendor_name="Acme", version="2"), version="1.5.0")


def device_asset(host: dict) -> DeviceOCSFModel:
    os_type = OSTypeId.WINDOWS if host["os"] == "windows" else OSTypeId.LINUX
    return DeviceOCSFModel(
        activity_id=2,
        activity_name="Collect",
        category_name="Discovery",
        category_uid=5,
        class_name="Device Inventory Info",
        class_uid=5001,
        type_name="Device Inventory Info: Collect",
        type_uid=500102,
        time=host["seen"],
        metadata=METADATA,
        device=Device(
            type_id=DeviceTypeId.SERVER,
            type=DeviceTypeStr.SERVER,
            uid=host["id"],
            hostname=host["name"],
            os=OperatingSystem(name=host["os"], type_id=os_type, type=OSTypeStr[os_type.name]),
            last_seen_time=host["seen"],
        ),
    )


class AcmeDeviceAssets(AssetConnector):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages_read = 0
        self.checkpoints = []

    def get_mapped_fields(self) -> dict[str, str]:
        return {}

    def reset_checkpoint(self) -> None:
        self.checkpoints = []

    def update_checkpoint(self) -> None:
        self.checkpoints.append(self._latest_time)

    def get_assets(self):
        page = 1
        while page:
            answer = requests.get(f"{VENDOR}/hosts/{page}", timeout=10).json()
            self.pages_read += 1
            for host in answer["hosts"]:
                self._latest_time = host["seen"]
                yield device_asset(host)
            page = answer.get("next")


def user_asset(person: dict) -> UserOCSFModel:
    return UserOCSFModel(
        activity_id=2,
        activity_name="Collect",
        category_name="Discovery",
        category_uid=5,
        class_name="User Inventory Info",
        class_uid=5003,
        type_name="User Inventory Info: Collect",
        type_uid=500302,
        time=1700000000.0,
        metadata=METADATA,
        user=User(
            name=person["login"],
            uid=person["id"],
            email_addr=person.get("email"),
            has_mfa=person.get("mfa"),
            account=Account(name=person["login"], type_id=AccountTypeId.LDAP_ACCOUNT, type=AccountTypeStr.LDAP_ACCOUNT),
            groups=[Group(name=g) for g in person.get("groups", [])],
        ),
    )


class AcmeUserAssets(AsyncAssetConnector):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checkpoints = []

    def get_mapped_fields(self) -> dict[str, str]:
        return {}

    def reset_checkpoint(self) -> None:
        self.checkpoints = []

    async def update_checkpoint(self) -> None:
        self.checkpoints.append(time.time())

    async def get_assets(self):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{VENDOR}/users") as response:
                people = (await response.json())["users"]
        for person in people:
            await asyncio.sleep(0)
            yield user_asset(person)
