"""``kit new-module DIR``: an empty module to start from (the SDK's ``new-module`` template,
non-interactive), with Poetry files and a dated CHANGELOG entry as module-format.md asks."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid as _uuid
from pathlib import Path

from ._fs import write_atomic
from ._manifests import ExportError
from ._changelog import add_entry
from ._pyproject import TEST_LIBRARIES, new_pyproject
from ._templates import DOCKERFILE, DRAFT7, LOGO_SVG
from ._writer import CATEGORIES, SEMVER_PATTERN, SLUG_PATTERN


def new_module(
    output_dir: str | os.PathLike,
    name: str,
    description: str = "",
    *,
    version: str = "0.1.0",
    categories: tuple[str, ...] = ("Generic",),
    uuid: str | None = None,
    date: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Create ``<output_dir>/<name without spaces>/`` with the files of the SDK's template.

    Names as in the template: package ``<name lower, spaces -> _>_modules``, module class
    ``<Name Title-cased, no spaces>Module``, slug ``<name lower, spaces -> ->``.

    Returns:
        the module directory.

    Raises:
        ExportError: a bad name, slug, version or category, or the directory exists and
            ``overwrite`` is false.
    """
    if not name or not name.strip() or "/" in name or "\\" in name or ".." in name:
        raise ExportError(
            f"module name {name!r} is not usable: it must be non-empty with no '/', '\\\\' or '..'; e.g. 'My Module'"
        )
    snake = name.lower().replace(" ", "_")
    title = name.title().replace(" ", "")
    slug = name.lower().replace(" ", "-")
    package = f"{snake}_modules"
    if not package.isidentifier() or not f"{title}Module".isidentifier():
        raise ExportError(
            f"module name {name!r} gives the package {package!r} and class {title + 'Module'!r}, which are not Python "
            "identifiers; use letters, digits and spaces only"
        )
    if not SLUG_PATTERN.match(slug):
        raise ExportError(f"module name {name!r} gives the slug {slug!r}, which does not match ^[a-z]([a-z_.\\-]|\\d)*$")
    if not SEMVER_PATTERN.match(version):
        raise ExportError(f"version {version!r} is not a semantic version; use e.g. '0.1.0'")
    for category in categories:
        if category not in CATEGORIES:
            raise ExportError(f"category {category!r} is not one of {list(CATEGORIES)!r}")
    root = Path(output_dir) / name.replace(" ", "")
    if root.exists() and any(root.iterdir()) and not overwrite:
        raise ExportError(f"{root} already exists and is not empty; choose another directory or pass overwrite=True (--overwrite-if-exists)")
    manifest = {
        "configuration": {
            "$schema": DRAFT7,
            "title": name,
            "type": "object",
            "properties": {},
            "required": [],
        },
        "description": description,
        "name": name,
        "slug": slug,
        "categories": list(categories),
        "uuid": uuid or str(_uuid.uuid4()),
        "version": version,
    }
    files = {
        "manifest.json": json.dumps(manifest, indent=2) + "\n",
        "main.py": (
            f"from {package} import {title}Module\n\n"
            'if __name__ == "__main__":\n'
            f"    module = {title}Module()\n"
            "    module.run()\n"
        ),
        f"{package}/__init__.py": (
            "from sekoia_automation.module import Module\n"
            f"from {package}.models import {title}ModuleConfiguration\n\n\n"
            f"class {title}Module(Module):\n"
            f"    configuration: {title}ModuleConfiguration\n"
        ),
        f"{package}/models.py": (
            "from pydantic import BaseModel, Field\n\n\n" f"class {title}ModuleConfiguration(BaseModel):\n    pass\n"
        ),
        "pyproject.toml": new_pyproject(
            slug=slug, description=description, dependencies=[], dev_dependencies=list(TEST_LIBRARIES)
        ),
        "Dockerfile": DOCKERFILE,
        "CHANGELOG.md": add_entry(None, version, date or _dt.date.today().isoformat(), {"Added": ["Initial version"]}),
        "logo.svg": LOGO_SVG,
        "tests/__init__.py": "",
    }
    for relpath, text in files.items():
        write_atomic(root / relpath, text)
    return root


def _module_dir_name(name: str) -> str:
    return re.sub(r"\s", "", name)
