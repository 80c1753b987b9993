"""A fake Acme API for the fake platform: answers depend on the virtual clock.

Callbacks run on the component's thread, so ``time.time()`` there is the
platform's virtual time: the audit log grows as virtual time passes.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode, urlparse

import responses

EVENT_EVERY = 20  # seconds of virtual time between two audit events
ORIGIN = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
ACTIONS = ("login", "download", "share", "delete", "logout")
USERS = ("alice", "bob", "carol", "dave")


def audit_event(index: int) -> dict:
    when = datetime.fromtimestamp(ORIGIN + index * EVENT_EVERY, timezone.utc)
    return {
        "id": f"evt-{index:06d}",
        "timestamp": when.isoformat(),
        "user": f"{USERS[index % len(USERS)]}@acme.test",
        "action": ACTIONS[index % len(ACTIONS)],
        "ip": f"10.0.{index % 7}.{index % 251}",
    }


def _audit(request) -> tuple[int, dict, str]:
    query = parse_qs(urlparse(request.url).query)
    since = datetime.fromisoformat(query["since"][0]).timestamp()
    limit = int(query.get("limit", ["100"])[0])
    first = max(0, int((since - ORIGIN) // EVENT_EVERY) + 1)
    last = int((time.time() - ORIGIN) // EVENT_EVERY)  # events that exist by now (virtual)
    page_start = int(query.get("page", [str(first)])[0])
    items = [audit_event(i) for i in range(page_start, min(last + 1, page_start + limit))]
    body: dict = {"items": items}
    if page_start + limit <= last:
        next_query = urlencode({"since": query["since"][0], "limit": limit, "page": page_start + limit})
        body["next"] = f"https://api.acme.test/api/v1/audit?{next_query}"
    return 200, {}, json.dumps(body)


def _logins(request) -> tuple[int, dict, str]:
    after = int(parse_qs(urlparse(request.url).query).get("after", ["0"])[0])
    now = time.time()
    count = int((now - ORIGIN) // 600)  # one login every 10 virtual minutes
    items = [
        {
            "id": i,
            "user": f"{USERS[i % len(USERS)]}@acme.test",
            "ip": f"203.0.113.{i % 250}",
            "country": ("FR", "US", "KP", "BR")[i % 4],
            "risk": (i * 37) % 100,
            "at": datetime.fromtimestamp(ORIGIN + i * 600, timezone.utc).isoformat(),
        }
        for i in range(after + 1, count + 1)
    ]
    return 200, {}, json.dumps({"items": items})


def _user(request) -> tuple[int, dict, str]:
    email = urlparse(request.url).path.rsplit("/", 1)[-1]
    name = email.split("@")[0]
    if name not in USERS:
        return 404, {}, json.dumps({"error": f"no user {email}"})
    index = USERS.index(name)
    return 200, {}, json.dumps({"email": email, "department": ("sales", "it", "legal", "hr")[index], "mfa": index % 2 == 0})


def register(registry: responses.RequestsMock, base_url: str = "https://api.acme.test") -> None:
    """Register the fake Acme API on a platform's HTTP registry (``platform.http``)."""
    import re

    registry.add_callback(responses.GET, re.compile(re.escape(base_url) + r"/api/v1/audit.*"), callback=_audit)
    registry.add_callback(responses.GET, re.compile(re.escape(base_url) + r"/api/v1/logins.*"), callback=_logins)
    registry.add_callback(responses.GET, re.compile(re.escape(base_url) + r"/api/v1/users/.*"), callback=_user)
