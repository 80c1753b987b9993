"""``sekoia_automation.asset_connector.models.ocsf.software`` of the SDK before 1.23: packages and their
SBOM only (no signatures, hashes or software enrichment), with the SDK's ``CYCLOEDX`` spelling."""

from __future__ import annotations

from pydantic import BaseModel

from kit.asset_connector.models.ocsf._tables import enum_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.software import (  # noqa: F401 - the same in both SDKs
    ComponentTypeId,
    ComponentTypeStr,
    PackageTypeId,
    PackageTypeStr,
    SoftwareComponent,
    SoftwarePackage,
)
from kit.v1.asset_connector.models.ocsf.device import Device

SBOM_TYPES_BEFORE_1_23 = [
    ("UNKNOWN", 0, "Unknown"), ("SPDX", 1, "SPDX"), ("CYCLOEDX", 2, "CycloDX"), ("SWID", 3, "SWID"), ("OTHER", 99, "Other"),
]
SBOMTypeId, SBOMTypeStr = enum_pair("SBOMTypeId", "SBOMTypeStr", SBOM_TYPES_BEFORE_1_23, __name__)


class SoftwareBillOfMaterials(BaseModel):
    """The SBOM of a package (its type is not synced between id and caption here)."""

    package: SoftwarePackage
    software_components: list[SoftwareComponent] | None = None
    type: SBOMTypeStr | None = None  # type: ignore[valid-type]
    type_id: SBOMTypeId | None = None  # type: ignore[valid-type]
    uid: str | None = None
    version: str | None = None


class SoftwareOCSFModel(OCSFBaseModel):
    """A software inventory record: the device and the SBOM."""

    device: Device
    sbom: SoftwareBillOfMaterials | None = None


__all__ = [
    "ComponentTypeId", "ComponentTypeStr", "PackageTypeId", "PackageTypeStr", "SBOMTypeId", "SBOMTypeStr",
    "SoftwareBillOfMaterials", "SoftwareComponent", "SoftwareOCSFModel", "SoftwarePackage",
]
