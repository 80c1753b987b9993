"""``sekoia_automation.asset_connector`` as the SDK before 1.23 has it: the same connectors, pushing the
OCSF models of that SDK (:mod:`kit.v1.asset_connector.models`: ``DeviceTypeId.LAPTOP``,
``UserTypeId.OTHER``, required enrichment fields, ``SBOMTypeId.CYCLOEDX``...)."""

from kit.v1.asset_connector.async_connector import AsyncAssetConnector
from kit.v1.asset_connector.connector import AssetConnector

__all__ = ["AssetConnector", "AsyncAssetConnector"]
