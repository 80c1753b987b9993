import requests
from sekoia_automation.asset_connector import AssetConnector
from sekoia_automation.asset_connector.models.ocsf.base import Metadata, Product
from sekoia_automation.asset_connector.models.ocsf.device import Device, DeviceOCSFModel, DeviceTypeId, DeviceTypeStr

# DeviceTypeId.LAPTOP exists in the SDK this module pins (1.22.3), not in later ones
KINDS = {"laptop": (DeviceTypeId.LAPTOP, DeviceTypeStr.LAPTOP), "server": (DeviceTypeId.SERVER, DeviceTypeStr.SERVER)}


class AcmeDeviceAssets(AssetConnector):
    def update_checkpoint(self) -> None:
        pass

    def get_assets(self):
        for host in requests.get("https://api.acme.test/hosts", timeout=10).json():
            type_id, type_str = KINDS[host["kind"]]
            yield DeviceOCSFModel(
                activity_id=2, activity_name="Collect", category_name="Discovery", category_uid=5,
                class_name="Device Inventory Info", class_uid=5001, type_name="Device Inventory Info: Collect",
                type_uid=500102, time=1700000000, metadata=Metadata(product=Product(name="Acme"), version="1.5.0"),
                device=Device(type_id=type_id, type=type_str, uid=host["id"], hostname=host["name"]),
            )
