from acme_cloud import AcmeCloudModule
from acme_cloud.action_lookup_ip import ListTagsAction, LookupIPAction
from acme_cloud.connector_audit import AuditLogsConnector
from acme_cloud.trigger_alerts import AlertsTrigger

if __name__ == "__main__":
    module = AcmeCloudModule()
    module.register(AlertsTrigger, "acme_cloud_alerts_trigger")
    module.register(AuditLogsConnector, "acme_cloud_audit_logs")
    module.register(LookupIPAction, "acme_cloud_lookup_ip")
    module.register(ListTagsAction, "acme_cloud_list_tags")
    module.run()
