"""kit.account_validator: validating a module configuration, as the real SDK does."""

from __future__ import annotations

from pathlib import Path

import pytest

import kit
from kit.account_validator import AccountValidator

IDENTITY = Path(__file__).parent / "data" / "modules" / "Identity"
CONFIGURATION = {"base_url": "https://idp.test/", "api_token": "idp-token-123456"}


def test_a_module_directorys_validator_is_registered_and_runs(platform):
    directory = kit.load_module_directory(IDENTITY)
    assert directory.names() == ["identity_audit_logs", "validate_module_configuration"]
    platform.http.get("https://idp.test/api/v1/users/me", json={"id": "me"})
    record = directory.run_action(platform, "validate_module_configuration", module_configuration=CONFIGURATION)
    assert record.results == {"success": True} and record.error is None
    assert record.http[0].request_headers["Authorization"] == "***"


def test_a_failed_validation_says_why(platform):
    directory = kit.load_module_directory(IDENTITY)
    platform.http.get("https://idp.test/api/v1/users/me", status=401)
    record = directory.run_action(platform, "validate_module_configuration", module_configuration=CONFIGURATION)
    assert record.results == {"success": False}
    assert record.error == "the token was refused (401)"


def test_exceptions_from_validate_are_not_caught(platform):
    class Broken(AccountValidator):
        def validate(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="^boom$"):
        platform.run_action(Broken)


def test_a_validator_without_validate_is_refused(platform):
    class Empty(AccountValidator):
        pass

    with pytest.raises(TypeError) as error:
        platform.run_action(Empty)
    assert str(error.value) == (
        "platform.run_action(Empty): Empty does not define validate(); an AccountValidator implements "
        "validate(self) -> bool"
    )
