"""Text of the files export writes besides code, manifests and tests.

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
