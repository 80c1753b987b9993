"""The platform's side of Sekoia.io's asset-management API: what asset connectors push to.

``POST {base}/api/v2/asset-management/asset-connector/{connector_configuration_uuid}`` with a JSON
``{"version": ..., "items": [...]}`` body is answered by the platform itself (200, ``{}``: the SDK
only checks the status) and every item is recorded as an
:class:`~kit._platform._records.AssetRecord`, unless ``platform.http`` has a response registered for
that call (to try error paths: ``platform.http.post(url, status=500)``).
"""

from __future__ import annotations

import json
import re
from typing import Any

_ENDPOINT = re.compile(r"^https?://[^/]+(?:/[^?#]*)?/api/v2/asset-management/asset-connector/([^/?#]+)/?(?:[?#].*)?$")


def endpoint_uuid(method: str, url: str) -> str | None:
    """The connector configuration uuid of an asset push (``POST .../asset-connector/<uuid>``), else None."""
    if method.upper() != "POST":
        return None
    match = _ENDPOINT.match(url)
    return match.group(1) if match else None


def asset_fields(item: Any) -> tuple[str, str | None, int | None, str | None]:
    """``(type, class_name, class_uid, uid)`` of a pushed item, read from its fields."""
    if not isinstance(item, dict):
        return "unknown", None, None, None

    def uid_of(key: str) -> str | None:
        value = item.get(key)
        return value.get("uid") if isinstance(value, dict) else None

    if "finding_info" in item or "vulnerabilities" in item:
        kind, uid = "vulnerability", uid_of("finding_info")
    elif "software" in item or "sbom" in item:
        kind, uid = "software", uid_of("software") or uid_of("device")
    elif "user" in item:
        kind, uid = "user", uid_of("user")
    elif "device" in item:
        kind, uid = "device", uid_of("device")
    else:
        kind, uid = "unknown", None
    class_uid = item.get("class_uid")
    class_name = item.get("class_name")
    return (
        kind,
        class_name if isinstance(class_name, str) else None,
        class_uid if isinstance(class_uid, int) else None,
        uid if isinstance(uid, str) else None,
    )


def answer(host: Any, request: Any, connector_uuid: str) -> Any:
    """Record the push of ``request`` and return the platform's ``requests.Response`` to it."""
    import requests

    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    response = requests.Response()
    response.url = request.url
    response.request = request
    response.headers["Content-Type"] = "application/json"
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        response.status_code = 400
        response.reason = "Bad Request"
        response._content = json.dumps(
            {"code": "invalid_body", "message": "expected a JSON object {'version': int, 'items': [...]}"}
        ).encode()
        return response
    host.record_assets(connector_uuid, data)
    response.status_code = 200
    response.reason = "OK"
    response._content = b"{}"
    return response
