"""HTTP helpers, as in ``sekoia_automation.aio.helpers.http`` (kit needs no aiofiles)."""
