"""``sekoia_automation.asset_connector.models.ocsf.risk_level`` of the SDK before 1.23: as in kit."""

from kit.asset_connector.models.ocsf.risk_level import *  # noqa: F403
from kit.asset_connector.models.ocsf.risk_level import __all__  # noqa: F401
