"""The ``kit`` command line.

    kit new-module DIR --module-name NAME [--description TEXT]
    kit generate-files DIR
    kit export FILE.py --to DIR [--module-name NAME] [--class NAME ...] [--force]
    kit check DIR [--events FILE --component NAME] [--no-code]
    kit infer-schema EVENTS.jsonl [--title TITLE]
    kit run DIR COMMAND [--config JSON|@file] [--module-config JSON|@file] [--steps N | --for 1h]

Exit codes: 0 ok, 1 findings or failure, 2 usage error. ``kit COMMAND --help`` for each.
Only argparse is imported at start, so the command starts fast.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Sequence

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits with 2 on usage errors
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class UsageError(Exception):
    """A bad value on the command line (exit code 2)."""


def _json_arg(value: str | None, option: str) -> Any:
    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{option} {value}: cannot read {path} ({exc.strerror})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{option}: not valid JSON ({exc}): {text[:80]!r}; pass a JSON object, e.g. "
            f"{option} '{{\"key\": \"value\"}}', or @file.json"
        ) from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")


def parse_duration(text: str) -> float:
    """``"90"``/``"90s"``, ``"15m"``, ``"1h"``, ``"2d"`` -> seconds."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"--for {text!r}: not a duration; write e.g. 30s, 15m, 1h or 2d")
    factor = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * factor


def _cmd_new_module(args: argparse.Namespace) -> int:
    from kit._export._new_module import new_module

    root = new_module(
        args.dir,
        args.module_name,
        args.description,
        version=args.version,
        categories=tuple(args.category or ["Generic"]),
        uuid=args.uuid,
        overwrite=args.overwrite_if_exists,
    )
    print(f"created {root}")
    return EXIT_OK


def _cmd_generate_files(args: argparse.Namespace) -> int:
    from kit._export._generate import generate_files

    written = generate_files(args.dir)
    for relpath in written:
        print(f"wrote {Path(args.dir) / relpath}")
    if not written:
        print("nothing to change: the manifests and main.py match the code")
    return EXIT_OK


def _load_source_file(path: Path) -> Any:
    from kit._loader import import_file

    if not path.is_file():
        raise UsageError(f"{path}: no such file; pass the .py file that defines the components")
    return import_file(path)


def _cmd_export(args: argparse.Namespace) -> int:
    from kit._export._manifests import component_kind
    from kit._export._writer import export

    module = _load_source_file(Path(args.source))
    defined = [
        v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__ and component_kind(v)
    ]
    if args.class_names:
        by_name = {c.__name__: c for c in defined}
        unknown = [n for n in args.class_names if n not in by_name]
        if unknown:
            raise UsageError(
                f"--class {', '.join(unknown)}: not defined in {args.source}; it defines "
                f"{', '.join(sorted(by_name)) or 'no component'}"
            )
        classes = [by_name[n] for n in args.class_names]
        classes += [c for c in defined if component_kind(c) == "module" and c not in classes]
    else:
        classes = defined
    result = export(
        *classes,
        to=args.to,
        name=args.module_name,
        slug=args.slug,
        description=args.description,
        version=args.version,
        categories=args.category,
        package=args.package,
        force=args.force,
        round_trip=not args.no_round_trip,
        lock=not args.no_lock,
    )
    print(result)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from kit._export._check import check
    from kit._export._infer import load_events

    events = load_events(args.events) if args.events else None
    findings = check(args.dir, events=events, component=args.component, code=not args.no_code)
    if args.json:
        print(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        for finding in findings:
            print(finding)
        print(f"{len(findings)} problem{'s' * (len(findings) != 1)} found in {args.dir}")
    return EXIT_FAILED if findings else EXIT_OK


def _cmd_infer_schema(args: argparse.Namespace) -> int:
    from kit._export._infer import infer_schema

    source: Any = args.events
    if args.events == "-":
        source = [json.loads(line) for line in sys.stdin if line.strip()]
    print(json.dumps(infer_schema(source, title=args.title), indent=2))
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    import kit
    from kit._export._manifests import component_kind

    if args.steps is not None and args.duration is not None:
        raise UsageError("--steps and --for cannot be used together; pick one")
    configuration = _json_arg(args.config, "--config")
    module_configuration = _json_arg(args.module_config, "--module-config")
    directory = kit.load_module_directory(args.dir)
    cls = directory.component(args.command)
    if args.record and not args.allow_network:
        raise UsageError(f"--record {args.record} writes the real HTTP exchanges: add --allow-network")
    platform = kit.FakePlatform(
        start=args.start, allow_network=args.allow_network, record=args.record, replay=args.replay
    )
    try:
        if args.http:
            _register_http(platform, args.http)
        if component_kind(cls) == "action":
            record = directory.run_action(platform, args.command, configuration, module_configuration)
            print("results:", json.dumps(_plain(record.results), indent=2, default=str))
            if record.outputs:
                print("outputs:", json.dumps(dict(record.outputs)))
            _print_table("logs", platform.logs)
            _print_table("http", platform.http_calls)
            if record.error:
                print(f"error: {record.error}", file=sys.stderr)
                return EXIT_FAILED
            return EXIT_OK
        sim = directory.simulate(platform, args.command, configuration, module_configuration)
        try:
            if args.duration is not None:
                seconds = parse_duration(args.duration)
                sim.run_for(seconds, progress=seconds >= 60 and sys.stderr.isatty() or args.progress)
            else:
                sim.step(args.steps or 1)
        finally:
            sim.stop()
        for name in ("steps", "runs", "events", "logs", "http"):
            _print_table(name, getattr(sim, name))
        return EXIT_OK
    finally:
        platform.close()


def _register_http(platform: Any, path: str) -> None:
    """Fake HTTP answers from a file: a JSON list of ``responses.add`` keyword arguments, or responses' YAML."""
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--http {path}: no such file")
    if file.suffix in {".yaml", ".yml"}:
        platform.http._add_from_file(file_path=str(file))  # responses' recorder format
        return
    try:
        answers = json.loads(file.read_text())
    except json.JSONDecodeError as error:
        raise UsageError(f"--http {path}: not valid JSON ({error})") from None
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise UsageError(
            f'--http {path}: expected a JSON list of answers like [{{"method": "GET", "url": "https://...", '
            '"json": {...}}]'
        )
    for index, answer in enumerate(answers):
        try:
            platform.http.add(**answer)
        except TypeError as error:
            raise UsageError(f"--http {path}: answer {index} is not valid ({error})") from None


def _plain(value: Any) -> Any:
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _print_table(title: str, table: Any) -> None:
    print(f"== {title} ({len(table)} row{'s' * (len(table) != 1)})")
    if len(table):
        print(table.to_string(max_colwidth=80))


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``kit``."""
    parser = _Parser(prog="kit", description="Write, step through, check and export Sekoia.io automation modules.")
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("new-module", help="create an empty module directory (the SDK's template)")
    p.add_argument("dir", metavar="DIR", help="where to create the module (a subdirectory named after it)")
    p.add_argument("--module-name", required=True, help="display name, e.g. 'My Module'")
    p.add_argument("--description", default="", help="one-sentence description")
    p.add_argument("--version", default="0.1.0", help="semantic version (default 0.1.0)")
    p.add_argument("--category", action="append", help="a category (repeatable; default Generic)")
    p.add_argument("--uuid", help="module uuid (default: a new uuid4)")
    p.add_argument("--overwrite-if-exists", action="store_true", help="write into an existing non-empty directory")
    p.set_defaults(func=_cmd_new_module)

    p = sub.add_parser("generate-files", help="write manifests and main.py from the code of a module directory")
    p.add_argument("dir", metavar="DIR", nargs="?", default=".", help="the module directory (default .)")
    p.set_defaults(func=_cmd_generate_files)

    p = sub.add_parser("export", help="write a complete module directory from a .py file of kit components")
    p.add_argument("source", metavar="FILE", help="the .py file defining the components (and the Module subclass)")
    p.add_argument("--to", required=True, help="the module directory to write")
    p.add_argument("--class", dest="class_names", action="append", help="export only this class (repeatable)")
    p.add_argument("--module-name", help="the module's display name")
    p.add_argument("--slug", help="the module's slug")
    p.add_argument("--description", help="the module's description")
    p.add_argument("--version", help="the module's version (a new version adds a CHANGELOG entry)")
    p.add_argument("--category", action="append", help="a category (repeatable)")
    p.add_argument("--package", help="the package directory name")
    p.add_argument("--force", action="store_true", help="overwrite files changed by hand")
    p.add_argument("--no-round-trip", action="store_true", help="skip the check in a fresh interpreter")
    p.add_argument("--no-lock", action="store_true", help="do not run poetry lock")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("check", help="report every problem of a module directory (exit 1 if any)")
    p.add_argument("dir", metavar="DIR", nargs="?", default=".", help="the module directory (default .)")
    p.add_argument("--events", help="JSON-lines file of recorded events to check against a results schema")
    p.add_argument("--component", help="the trigger/action that produced --events (docker_parameters or name)")
    p.add_argument("--no-code", action="store_true", help="do not load the code to compare models and manifests")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("infer-schema", help="propose a results schema from recorded events")
    p.add_argument("events", metavar="EVENTS", help="JSON-lines (or JSON array) file of events, or - for stdin")
    p.add_argument("--title", help="title of the schema")
    p.set_defaults(func=_cmd_infer_schema)

    p = sub.add_parser("run", help="run a component of a module directory on the fake platform and print its tables")
    p.add_argument("dir", metavar="DIR", help="the module directory")
    p.add_argument("command", metavar="COMMAND", help="the component's docker_parameters (or class name)")
    p.add_argument("--config", help="configuration (trigger/connector) or arguments (action): JSON or @file")
    p.add_argument("--module-config", help="module configuration: JSON or @file")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--steps", type=int, help="number of steps (default 1)")
    group.add_argument("--for", dest="duration", help="virtual time to run, e.g. 30s, 15m, 1h, 2d")
    p.add_argument("--progress", action="store_true", help="show a progress bar (default: on a terminal for 1 min+)")
    p.add_argument("--http", metavar="FILE", help="fake HTTP answers: a JSON list of responses.add arguments "
                   '([{"method": "GET", "url": ..., "json": ...}]) or a responses YAML recording')
    p.add_argument("--allow-network", action="store_true", help="let calls with no fake answer reach the network")
    cassette = p.add_mutually_exclusive_group()
    cassette.add_argument("--record", metavar="FILE", help="write every real HTTP exchange to this cassette "
                          "(responses' YAML format, secrets masked); needs --allow-network")
    cassette.add_argument("--replay", metavar="FILE", help="answer HTTP calls from this cassette "
                          "(the clock starts where it was recorded unless --start)")
    p.add_argument("--start", help="start of the virtual clock, ISO 8601 (default: now)")
    p.set_defaults(func=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kit`` command line; return the exit code (0 ok, 1 findings/failure, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"kit {args.cmd}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SyntaxError as exc:  # the user's file: where, and what, in one line
        print(f"kit {args.cmd}: error: {exc.filename}:{exc.lineno}: {exc.msg}; fix the file and run again",
              file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - report, don't dump a traceback on the user
        from kit._export._manifests import ExportError

        from kit.exceptions import AutomationSDKError

        known = isinstance(exc, (ExportError, ValueError, ImportError, OSError, TypeError, KeyError, AutomationSDKError))
        # the SDK's errors name their class in str() already
        text = str(exc) if isinstance(exc, AutomationSDKError) else f"{type(exc).__name__}: {exc}"
        print(f"kit {args.cmd}: {text}", file=sys.stderr)
        if not known:
            import traceback

            traceback.print_exc()
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
