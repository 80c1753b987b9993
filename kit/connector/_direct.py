"""Pushing events to the intake's HTTP API when no kit platform hosts the connector.

A module's own tests (``pytest --kit-sdk``), or a script, build connectors themselves and
mock the intake (``requests_mock``, ``responses``, ``aioresponses``): outside a platform,
kit's connectors then push as the real SDK does, each chunk of serialised events a
``POST {intake_server}/batch`` with ``{"intake_key": ..., "jsons": [...]}``, and return the
``event_ids`` the intake answers.  Chunks that keep failing are logged and their events left
out of the ids, as the real SDK does.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urljoin

from kit import constants
from kit.connector import intake_waits


def _target(connector: Any, what: str) -> tuple[str, str]:
    """``({intake_server}/batch, intake_key)`` (the module's ``intake_url`` when the configuration has no server).

    With no configuration at all the connector was most likely meant to run on a kit platform:
    kit's message saying how to load it, rather than the missing file's.
    """
    try:
        configuration = connector.configuration
        return urljoin(configuration.intake_server or connector.intake_url, "batch"), configuration.intake_key
    except FileNotFoundError as error:
        try:
            connector._require_host(what)
        except RuntimeError as not_hosted:
            raise not_hosted from error
        raise


def chunks(events: list) -> list[list[str]]:
    """The events serialised as the real SDK does, in chunks of at most ``CHUNK_BYTES_MAX_SIZE`` characters."""
    from kit._platform._intake import _serialise

    strings, _dropped, _converted, starts = _serialise(
        events, constants.EVENT_BYTES_MAX_SIZE, constants.CHUNK_BYTES_MAX_SIZE
    )
    return [strings[start:end] for start, end in zip(starts, [*starts[1:], len(strings)])]


def push(connector: Any, events: list) -> list[str]:
    """POST the chunks of ``events`` with ``requests``; the event ids in chunk order."""
    import requests

    (url, key), ids = _target(connector, "push_events_to_intakes"), []
    for chunk in chunks(events):
        body = {"intake_key": key, "jsons": chunk}
        waits = intake_waits()
        while True:
            try:
                response = requests.post(url, json=body, headers=connector.http_default_headers, timeout=30)
                response.raise_for_status()
                ids.extend(response.json().get("event_ids", []))
                break
            except Exception as error:
                wait = next(waits, None)
                if wait is None:
                    message = f"Failed to forward {len(chunk)} events"
                    connector.log(message=message, level="error")
                    connector.log_exception(error, message=message)
                    break
                time.sleep(wait)
    return ids


async def push_async(connector: Any, events: list) -> list[str]:
    """POST the chunks of ``events`` with the connector's aiohttp session; the event ids in chunk order."""
    import asyncio

    (url, key), ids = _target(connector, "push_data_to_intakes"), []
    async with connector.session() as session:
        for index, chunk in enumerate(chunks(events)):
            body = {"intake_key": key, "jsons": chunk}
            waits = intake_waits()
            while True:
                try:
                    async with session.post(url, headers=connector.http_default_headers, json=body) as response:
                        if response.status >= 300:
                            connector.log_exception(RuntimeError(f"Chunk {index} error: {await response.text()}"))
                        ids.extend((await response.json()).get("event_ids", []))
                    break
                except Exception:
                    wait = next(waits, None)
                    if wait is None:
                        raise
                    await asyncio.sleep(wait)
    return ids
