from acme_modules import AcmeModule
from acme_modules.action_get_alert import GetAlertAction
from acme_modules.trigger_fetch_alerts import FetchAlertsTrigger

if __name__ == "__main__":
    module = AcmeModule()
    module.register(FetchAlertsTrigger, "acme_fetch_alerts")
    module.register(GetAlertAction, "acme_get_alert")
    module.run()
