"""The SDK as modules pinned below ``sekoia-automation-sdk`` 1.23 see it.

Before 1.23 the SDK's own models are ``pydantic.v1`` models; most modules of Sekoia's
repository still pin such a version. Only the names whose pydantic major differs live here;
everything else is the same as in :mod:`kit`::

    from pydantic.v1 import Field
    from kit.v1.connector import DefaultConnectorConfiguration

    class AcmeConfiguration(DefaultConnectorConfiguration):
        frequency: int = Field(60, description="Seconds between two polls")

kit loads a module directory whose ``poetry.lock`` (or ``pyproject.toml``) pins such an SDK
with these names, and export writes them back as ``sekoia_automation.connector``.
"""
