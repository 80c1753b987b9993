"""kit._platform._cassette: FakePlatform(record=...) writes the real exchanges, FakePlatform(replay=...) answers from them.

A local HTTP server on 127.0.0.1 (started by the tests, in a thread) is the "real" API: a
connector records against it with requests, httpx and aiohttp, from its worker and from a thread
it started; the server is then stopped and the same connector replays from the cassette.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time

import pytest
import requests
import responses
import yaml

import kit
from kit.connector import DefaultConnectorConfiguration
from kit._platform._cassette import CassetteError

httpx = pytest.importorskip("httpx")
aiohttp = pytest.importorskip("aiohttp")

SECRET = "s3cr3t-api-key-1234"
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0xFE, 0x01])


def _answer(request):
    """/items?page=N: JSON echoing the page and the API key; /gz: gzip JSON; /logo: binary; POST /search: echo."""
    if request.command == "POST":
        return 201, {"found": json.loads(request.body)["q"]}, {"Set-Cookie": f"session={SECRET}"}
    if request.route == "/items":
        return 200, {"page": int(request.query["page"]), "key": request.headers.get("X-Api-Key")}
    if request.route == "/gz":
        return 200, gzip.compress(b'{"zipped": true}'), {"Content-Encoding": "gzip"}
    if request.route == "/logo":
        return 200, PNG, {"Content-Type": "image/png"}
    return 404, b"not found", {"Content-Type": "text/plain"}


@pytest.fixture
def api(local_api):
    server = local_api(_answer)
    return server, server.url


def _fetch(url: str, key: str) -> list:
    """What one step of the connector sees: requests, httpx, aiohttp, and requests from a thread it starts."""
    seen = [requests.get(f"{url}/items", params={"page": 1}, headers={"X-Api-Key": key}).json()]
    seen.append(httpx.get(f"{url}/items", params={"page": 2}, headers={"X-Api-Key": key}).json())

    async def with_aiohttp():
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/items", params={"page": 3}, headers={"X-Api-Key": key}) as response:
                return await response.json()

    seen.append(asyncio.run(with_aiohttp()))
    result = {}
    thread = threading.Thread(target=lambda: result.update(got=requests.get(f"{url}/gz").json()), name="fetcher")
    thread.start()
    thread.join()
    seen.append(result["got"])
    logo = requests.get(f"{url}/logo")
    seen.append((logo.headers["Content-Type"], logo.content))
    seen.append(requests.post(f"{url}/search", json={"q": "acme", "key": key}).json())
    return seen


class FetcherConfiguration(DefaultConnectorConfiguration):
    api_key: str


class Fetcher(kit.Connector):
    configuration: FetcherConfiguration
    url = ""
    seen: list = []

    def run(self):
        while self.running:
            try:
                type(self).seen.append(_fetch(self.url, self.configuration.api_key))
            except Exception as error:  # noqa: BLE001 - the test reads it
                type(self).seen.append(error)
            time.sleep(60)


EXPECTED = [
    {"page": 1, "key": SECRET}, {"page": 2, "key": SECRET}, {"page": 3, "key": SECRET}, {"zipped": True},
    ("image/png", PNG), {"found": "acme"},
]


def _run(platform, url):
    Fetcher.url, Fetcher.seen = url, []
    sim = platform.load(Fetcher, configuration={"intake_key": "k", "api_key": SECRET}, secrets=["api_key"])
    sim.step()
    sim.stop()
    return Fetcher.seen


def test_record_writes_every_real_exchange_then_replay_answers_them_with_the_server_gone(api, tmp_path):
    server, url = api
    cassette = tmp_path / "cassettes" / "acme.yaml"
    with kit.FakePlatform(start="2024-01-01T00:00:00Z", record=cassette, allow_network=True) as platform:
        assert _run(platform, url) == [EXPECTED]
        assert [(e.method, e.url, e.status, e.thread, e.step, e.time) for e in platform.cassette.exchanges] == [
            ("GET", f"{url}/items?page=1", 200, "", 1, "2024-01-01T00:00:00Z"),
            ("GET", f"{url}/items?page=2", 200, "", 1, "2024-01-01T00:00:00Z"),
            ("GET", f"{url}/items?page=3", 200, "", 1, "2024-01-01T00:00:00Z"),
            ("GET", f"{url}/gz", 200, "fetcher", 1, "2024-01-01T00:00:00Z"),
            # once the component has started a thread, its worker is "main" (as in sim.http)
            ("GET", f"{url}/logo", 200, "main", 1, "2024-01-01T00:00:00Z"),
            ("POST", f"{url}/search", 201, "main", 1, "2024-01-01T00:00:00Z"),
        ]
    text = cassette.read_text()
    assert SECRET not in text
    data = yaml.safe_load(text)
    assert data["kit"] == {"start": "2024-01-01T00:00:00Z"}
    items = data["responses"]
    assert items[0]["response"] == {
        "method": "GET", "url": f"{url}/items?page=1", "status": 200,
        "headers": items[0]["response"]["headers"],  # Server and Date, as the server sent them
        "content_type": "application/json", "auto_calculate_content_length": False,
        "body": '{"page": 1, "key": "***"}',
    }
    assert set(items[0]["response"]["headers"]) == {"Server", "Date"}  # no Content-Length: replay computes it
    assert items[0]["kit"]["component"] == "Fetcher"
    assert items[0]["kit"]["request"]["headers"]["X-Api-Key"] == "***"
    assert items[3]["response"]["body"] == '{"zipped": true}'  # stored decoded, without Content-Encoding
    assert "Content-Encoding" not in items[3]["response"].get("headers", {})
    assert items[4]["response"]["body"] == PNG  # !!binary
    assert items[5]["response"]["headers"]["Set-Cookie"] == "***"
    assert items[5]["kit"]["request"]["body"] == '{"q": "acme", "key": "***"}'

    server.stop()
    with kit.FakePlatform(replay=cassette) as platform:
        assert platform.clock.now().isoformat() == "2024-01-01T00:00:00+00:00"  # where the recording started
        seen = _run(platform, url)
        # the replayed bodies hold what was recorded: the secret the server echoed is masked
        masked = [{**EXPECTED[0], "key": "***"}, {**EXPECTED[1], "key": "***"}, {**EXPECTED[2], "key": "***"},
                  *EXPECTED[3:]]
        assert seen == [masked]
        assert platform.http_calls.status.tolist() == [200, 200, 200, 200, 200, 201]


def _write(path, exchanges):
    """A cassette written by hand (responses' format, the kit keys left out where not needed)."""
    path.write_text(yaml.safe_dump({"responses": exchanges}, sort_keys=False))
    return path


def _item(method, url, body="{}", status=200, request_body=None):
    item = {"response": {"method": method, "url": url, "status": status, "content_type": "application/json",
                         "auto_calculate_content_length": False, "body": body}}
    if request_body is not None:
        item["kit"] = {"request": {"body": request_body}}
    return item


class Caller(kit.Trigger):
    calls: list = []
    results: list = []

    def run(self):
        type(self).results = []
        for call in type(self).calls:
            try:
                type(self).results.append(call().json())
            except requests.RequestException as error:
                type(self).results.append(str(error))
        while self.running:
            time.sleep(60)


def _replay(platform, *calls):
    Caller.calls = list(calls)
    sim = platform.load(Caller)
    sim.step()
    sim.stop()
    return Caller.results


API = "https://api.vendor.test"


def test_replay_answers_in_order_then_by_query_and_body_each_exchange_once(tmp_path):
    cassette = _write(tmp_path / "c.yaml", [
        _item("GET", f"{API}/items?page=1", '{"n": 1}'),
        _item("GET", f"{API}/items?page=1", '{"n": 2}'),
        _item("GET", f"{API}/items?page=2", '{"n": 3}'),
        _item("POST", f"{API}/search", '{"hits": "b"}', request_body='{"q": "b"}'),
        _item("POST", f"{API}/search", '{"hits": "a"}', request_body='{"q": "a"}'),
    ])
    with kit.FakePlatform(replay=cassette) as platform:
        results = _replay(
            platform,
            lambda: requests.get(f"{API}/items", params={"page": 2}),
            lambda: requests.get(f"{API}/items", params={"page": 1}),
            lambda: requests.post(f"{API}/search", json={"q": "a"}),
            lambda: requests.get(f"{API}/items", params={"page": 1}),
            lambda: requests.post(f"{API}/search", data='{ "q" : "b" }'),  # the same JSON, spaced otherwise
        )
        # what export writes as the component's cassette: the exchanges it was answered, in that order
        assert [exchange.index for exchange in platform.cassette.exchanges_of("Caller")] == [2, 0, 4, 1, 3]
    assert results == [{"n": 3}, {"n": 1}, {"hits": "a"}, {"n": 2}, {"hits": "b"}]


def test_a_call_not_in_the_cassette_fails_with_kits_diagnostic(tmp_path):
    cassette = _write(tmp_path / "c.yaml", [
        _item("GET", f"{API}/items?page=1"),
        _item("GET", f"{API}/items?page=2"),
        _item("DELETE", f"{API}/items"),
        _item("POST", f"{API}/search", request_body='{"q": "a"}'),
        _item("GET", f"{API}/other"),
    ])
    with kit.FakePlatform(replay=cassette) as platform:
        results = _replay(
            platform,
            lambda: requests.get(f"{API}/items", params={"page": 1}),
            lambda: requests.get(f"{API}/items", params={"page": 1}),
            lambda: requests.post(f"{API}/search", json={"q": "z"}),
            lambda: requests.get("https://elsewhere.test/x"),
        )
        assert platform.http_calls.error.tolist()[1:] == results[1:]
    where = str(cassette)
    fix = (
        f"Record it again with FakePlatform(record={where!r}, allow_network=True), add it to the file, "
        "or register it with platform.http.add(responses.{method}, {url!r}, json=...)."
    )
    assert results == [
        {},
        f"kit: GET {API}/items?page=1 is not in the cassette {where!r}.\n"
        "Close in the cassette (5 exchanges):\n"
        f"  - #0 GET {API}/items?page=1 (already replayed)\n"
        f"  - #1 GET {API}/items?page=2 (query differs)\n"
        f"  - #2 DELETE {API}/items (method DELETE)\n"
        + fix.format(method="GET", url=f"{API}/items?page=1"),
        f"kit: POST {API}/search is not in the cassette {where!r}.\n"
        "Close in the cassette (5 exchanges):\n"
        f"  - #3 POST {API}/search (body differs)\n"
        + fix.format(method="POST", url=f"{API}/search"),
        f"kit: GET https://elsewhere.test/x is not in the cassette {where!r}.\n"
        "Close in the cassette: nothing to elsewhere.test/x (it holds 5 exchanges).\n"
        + fix.format(method="GET", url="https://elsewhere.test/x"),
    ]


def test_registrations_of_platform_http_answer_before_the_cassette(tmp_path):
    cassette = _write(tmp_path / "c.yaml", [_item("GET", f"{API}/items", '{"from": "cassette"}')])
    with kit.FakePlatform(replay=cassette) as platform:
        platform.http.get(f"{API}/token", json={"from": "registry"})
        results = _replay(platform, lambda: requests.get(f"{API}/token"), lambda: requests.get(f"{API}/items"))
    assert results == [{"from": "registry"}, {"from": "cassette"}]


def test_plain_responses_loads_a_recorded_cassette(api, tmp_path):
    _, url = api
    cassette = tmp_path / "acme.yaml"
    with kit.FakePlatform(record=cassette, allow_network=True) as platform:
        _run(platform, url)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock._add_from_file(cassette)
        assert requests.get(f"{url}/items?page=2").json() == {"page": 2, "key": "***"}
        assert requests.get(f"{url}/gz").json() == {"zipped": True}
        assert requests.get(f"{url}/logo").content == PNG


def test_the_cassette_is_complete_after_each_exchange(api, tmp_path):
    _, url = api
    cassette = tmp_path / "acme.yaml"
    platform = kit.FakePlatform(record=cassette, allow_network=True)
    try:
        assert yaml.safe_load(cassette.read_text())["responses"] == []
        _run(platform, url)
        assert len(yaml.safe_load(cassette.read_text())["responses"]) == 6  # before close
    finally:
        platform.close()


def test_recording_needs_the_network_and_one_of_record_or_replay():
    with pytest.raises(ValueError) as error:
        kit.FakePlatform(record="cassettes/acme.yaml")
    assert str(error.value) == (
        "FakePlatform(record='cassettes/acme.yaml'): recording writes the components' real HTTP exchanges, so the "
        "calls must reach the network: FakePlatform(record='cassettes/acme.yaml', allow_network=True)"
    )
    with pytest.raises(ValueError) as error:
        kit.FakePlatform(record="a.yaml", replay="b.yaml", allow_network=True)
    assert str(error.value) == (
        "FakePlatform(record='a.yaml', replay='b.yaml'): record writes a cassette from the real network and replay "
        "answers from one; pass one of them"
    )


ITEM_FIX = "each item is '- response: {method: GET, url: https://..., status: 200, body: ...}'"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "does not exist; record it first with FakePlatform(record={where!r}, allow_network=True), or fix the path"),
        ("responses:\n- response: {method: GET, url: [\n", "is not valid YAML at line 3, column 1: expected the node content, "
         "but found '<stream end>'; fix the file there, or record it again with FakePlatform(record={where!r}, "
         "allow_network=True)"),
        ("- just a list\n", "is not a cassette: expected a mapping with a 'responses' list (responses' recorder "
         f"format), got ['just a list']; {ITEM_FIX}"),
    ],
    ids=["missing", "not-yaml", "not-a-cassette"],
)
def test_a_bad_cassette_file_is_one_clear_error(tmp_path, text, problem):
    path = tmp_path / "acme.yaml"
    if text is not None:
        path.write_text(text)
    where = str(path)
    with pytest.raises(CassetteError) as error:
        kit.FakePlatform(replay=path)
    prefix = f"kit: the cassette {where!r} "
    assert str(error.value) == prefix + problem.replace("{where!r}", repr(where))
    assert error.value.__cause__ is None and (error.value.__suppress_context__ or error.value.__context__ is None)


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"response": {"url": f"{API}/x"}}, "has no 'method'; add it (e.g. method: GET) or delete the item"),
        ({"response": {"method": "GET", "url": None}},
         f"has no 'url': got None; add it (e.g. url: {API}/items) or delete the item"),
        ({"method": "GET"}, "has no 'response' mapping: {'method': 'GET'}"),
        ({"response": {"method": "GET", "url": f"{API}/x", "status": "ok"}},
         "has status 'ok'; a status is an HTTP code such as 200"),
    ],
    ids=["method", "url", "response", "status"],
)
def test_a_bad_item_names_the_file_its_index_and_the_fix(tmp_path, item, problem):
    path = _write(tmp_path / "acme.yaml", [_item("GET", f"{API}/ok"), item])
    with pytest.raises(CassetteError) as error:
        kit.FakePlatform(replay=path)
    assert str(error.value) == f"kit: the cassette {str(path)!r}: item 1 (responses[1]) {problem}; {ITEM_FIX}"


def test_with_allow_network_what_the_cassette_lacks_goes_to_the_network(api, tmp_path):
    _, url = api
    cassette = _write(tmp_path / "c.yaml", [_item("GET", f"{url}/items?page=1", '{"from": "cassette"}')])
    with kit.FakePlatform(replay=cassette, allow_network=True) as platform:
        results = _replay(
            platform, lambda: requests.get(f"{url}/items?page=1"), lambda: requests.get(f"{url}/items?page=9")
        )
    assert results == [{"from": "cassette"}, {"page": 9, "key": None}]


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",
        "a: !!binary aGVsbG8=\nb: 2024-01-01T00:00:00Z\nc: 0x1F\nd: ~\ne: yes\nf: 1.5\ng: '12'\nh: ''\ni:\n",
        "<<: {a: 1}\nb: 2\n",
        "- !!set {a, b}\n",
        "x\n",
        "",
        "[1, {a: [2, 3]}]",
        "a: |\n  multi\n  line\n",
        "- &s hello\n- *s\n",
    ],
)
def test_a_cassette_is_read_as_yaml_safe_load_reads_it(text):
    from kit._platform._cassette import _parse

    assert _parse(text) == yaml.safe_load(text)


def test_what_yaml_safe_load_refuses_is_refused():
    from kit._platform._cassette import _parse

    for text in ("{[1]: 2}", "a: !!python/object:os.system x", "a: *nowhere"):
        with pytest.raises(yaml.YAMLError):
            _parse(text)
