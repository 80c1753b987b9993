"""A component's worker thread, paused at every sleep and wait it makes.

The handoff uses two bare locks (not ``threading.Event``: its ``wait`` is one of
the calls kit intercepts, and a bare lock is the cheapest handoff CPython has).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from _thread import allocate_lock
from dataclasses import dataclass
from typing import Any, Callable

from kit._runtime import ThreadContext

_KIT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB_DIR = os.path.dirname(os.path.abspath(threading.__file__))


def library_file(filename: str) -> bool:
    """True for the standard library's files and installed packages' (not the component's code)."""
    return filename.startswith(_STDLIB_DIR) or "site-packages" in filename


def kit_file(filename: str) -> bool:
    """True for kit's own files."""
    return filename.startswith(_KIT_DIR)


class WorkerStopped(BaseException):
    """Raised inside a worker to end it (a BaseException so ``except Exception`` cannot swallow it)."""


@dataclass(frozen=True, slots=True)
class Pause:
    """Where a worker is paused: ``kind`` is sleep, wait, "run() returned", "run() raised" or "next_run() ended"."""

    kind: str
    seconds: float | None
    wake_at: float | None
    file: str | None
    line: int | None


def _caller_location(depth: int = 3) -> tuple[str | None, int | None]:
    frame = sys._getframe(depth)
    while frame is not None and (kit_file(frame.f_code.co_filename) or library_file(frame.f_code.co_filename)):
        frame = frame.f_back
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno


def describe_frames(ident: int) -> tuple[str, str | None, int | None]:
    """Where a running thread is: a text naming the innermost frame and the innermost user frame."""
    frame = sys._current_frames().get(ident)
    if frame is None:
        return "the worker thread is gone", None, None
    innermost = frame
    user = frame
    while user is not None and (kit_file(user.f_code.co_filename) or library_file(user.f_code.co_filename)):
        user = user.f_back
    text = f"{innermost.f_code.co_filename}:{innermost.f_lineno} in {innermost.f_code.co_name}()"
    if user is not None and user is not innermost:
        text += f", called from {user.f_code.co_filename}:{user.f_lineno} in {user.f_code.co_name}()"
    target = user or innermost
    return text, target.f_code.co_filename, target.f_lineno


class Worker(ThreadContext):
    """Runs ``target`` in a daemon thread that pauses at each sleep/wait (a pause point)."""

    def __init__(self, clock: Any, host: Any, target: Callable[[], None], name: str) -> None:
        super().__init__(clock, host)
        self._target = target
        self._go = allocate_lock()
        self._go.acquire()
        self._back = allocate_lock()
        self._back.acquire()
        self._outstanding = False
        self._pauses = 0  # handoffs made by the worker
        self._seen = 0  # handoffs taken by the controller
        self._stop_requested = False
        self.stopping = False  # the simulation asked the component to stop (running is False)
        self._paused_since_marker = False
        self.pause: Pause | None = None
        self.state = "new"  # new, paused, running, finished, crashed, stopped, abandoned
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name=f"kit-worker-{name}", daemon=True)

    # -- worker side -------------------------------------------------------------
    def _main(self) -> None:
        self.enter()
        self._go.acquire()
        self.state = "running"
        try:
            if self._stop_requested:
                raise WorkerStopped
            self._target()
            self.state = "stopped" if self.stopping else "finished"
        except WorkerStopped:
            self.state = "stopped"
        except BaseException as error:  # noqa: BLE001 - reported to the controller
            self.error = error
            self.state = "crashed"
        finally:
            self.pause = None
            self.exit()
            self._pauses += 1
            self._back.release()

    def _pause(self, kind: str, seconds: float | None, wake_at: float | None) -> None:
        file, line = _caller_location()
        self.pause = Pause(kind, seconds, wake_at, file, line)
        self.state = "paused"
        self._paused_since_marker = True
        self._pauses += 1
        self._back.release()
        self._go.acquire()
        self.state = "running"
        if self._stop_requested:
            raise WorkerStopped

    def sleep(self, seconds: float) -> None:
        self._pause("sleep", seconds, self.clock.time() + seconds)

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        if event.is_set():
            return True
        while True:
            wake_at = None if timeout is None else self.clock.time() + max(timeout, 0.0)
            self._pause("wait", timeout, wake_at)
            if event.is_set() or timeout is not None:
                return event.is_set()

    def marker(self, kind: str) -> None:
        """A pause at a loop boundary, unless the loop already paused since the last one."""
        if not self._paused_since_marker:
            self._pause(kind, 0.0, None)
        self._paused_since_marker = False

    # -- controller side ------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.state in {"new", "paused", "running"}

    def resume(self, timeout: float | None) -> bool:
        """Let the worker run to its next pause; False if ``timeout`` real seconds passed first."""
        if self._outstanding and self._pauses > self._seen:
            # An interrupt (KeyboardInterrupt) hit the previous wait around the handoff: the worker has
            # paused; take its token if the interrupted call did not.
            self._back.acquire(timeout=0.2)
            self._seen = self._pauses
            self._outstanding = False
            return True
        if not self._outstanding:
            self._outstanding = True
            if self.state == "new":
                self.thread.start()
            else:
                self.state = "running"
            self._go.release()
        acquired = self._back.acquire(timeout=-1 if timeout is None else timeout)
        if acquired:
            self._seen = self._pauses
            self._outstanding = False
        return acquired

    @property
    def busy(self) -> bool:
        """True while a step is under way (resumed, not yet paused again)."""
        return self._outstanding

    def request_stop(self) -> None:
        self._stop_requested = True

    def unblock_sockets(self) -> int:
        """Shut down the sockets the worker's frames hold, so a blocking call returns; how many."""
        import socket

        frame = sys._current_frames().get(self.thread.ident or 0)
        seen: set[int] = set()
        count = 0
        while frame is not None:
            for value in list(frame.f_locals.values()):
                for candidate in (value, getattr(value, "sock", None), getattr(value, "_sock", None)):
                    if isinstance(candidate, socket.socket) and id(candidate) not in seen:
                        seen.add(id(candidate))
                        try:
                            candidate.shutdown(socket.SHUT_RDWR)
                            count += 1
                        except OSError:
                            pass
            frame = frame.f_back
        return count

    def raise_in_thread(self) -> None:
        """Ask CPython to raise WorkerStopped in the worker at its next bytecode."""
        ident = self.thread.ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(WorkerStopped))
