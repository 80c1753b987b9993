"""kit.action.GenericAPIAction: an action that is one HTTP call, as in the real SDK."""

from __future__ import annotations

from kit.action import GenericAPIAction


class GetUser(GenericAPIAction):
    verb = "get"
    endpoint = "users/{user_id}"
    query_parameters = ["fields"]
    authentication = "bearer"


class DeleteUser(GenericAPIAction):
    verb = "delete"
    endpoint = "users/{user_id}"
    query_parameters = []


def test_one_call_with_placeholders_query_and_auth(platform):
    platform.http.get("https://api.test/v1/users/42?fields=name", json={"id": 42, "name": "alice"})
    record = platform.run_action(
        GetUser, {"user_id": 42, "fields": "name"}, {"base_url": "https://api.test/v1/", "api_key": "tok-123456"}
    )
    assert record.ok and record.results == {"id": 42, "name": "alice"}
    (call,) = record.http
    assert call.url == "https://api.test/v1/users/42?fields=name"
    assert call.request_headers["Authorization"] == "***"


def test_client_errors_are_error_results(platform):
    platform.http.get("https://api.test/users/7", status=404, json={"message": "no such user"})
    record = platform.run_action(GetUser, {"user_id": 7}, {"base_url": "https://api.test/", "api_key": "k-123456"})
    assert record.error == "no such user (status code: 404, attempts: 1, retries: 0)"
    assert record.results is None


def test_server_errors_are_retried_on_virtual_time(platform):
    platform.http.delete("https://api.test/users/7", status=503)
    before = platform.clock.time()
    record = platform.run_action(DeleteUser, {"user_id": 7}, {"base_url": "https://api.test/"})
    assert record.error == (
        "HTTP Request failed after 10 attempts (9 retries): https://api.test/users/7 (last status code: 503)"
    )
    assert len(record.http) == 10
    assert platform.clock.time() - before == sum(min(2.0 * 2**a, 300.0) for a in range(1, 10))
