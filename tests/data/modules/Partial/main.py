from acme_modules import AcmeModule
from acme_modules.assets import DeviceAssets
from acme_modules.trigger_alerts import AlertsTrigger

if __name__ == "__main__":
    module = AcmeModule()
    module.register(AlertsTrigger, "alerts_trigger")
    module.register(DeviceAssets, "device_assets")
    module.run()
