from acme_alerts_modules import AcmeModule

from acme_alerts_modules.trigger_alert import AlertTrigger
from acme_alerts_modules.connector_audit import AuditConnector
from acme_alerts_modules.action_lookup_ip import LookupIP

if __name__ == "__main__":
    module = AcmeModule()
    module.register(AlertTrigger, "AlertTrigger")
    module.register(AuditConnector, "AuditConnector")
    module.register(LookupIP, "LookupIP")
    module.run()
