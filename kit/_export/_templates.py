"""Text of the files export writes besides code and manifests.

Dockerfile: the common template of the automation-library (module-format.md): ``FROM
python:3.11``, ``WORKDIR /app``, Poetry, ``poetry.lock pyproject.toml`` copied first, main
dependencies only, code copied, a non-root user, ``ENTRYPOINT ["python", "./main.py"]``.
"""

from __future__ import annotations

from typing import Any

DRAFT7 = "http://json-schema.org/draft-07/schema#"

DOCKERFILE = """\
FROM python:3.11

WORKDIR /app

RUN pip install poetry

# Install dependencies
COPY poetry.lock pyproject.toml /app/
RUN poetry config virtualenvs.create false && poetry install --only main --no-root

COPY . .

RUN useradd -ms /bin/bash sekoiaio-runtime
USER sekoiaio-runtime

ENTRYPOINT [ "python", "./main.py" ]
"""

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" height="24" viewBox="0 0 24 24" width="24">'
    '<rect fill="none" height="24" width="24"/>'
    '<path d="M20.41,8.41l-4.83-4.83C15.21,3.21,14.7,3,14.17,3H5C3.9,3,3,3.9,3,5v14c0,1.1,0.9,2,2,2h14c1.1,0,2-0.9,'
    "2-2V9.83C21,9.3,20.79,8.79,20.41,8.41z M7,7h7v2H7V7z M17,17H7v-2h10V17z M17,13H7v-2h10V13z\"/></svg>\n"
)

def _resolve_ref(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}
    return schema


def sample_value(schema: dict, root: dict | None = None, depth: int = 0) -> Any:
    """A value that fits ``schema`` (defaults first, then a plain example by type)."""
    root = root if root is not None else schema
    schema = _resolve_ref(schema, root)
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return sample_value(options[0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or (kind is None and "properties" in schema):
        return sample_object(schema, root, depth + 1) if depth < 5 else {}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return float(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt in ("uri", "url"):
        return "https://example.com"
    if fmt == "email":
        return "user@example.com"
    if fmt == "date-time":
        return "2024-01-01T00:00:00Z"
    return "example"


def sample_object(schema: dict, root: dict | None = None, depth: int = 0) -> dict:
    """Required properties of an object schema filled with :func:`sample_value`."""
    root = root if root is not None else schema
    props = schema.get("properties") or {}
    return {name: sample_value(props.get(name, {}), root, depth) for name in schema.get("required", []) or []}


def _py(value: Any) -> str:
    return repr(value)


def _http_answers(answers: list[dict] | None, http: bool) -> str:
    """The body of ``register_fake_api``: one ``http.add(...)`` per answer, or a marked place."""
    lines = []
    for answer in answers or []:
        lines.append("    http.add(" + ", ".join(f"{key}={value!r}" for key, value in answer.items()) + ")")
    if lines:
        return "\n".join(lines) + "\n"
    if http:
        return (
            "    # TODO: register the answers of the API the component calls, e.g.\n"
            '    #   http.add("GET", "https://api.example.com/v1/items", json={"items": []})\n'
            "    # Until then its first HTTP call gets no fake response and this test fails.\n"
            "    # (kit.export(..., examples={\"ClassName\": {\"http\": [{\"method\": \"GET\", \"url\": ..., \"json\": ...}]}})\n"
            "    # writes them here.)\n"
        )
    return "    # kit saw no HTTP client in the component's code; register answers here if it calls an API\n"


def component_test(
    *,
    kind: str,
    class_name: str,
    test_name: str,
    arguments: dict,
    module_configuration: dict,
    http: bool = False,
    http_answers: list[dict] | None = None,
) -> str:
    """A pytest module that runs one component of the module directory on kit's fake platform.

    The test fails when the component crashes or records an error, or when an HTTP call gets
    no registered fake response (``register_fake_api`` is where the answers go; ``http``
    says whether the component's code imports an HTTP client, ``http_answers`` are keyword
    arguments of ``responses.add`` written there).
    """
    header = f'''\
"""Runs {class_name} on kit's fake platform.

Generated by kit once; edit it freely (kit does not overwrite a test you changed).
The module's code imports sekoia_automation; kit's loader runs it on kit.
"""

from pathlib import Path

import kit

MODULE_DIR = Path(__file__).resolve().parents[1]
MODULE_CONFIGURATION = {_py(module_configuration)}
'''
    answers = _http_answers(http_answers, http)
    register = (
        "\n\ndef register_fake_api(http):\n"
        f'    """Fake answers of the HTTP APIs {class_name} calls (``http`` is a ``responses.RequestsMock``)."""\n'
        f"{answers}"
    )
    if kind == "action":
        return header + f'''ARGUMENTS = {_py(arguments)}
{register}

def test_{test_name}_runs_on_the_fake_platform():
    module = kit.load_module_directory(MODULE_DIR)
    platform = kit.FakePlatform()
    register_fake_api(platform.http)
    record = module.run_action(
        platform,
        "{class_name}",
        arguments=ARGUMENTS,
        module_configuration=MODULE_CONFIGURATION,
    )
    assert record.error is None, record.error
    unanswered = [call.error for call in record.http if call.error]
    assert not unanswered, unanswered
'''
    return header + f'''CONFIGURATION = {_py(arguments)}
{register}

def test_{test_name}_runs_on_the_fake_platform():
    module = kit.load_module_directory(MODULE_DIR)
    platform = kit.FakePlatform()
    register_fake_api(platform.http)
    sim = module.simulate(
        platform,
        "{class_name}",
        configuration=CONFIGURATION,
        module_configuration=MODULE_CONFIGURATION,
    )
    try:
        step = sim.step(1)
    finally:
        sim.stop()
    assert step.errors == (), step.summary()
    assert step.status in ("paused", "finished"), step.summary()
    unanswered = [call.error for call in step.http if call.error]
    assert not unanswered, unanswered
'''
