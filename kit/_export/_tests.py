"""The tests export writes for each component: pytest on the real SDK, no kit needed.

A module repository runs its tests with the real ``sekoia-automation-sdk`` and without kit, so
a generated test is written the way the repository's own tests are: the component is built
with its module and a ``tmp_path`` data path, the calls that reach the platform
(``send_normalized_event``, ``push_events_to_intakes``, ``log``, ``log_exception``) are
``Mock`` objects, HTTP is answered by ``requests-mock`` (``aioresponses`` for aiohttp code).

With a recorded run (``kit.export(..., simulations=[sim])``) the test replays it: the same
configuration, the HTTP answers the component received (in their order), the same clock
(freezegun, ticking by what the loop slept, as kit's virtual clock did) and the same number
of turns of the run loop: the daemon is stopped at the pause where the recording ended. It
then compares what was sent with what kit recorded. The recording is a JSON file next to
the test (``tests/data/recorded_<stem>.json``), so it can be read and edited. When the
simulation's platform recorded to or replayed from a cassette (``FakePlatform(record=...)``,
``replay=...``) and the component uses ``requests``, its exchanges are the test's HTTP fixture:
``tests/data/cassette_<stem>.yaml``, in responses' recorder format, loaded with ``responses``.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any, Iterable, Mapping

from ._manifests import ExportError, component_kind
from ._package import _import_groups, component_stem
from ._pyproject import AIOHTTP_TEST_LIBRARIES, CASSETTE_TEST_LIBRARIES, TEST_LIBRARIES
from ._templates import sample_object

# the most events a recording keeps to compare; the count is always compared
RECORDED_EVENTS_LIMIT = 500


def _plain(value: Any) -> Any:
    """JSON-ready copy of a recorded value (frozen records, tuples, models, datetimes...)."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


def _placeholder(value: Any) -> Any:
    """What stands for a secret value in a recording: of its type, so the replay validates."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return type(value)(0)
    return "REDACTED"


def _redact(value: Any, secrets: set[str], exact: set[str] | frozenset[str] = frozenset()) -> Any:
    """``value`` with every occurrence of a secret string replaced (in URLs, bodies, events...),
    and every string equal to one of ``exact`` replaced whole."""
    if isinstance(value, str):
        if value in exact:
            return "REDACTED"
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, "REDACTED")
        return value
    if isinstance(value, Mapping):
        return {_redact(k, secrets, exact): _redact(v, secrets, exact) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v, secrets, exact) for v in value]
    return value


def _redact_declared(data: dict[str, Any], component_manifest: dict, module_manifest: dict) -> dict[str, Any]:
    """The recording with the values of the keys the manifests declare secret redacted, everywhere."""
    declared = {
        "module_configuration": set((module_manifest.get("configuration") or {}).get("secrets") or ()),
        "arguments": set((component_manifest.get("arguments") or {}).get("secrets") or ()),
        "configuration": set((component_manifest.get("arguments") or {}).get("secrets") or ()),
    }
    values: set[str] = set()
    for role, keys in declared.items():
        section = data.get(role)
        if not isinstance(section, dict):
            continue
        for key in keys & set(section):
            if isinstance(section[key], str) and len(section[key]) >= 8 and section[key] != "REDACTED":
                values.add(section[key])  # found inside texts too (shorter ones could match by chance)
            data[role] = section = {**section, key: _placeholder(section[key])}
    return _redact(data, values) if values else data


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def recording_of(run: Any) -> tuple[str, dict[str, Any]]:
    """``(class name, recording)`` of a stepped simulation or an action record.

    Secret values (the platform masks them in logs) become ``"REDACTED"``; query strings are
    dropped from the URLs so the answers match the replayed requests whatever their query.
    """
    from kit._platform._records import ActionRecord

    if isinstance(run, ActionRecord):
        return run.action, {
            "start": run.time.isoformat(),
            "arguments": _plain(run.arguments),
            "http": _answers(run.http),
            "results": _plain(run.results),
            "outputs": _plain(run.outputs),
            "error": run.error,
        }
    host = getattr(run, "_host", None)
    if host is None:
        raise ExportError(
            f"simulations=[...]: {run!r} is neither a simulation from platform.load(...) nor the record "
            "of platform.run_action(...)"
        )
    secrets = {value for value in host.mask.values if isinstance(value, str) and value}
    # inside longer texts (bodies, URLs) only secrets long enough not to match by chance
    long_secrets = {value for value in secrets if len(value) >= 8}

    def scrub_keys(data: Any, role: str) -> Any:
        """Secret keys redacted whatever their value (an int, a short string the masker keeps)."""
        keys = host.secret_keys.get(role, frozenset())
        if not isinstance(data, Mapping):
            return data
        return {k: _placeholder(v) if k in keys else v for k, v in data.items()}

    reports = list(run.reports)
    if not reports:
        raise ExportError(
            f"simulations=[...]: {run.name} was never stepped, so there is no run to replay; step it first "
            "(sim.step(3), sim.run_for(hours=1)) or leave it out of simulations="
        )
    intake = host.intake
    strings = intake.rows()[0]
    recording: dict[str, Any] = {
        "start": reports[0].start.astimezone(UTC).isoformat(),
        "steps": len(reports),
        "finished": reports[-1].status in ("finished", "crashed"),
        # the threads the component started (kit stepped them as one group): see _skip_thread_group
        "threads": sorted({entry.partition(": ")[0] for r in reports for entry in r.threads}),
        "module_configuration": _plain(scrub_keys(host.module_configuration, "module_configuration"))
        if host.module_configuration else {},
        "configuration": _plain(scrub_keys(host.configuration, "configuration")) if host.configuration else {},
        "http": _answers(host.http),
        "events": [{"name": r.event_name, "event": _plain(r.event)} for r in host.runs],
        "pushed_count": intake.pushed,
        "pushed": [_maybe_json(s) for s in strings[:RECORDED_EVENTS_LIMIT]],
        "errors": len(host.errors),
    }
    cassette = getattr(host.platform, "cassette", None)
    exchanges = cassette.exchanges_of(host.name) if cassette is not None else []
    if exchanges:
        from kit._platform._cassette import item
        from kit._platform._secrets import MASK

        # popped by write_component_test, which writes it as the test's cassette
        recording["cassette"] = _redact([item(exchange) for exchange in exchanges], {MASK})
    return run.component.__name__, _redact(recording, long_secrets, exact=secrets)


def _answers(calls: Iterable[Any]) -> list[dict[str, Any]]:
    """The recorded HTTP answers, replayable; the platform's mask of a secret (``***``) becomes the
    recording's placeholder, so a replayed answer matches the placeholder configuration."""
    from kit._platform._secrets import MASK

    answers = []
    for call in calls:
        if call.status is None or call.response_body is None or "... <" in call.response_body[-40:]:
            continue  # no answer, or a body kit truncated: it cannot be replayed
        answer: dict[str, Any] = {"method": call.method, "url": call.url.split("?", 1)[0], "status": call.status}
        try:
            answer["json"] = json.loads(call.response_body)
        except ValueError:
            answer["body"] = call.response_body
        answers.append(answer)
    return _redact(answers, {MASK})


def recordings(runs: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """``{class name: recording}`` of ``kit.export(..., simulations=...)`` (an action record
    names its action by its display name: :func:`example_for` finds it by either)."""
    return dict(recording_of(run) for run in runs)


def example_for(examples: Mapping[str, Any] | None, cls: type) -> Mapping[str, Any] | None:
    """The ``examples`` entry of ``cls``: by class name, else by its display name."""
    from ._manifests import display_name

    examples = examples or {}
    return examples.get(cls.__name__) or examples.get(display_name(cls))


def _sdk_loop(cls: type) -> str | None:
    """``"next_run"``/``"async_next_run"`` when ``cls`` keeps the SDK connector's own run loop."""
    from kit.aio.connector import AsyncConnector
    from kit.connector import Connector

    if issubclass(cls, AsyncConnector):
        return "async_next_run" if cls.run is AsyncConnector.run and cls.async_run is AsyncConnector.async_run else None
    if issubclass(cls, Connector) and cls.run is Connector.run:
        return "next_run"
    return None


def _is_async(cls: type) -> bool:
    from kit.aio.connector import AsyncConnector

    return issubclass(cls, AsyncConnector)


def write_component_test(
    cls: type,
    *,
    component_module: str,
    module_import: tuple[str, str],
    component_manifest: dict,
    module_manifest: dict,
    example: Mapping[str, Any] | None,
    http: str | None,
) -> tuple[dict[str, str], list[str]]:
    """The files of ``cls``'s generated test (``{relative path: text}``) and the libraries it imports.

    Args:
        component_module: the dotted module the class is imported from.
        module_import: ``(dotted module, class name)`` of the module class main.py uses.
        example: a recording (:func:`recording_of`) or ``examples=`` values of the class.
        http: ``"requests"``, ``"aiohttp"`` or None: the HTTP client the component's code imports.
    """
    kind = component_kind(cls)
    stem = component_stem(cls)
    example = dict(example or {})
    cassette = example.pop("cassette", None)
    recorded = "start" in example
    # given values (a recording, examples=) may hold secrets; the samples made below do not
    data = _redact_declared(dict(example), component_manifest, module_manifest)
    if kind == "action":
        if "arguments" not in data:
            data["arguments"] = data.pop("configuration", None) or sample_object(component_manifest.get("arguments") or {})
    elif "configuration" not in data:
        data["configuration"] = sample_object(component_manifest.get("arguments") or {})
    if not data.get("module_configuration"):
        data["module_configuration"] = sample_object(module_manifest.get("configuration") or {})
    data.setdefault("http", [])
    if kind != "action":
        data.setdefault("steps", 1)
    if _is_async(cls):
        http = "aiohttp"  # its session() is an aiohttp ClientSession, imported or not
    client = "aiohttp" if http == "aiohttp" else "requests"
    libraries = list(AIOHTTP_TEST_LIBRARIES if client == "aiohttp" else TEST_LIBRARIES)
    files: dict[str, str] = {}
    if cassette and http == "requests":  # responses answers requests only
        from kit._platform._cassette import dump

        client = "cassette"
        libraries = list(CASSETTE_TEST_LIBRARIES)
        data["cassette"] = f"cassette_{stem}.yaml"
        files[f"tests/data/cassette_{stem}.yaml"] = dump(cassette, data.get("start"))
    data_file = f"tests/data/recorded_{stem}.json"
    render = _action_test if kind == "action" else _daemon_test
    text = render(cls, stem, component_module, module_import, recorded, data, http is not None and client)
    return {f"tests/test_{stem}.py": text, data_file: json.dumps(data, indent=2), **files}, libraries


def _header(cls: type, recorded: bool, what: str, cassette: str | None = None) -> str:
    if recorded:
        origin = (
            f"It replays the run of {cls.__name__} that kit recorded ({what}): the same configuration, the\n"
            "HTTP answers it received, in their order, on the same clock; then it compares what the\n"
            "component sent with the recording."
        )
        if cassette:
            origin += f"\nThe HTTP answers are the cassette tests/data/{cassette} (responses' recorder format)."
    else:
        origin = (
            f"kit had no recorded run of {cls.__name__}: the configuration comes from the manifest's\n"
            "schemas (kit.export(..., simulations=[sim]) writes a test that replays a stepped run)."
        )
    return f'''"""Test of {cls.__name__}, written by kit.

{origin}
Its data is in tests/data/recorded_{component_stem(cls)}.json. Edit both freely: kit does not
overwrite a test you changed.
"""
'''


def _skip_thread_group(cls: type, data: Mapping[str, Any]) -> str:
    """A mark for the replay of a component that started threads: kit stepped them one pause at a
    time on one virtual clock, which the real threads of a test (each sleeping on its own, one
    frozen clock for all) do not reproduce; the test would stop at another point than the recording."""
    if not data.get("threads"):
        return ""
    names = ", ".join(data["threads"])
    return (
        "@pytest.mark.skip(\n"
        f'    reason="{cls.__name__} ran its threads ({names}) as one group on kit\'s virtual clock; real threads "\n'
        '    "do not replay that pause by pause: assert what it sends with your own test and remove this mark"\n'
        ")\n"
    )


def _skip_without_answers(cls: type, recorded: bool, data: Mapping[str, Any], http: str | bool) -> str:
    if recorded or data.get("http") or not http:
        return ""
    return (
        "@pytest.mark.skip(\n"
        f'    reason="no recorded HTTP answers for {cls.__name__}: add the API\'s answers to "\n'
        f"    'tests/data/recorded_{component_stem(cls)}.json (\"http\") and remove this mark'\n"
        ")\n"
    )


_ANSWERS_REQUESTS = '''

def register_answers(http, answers):
    """Answer each (method, URL) with its recorded responses, in order (the last one repeats)."""
    responses = {}
    for answer in answers:
        response = {"status_code": answer.get("status", 200)}
        if "json" in answer:
            response["json"] = answer["json"]
        else:
            response["text"] = answer.get("body", "")
        responses.setdefault((answer["method"], answer["url"]), []).append(response)
    for (method, url), listed in responses.items():
        http.register_uri(method, url, listed)
'''

_ANSWERS_AIOHTTP = '''

class Response(ClientResponse):
    """aioresponses builds responses without the ``stream_writer`` aiohttp 3.14 requires
    (pnuckowski/aioresponses#289); this gives it one while that is open."""

    def __init__(self, *args, **kwargs):
        if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
            kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(*args, **kwargs)


def register_answers(http, answers):
    """Answer the recorded requests in order; a URL matches whatever its query string."""
    for answer in answers:
        body = {"payload": answer["json"]} if "json" in answer else {"body": answer.get("body", "")}
        url = re.compile(re.escape(answer["url"]) + r"(\\?.*)?$")
        http.add(url, method=answer["method"], status=answer.get("status", 200), response_class=Response, **body)
'''

_ANSWERS_CASSETTE = '''

def register_answers(http, recording):
    """Answer the requests from the cassette kit recorded (responses' recorder format), in order."""
    http._add_from_file(Path(__file__).parent / "data" / recording["cassette"])
'''

_AS_JSON = '''

def as_json(value):
    """What the platform receives of ``value``: models dumped, JSON strings parsed."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif hasattr(value, "dict") and hasattr(value, "json"):  # pydantic.v1
        value = json.loads(value.json())
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return json.loads(json.dumps(value, default=str))
'''


def _client_parts(client: str) -> tuple[list[str], list[str], str, str]:
    """The imports (standard library, third party), ``register_answers`` and the mocker of a test
    whose component uses ``client`` ("aiohttp", "requests", or "cassette": requests answered from
    the recorded cassette by responses)."""
    if client == "cassette":
        return [], ["import responses"], _ANSWERS_CASSETTE, "responses.RequestsMock(assert_all_requests_are_fired=False)"
    if client == "aiohttp":
        return (
            ["import inspect", "import re", "from types import SimpleNamespace"],
            ["from aiohttp import ClientResponse", "from aioresponses import aioresponses"],
            _ANSWERS_AIOHTTP,
            "aioresponses()",
        )
    return [], ["import requests_mock"], _ANSWERS_REQUESTS, "requests_mock.Mocker()"


def _imports(stdlib: list[str], third: list[str], local: list[str]) -> str:
    """The import block, laid out as isort does (the module's own package last)."""
    groups = _import_groups(stdlib + third) + _import_groups(local)
    return "\n\n".join(groups) + "\n"


def _local_imports(cls: type, component_module: str, module_import: tuple[str, str]) -> list[str]:
    lines = [f"from {component_module} import {cls.__name__}"]
    if module_import[1] and module_import[1] != cls.__name__:
        lines.append(f"from {module_import[0]} import {module_import[1]}")
    return lines


def _action_test(
    cls: type, stem: str, component_module: str, module_import: tuple[str, str], recorded: bool,
    data: Mapping[str, Any], http: str | bool,
) -> str:
    client_stdlib, client_third, answers, mocker = _client_parts(http or "requests")
    answers_argument = "RECORDING" if http == "cassette" else 'RECORDING["http"]'
    stdlib = ["import json", "from pathlib import Path", *client_stdlib]
    skip = _skip_without_answers(cls, recorded, data, http)
    third = (["import pytest"] if skip else []) + client_third
    if recorded:
        third.append("from freezegun import freeze_time")
    module_class = module_import[1]
    text = _header(cls, recorded, "an action run") + "\n" + _imports(
        stdlib, third, _local_imports(cls, component_module, module_import)
    )
    text += f'\nRECORDING = json.loads((Path(__file__).parent / "data" / "recorded_{stem}.json").read_text())\n'
    text += answers
    if recorded:
        text += _AS_JSON
    clock = '    with freeze_time(RECORDING["start"]), ' if recorded else "    with "
    failed = recorded and data.get("error") is not None
    if failed:
        call = (
            '        try:\n'
            '            action.run(RECORDING["arguments"])\n'
            '        except Exception as error:  # the recorded run failed: this one must fail too\n'
            '            failure = str(error)\n'
            '        else:\n'
            '            failure = action.error_message\n'
        )
    else:
        call = '        results = action.run(RECORDING["arguments"])\n'
    body = f'''

{skip}def test_{stem}(tmp_path):
    module = {module_class}()
    module.configuration = RECORDING["module_configuration"]
    action = {cls.__name__}(module=module, data_path=tmp_path)

{clock}{mocker} as http:
        register_answers(http, {answers_argument})
{call}
'''
    if failed:
        body += '    assert failure is not None, "the recorded run failed (RECORDING[\'error\']), this one did not"\n'
    elif recorded:
        body += '    assert action.error_message is None, action.error_message\n'
        body += '    assert as_json(results) == RECORDING["results"]\n'
    if recorded:
        body += '    assert action.outputs == RECORDING["outputs"]\n'
    else:
        body += "    assert action.error_message is None, action.error_message\n"
        body += "    print(results)  # kit had no recorded results to compare with\n"
    return text + body


_PAUSES = '''

class Pauses:
    """The pauses of the run loop (``time.sleep``, waits on the stop event) in this test.

    Each one moves the frozen clock by what it sleeps, as kit's virtual clock did; at the pause
    where the recorded run ended, the daemon is stopped, so its loop ends there.
    """

    def __init__(self, daemon, clock, last):
        self.daemon, self.clock, self.last, self.count = daemon, clock, last, 0

    def sleep(self, seconds=0):
        self.count += 1
        if self.clock is not None and seconds:
            self.clock.tick(seconds)
        if self.count >= self.last:
            # `running` is False from now on (stop() itself may also close what an event loop still uses)
            self.daemon._stop_event.set()

    def iteration(self, next_run):
        """``next_run`` of the SDK's loop: a turn that returns without pausing counts as a pause."""

        def run(*args, **kwargs):
            before = self.count
            result = next_run(*args, **kwargs)
            if self.count == before:
                self.sleep(0)
            return result

        return run


def log_level(call):
    """The level of a ``log(message, level="info")`` call."""
    return call.kwargs.get("level") or (call.args[1] if len(call.args) > 1 else "info")


def event_ids(events, *args, **kwargs):
    """What the intake answers a push: one id per event."""
    return [str(number) for number, _ in enumerate(events)]


class StopEvent(threading.Event):
    """The daemon's stop event, whose timed waits are pauses."""

    def __init__(self, pauses):
        super().__init__()
        self.pauses = pauses

    def wait(self, timeout=None):
        if not self.is_set():
            self.pauses.sleep(timeout or 0)
        return self.is_set()
'''

_ASYNC_SLEEP = '''

def async_sleep(pauses):
    """``asyncio.sleep`` of the run loop: a pause that yields to the event loop without waiting."""

    async def sleep(seconds=0, result=None):
        if seconds:
            pauses.sleep(seconds)
        await REAL_ASYNC_SLEEP(0)
        return result

    return sleep


def async_iteration(pauses, next_run):
    """``async_next_run`` of the SDK's loop: a turn that returns without pausing counts as a pause."""

    async def run(*args, **kwargs):
        before = pauses.count
        try:
            result = await next_run(*args, **kwargs)
        except Exception:
            if pauses.count == before and not pauses.daemon.frequency:
                pauses.sleep(0)  # the SDK's loop logs the error and goes on without sleeping
            raise
        if pauses.count == before:
            pauses.sleep(0)
        return result

    return run
'''


def _daemon_test(
    cls: type, stem: str, component_module: str, module_import: tuple[str, str], recorded: bool,
    data: Mapping[str, Any], http: str | bool,
) -> str:
    kind = component_kind(cls)
    is_async = _is_async(cls)
    client_stdlib, client_third, answers, mocker = _client_parts(http or "requests")
    answers_argument = "RECORDING" if http == "cassette" else 'RECORDING["http"]'
    variable = "connector" if kind == "connector" else "trigger"
    stdlib = ["import json", "import threading", "from pathlib import Path", "from unittest.mock import Mock, patch"]
    if is_async:
        stdlib += ["import asyncio", "from unittest.mock import AsyncMock"]
    stdlib += client_stdlib
    third = ["import pytest", *client_third, "from freezegun import freeze_time"]
    module_class = module_import[1]
    what = f"{data.get('steps', 1)} step(s) of its run loop"
    text = _header(cls, recorded, what, data.get("cassette")) + "\n" + _imports(
        stdlib, third, _local_imports(cls, component_module, module_import)
    )
    text += f'\nRECORDING = json.loads((Path(__file__).parent / "data" / "recorded_{stem}.json").read_text())\n'
    if is_async:
        text += "REAL_ASYNC_SLEEP = asyncio.sleep\n"
    text += answers
    text += _PAUSES
    if is_async:
        text += _ASYNC_SLEEP
    if recorded:
        text += _AS_JSON
    async_mock = f"    {variable}.push_data_to_intakes = AsyncMock(side_effect=event_ids)\n" if is_async else ""
    fixture = f'''

@pytest.fixture
def {variable}(tmp_path):
    module = {module_class}()
    module.configuration = RECORDING["module_configuration"]
    {variable} = {cls.__name__}(module=module, data_path=tmp_path)
    {variable}.configuration = RECORDING["configuration"]
    # what reaches the platform is recorded by mocks
    {variable}.send_normalized_event = Mock()
    {variable}.push_events_to_intakes = Mock(side_effect=event_ids)
{async_mock}    {variable}.log = Mock()
    {variable}.log_exception = Mock()
    return {variable}
'''
    freeze = 'freeze_time(RECORDING["start"], real_asyncio=True)' if is_async else 'freeze_time(RECORDING["start"])'
    if not recorded:
        freeze = freeze.replace('RECORDING["start"]', '"2024-01-01T00:00:00Z"')
    patches = ['patch("time.sleep", pauses.sleep)']
    if is_async:
        patches.append('patch("asyncio.sleep", async_sleep(pauses))')
    # the SDK's own loop (Connector.run calling next_run) ends a step of kit's stepper after each turn
    loop = _sdk_loop(cls)
    if loop == "next_run":
        patches.append(f'patch.object({variable}, "next_run", pauses.iteration({variable}.next_run))')
    elif loop == "async_next_run":
        patches.append(f'patch.object({variable}, "async_next_run", async_iteration(pauses, {variable}.async_next_run))')
    if len(patches) == 1:
        patch_block = f"        with {patches[0]}:\n"
    else:
        patch_block = "        with (\n" + "".join(f"            {p},\n" for p in patches) + "        ):\n"
    run = f'''

{_skip_thread_group(cls, data) or _skip_without_answers(cls, recorded, data, http)}def test_{stem}({variable}):
    with (
        {freeze} as clock,
        {mocker} as http,
    ):
        register_answers(http, {answers_argument})
        pauses = Pauses({variable}, clock, last=RECORDING["steps"])
        {variable}._stop_event = StopEvent(pauses)
        watchdog = threading.Timer(60, {variable}._stop_event.set)  # a loop that never pauses is stopped
        watchdog.daemon = True
        watchdog.start()
{patch_block}            {variable}.run()
        watchdog.cancel()

'''
    checks = []
    if data.get("errors"):
        checks.append("    # the recorded run had errors: the component may log them here too")
    else:
        checks.append(f"    {variable}.log_exception.assert_not_called()")
        checks.append(
            f'    errors = [c for c in {variable}.log.call_args_list if log_level(c) in ("error", "critical")]'
        )
        checks.append("    assert not errors, errors")
    if recorded:
        checks.append(
            f"    sent = [{{\"name\": c.args[0], \"event\": as_json(c.args[1])}} for c in {variable}.send_normalized_event.call_args_list]"
        )
        checks.append('    assert sent == RECORDING["events"]')
        pushes = f"{variable}.push_events_to_intakes.call_args_list"
        if is_async:
            pushes += f" + {variable}.push_data_to_intakes.call_args_list"
        checks.append(f"    pushes = {pushes}")
        checks.append('    pushed = [as_json(e) for c in pushes for e in c.kwargs.get("events", c.args[0] if c.args else [])]')
        checks.append('    assert len(pushed) == RECORDING["pushed_count"]')
        checks.append('    assert pushed[: len(RECORDING["pushed"])] == RECORDING["pushed"]')
    return text + fixture + run + "\n".join(checks) + "\n"
