"""Asyncio on the virtual clock, for event loops run by hosted components.

A component's ``run()`` runs in a worker thread that pauses at every sleep.  When
that thread runs an asyncio event loop, the loop must keep the same contract:
:class:`VirtualTimeEventLoop` reads the platform's virtual clock in ``time()``,
and when it would block waiting for its next timer (an ``await asyncio.sleep``,
a timeout, a rate limiter) it first polls real I/O without blocking and, when
nothing is ready, sleeps on the thread's context instead: the worker pauses (a
step ends there) and the clock moves by the timeout when the next step starts.

:func:`install` wraps the process's event-loop policy so that ``asyncio.run``,
``asyncio.new_event_loop`` and ``asyncio.get_event_loop`` made on a hosted
thread get such a loop.  On every other thread (the notebook kernel's own loop,
the user's threads) the wrapped policy answers, unchanged.
"""

from __future__ import annotations

import asyncio
import gc
import selectors
import threading
import types
import weakref
from functools import lru_cache
from typing import Any, Coroutine

from kit import _runtime
from kit._runtime import kit_file, library_file

# while nothing is scheduled, a hosted loop waits for real I/O in slices this long (real seconds),
# so the simulation can still stop the thread
_REAL_WAIT_SLICE = 0.1
_lock = threading.Lock()


# -- where the loop waits ------------------------------------------------------------------
def _library_file(filename: str) -> bool:
    return library_file(filename) or filename.startswith("<")


def _awaiting_frames(awaitable: Any) -> list[types.FrameType]:
    """The frames of a coroutine chain, outermost first (async generators included)."""
    frames: list[types.FrameType] = []
    seen: set[int] = set()
    current = awaitable
    while current is not None and id(current) not in seen and len(frames) < 200:
        seen.add(id(current))
        frame = getattr(current, "cr_frame", None) or getattr(current, "ag_frame", None) or getattr(
            current, "gi_frame", None
        )
        if frame is not None:
            frames.append(frame)
        nxt = None
        for attribute in ("cr_await", "ag_await", "gi_yieldfrom"):
            nxt = getattr(current, attribute, None)
            if nxt is not None:
                break
        if nxt is None and frame is None:
            # an ``async for`` step (async_generator_asend) holds its generator without exposing it
            nxt = next((r for r in gc.get_referents(current) if hasattr(r, "ag_frame")), None)
        current = nxt
    return frames


def _waiting_location(loop: asyncio.AbstractEventLoop) -> tuple[str, int] | None:
    """File and line of the coroutine that waits for the loop's next timer, if kit can tell."""
    scheduled = getattr(loop, "_scheduled", None)
    if not scheduled:
        return None
    handle = scheduled[0]
    task = None
    for argument in getattr(handle, "_args", None) or ():
        for callback, _context in getattr(argument, "_callbacks", None) or ():
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, asyncio.Task):
                task = owner
                break
        if task is not None:
            break
    if task is None:
        return None
    frames = _awaiting_frames(task.get_coro())
    for accept in (
        lambda name: not _library_file(name) and not kit_file(name),
        lambda name: not _library_file(name),
    ):
        for frame in reversed(frames):
            if accept(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
    return None


_TRAMPOLINE = lambda function, argument: function(argument)  # noqa: E731 - one line on purpose


@lru_cache(maxsize=256)
def _at(file: str, line: int) -> Any:
    # A one-line function whose frame reports ``file:line``: the worker names the place it pauses
    # after the first frame outside kit, and the waiting coroutine is not on the thread's stack.
    code = _TRAMPOLINE.__code__.replace(co_filename=file, co_firstlineno=line, co_name="<awaiting>")
    return types.FunctionType(code, {})


class _VirtualSelector(selectors.BaseSelector):
    """A real selector whose blocking waits become sleeps of the hosted thread."""

    def __init__(self) -> None:
        self._real = selectors.DefaultSelector()
        self._loop: Any = None  # weakref to the loop, set by the loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.get_key(fileobj)

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list:
        context = _runtime.current()
        if context is None or (timeout is not None and timeout <= 0):
            return self._real.select(timeout)
        group = getattr(context, "group", None)
        if group is not None and group.grouped:
            return self._select_in_group(context, timeout)
        if timeout is None:
            # Nothing scheduled: only real I/O (a thread's call_soon_threadsafe, a real socket) can
            # wake the loop.  Wait for it in real time, in slices the simulation can interrupt.
            while True:
                ready = self._real.select(_REAL_WAIT_SLICE)
                if ready:
                    return ready
        ready = self._real.select(0)
        if ready:
            return ready
        loop = self._loop() if self._loop is not None else None
        where = _waiting_location(loop) if loop is not None else None
        due = loop.time() + timeout if loop is not None else None
        if where is None:
            context.sleep(timeout)
        else:
            _at(*where)(context.sleep, timeout)
        if due is not None:
            # The sleep is over even when the clock did not move as far (the simulation stopping the
            # component resumes it without moving the clock): the loop's time catches up by itself.
            shortfall = due - loop.time()
            if shortfall > 0:
                loop._kit_skew += shortfall
        return self._real.select(0)

    def _select_in_group(self, member: Any, timeout: float | None) -> list:
        """Wait as a thread of a group: for the next timer (virtual time) or for I/O, which another
        thread of the group makes (a ``run_in_executor``/``to_thread`` worker's
        ``call_soon_threadsafe`` writes to the loop's self-pipe): the other threads run meanwhile."""
        ready = self._real.select(0)
        if ready:
            return ready
        real = self._real

        def io_ready() -> bool:
            return bool(real.select(0))

        loop = self._loop() if self._loop is not None else None
        due = None if loop is None or timeout is None else loop.time() + timeout
        where = _waiting_location(loop) if loop is not None and timeout is not None else None
        kind = "wait" if timeout is None else "sleep"  # a timer: reads as the single-thread loop's sleep
        if where is None:
            member.wait_until(io_ready, timeout, kind)
        else:
            _at(*where)(lambda seconds: member.wait_until(io_ready, seconds, kind), timeout)
        ready = real.select(0)
        if not ready and due is not None:
            shortfall = due - loop.time()
            if shortfall > 0:
                loop._kit_skew += shortfall
        return ready


class VirtualTimeEventLoop(asyncio.SelectorEventLoop):
    """An event loop on the virtual clock of the hosted thread that creates it.

    ``time()`` follows the platform's clock (as seconds since the loop was created)
    and waiting for the next timer is a pause point of the component's worker.
    When a pause ends without the clock having moved as far (the simulation
    stopping the component resumes it without moving the clock), the loop's time
    still counts the sleep as done, as ``time.sleep`` returning does.
    Real I/O ready at that moment is served first; a loop with no timer at all
    waits for real I/O in real time.
    """

    def __init__(self) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector._loop = weakref.ref(self)
        self._kit_context = _runtime.current()
        self._kit_origin = self._kit_context.clock.time() if self._kit_context is not None else 0.0
        self._kit_skew = 0.0
        # the virtual clock is an epoch float (a ulp of ~2e-7 s): a coarser resolution keeps
        # "the timer is due" exact after the clock was moved to it
        self._clock_resolution = 1e-6

    def time(self) -> float:
        context = self._kit_context
        if context is None:
            return _runtime._real_monotonic()
        return context.clock.time() - self._kit_origin + self._kit_skew


def hosted() -> bool:
    """True on a thread hosted by a kit platform (its loops run on the virtual clock)."""
    return _runtime.current() is not None


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A :class:`VirtualTimeEventLoop` on a hosted thread, else the policy's usual new loop."""
    if hosted():
        return VirtualTimeEventLoop()
    return asyncio.new_event_loop()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    # as asyncio.run does when its main coroutine ends
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not pending:
        return
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    for task in pending:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {"message": "unhandled exception during shutdown", "exception": task.exception(), "task": task}
            )


def run_hosted(coroutine: Coroutine) -> Any:
    """Run ``coroutine`` to completion on a new virtual-time loop of the calling (hosted) thread.

    The loop is the thread's current event loop while it runs; afterwards the tasks
    still pending are cancelled, async generators finalised and the loop closed, as
    ``asyncio.run`` does (also when the simulation stops the thread).
    """
    loop = VirtualTimeEventLoop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        except BaseException:  # noqa: BLE001,S110 - the simulation stopping the thread again
            pass
        finally:
            asyncio.set_event_loop(None)
            loop.close()


class HostedThreadsPolicy(asyncio.AbstractEventLoopPolicy):
    """Wraps the process's event-loop policy: hosted threads get :class:`VirtualTimeEventLoop`.

    Every call from a thread no kit platform hosts goes to the wrapped policy
    unchanged.  On a hosted thread, ``new_event_loop()`` makes a virtual-time loop
    and ``get_event_loop()`` creates one when the thread has none (the real
    platform runs components on the main thread, where asyncio creates it; a
    component hosted on the main thread, an action, gets the wrapped policy's loop).
    """

    def __init__(self, base: asyncio.AbstractEventLoopPolicy) -> None:
        self._base = base

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        if not hosted() or threading.current_thread() is threading.main_thread():
            return self._base.get_event_loop()
        try:
            return self._base.get_event_loop()
        except RuntimeError:  # "There is no current event loop in thread ..."
            loop = VirtualTimeEventLoop()
            self._base.set_event_loop(loop)
            return loop

    def set_event_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._base.set_event_loop(loop)

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        if hosted():
            return VirtualTimeEventLoop()
        return self._base.new_event_loop()

    def get_child_watcher(self) -> Any:  # pragma: no cover - unix, deprecated
        return self._base.get_child_watcher()  # type: ignore[attr-defined]

    def set_child_watcher(self, watcher: Any) -> None:  # pragma: no cover - unix, deprecated
        self._base.set_child_watcher(watcher)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


def install() -> None:
    """Wrap the current event-loop policy with :class:`HostedThreadsPolicy` (idempotent).

    Called again after someone replaced the policy, it wraps the new one.
    """
    with _lock:
        policy = asyncio.get_event_loop_policy()
        if not isinstance(policy, HostedThreadsPolicy):
            asyncio.set_event_loop_policy(HostedThreadsPolicy(policy))


__all__ = ["HostedThreadsPolicy", "VirtualTimeEventLoop", "hosted", "install", "new_event_loop", "run_hosted"]
