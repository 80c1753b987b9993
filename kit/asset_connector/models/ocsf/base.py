"""The fields every OCSF asset has (``sekoia_automation.asset_connector.models.ocsf.base``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

SeverityStr = Literal["Unknown", "Informational", "Low", "Medium", "High", "Critical", "Fatal", "Other"]


class Product(BaseModel):
    """The product that reported the asset (OCSF ``product`` object)."""

    name: str
    vendor_name: str | None = None
    version: str | None = None


class Metadata(BaseModel):
    """Where an asset record comes from: the product and its version."""

    product: Product
    version: str


class OCSFBaseModel(BaseModel):
    """The event fields shared by every asset class: activity, category, class, type, severity, time."""

    activity_id: int
    activity_name: str
    category_name: str
    category_uid: int
    class_name: str
    class_uid: int
    type_name: str
    type_uid: int
    severity: SeverityStr | None = None
    severity_id: int | None = None
    time: float
    metadata: Metadata


__all__ = ["Metadata", "OCSFBaseModel", "Product"]
