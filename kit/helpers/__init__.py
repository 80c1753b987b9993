"""Helpers, as in ``sekoia_automation.helpers``."""
