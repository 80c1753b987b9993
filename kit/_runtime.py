"""The seam between the SDK and whoever hosts it, plus thread-aware virtual time.

Components call ``time.sleep``, ``time.time``, ``threading.Event.wait`` and
``datetime.now`` directly, so virtual time cannot only be injected: kit replaces
those functions once per process with versions that look up the calling thread.
A thread registered by a platform (a component's worker, or the thread running
an action) gets the platform's virtual clock and pause points; every other
thread (the kernel, the user's own threads) gets the real function, so the
interception is invisible to them.  ``time.monotonic`` and ``time.perf_counter``
stay real: ``threading`` and the machinery rely on them.

Nothing here holds the state of a platform: the registry only maps thread ids to
the context objects that platforms own.
"""

from __future__ import annotations

import datetime as _datetime_module
import logging
import os as _os
import signal
import sys
import threading
import time as _time_module
import types
from typing import Any, Protocol

_real_sleep = _time_module.sleep
_real_time = _time_module.time
_real_time_ns = _time_module.time_ns
_real_monotonic = _time_module.monotonic
_real_monotonic_ns = _time_module.monotonic_ns
_real_event_wait = threading.Event.wait
_real_signal = signal.signal
_RealDatetime = _datetime_module.datetime
_RealDate = _datetime_module.date
_get_ident = threading.get_ident

# thread ident -> innermost ThreadContext of that thread
_contexts: dict[int, "ThreadContext"] = {}
_install_lock = threading.Lock()
_installed = False


class Host(Protocol):
    """What a hosted component may ask of its platform (the one narrow seam)."""

    data_path: Any

    def record_run(self, item: Any, event_name: str, event: Any, directory: Any, remove_directory: bool) -> None: ...
    def record_intake(self, item: Any, events: list) -> list[str]: ...
    def intake_refusal(self, count: int) -> Exception | None: ...
    def record_log(
        self, item: Any, level: str, message: str, *, sent: bool = True, source: str | None = None, extra: Any = None,
        exception: BaseException | None = None, context_in_text: bool = False,
    ) -> None: ...
    def event_rejected(self, item: Any, event_name: str, error: BaseException) -> None: ...
    def run_ended(self, item: Any, error: BaseException | None) -> None: ...
    def iteration_ended(self, item: Any) -> None: ...


class ThreadContext:
    """Virtual time for one thread.  The base class never pauses: a sleep just moves the clock."""

    def __init__(self, clock: Any, host: Any = None) -> None:
        self.clock = clock
        self.host = host
        self._previous: ThreadContext | None = None
        self._ident: int | None = None

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.advance(seconds)

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        if event.is_set():
            return True
        if timeout is None:
            # Nobody in this thread can set it while we wait on virtual time.
            return _real_event_wait(event, None)
        if timeout > 0:
            self.clock.advance(timeout)
        return event.is_set()

    # -- registration -------------------------------------------------------
    def enter(self) -> "ThreadContext":
        """Attach this context to the calling thread (nesting keeps the outer one)."""
        install()
        ident = _get_ident()
        self._ident = ident
        self._previous = _contexts.get(ident)
        _contexts[ident] = self
        return self

    def exit(self) -> None:
        """Detach this context from its thread, restoring the outer context if any."""
        if self._ident is None:
            return
        if self._previous is None:
            _contexts.pop(self._ident, None)
        else:
            _contexts[self._ident] = self._previous
        self._ident = None

    def __enter__(self) -> "ThreadContext":
        return self.enter()

    def __exit__(self, *exc: object) -> None:
        self.exit()


def current() -> ThreadContext | None:
    """The context of the calling thread, or None for an ordinary thread."""
    return _contexts.get(_get_ident())


def current_host() -> Any:
    context = _contexts.get(_get_ident())
    return None if context is None else context.host


# -- the replacements -------------------------------------------------------
def sleep(seconds: float) -> None:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_sleep(seconds)
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    context.sleep(seconds)


def time() -> float:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_time()
    return context.clock.time()


def time_ns() -> int:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_time_ns()
    return int(context.clock.time() * 1_000_000_000)


# Components measure durations with time.monotonic (rate limiters, back-offs): on a hosted
# thread it follows the virtual clock too (offset so it never goes backwards between clocks is
# not needed: each thread only ever sees its own platform's clock, which only moves forward).
def monotonic() -> float:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_monotonic()
    return context.clock.time()


def monotonic_ns() -> int:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_monotonic_ns()
    return int(context.clock.time() * 1_000_000_000)


def event_wait(self: threading.Event, timeout: float | None = None) -> bool:
    context = _contexts.get(_get_ident())
    if context is None:
        return _real_event_wait(self, timeout)
    return context.wait(self, timeout)


def signal_handler(signalnum: int, handler: Any) -> Any:
    """``signal.signal`` that, for hosted components, records the handler instead of installing it.

    Components often register SIGTERM/SIGINT handlers to stop; in a kernel that would take the
    interrupt button away (and fails outside the main thread).  The platform calls the recorded
    SIGTERM handler when it stops the component, as the real platform sends SIGTERM.
    """
    context = _contexts.get(_get_ident())
    if context is None or context.host is None:
        return _real_signal(signalnum, handler)
    return context.host.record_signal_handler(signalnum, handler)


event_wait.__doc__ = _real_event_wait.__doc__
sleep.__doc__ = _real_sleep.__doc__
time.__doc__ = _real_time.__doc__
time_ns.__doc__ = _real_time_ns.__doc__
monotonic.__doc__ = _real_monotonic.__doc__
monotonic_ns.__doc__ = _real_monotonic_ns.__doc__


class _DatetimeMeta(type):
    # isinstance(real_datetime, VirtualDatetime) stays True, as with freezegun.
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _RealDatetime)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _RealDatetime)


class _DateMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _RealDate)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _RealDate)


class VirtualDatetime(_RealDatetime, metaclass=_DatetimeMeta):
    """``datetime.datetime`` whose ``now``/``utcnow``/``today`` follow the thread's virtual clock.

    It never makes instances of itself: constructors return plain ``datetime`` objects.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> _RealDatetime:  # type: ignore[misc]
        return _RealDatetime(*args, **kwargs)

    @classmethod
    def now(cls, tz: _datetime_module.tzinfo | None = None) -> _RealDatetime:
        context = _contexts.get(_get_ident())
        if context is None:
            return _RealDatetime.now(tz)
        return _RealDatetime.fromtimestamp(context.clock.time(), tz)

    @classmethod
    def utcnow(cls) -> _RealDatetime:
        context = _contexts.get(_get_ident())
        if context is None:
            return _RealDatetime.now(_datetime_module.timezone.utc).replace(tzinfo=None)
        return _RealDatetime.fromtimestamp(context.clock.time(), _datetime_module.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls) -> _RealDatetime:
        return cls.now()


class VirtualDate(_RealDate, metaclass=_DateMeta):
    """``datetime.date`` whose ``today`` follows the thread's virtual clock."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _RealDate:  # type: ignore[misc]
        return _RealDate(*args, **kwargs)

    @classmethod
    def today(cls) -> _RealDate:
        return VirtualDatetime.now().date()


for _cls, _name in ((VirtualDatetime, "datetime"), (VirtualDate, "date")):
    # so help(), reprs of the class and pickling show the familiar names
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = "datetime"


class _VirtualDatetimeModule(types.ModuleType):
    """Stands in for the ``datetime`` module in a component's globals."""

    def __init__(self) -> None:
        super().__init__("datetime", _datetime_module.__doc__)
        self.__dict__.update({k: v for k, v in vars(_datetime_module).items() if not k.startswith("__")})
        self.datetime = VirtualDatetime
        self.date = VirtualDate


_virtual_datetime_module = _VirtualDatetimeModule()


def utcnow() -> _RealDatetime:
    """Aware UTC now on the calling thread's clock (kit's own code uses this)."""
    return _RealDatetime.fromtimestamp(time(), _datetime_module.timezone.utc)


# id(real object) -> (real object, what component modules get instead); filled by kit._stepper._threads
_namespace_replacements: dict[int, tuple[Any, Any]] = {}


def register_namespace_replacements(replacements: dict[Any, Any]) -> None:
    """Add ``real object -> replacement`` pairs :func:`virtualize_namespace` applies to component modules."""
    for real, replacement in replacements.items():
        _namespace_replacements[id(real)] = (real, replacement)


def virtualize_namespace(namespace: dict[str, Any]) -> None:
    """Point a component module's ``datetime``/``sleep``/``time`` names at the thread-aware versions.

    ``from datetime import datetime`` binds the C type itself, which cannot be
    patched, so kit rebinds the name in the modules that hold component code.
    Outside registered threads the replacements behave exactly like the originals.
    """
    for name, value in list(namespace.items()):
        if value is _datetime_module:
            namespace[name] = _virtual_datetime_module
        elif value is _RealDatetime:
            namespace[name] = VirtualDatetime
        elif value is _RealDate:
            namespace[name] = VirtualDate
        elif value is _real_sleep:
            namespace[name] = sleep
        elif value is _real_time:
            namespace[name] = time
        elif value is _real_time_ns:
            namespace[name] = time_ns
        elif value is _real_monotonic:
            namespace[name] = monotonic
        elif value is _real_monotonic_ns:
            namespace[name] = monotonic_ns
        else:
            pair = _namespace_replacements.get(id(value))
            if pair is not None and pair[0] is value:
                namespace[name] = pair[1]


_STDLIB = _os.path.dirname(_os.path.abspath(threading.__file__))
_KIT_DIR = _os.path.dirname(_os.path.abspath(__file__))


def library_file(filename: str) -> bool:
    """True for the standard library's files and installed packages' (not the component's code)."""
    return filename.startswith(_STDLIB) or "site-packages" in filename


def kit_file(filename: str) -> bool:
    """True for kit's own files."""
    return filename.startswith(_KIT_DIR)


def user_file(filename: str) -> bool:
    """True for the component's own code: neither kit's nor a library's."""
    return not (kit_file(filename) or library_file(filename))


def user_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` cut after its innermost frame of the component's own code (None when it has none):
    a debugger opened on it starts where the component called what failed, not inside kit."""
    entries = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    last = max((i for i, entry in enumerate(entries) if user_file(entry.tb_frame.f_code.co_filename)), default=None)
    if last is None:
        return None
    cut = None
    for entry in reversed(entries[: last + 1]):
        cut = types.TracebackType(cut, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return cut


_scanned: set[str] = set()  # module names already looked at
_scanned_count = [0]


def rebind_imported_functions() -> None:
    """Point ``from time import sleep``-style names of already imported libraries at the thread-aware versions.

    A library that bound ``time.sleep`` (or ``time``, ``monotonic``) before kit was imported
    would otherwise really sleep inside a component.  The standard library keeps the real
    functions: ``threading`` and friends are the machinery.  Outside hosted threads the
    replacements behave exactly like the originals.
    """
    replacements = (
        (_real_sleep, sleep), (_real_time, time), (_real_time_ns, time_ns),
        (_real_monotonic, monotonic), (_real_monotonic_ns, monotonic_ns),
    )
    if len(sys.modules) == _scanned_count[0]:
        return  # nothing imported since the last scan (libraries bind these names when imported)
    for name, module in list(sys.modules.items()):
        if module is None or name == __name__ or name.startswith("kit._stepper") or name in _scanned:
            continue
        _scanned.add(name)
        file = getattr(module, "__file__", None) or ""
        if not file or (file.startswith(_STDLIB) and "site-packages" not in file):
            continue
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for key, value in list(namespace.items()):
            if not callable(value):
                continue
            for real, replacement in replacements:
                if value is real:
                    namespace[key] = replacement
                    break
    _scanned_count[0] = len(sys.modules)


class _ThreadLogHandler(logging.Handler):
    """Sends stdlib log records emitted on a hosted thread to that thread's host."""

    def emit(self, record: logging.LogRecord) -> None:
        context = _contexts.get(record.thread or 0)
        if context is None or context.host is None:
            return
        if getattr(record, "_kit_internal", False):
            return
        try:
            context.host.record_python_log(record)
        except Exception:  # a failing recorder must never break the component
            pass


def install() -> None:
    """Install the thread-aware replacements (once per process, idempotent)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        _time_module.sleep = sleep
        _time_module.time = time
        _time_module.time_ns = time_ns
        _time_module.monotonic = monotonic
        _time_module.monotonic_ns = monotonic_ns
        threading.Event.wait = event_wait  # type: ignore[method-assign]
        signal.signal = signal_handler
        logging.getLogger().addHandler(_ThreadLogHandler(level=logging.DEBUG))
        _installed = True
