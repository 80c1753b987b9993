"""``sekoia_automation.asset_connector.async_connector`` of the SDK before 1.23."""

from kit.asset_connector import async_connector as _current
from kit.v1.asset_connector.models.connector import AssetList


class AsyncAssetConnector(_current.AsyncAssetConnector):
    """:class:`kit.asset_connector.AsyncAssetConnector`, pushing this SDK's :class:`AssetList`."""

    asset_list_model = AssetList


__all__ = ["AsyncAssetConnector"]
