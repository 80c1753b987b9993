"""Asset models, as in ``sekoia_automation.asset_connector.models``."""
