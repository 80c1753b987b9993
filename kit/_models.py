"""``SekoiaAutomationBaseModel``, as ``sekoia_automation.SekoiaAutomationBaseModel``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SekoiaAutomationBaseModel(BaseModel):
    """A pydantic model that turns numbers given for ``str`` fields into strings (``42`` -> ``"42"``)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)
