"""``sekoia_automation.asset_connector.models.ocsf.base`` of the SDK before 1.23: as in kit."""

from kit.asset_connector.models.ocsf.base import *  # noqa: F403
from kit.asset_connector.models.ocsf.base import __all__  # noqa: F401
