"""kit.action: results, outputs, errors, file arguments and results, argument models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1

import kit


class Arguments(BaseModel):
    ip: str
    limit: int = 10


class Result(BaseModel):
    ip: str
    malicious: bool


class Lookup(kit.Action):
    results_model = Result

    def run(self, arguments: Arguments) -> dict:
        self.log(f"looking up {arguments.ip}", "info")
        malicious = arguments.ip.startswith("6.6.")
        self.set_output("malicious" if malicious else "clean")
        return {"ip": arguments.ip, "malicious": malicious}


def test_results_outputs_and_logs(platform):
    record = platform.run_action(Lookup, {"ip": "6.6.6.6"})
    assert record.ok
    assert dict(record.results) == {"ip": "6.6.6.6", "malicious": True}
    assert dict(record.outputs) == {"malicious": True}
    assert [(r.level, r.message) for r in record.logs] == [("info", "looking up 6.6.6.6")]
    assert platform.actions["ok"].tolist() == [True]


def test_arguments_failing_the_model_make_an_error_result(platform):
    record = platform.run_action(Lookup, {"limit": "x"})
    assert not record.ok
    assert record.error == (  # one line naming each argument (the SDK's error_message keeps the traceback)
        "Lookup: missing argument 'ip'; add it to the arguments, e.g. {'ip': ...}; argument 'limit'='x': Input "
        "should be a valid integer, unable to parse string as an integer (arguments given: 'limit')"
    )
    assert record.results is None


class V1Arguments(pydantic_v1.BaseModel):
    name: str


def test_v1_argument_models_work(platform):
    class Hello(kit.Action):
        def run(self, arguments: V1Arguments) -> dict:
            return {"hello": arguments.name}

    assert dict(platform.run_action(Hello, {"name": "kit"}).results) == {"hello": "kit"}


def test_error_keeps_running_and_is_reported(platform):
    class Partial(kit.Action):
        def run(self, arguments):
            self.error("the API refused the query")
            return {"partial": True}

    record = platform.run_action(Partial, {})
    assert record.error == "the API refused the query"
    assert dict(record.results) == {"partial": True}


def test_file_arguments_and_file_results(platform):
    class Count(kit.Action):
        def run(self, arguments):
            items = self.json_argument("items", arguments)
            return self.json_result("count", {"n": len(items)})

    record = platform.run_action(Count, {"items_path": "items.json"}, files={"items.json": [1, 2, 3]})
    assert list(record.results) == ["count_path"]
    assert record.read_result_file("count") == {"n": 3}
    direct = platform.run_action(Count, {"items": [1]})
    assert dict(direct.results) == {"count": {"n": 1}}


def test_missing_file_argument(platform):
    class Reads(kit.Action):
        def run(self, arguments):
            return self.json_argument("items", arguments)

    record = platform.run_action(Reads, {"items_path": "nope.json"})
    assert record.error.splitlines()[-1].startswith("kit.exceptions.MissingActionArgumentFileError: Missing argument file: ")


def test_invalid_results_are_an_error(platform):
    class Weird(kit.Action):
        def run(self, arguments):
            return "not a dict"

    record = platform.run_action(Weird, {})
    assert record.error == "Results are invalid: 'not a dict'"
    assert record.results is None


def test_action_sleeps_on_virtual_time(platform):
    import time

    class Retry(kit.Action):
        def run(self, arguments):
            time.sleep(3600)
            return {"slept": True}

    before = platform.clock.time()
    platform.run_action(Retry, {})
    assert platform.clock.time() - before == 3600


def test_run_action_refuses_triggers_and_missing_run(platform):
    class T(kit.Trigger):
        def run(self):
            pass

    with pytest.raises(TypeError) as error:
        platform.run_action(T)
    assert str(error.value) == (
        "platform.run_action(T): T is a Trigger; load it with platform.load(T, configuration=...) and step it"
    )

    class NoRun(kit.Action):
        pass

    with pytest.raises(TypeError) as error:
        platform.run_action(NoRun)
    assert str(error.value) == (
        "platform.run_action(NoRun): NoRun does not define run(); an Action implements run(self, arguments) and "
        "returns its results"
    )


class Creds(BaseModel):
    api_key: str = Field(json_schema_extra={"secret": True})


class CredsModule(kit.Module):
    configuration: Creds


def test_secrets_never_appear_in_action_records(platform):
    class Leaky(kit.Action):
        def run(self, arguments):
            self.log(f"key={self.module.configuration.api_key}", "info")
            raise RuntimeError(f"auth failed with {self.module.configuration.api_key}")

    record = platform.run_action(Leaky, {}, {"api_key": "s3cr3t-value"}, module=CredsModule)
    assert "s3cr3t-value" not in record.error
    assert [r.message for r in record.logs] == ["key=***"]
    assert "s3cr3t-value" not in repr(record)


def test_unresolvable_string_annotation_is_a_clear_error(platform):
    class Local(BaseModel):
        a: int

    class UsesLocal(kit.Action):
        def run(self, arguments: Local):
            return {}

    with pytest.raises(TypeError) as error:
        platform.run_action(UsesLocal, {})
    assert str(error.value) == (
        "UsesLocal.run(self, arguments: Local): kit cannot resolve the annotation 'Local'; with "
        "`from __future__ import annotations`, define that model at module level (not inside a function)"
    )
