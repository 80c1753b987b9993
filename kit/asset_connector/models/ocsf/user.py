"""``sekoia_automation.asset_connector.models.ocsf.user``: a user, its account and its inventory record."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.ocsf._tables import enum_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.group import Group
from kit.asset_connector.models.ocsf.organization import Organization
from kit.asset_connector.models.ocsf.risk_level import RiskLevelId, RiskLevelStr

ACCOUNT_TYPES = [
    ("UNKNOWN", 0, "Unknown"),
    ("LDAP_ACCOUNT", 1, "LDAP Account"),
    ("WINDOWS_ACCOUNT", 2, "Windows Account"),
    ("GCP_ACCOUNT", 5, "GCP Account"),
    ("AZURE_AD_ACCOUNT", 6, "Azure AD Account"),
    ("MAC_OS_ACCOUNT", 7, "Mac OS Account"),
    ("APPLE_ACCOUNT", 8, "Apple Account"),
    ("LINUX_ACCOUNT", 9, "Linux Account"),
    ("AWS_ACCOUNT", 10, "AWS Account"),
    ("GCP_PROJECT", 11, "GCP Project"),
    ("OCI_COMPARTMENT", 12, "OCI Compartment"),
    ("AZURE_SUBSCRIPTION", 13, "Azure Subscription"),
    ("SALESFORCE_ACCOUNT", 14, "Salesforce Account"),
    ("GOOGLE_WORKSPACE", 15, "Google Workspace"),
    ("SERVICENOW_INSTANCE", 16, "ServiceNow Instance"),
    ("M365_TENANT", 17, "M365 Tenant"),
    ("EMAIL_ACCOUNT", 18, "Email Account"),
    ("OTHER", 99, "Other"),
]
USER_TYPES = [
    ("UNKNOWN", 0, "Unknown"),
    ("USER", 1, "User"),
    ("ADMIN", 2, "Admin"),
    ("SYSTEM", 3, "System"),
    ("SERVICE", 4, "Service"),
]

AccountTypeId, AccountTypeStr = enum_pair("AccountTypeId", "AccountTypeStr", ACCOUNT_TYPES, __name__)
UserTypeId, UserTypeStr = enum_pair("UserTypeId", "UserTypeStr", USER_TYPES, __name__)


class UserDataObject(BaseModel):
    """Sekoia's extra data about a user: enabled, logons, bad passwords, last password change."""

    is_enabled: bool | None = None
    last_logon: str | None = None
    bad_password_count: int | None = None
    number_of_logons: int | None = None
    last_time_password_change: float | None = None


class UserEnrichmentObject(BaseModel):
    """An enrichment of a user record: a name, a value and :class:`UserDataObject` data."""

    name: str | None = None
    value: str | None = None
    data: UserDataObject | None = None


class Account(BaseModel):
    """An OCSF ``account`` object: ``name``, ``type_id`` and ``type`` are required."""

    name: str
    type_id: AccountTypeId  # type: ignore[valid-type]
    type: AccountTypeStr  # type: ignore[valid-type]
    uid: str | None = None


class User(BaseModel):
    """An OCSF ``user`` object: ``name`` and ``uid`` are required."""

    has_mfa: bool | None = None
    name: str
    uid: str
    account: Account | None = None
    groups: list[Group] | None = None
    full_name: str | None = None
    email_addr: str | None = None
    display_name: str | None = None
    domain: str | None = None
    forward_addr: str | None = None
    risk_level: RiskLevelStr | None = None  # type: ignore[valid-type]
    risk_level_id: RiskLevelId | None = None  # type: ignore[valid-type]
    risk_score: int | None = None
    type_id: UserTypeId | None = None  # type: ignore[valid-type]
    type: UserTypeStr | None = None  # type: ignore[valid-type]
    uid_alt: str | None = None
    org: Organization | None = None


class UserOCSFModel(OCSFBaseModel):
    """A user inventory record (OCSF class ``user_inventory``)."""

    user: User
    enrichments: list[UserEnrichmentObject] | None = None


__all__ = [
    "Account", "AccountTypeId", "AccountTypeStr", "Group", "Organization", "User", "UserDataObject",
    "UserEnrichmentObject", "UserOCSFModel", "UserTypeId", "UserTypeStr",
]
