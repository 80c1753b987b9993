from identity_modules import IdentityModule
from identity_modules.audit_logs import AuditLogsConnector

if __name__ == "__main__":
    module = IdentityModule()
    module.register(AuditLogsConnector, "identity_audit_logs")
    module.run()
