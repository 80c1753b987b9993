"""``sekoia_automation.asset_connector.models.connector`` of the SDK before 1.23."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.connector import DefaultAssetConnectorConfiguration
from kit.v1.asset_connector.models.ocsf.device import DeviceOCSFModel
from kit.v1.asset_connector.models.ocsf.software import SoftwareOCSFModel
from kit.v1.asset_connector.models.ocsf.user import UserOCSFModel
from kit.v1.asset_connector.models.ocsf.vulnerability import VulnerabilityOCSFModel

#: any asset an asset connector yields
AssetItem = VulnerabilityOCSFModel | DeviceOCSFModel | UserOCSFModel | SoftwareOCSFModel


class AssetList(BaseModel):
    """The body of one push: the OCSF schema version (Sekoia's numbering) and the assets."""

    version: int
    items: list[AssetItem] = []


__all__ = ["AssetItem", "AssetList", "DefaultAssetConnectorConfiguration"]
