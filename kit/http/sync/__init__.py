"""The synchronous client, as in ``sekoia_automation.http.sync``."""
