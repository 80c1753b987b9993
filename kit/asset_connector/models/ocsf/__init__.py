"""OCSF models of assets, as in ``sekoia_automation.asset_connector.models.ocsf``."""
