"""Asset connectors, as in ``sekoia_automation.asset_connector``: :class:`AssetConnector` (sync) and
:class:`AsyncAssetConnector`, pushing OCSF models (:mod:`kit.asset_connector.models`) to Sekoia.io's
asset-management API; on a kit platform their pushes are recorded (``sim.assets``)."""

from kit.asset_connector.async_connector import AsyncAssetConnector
from kit.asset_connector.connector import AssetConnector

__all__ = ["AssetConnector", "AsyncAssetConnector"]
