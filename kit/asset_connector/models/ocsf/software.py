"""``sekoia_automation.asset_connector.models.ocsf.software``: software on a device, its signature and SBOM."""

from __future__ import annotations

from pydantic import BaseModel, model_validator

from kit.asset_connector.models.ocsf._tables import enum_pair, fill_pair
from kit.asset_connector.models.ocsf.base import OCSFBaseModel
from kit.asset_connector.models.ocsf.device import Device, OperatingSystem

SBOM_TYPES = [("UNKNOWN", 0, "Unknown"), ("SPDX", 1, "SPDX"), ("CYCLONEDX", 2, "CycloneDX"), ("SWID", 3, "SWID"), ("OTHER", 99, "Other")]
COMPONENT_TYPES = [
    ("UNKNOWN", 0, "Unknown"), ("FRAMEWORK", 1, "Framework"), ("LIBRARY", 2, "Library"),
    ("OPERATINGSYSTEM", 3, "Operating System"), ("OTHER", 99, "Other"),
]
PACKAGE_TYPES = [("UNKNOWN", 0, "Unknown"), ("APPLICATION", 1, "Application"), ("OPERATINGSYSTEM", 2, "Operating System"), ("OTHER", 99, "Other")]
SIGNATURE_ALGORITHMS = [
    ("UNKNOWN", 0, "Unknown"), ("DSA", 1, "DSA"), ("RSA", 2, "RSA"), ("ECDSA", 3, "ECDSA"),
    ("AUTHENTICODE", 4, "Authenticode"), ("OTHER", 99, "Other"),
]
SIGNATURE_STATES = [
    ("UNKNOWN", 0, "Unknown"), ("VALID", 1, "Valid"), ("EXPIRED", 2, "Expired"), ("REVOKED", 3, "Revoked"),
    ("SUSPENDED", 4, "Suspended"), ("PENDING", 5, "Pending"), ("UNTRUSTED", 6, "Untrusted"),
    ("DISTRUSTED", 7, "Distrusted"), ("WRONG_USAGE", 8, "WrongUsage"), ("BAD", 9, "Bad"), ("BROKEN", 10, "Broken"),
    ("OTHER", 99, "Other"),
]
FINGERPRINT_ALGORITHMS = [
    ("UNKNOWN", 0, "Unknown"), ("MD5", 1, "MD5"), ("SHA1", 2, "SHA-1"), ("SHA256", 3, "SHA-256"),
    ("SHA512", 4, "SHA-512"), ("CTPH", 5, "CTPH"), ("TLSH", 6, "TLSH"), ("QUICKXORHASH", 7, "quickXorHash"),
    ("SHA224", 8, "SHA-224"), ("SHA384", 9, "SHA-384"), ("SHA512_224", 10, "SHA-512/224"),
    ("SHA512_256", 11, "SHA-512/256"), ("SHA3_224", 12, "SHA3-224"), ("SHA3_256", 13, "SHA3-256"),
    ("SHA3_384", 14, "SHA3-384"), ("SHA3_512", 15, "SHA3-512"), ("XXHASH64", 16, "xxHash H3 64-bit"),
    ("XXHASH128", 17, "xxHash H3 128-bit"), ("IMPHASH", 18, "Imphash"), ("NPF", 19, "NPF"), ("HASSH", 20, "HASSH"),
    ("OTHER", 99, "Other"),
]

SBOMTypeId, SBOMTypeStr = enum_pair("SBOMTypeId", "SBOMTypeStr", SBOM_TYPES, __name__)
ComponentTypeId, ComponentTypeStr = enum_pair("ComponentTypeId", "ComponentTypeStr", COMPONENT_TYPES, __name__)
PackageTypeId, PackageTypeStr = enum_pair("PackageTypeId", "PackageTypeStr", PACKAGE_TYPES, __name__)
SignatureAlgorithmId, SignatureAlgorithmStr = enum_pair(
    "SignatureAlgorithmId", "SignatureAlgorithmStr", SIGNATURE_ALGORITHMS, __name__
)
SignatureStateId, SignatureStateStr = enum_pair("SignatureStateId", "SignatureStateStr", SIGNATURE_STATES, __name__)
FingerprintAlgorithmId, FingerprintAlgorithmStr = enum_pair(
    "FingerprintAlgorithmId", "FingerprintAlgorithmStr", FINGERPRINT_ALGORITHMS, __name__
)


class Fingerprint(BaseModel):
    """A hash; the algorithm given as id or caption, the other is filled in."""

    algorithm: FingerprintAlgorithmStr | None = None  # type: ignore[valid-type]
    algorithm_id: FingerprintAlgorithmId | None = None  # type: ignore[valid-type]
    value: str

    @model_validator(mode="after")
    def sync_algorithm(self) -> "Fingerprint":
        """Fill ``algorithm`` from ``algorithm_id`` or the reverse."""
        fill_pair(self, "algorithm", "algorithm_id", FingerprintAlgorithmStr, FingerprintAlgorithmId)
        return self


class DigitalCertificate(BaseModel):
    """An OCSF ``certificate``: ``issuer`` and ``serial_number`` are required."""

    created_time: float | None = None
    expiration_time: float | None = None
    fingerprints: list[Fingerprint] | None = None
    is_self_signed: bool | None = None
    issuer: str
    subject: str | None = None
    serial_number: str
    sans: list[str] | None = None
    uid: str | None = None
    version: str | None = None


class DigitalSignature(BaseModel):
    """The signature of a software; algorithm and state each given as id or caption."""

    algorithm: SignatureAlgorithmStr | None = None  # type: ignore[valid-type]
    algorithm_id: SignatureAlgorithmId | None = None  # type: ignore[valid-type]
    certificate: DigitalCertificate | None = None
    state: SignatureStateStr | None = None  # type: ignore[valid-type]
    state_id: SignatureStateId | None = None  # type: ignore[valid-type]
    created_time: float | None = None
    digest: Fingerprint | None = None

    @model_validator(mode="after")
    def sync_enums(self) -> "DigitalSignature":
        """Fill the missing half of the algorithm and of the state pairs."""
        fill_pair(self, "algorithm", "algorithm_id", SignatureAlgorithmStr, SignatureAlgorithmId)
        fill_pair(self, "state", "state_id", SignatureStateStr, SignatureStateId)
        return self


class SoftwareEnrichmentObject(BaseModel):
    """A software installed on a device: name, version, vendor, path, times, hashes, signature."""

    uid: str | None = None
    name: str | None = None
    version: str | None = None
    vendor_name: str | None = None
    path: str | None = None
    install_time: float | None = None
    last_used_time: float | None = None
    os: OperatingSystem | None = None
    hashes: list[Fingerprint] | None = None
    signature: DigitalSignature | None = None
    binary_name: str | None = None
    architecture: str | None = None
    last_user_name: str | None = None


class SoftwarePackage(BaseModel):
    """An installable package: ``name`` and ``version`` are required."""

    name: str
    version: str
    uid: str | None = None
    cpe_name: str | None = None
    license: str | None = None
    license_url: str | None = None
    release: str | None = None
    type: PackageTypeStr | None = None  # type: ignore[valid-type]
    type_id: PackageTypeId | None = None  # type: ignore[valid-type]


class SoftwareComponent(BaseModel):
    """A component (library, framework...) of a package: ``version`` and ``name`` are required."""

    version: str
    name: str
    author: str | None = None
    type: ComponentTypeStr | None = None  # type: ignore[valid-type]
    type_id: ComponentTypeId | None = None  # type: ignore[valid-type]


class SoftwareBillOfMaterials(BaseModel):
    """The SBOM of a package; its type given as id or caption (a falsy one counts as not given)."""

    package: SoftwarePackage
    software_components: list[SoftwareComponent] | None = None
    type: SBOMTypeStr | None = None  # type: ignore[valid-type]
    type_id: SBOMTypeId | None = None  # type: ignore[valid-type]
    uid: str | None = None
    version: str | None = None

    @model_validator(mode="after")
    def sync_type(self) -> "SoftwareBillOfMaterials":
        """Fill ``type`` from ``type_id`` or the reverse."""
        fill_pair(self, "type", "type_id", SBOMTypeStr, SBOMTypeId, when_truthy=True)
        return self


class SoftwareOCSFModel(OCSFBaseModel):
    """A software inventory record: the device, the software and its SBOM."""

    device: Device
    software: SoftwareEnrichmentObject | None = None
    sbom: SoftwareBillOfMaterials | None = None


__all__ = [
    "ComponentTypeId", "ComponentTypeStr", "DigitalCertificate", "DigitalSignature", "Fingerprint",
    "FingerprintAlgorithmId", "FingerprintAlgorithmStr", "PackageTypeId", "PackageTypeStr", "SBOMTypeId",
    "SBOMTypeStr", "SignatureAlgorithmId", "SignatureAlgorithmStr", "SignatureStateId", "SignatureStateStr",
    "SoftwareBillOfMaterials", "SoftwareComponent", "SoftwareEnrichmentObject", "SoftwarePackage",
    "SoftwareOCSFModel",
]
