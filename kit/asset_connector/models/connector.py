"""``sekoia_automation.asset_connector.models.connector``: the configuration and the pushed list."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.ocsf.device import DeviceOCSFModel
from kit.asset_connector.models.ocsf.software import SoftwareOCSFModel
from kit.asset_connector.models.ocsf.user import UserOCSFModel
from kit.asset_connector.models.ocsf.vulnerability import VulnerabilityOCSFModel

#: any asset an asset connector yields
AssetItem = VulnerabilityOCSFModel | DeviceOCSFModel | UserOCSFModel | SoftwareOCSFModel


class DefaultAssetConnectorConfiguration(BaseModel):
    """What every asset connector is configured with.

    ``sekoia_base_url`` is required but may be None (then ``https://api.sekoia.io``, or
    ``$ASSET_CONNECTOR_PRODUCTION_BASE_URL``); ``frequency`` is in seconds (3 hours by default) and
    ``batch_size`` the number of assets per push.
    """

    sekoia_base_url: str | None
    sekoia_api_key: str
    frequency: int = 10800
    batch_size: int = 100


class AssetList(BaseModel):
    """The body of one push: the OCSF schema version (Sekoia's numbering) and the assets."""

    version: int
    items: list[AssetItem] = []


__all__ = ["AssetItem", "AssetList", "DefaultAssetConnectorConfiguration"]
