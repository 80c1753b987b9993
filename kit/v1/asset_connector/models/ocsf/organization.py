"""``sekoia_automation.asset_connector.models.ocsf.organization`` of the SDK before 1.23: as in kit."""

from kit.asset_connector.models.ocsf.organization import *  # noqa: F403
from kit.asset_connector.models.ocsf.organization import __all__  # noqa: F401
