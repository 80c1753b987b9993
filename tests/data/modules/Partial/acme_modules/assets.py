from sekoia_automation.asset_connector import AssetConnector
from sekoia_automation.http.sync.http_client import SyncHttpClient


class DeviceAssets(AssetConnector):
    client = SyncHttpClient

    def get_assets(self):
        yield from ()
