from identity_modules import IdentityModule
from identity_modules.audit_logs import AuditLogsConnector
from identity_modules.validator import IdentityValidator

if __name__ == "__main__":
    module = IdentityModule()
    module.register(AuditLogsConnector, "identity_audit_logs")
    module.register_account_validator(IdentityValidator)
    module.run()
