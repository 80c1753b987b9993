"""``sekoia_automation.asset_connector.connector`` of the SDK before 1.23."""

from kit.asset_connector import connector as _current
from kit.v1.asset_connector.models.connector import AssetList


class AssetConnector(_current.AssetConnector):
    """:class:`kit.asset_connector.AssetConnector`, pushing this SDK's :class:`AssetList`."""

    asset_list_model = AssetList


__all__ = ["AssetConnector"]
