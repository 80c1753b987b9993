"""``sekoia_automation.asset_connector.models.ocsf.device`` of the SDK before 1.23: more device types
(laptop, tablet, IoT, router...), no ``Full_qualified_domain_name`` and required enrichment fields."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.ocsf import device as _current
from kit.asset_connector.models.ocsf._tables import enum_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.group import Group  # noqa: F401
from kit.asset_connector.models.ocsf.organization import Organization  # noqa: F401
from kit.asset_connector.models.ocsf.risk_level import RiskLevelId, RiskLevelStr  # noqa: F401
from kit.asset_connector.models.ocsf.device import (  # noqa: F401 - the same in both SDKs
    EncryptionObject,
    EnabledStr,
    GeoLocation,
    NetworkInterface,
    NetworkInterfaceTypeId,
    NetworkInterfaceTypeStr,
    OperatingSystem,
    OSTypeId,
    OSTypeStr,
)

# the device types the SDK dropped in 1.23
DEVICE_TYPES_BEFORE_1_23 = sorted(
    [
        *_current.DEVICE_TYPES,
        ("LAPTOP", 3, "Laptop"),
        ("TABLET", 4, "Tablet"),
        ("IOT", 7, "IOT"),
        ("BROWSER", 8, "Browser"),
        ("HUB", 11, "Hub"),
        ("ROUTER", 12, "Router"),
        ("IDS", 13, "IDS"),
        ("IPS", 14, "IPS"),
        ("LOAD_BALANCER", 15, "Load Balancer"),
    ],
    key=lambda row: row[1],
)
DeviceTypeId, DeviceTypeStr = enum_pair("DeviceTypeId", "DeviceTypeStr", DEVICE_TYPES_BEFORE_1_23, __name__)


class Device(_current.Device):
    """An OCSF ``device`` object, with this SDK's device types."""

    type_id: DeviceTypeId  # type: ignore[valid-type]
    type: DeviceTypeStr  # type: ignore[valid-type]


class DeviceDataObject(BaseModel):
    """Sekoia's extra data about a device: firewall, storage encryption, users."""

    Firewall_status: EnabledStr | None = None
    Storage_encryption: EncryptionObject | None = None
    Users: list[str] | None = None


class DeviceEnrichmentObject(BaseModel):
    """An enrichment of a device record: name, value and data are all required."""

    name: str
    value: str
    data: DeviceDataObject


class DeviceOCSFModel(OCSFBaseModel):
    """A device inventory record (OCSF class ``inventory_info``)."""

    device: Device
    enrichments: list[DeviceEnrichmentObject] | None = None


__all__ = _current.__all__
