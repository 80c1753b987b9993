from sekoia_automation.asset_connector import AssetConnector


class DeviceAssets(AssetConnector):
    def get_assets(self):
        yield from ()
