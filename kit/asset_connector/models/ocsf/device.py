"""``sekoia_automation.asset_connector.models.ocsf.device``: a device and its inventory record."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from kit.asset_connector.models.ocsf._tables import enum_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.group import Group
from kit.asset_connector.models.ocsf.organization import Organization
from kit.asset_connector.models.ocsf.risk_level import RiskLevelId, RiskLevelStr

NETWORK_INTERFACE_TYPES = [
    ("UNKNOWN", 0, "Unknown"),
    ("WIRED", 1, "Wired"),
    ("WIRELESS", 2, "Wireless"),
    ("MOBILE", 3, "Mobile"),
    ("TUNNEL", 4, "Tunnel"),
    ("OTHER", 99, "Other"),
]
# OCSF captions of operating systems are lower case
OS_TYPES = [
    ("UNKNOWN", 0, "unknown"),
    ("OTHER", 99, "other"),
    ("WINDOWS", 100, "windows"),
    ("WINDOWS_MOBILE", 101, "windows mobile"),
    ("LINUX", 200, "linux"),
    ("ANDROID", 201, "android"),
    ("MACOS", 300, "macos"),
    ("IOS", 301, "ios"),
    ("IPADOS", 302, "ipados"),
    ("SOLARIS", 400, "solaris"),
    ("AIX", 401, "aix"),
    ("HPUX", 402, "hp-ux"),
]
DEVICE_TYPES = [
    ("UNKNOWN", 0, "Unknown"),
    ("SERVER", 1, "Server"),
    ("DESKTOP", 2, "Desktop"),
    ("MOBILE", 5, "Mobile"),
    ("VIRTUAL", 6, "Virtual"),
    ("FIREWALL", 9, "Firewall"),
    ("SWITCH", 10, "Switch"),
    ("OTHER", 99, "Other"),
]

NetworkInterfaceTypeId, NetworkInterfaceTypeStr = enum_pair(
    "NetworkInterfaceTypeId", "NetworkInterfaceTypeStr", NETWORK_INTERFACE_TYPES, __name__
)
OSTypeId, OSTypeStr = enum_pair("OSTypeId", "OSTypeStr", OS_TYPES, __name__)
DeviceTypeId, DeviceTypeStr = enum_pair("DeviceTypeId", "DeviceTypeStr", DEVICE_TYPES, __name__)

EnabledStr = Literal["Disabled", "Enabled"]


class NetworkInterface(BaseModel):
    """One network interface of a device."""

    hostname: str | None = None
    ip: str | None = None
    mac: str | None = None
    name: str | None = None
    type: NetworkInterfaceTypeStr | None = None  # type: ignore[valid-type]
    type_id: NetworkInterfaceTypeId | None = None  # type: ignore[valid-type]
    uid: str | None = None


class GeoLocation(BaseModel):
    """Where a device is (OCSF ``location``)."""

    city: str | None = None
    country: str | None = None


class OperatingSystem(BaseModel):
    """A device's operating system (OCSF ``os``)."""

    name: str | None = None
    type: OSTypeStr | None = None  # type: ignore[valid-type]
    type_id: OSTypeId | None = None  # type: ignore[valid-type]


class Device(BaseModel):
    """An OCSF ``device`` object: ``type_id``, ``type``, ``uid`` and ``hostname`` are required."""

    type_id: DeviceTypeId  # type: ignore[valid-type]
    type: DeviceTypeStr  # type: ignore[valid-type]
    uid: str
    location: GeoLocation | None = None
    os: OperatingSystem | None = None
    hostname: str
    autoscale_uid: str | None = None
    boot_time: float | None = None
    boot_uid: str | None = None
    created_time: float | None = None
    desc: str | None = None
    domain: str | None = None
    eid: str | None = None
    first_seen_time: float | None = None
    groups: list[Group] | None = None
    hypervisor: str | None = None
    iccid: str | None = None
    imei_list: list[str] | None = None
    ip: str | None = None
    is_backed_up: bool | None = None
    is_compliant: bool | None = None
    is_managed: bool | None = None
    is_mobile_account_active: bool | None = None
    is_personal: bool | None = None
    is_shared: bool | None = None
    is_supervised: bool | None = None
    is_trusted: bool | None = None
    last_seen_time: float | None = None
    meid: str | None = None
    model: str | None = None
    name: str | None = None
    network_interfaces: list[NetworkInterface] | None = None
    org: Organization | None = None
    os_machine_uuid: str | None = None
    region: str | None = None
    risk_level: RiskLevelStr | None = None  # type: ignore[valid-type]
    risk_level_id: RiskLevelId | None = None  # type: ignore[valid-type]
    risk_score: int | None = None
    subnet: str | None = None
    udid: str | None = None
    uid_alt: str | None = None
    vendor_name: str | None = None


class EncryptionObject(BaseModel):
    """Whether each partition of a device is encrypted."""

    partitions: dict[str, EnabledStr]


class DeviceDataObject(BaseModel):
    """Sekoia's extra data about a device: firewall, storage encryption, users, FQDN."""

    Firewall_status: EnabledStr | None = None
    Storage_encryption: EncryptionObject | None = None
    Users: list[str] | None = None
    Full_qualified_domain_name: str | None = None


class DeviceEnrichmentObject(BaseModel):
    """An enrichment of a device record: a name, a value and :class:`DeviceDataObject` data."""

    name: str | None = None
    value: str | None = None
    data: DeviceDataObject | None = None


class DeviceOCSFModel(OCSFBaseModel):
    """A device inventory record (OCSF class ``inventory_info``)."""

    device: Device
    enrichments: list[DeviceEnrichmentObject] | None = None


__all__ = [
    "Device", "DeviceDataObject", "DeviceEnrichmentObject", "DeviceOCSFModel", "DeviceTypeId", "DeviceTypeStr",
    "EncryptionObject", "GeoLocation", "NetworkInterface", "NetworkInterfaceTypeId", "NetworkInterfaceTypeStr",
    "OSTypeId", "OSTypeStr", "OperatingSystem",
]
