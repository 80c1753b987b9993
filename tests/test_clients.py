"""kit._platform._clients: every HTTP client, from every kind of component thread, is answered by platform.http.

Clients other than requests and aiohttp (``urllib.request``, ``http.client``, urllib3, httpx sync and
async) are answered from the registry and recorded in ``sim.http`` with the thread's name, or
refused with kit's message when nothing is registered; raw sockets and asyncio streams are refused
with kit's diagnostic (and recorded) unless ``allow_network=True``.  Nothing reaches the network.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import urllib3

import kit

httpx = pytest.importorskip("httpx")

API = "https://api.vendor.test"


def missing(method="GET", url=f"{API}/missing"):
    return (
        f"kit: no fake response is registered for {method} {url}.\n"
        f"Registered:\n  - GET {API}/items\n  - POST {API}/items\n"
        f"Register one with platform.http.add(responses.{method}, {url!r}, json=...) "
        "or allow real network with FakePlatform(allow_network=True)."
    )


def refused(thread):
    return (
        f"kit: a connection to 127.0.0.1:9 from the component (thread {thread}) was refused: "
        "kit answers HTTP calls made with requests, aiohttp, httpx, urllib3, http.client and urllib.request "
        "from platform.http; any other connection (a raw socket, asyncio streams) needs "
        "FakePlatform(allow_network=True)."
    )


# -- one function per client: (status, body) of GET /items, POST /items, and the error of GET /missing --------
def with_urllib():
    with urllib.request.urlopen(f"{API}/items?page=1") as response:
        got = (response.status, json.loads(response.read()))
    request = urllib.request.Request(f"{API}/items", data=b'{"n": 1}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        posted = (response.status, json.loads(response.read()))
    with pytest.raises(urllib.error.URLError) as error:
        urllib.request.urlopen(f"{API}/missing")
    return got, posted, str(error.value.reason)


def with_http_client():
    connection = http.client.HTTPSConnection("api.vendor.test", timeout=10)
    connection.request("GET", "/items?page=1")
    response = connection.getresponse()
    got = (response.status, json.loads(response.read()))
    connection.request("POST", "/items", body=json.dumps({"n": 1}), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    posted = (response.status, json.loads(response.read()))
    with pytest.raises(ConnectionRefusedError) as error:
        connection.request("GET", "/missing")
    connection.close()
    return got, posted, str(error.value)


def with_urllib3():
    pool = urllib3.PoolManager()
    response = pool.request("GET", f"{API}/items", fields={"page": "1"})
    got = (response.status, response.json())
    response = pool.request("POST", f"{API}/items", json={"n": 1})
    posted = (response.status, response.json())
    with pytest.raises(urllib3.exceptions.MaxRetryError) as error:
        pool.request("GET", f"{API}/missing")
    assert isinstance(error.value.reason, urllib3.exceptions.NewConnectionError)
    return got, posted, str(error.value)


def with_httpx():
    response = httpx.get(f"{API}/items", params={"page": 1})
    got = (response.status_code, response.json())
    with httpx.Client(base_url=API) as client:
        response = client.post("/items", json={"n": 1})
        posted = (response.status_code, response.json())
        with pytest.raises(httpx.ConnectError) as error:
            client.get("/missing")
    return got, posted, str(error.value)


def with_httpx_async():
    async def main():
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{API}/items", params={"page": 1})
            got = (response.status_code, response.json())
            response = await client.post(f"{API}/items", json={"n": 1})
            posted = (response.status_code, response.json())
            with pytest.raises(httpx.ConnectError) as error:
                await client.get(f"{API}/missing")
        return got, posted, str(error.value)

    return asyncio.run(main())


def with_requests():
    response = requests.get(f"{API}/items", params={"page": 1})
    got = (response.status_code, response.json())
    response = requests.post(f"{API}/items", json={"n": 1})
    posted = (response.status_code, response.json())
    with pytest.raises(requests.ConnectionError) as error:
        requests.get(f"{API}/missing")
    return got, posted, str(error.value)


def with_aiohttp():
    aiohttp = pytest.importorskip("aiohttp")

    async def main():
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{API}/items", params={"page": 1}) as response:
                got = (response.status, await response.json())
            async with session.post(f"{API}/items", json={"n": 1}) as response:
                posted = (response.status, await response.json())
            with pytest.raises(aiohttp.ClientConnectionError) as error:
                await session.get(f"{API}/missing")
        return got, posted, str(error.value)

    return asyncio.run(main())


CLIENTS = {
    "urllib.request": with_urllib,
    "http.client": with_http_client,
    "urllib3": with_urllib3,
    "httpx": with_httpx,
    "httpx.AsyncClient": with_httpx_async,
    "requests": with_requests,
    "aiohttp": with_aiohttp,
}


# -- where the call is made -----------------------------------------------------------------------------------
def on_main(function):
    return function()


def on_thread(function):
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=function()), name="fetcher")
    thread.start()
    thread.join()
    return result["value"]


def on_pool(function):
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool") as pool:
        return pool.submit(function).result()


def on_to_thread(function):
    async def main():
        return await asyncio.to_thread(function)

    return asyncio.run(main())


def on_timer(function):
    result = {}
    timer = threading.Timer(5, lambda: result.update(value=function()))
    timer.start()
    timer.join()
    return result["value"]


KINDS = {"main": (on_main, "main"), "Thread": (on_thread, "fetcher"), "ThreadPoolExecutor": (on_pool, "pool_0"),
         "asyncio.to_thread": (on_to_thread, "asyncio_0"), "Timer": (on_timer, "Thread-1")}


class Caller(kit.Connector):
    call = staticmethod(lambda: None)
    result = None

    def run(self):
        type(self).result = None
        try:
            type(self).result = self.call()
        except BaseException as error:  # noqa: BLE001 - the test shows it
            type(self).result = error
        while self.running:
            time.sleep(60)


def run_component(platform, call):
    component = type("Caller", (Caller,), {"call": staticmethod(call)})
    sim = platform.load(component, configuration={"intake_key": "k"})
    sim.run_until(lambda _: component.result is not None, max_steps=3)  # a Timer's call is in the second step
    report = sim.last
    assert report.status == "paused"
    if isinstance(component.result, BaseException):
        raise component.result
    return sim, report, component.result


def register(platform):
    platform.http.get(f"{API}/items", json={"items": [1, 2]})
    platform.http.post(f"{API}/items", json={"created": 1}, status=201)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("client", list(CLIENTS))
def test_each_client_from_each_kind_of_thread_is_answered_by_the_platform(platform, client, kind):
    register(platform)
    runner, thread = KINDS[kind]
    sim, report, (got, posted, error) = run_component(platform, lambda: runner(CLIENTS[client]))
    assert got == (200, {"items": [1, 2]})
    assert posted == (201, {"created": 1})
    assert missing() in error
    if client == "urllib3":
        assert error == missing()
    calls = sim.http_records
    assert [(c.method, c.url, c.status) for c in calls] == [
        ("GET", f"{API}/items?page=1", 200), ("POST", f"{API}/items", 201), ("GET", f"{API}/missing", None)]
    assert calls[2].error == missing()
    assert json.loads(calls[1].request_body) == {"n": 1}
    assert [c.response_body for c in calls[:2]] == ['{"items": [1, 2]}', '{"created": 1}']
    if kind == "main":  # a component without threads: no thread column
        assert [c.thread for c in calls] == [""] * 3
        assert "thread" not in sim.http.columns
    else:
        assert [c.thread for c in calls] == [thread] * 3
        assert sim.http["thread"].tolist() == [thread] * 3


def raw_socket():
    with pytest.raises(ConnectionRefusedError) as error:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    return str(error.value)


def asyncio_stream():
    async def main():
        with pytest.raises(ConnectionRefusedError) as error:
            await asyncio.open_connection("127.0.0.1", 9)
        return str(error.value)

    return asyncio.run(main())


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "main"])
@pytest.mark.parametrize("opener", [raw_socket, asyncio_stream], ids=["socket", "asyncio.open_connection"])
def test_other_connections_from_component_threads_are_refused_and_recorded(platform, opener, kind):
    runner, thread = KINDS[kind]
    sim, _report, message = run_component(platform, lambda: runner(opener))
    assert message == refused(thread)
    assert [(c.thread, c.method, c.url, c.status, c.error) for c in sim.http_records] == [
        (thread, "CONNECT", "tcp://127.0.0.1:9", None, refused(thread))]


def test_a_raw_socket_from_the_main_thread_is_refused_too(platform):
    sim, _report, message = run_component(platform, raw_socket)
    assert message == (
        "kit: a connection to 127.0.0.1:9 from the component was refused: "
        "kit answers HTTP calls made with requests, aiohttp, httpx, urllib3, http.client and urllib.request "
        "from platform.http; any other connection (a raw socket, asyncio streams) needs "
        "FakePlatform(allow_network=True)."
    )
    assert sim.http["method"].tolist() == ["CONNECT"]


def test_with_allow_network_a_component_thread_may_connect():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def connect():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            return connection.getpeername()[1]

    try:
        with kit.FakePlatform(start="2024-01-01T00:00:00Z", step_timeout=5, allow_network=True) as platform:
            sim, _report, peer = run_component(platform, lambda: on_thread(connect))
            assert peer == port
            assert sim.http.empty
    finally:
        server.close()


def test_threads_the_test_starts_keep_the_real_clients(platform):
    # outside component threads nothing is intercepted: a local server is reached for real
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            assert connection.getpeername()[1] == port
    finally:
        server.close()
    assert platform.http_calls.empty
