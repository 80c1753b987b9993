"""The notebook's session: one fake platform, the simulations loaded into it, and input parsing.

Everything here is plain Python over kit's core; :mod:`kit.ipython._magics` only
translates magic lines into calls to :class:`Session`.  Bad input raises
``UsageError`` with a message that says what to do, which IPython shows without
a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping

from IPython.core.error import UsageError

__all__ = ["Session", "parse_duration", "extract_json_options"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_JSON_OPTIONS = ("--config", "--module-config", "--args")
_PLACEHOLDER = "__kit_json_{}__"


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``30m``, ``2h``, ``1d``, ``1w`` or ``1h30m`` (a bare number is seconds)."""
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise UsageError(f"a duration cannot be negative: got {text!r}; write it like 90s, 30m, 2h, 1d or 1h30m")
        return seconds
    position = 0
    total = 0.0
    compact = value.replace(" ", "")
    for match in _DURATION_PART.finditer(compact):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        position = match.end()
    if not compact or position != len(compact):
        raise UsageError(
            f"cannot read {text!r} as a duration; write it like 90s, 30m, 2h, 1d or 1h30m "
            "(units: w, d, h, m, s; a bare number is seconds)"
        )
    return total


def extract_json_options(line: str, options: tuple[str, ...] = _JSON_OPTIONS) -> tuple[str, dict[str, str]]:
    """Cut unquoted JSON values of ``--config``-like options out of a magic line.

    ``%load_component T --config {"a": 1}`` would be split on spaces by the argument
    parser; the JSON text is replaced by a placeholder token and returned apart, exactly
    as typed (so error positions refer to what the user wrote).  A value that does not
    close is taken up to the end of the line.
    """
    found: dict[str, str] = {}
    out: list[str] = []
    index = 0
    pattern = re.compile(r"(?:(?<=\s)|^)(" + "|".join(re.escape(o) for o in options) + r")(\s+|=)(?=[\[{])")
    while True:
        match = pattern.search(line, index)
        if match is None:
            out.append(line[index:])
            break
        start = match.end()
        end = _json_end(line, start)
        token = _PLACEHOLDER.format(len(found))
        found[token] = line[start:end]
        out.append(line[index:start])
        out.append(token)
        index = end
    return "".join(out), found


def _json_end(text: str, start: int) -> int:
    depth = 0
    in_string = False
    escaped = False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(text)


def json_error_message(option: str, text: str, error: json.JSONDecodeError) -> str:
    """A ``UsageError`` message for invalid JSON: the decoder's message and a caret under the position."""
    lines = text.splitlines() or [""]
    line = lines[error.lineno - 1] if error.lineno - 1 < len(lines) else ""
    return (
        f"{option} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno} (char {error.pos}):\n"
        f"    {line}\n"
        f"    {' ' * (error.colno - 1)}^\n"
        f"Give a JSON object, e.g. {option} {{\"frequency\": 60}}, or the name of a dict or model variable."
    )


def short_type(value: Any) -> str:
    return type(value).__name__


class Session:
    """What ``%load_ext kit`` keeps for one notebook: its fake platform and the current simulation.

    Args:
        user_ns: the notebook's namespace (variables are read from it and bound in it).
        factory: builds a platform; defaults to :class:`kit.FakePlatform`.
    """

    def __init__(self, user_ns: dict[str, Any], factory: Callable[..., Any] | None = None) -> None:
        self.user_ns = user_ns
        self._factory = factory
        self._platform: Any = None
        self._owned = False
        self.current_name: str | None = None  # variable the current simulation was bound to

    # -- the platform --------------------------------------------------------------
    @property
    def platform(self) -> Any:
        """The notebook's :class:`kit.FakePlatform`, created on first use (virtual clock at the current time)."""
        if self._platform is None or getattr(self._platform, "_closed", False):
            self.new_platform()
        return self._platform

    def new_platform(
        self, *, start: Any = None, step_timeout: float | None = None, allow_network: bool = False,
        record: str | None = None, replay: str | None = None,
    ) -> Any:
        """Close the platform this session created (if any) and start a new one (``record``/``replay``:
        the cassette it records to or replays from)."""
        import kit

        self.close()
        kwargs: dict[str, Any] = {"start": start, "allow_network": allow_network}
        if record is not None:
            kwargs["record"] = record
        if replay is not None:
            kwargs["replay"] = replay
        if step_timeout is not None:
            kwargs["step_timeout"] = step_timeout
        factory = self._factory or kit.FakePlatform
        try:
            self._platform = factory(**kwargs)
        except (ValueError, TypeError) as error:
            raise UsageError(f"cannot start a platform: {error}") from None
        self._owned = True
        self.current_name = None
        return self._platform

    def use_platform(self, platform: Any) -> Any:
        """Adopt a platform created in the notebook (``platform = kit.FakePlatform(start=...)``)."""
        from kit._platform._platform import FakePlatform

        if not isinstance(platform, FakePlatform):
            raise UsageError(f"--use needs a kit.FakePlatform; got {short_type(platform)}")
        if platform is not self._platform:
            self.close()
            self._platform = platform
            self._owned = False
            self.current_name = None
        return platform

    def close(self) -> None:
        """Close the platform if this session created it (a platform adopted with ``--use`` is left alone)."""
        if self._platform is not None and self._owned:
            self._platform.close()
        self._platform = None
        self._owned = False

    # -- reading user input ----------------------------------------------------------
    def lookup(self, dotted: str) -> Any:
        """The value of ``name`` or ``name.attr...`` in the notebook; KeyError when the first name is not defined."""
        first, *rest = dotted.split(".")
        value = self.user_ns[first]
        for attribute in rest:
            try:
                value = getattr(value, attribute)
            except AttributeError:
                raise UsageError(f"{dotted}: {short_type(value)} has no attribute {attribute!r}") from None
        return value

    def data(self, option: str, value: str | None, placeholders: Mapping[str, str]) -> Any:
        """Configuration given as JSON or as the name of a dict/model variable (None when not given)."""
        if value is None:
            return None
        text = placeholders.get(value, value)
        if text not in placeholders.values() and _NAME.match(text) and text not in {"true", "false", "null"}:
            try:
                data = self.lookup(text)
            except KeyError:
                raise UsageError(
                    f"{option} {text}: there is no variable {text.split('.')[0]!r} in the notebook, and it is not "
                    f"JSON either; define it first, or give a JSON object such as {option} {{\"frequency\": 60}}"
                ) from None
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                raise UsageError(json_error_message(option, text, error)) from None
        if data is None or isinstance(data, dict):
            return data
        from kit.utils import is_model_instance

        if is_model_instance(data):
            return data
        raise UsageError(
            f"{option} must be a JSON object, a dict or a pydantic model; got {short_type(data)} {data!r:.80}"
        )

    # -- simulations --------------------------------------------------------------------
    def bind(self, name: str, value: Any) -> None:
        if not name.isidentifier():
            raise UsageError(f"--as {name}: {name!r} is not a valid Python name; use letters, digits and _")
        self.user_ns[name] = value

    def simulations(self) -> list[tuple[str, Any]]:
        """(label, simulation) for every simulation of the platform, labelled by variable when bound."""
        if self._platform is None:
            return []
        by_id = {id(v): k for k, v in self.user_ns.items() if not k.startswith("_") and _is_simulation(v)}
        return [(by_id.get(id(sim), sim.name), sim) for sim in self._platform.simulations]

    def simulation(self, name: str | None = None) -> Any:
        """The simulation called ``name`` (a variable or a simulation name), or the current one."""
        if name is None:
            return self.current()
        value = self.user_ns.get(name)
        if _is_simulation(value):
            return value
        for label, sim in self.simulations():
            if name in (label, sim.name):
                return sim
        known = ", ".join(label for label, _ in self.simulations()) or "none loaded yet"
        raise UsageError(f"--sim {name}: no simulation is called {name!r} (simulations: {known})")

    def current(self) -> Any:
        """The simulation magics act on without ``--sim``: the one loaded last."""
        if self._platform is not None and self._platform.simulations:
            if self.current_name is not None:
                value = self.user_ns.get(self.current_name)
                if _is_simulation(value) and value.platform is self._platform:
                    return value
            return self._platform.simulations[-1]
        raise UsageError(
            "no component is loaded yet: load one first with %load_component MyTrigger --config {...} "
            "(or write it in a %%component cell), then step it"
        )


def _is_simulation(value: Any) -> bool:
    from kit._stepper._simulation import Simulation

    return isinstance(value, Simulation)


def resolve_component(session: Session, target: str, name: str | None) -> tuple[type, Any]:
    """The component class named by TARGET, and the module directory it comes from (or None).

    TARGET is a variable of the notebook holding a class, ``package.module:Class``,
    ``path/file.py:Class``, or a module directory (``path/to/Module`` with ``name`` or
    ``path/to/Module:name``).
    """
    import kit
    from kit._loader import ComponentLoadError

    where, sep, attribute = target.rpartition(":")
    if not sep or "/" in attribute or "\\" in attribute:
        where, attribute = target, ""
    attribute = attribute or (name or "")
    path = Path(where).expanduser()
    if _NAME.match(target) and not path.exists():
        try:
            value = session.lookup(target)
        except KeyError:
            value = _MISSING
        if value is not _MISSING:
            return check_component_class(value, target), None
    try:
        if path.is_dir():
            directory = kit.load_module_directory(path)
            if not attribute:
                raise UsageError(
                    f"{path} is a module directory: name the component, as in %load_component {target} NAME, "
                    f"with NAME one of: {', '.join(directory.names()) or 'none registered in main.py'}"
                )
            return check_component_class(directory.component(attribute), attribute), directory
        if not attribute and not where.endswith(".py"):
            raise UsageError(
                f"cannot find component {target!r}: there is no variable {target.split('.')[0]!r} in the notebook, "
                f"no file or directory {target!r} in {Path.cwd()}, and a module target needs its class, as in "
                f"package.module:{target.split('.')[-1]} or path/file.py:ClassName"
            )
        cls = kit.load_component(f"{where}:{attribute}" if attribute else where)
    except ComponentLoadError as error:
        raise UsageError(str(error)) from None
    except SyntaxError as error:
        raise UsageError(f"{error.filename}, line {error.lineno}: {error.msg}; fix the syntax and load again") from None
    return check_component_class(cls, target), None


_MISSING = object()


def check_component_class(value: Any, label: str) -> type:
    """``value`` if it is a trigger, connector or action class; else a ``UsageError`` saying what it is."""
    from kit.action import Action
    from kit.trigger import Trigger

    if not isinstance(value, type):
        raise UsageError(
            f"{label} is {_article(short_type(value))} {short_type(value)}, not a class; %load_component needs a "
            "Trigger, Connector or Action class"
        )
    if issubclass(value, (Trigger, Action)):
        return value
    hint = ""
    if any(base.__module__.split(".")[0] == "sekoia_automation" for base in value.__mro__):
        hint = (
            " It subclasses the real sekoia_automation SDK: load it from its file or module directory "
            "(%load_component path/file.py:Class) so that its imports run on kit."
        )
    raise UsageError(
        f"{label} is not a component: {value.__name__} does not subclass kit.Trigger, kit.Connector or "
        f"kit.Action.{hint}"
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
