"""``sekoia_automation.asset_connector.models.ocsf.user`` of the SDK before 1.23: ``UserTypeId.OTHER``,
no ``last_time_password_change`` and required enrichment fields."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.ocsf import user as _current
from kit.asset_connector.models.ocsf._tables import enum_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.risk_level import RiskLevelId, RiskLevelStr  # noqa: F401
from kit.asset_connector.models.ocsf.user import Account, AccountTypeId, AccountTypeStr, Group, Organization  # noqa: F401

UserTypeId, UserTypeStr = enum_pair("UserTypeId", "UserTypeStr", [*_current.USER_TYPES, ("OTHER", 99, "Other")], __name__)


class UserDataObject(BaseModel):
    """Sekoia's extra data about a user: enabled, logons, bad passwords."""

    is_enabled: bool | None = None
    last_logon: str | None = None
    bad_password_count: int | None = None
    number_of_logons: int | None = None


class UserEnrichmentObject(BaseModel):
    """An enrichment of a user record: name, value and data are all required."""

    name: str
    value: str
    data: UserDataObject


class User(_current.User):
    """An OCSF ``user`` object, with this SDK's user types."""

    type_id: UserTypeId | None = None  # type: ignore[valid-type]
    type: UserTypeStr | None = None  # type: ignore[valid-type]


class UserOCSFModel(OCSFBaseModel):
    """A user inventory record (OCSF class ``user_inventory``)."""

    user: User
    enrichments: list[UserEnrichmentObject] | None = None


__all__ = _current.__all__
