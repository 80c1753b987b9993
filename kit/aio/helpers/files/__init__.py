"""Files helpers, as in ``sekoia_automation.aio.helpers.files`` (kit needs neither aiofiles nor aiocsv)."""
