"""``sekoia_automation.asset_connector.models.ocsf.risk_level``: ``RiskLevelId`` and ``RiskLevelStr``."""

from __future__ import annotations

from kit.asset_connector.models.ocsf._tables import enum_pair

RISK_LEVELS = [
    ("INFO", 0, "Info"),
    ("LOW", 1, "Low"),
    ("MEDIUM", 2, "Medium"),
    ("HIGH", 3, "High"),
    ("CRITICAL", 4, "Critical"),
    ("OTHER", 99, "Other"),
]
RiskLevelId, RiskLevelStr = enum_pair("RiskLevelId", "RiskLevelStr", RISK_LEVELS, __name__)

__all__ = ["RiskLevelId", "RiskLevelStr"]
