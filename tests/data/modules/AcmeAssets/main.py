from acme_assets import AcmeModule
from acme_assets.devices import AcmeDeviceAssets

if __name__ == "__main__":
    module = AcmeModule()
    module.register(AcmeDeviceAssets, "acme_device_assets")
    module.run()
