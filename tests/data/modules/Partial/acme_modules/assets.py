from sekoia_automation.asset_connector import AssetConnector
from sekoia_automation.typing import SupportedAuthentications


class DeviceAssets(AssetConnector):
    authentication = SupportedAuthentications

    def get_assets(self):
        yield from ()
