"""A component's worker thread, paused at every sleep and wait it makes.

The handoff uses two bare locks (not ``threading.Event``: its ``wait`` is one of
the calls kit intercepts, and a bare lock is the cheapest handoff CPython has).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import threading
import weakref
from _thread import allocate_lock
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable

from kit._runtime import ThreadContext, kit_file, library_file, user_traceback
from kit._stepper import _threads

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


@dataclass(frozen=True)
class ThreadState:
    """Where one thread of a component's group is: ``state`` (paused, running, finished, crashed...),
    what it waits for (``waits``: sleep, wait, queue, join...), for how long, until when (``wake_at``,
    virtual epoch seconds; None: until another thread acts) and at which line."""

    thread: str
    state: str
    waits: str | None
    seconds: float | None
    wake_at: float | None
    file: str | None
    line: int | None


def _innermost(tb: Any) -> tuple[str, int]:
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename, tb.tb_lineno


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


class Member(ThreadContext):
    """One thread of a component's thread group: it runs only when the group hands it the baton.

    The group's threads run one at a time; each blocking call a member makes (a sleep,
    ``Event.wait``, ``Condition.wait``, a queue, a join, a kit lock) is a pause: the member
    says when it wakes (``wake_at``, virtual time) and/or what ends its wait early
    (``ready``, a side-effect-free test), then hands the baton to the next member ready,
    or back to the simulation when none is.
    """

    def __init__(self, group: "Worker", thread: threading.Thread | None, index: int) -> None:
        super().__init__(group.clock, group.host)
        self.group = group
        self.thread = thread
        self.index = index
        self.label = ""  # the thread's name in records ("" while the component has no thread of its own)
        self._go = allocate_lock()
        self._go.acquire()
        self._stop_requested = False
        self.pause: Pause | None = None
        self.ready: Callable[[], bool] | None = None
        self.epoch = 0  # the group's step in which the member paused
        self.ended_in = -1  # the group's step in which the member's thread ended
        self.state = "new"
        self.error: BaseException | None = None

    @property
    def ended(self) -> bool:
        """True once the member's thread function returned or raised."""
        return self.state in _ENDED

    def _pause(self, kind: str, seconds: float | None, wake_at: float | None,
               ready: Callable[[], bool] | None = None, raised: BaseException | None = None) -> None:
        if self._stop_requested and self is not self.group:
            raise WorkerStopped  # a thread being ended pausing again (in a finally): end it now
        # where run() raised is the component's line that called what failed; else where it paused
        cut = user_traceback(raised.__traceback__) if raised is not None else None
        file, line = (_innermost(cut) if cut is not None else _caller_location())
        self.pause = Pause(kind, seconds, wake_at, file, line)
        self.ready = ready
        self.epoch = self.group.step_epoch
        self.state = "paused"
        self._handoff()
        self._go.acquire()
        self.state = "running"
        self.ready = None
        if self._stop_requested:
            raise WorkerStopped

    def _handoff(self) -> None:
        self.group._switch()

    def sleep(self, seconds: float) -> None:
        self._pause("sleep", seconds, self.clock.time() + seconds)

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        return self.wait_until(event.is_set, timeout, "wait")

    def wait_until(self, ready: Callable[[], bool], timeout: float | None, kind: str) -> bool:
        """Pause until ``ready()`` (True) or ``timeout`` virtual seconds passed (False)."""
        if ready():
            return True
        deadline = None if timeout is None else self.clock.time() + max(timeout, 0.0)
        while True:
            self._pause(kind, timeout, deadline, ready)
            if ready():
                return True
            if deadline is not None and self.clock.time() >= deadline:
                return False

    def where(self) -> str:
        """``name: what it waits for (file:line)``, for reports."""
        pause = self.pause
        if self.state in _ENDED:
            return f"{self.label}: {self.state}"
        if pause is None:
            return f"{self.label}: {self.state}"
        return f"{self.label}: {pause_text(pause.kind, pause.seconds, pause.file, pause.line)}"

    # -- the adopted thread's main ---------------------------------------------------
    def run_thread(self, run: Callable[[], Any]) -> None:
        """What an adopted thread runs: wait for the baton, run, hand the baton on."""
        self.enter()
        self._go.acquire()
        self.state = "running"
        group = self.group
        try:
            if self._stop_requested:
                raise WorkerStopped
            run()
            self.state = "finished"
        except WorkerStopped:
            self.state = "stopped"
        except SystemExit:
            self.state = "finished"  # as threading's excepthook, which ignores it
        except BaseException as error:  # noqa: BLE001 - recorded, as the platform logs a thread's traceback
            self.error = error
            self.state = "crashed"
            group._thread_crashed(self, error)
        finally:
            self.pause = None
            self.exit()
            group._member_ended(self)


class Worker(Member):
    """Runs ``target`` in a daemon thread that pauses at each sleep/wait (a pause point).

    The worker is also the component's thread group: every thread its code starts
    is adopted as a :class:`Member` and runs only when the group lets it.
    """

    def __init__(self, clock: Any, host: Any, target: Callable[[], None], name: str) -> None:
        self.clock = clock
        self.host = host
        super().__init__(self, threading.Thread(target=self._main, name=f"kit-worker-{name}", daemon=True), 0)
        _threads.install()
        self._target = target
        self._back = allocate_lock()
        self._back.acquire()
        self._outstanding = False
        self._pauses = 0  # handoffs made to the controller
        self._seen = 0  # handoffs taken by the controller
        self.stopping = False  # the simulation asked the component to stop (running is False)
        self._paused_since_marker = False
        self.members: list[Member] = [self]  # alive members, in adoption order
        self.threads: list[Member] = [self]  # members alive or ended in the current step, in adoption order
        self.running: Member | None = None  # the member holding the baton
        self._ending = False  # the controller is ending the group's threads
        self._names: dict[str, int] = {}
        self._name_counts: dict[str, int] = {}
        self._adopted = 0  # threads adopted so far
        self.processes: list[_threads.ChildProcess] = []  # the processes its threads started
        self.sockets: weakref.WeakSet = weakref.WeakSet()  # the sockets its threads made
        self.closed_pools: list[Any] = []  # ThreadPoolExecutors kit shut down to end their idle workers
        self.step_epoch = 0  # counts the controller's resumes: a pause made in a step is due in a later one

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
            self.ended_in = self.step_epoch
            self.exit()
            self.members.remove(self)
            self.running = None
            self._pauses += 1
            self._back.release()

    def _handoff(self) -> None:
        self._paused_since_marker = True
        self._switch()

    def _switch(self, ended: bool = False) -> None:
        """Called by the member giving up the baton: run the next member ready, else end the step.

        ``ended``: the member ended (it is no longer in ``members``): the main thread may be
        waiting for it even when it is the only one left.
        """
        following = self._next_ready() if (len(self.members) > 1 or ended) and not self._ending else None
        if following is None:
            self.running = None
            self._pauses += 1
            self._back.release()
        else:
            self.running = following
            following._go.release()

    def _next_ready(self) -> Member | None:
        now = self.clock.time()
        epoch = self.step_epoch
        stopping = self.stopping  # a timed pause ends early, once per resume, as a stopped sleep does
        for member in self.members:
            state = member.state
            if state == "new" and member is not self:
                return member
            if state != "paused":
                continue
            if member._stop_requested:
                return member
            ready = member.ready
            if ready is not None and ready():
                return member
            wake_at = member.pause.wake_at if member.pause is not None else None
            if wake_at is not None and member.epoch < epoch and (wake_at <= now or stopping):
                return member
        return None

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        if len(self.members) > 1:
            return self.wait_until(event.is_set, timeout, "wait")
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

    # -- adopting threads -------------------------------------------------------------
    def adopt(self, thread: threading.Thread) -> Member:
        """Make ``thread`` (about to start) a member of the group."""
        self._adopted += 1
        member = Member(self, thread, self._adopted)
        if self.label == "":
            self.label = "main"
        thread.name = self._local_name(thread.name)
        member.label = thread.name
        thread._kit_member = member  # type: ignore[attr-defined]
        thread.run = partial(member.run_thread, thread.run)  # type: ignore[method-assign]
        self.members.append(member)
        self.threads.append(member)
        return member

    def forget(self, member: Member) -> None:
        """Take back the adoption of a thread that did not start."""
        member.state = "abandoned"
        for members in (self.members, self.threads):
            if member in members:
                members.remove(member)
        member.thread._kit_member = None  # type: ignore[union-attr]

    def _local_name(self, name: str) -> str:
        # default names count threads process-wide: number them within the group, so runs compare equal
        match = _DEFAULT_NAME.match(name)
        if match is None:
            return name
        prefix, number, rest = match.groups()
        key = f"{prefix}{number}"
        local = self._names.get(key)
        if local is None:
            # Thread-1, Thread-2... and ThreadPoolExecutor-0_*, ThreadPoolExecutor-1_*... in adoption order
            count = self._name_counts.get(prefix, 0)
            self._name_counts[prefix] = count + 1
            local = self._names[key] = count + 1 if prefix == "Thread-" else count
        return f"{prefix}{local}{rest}"

    def _thread_crashed(self, member: Member, error: BaseException) -> None:
        from kit._platform._records import StepError

        host = self.host
        host.errors.append((host.step, StepError.from_exception(f"thread {member.label}", error, host.mask)))

    def _member_ended(self, member: Member) -> None:
        member.ended_in = self.step_epoch
        self.members.remove(member)
        self._switch(ended=True)

    # -- controller side ------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.state in {"new", "paused", "running"}

    @property
    def grouped(self) -> bool:
        """True while threads the component started are alive."""
        return len(self.members) > 1

    def wake_time(self) -> float | None:
        """When the group wants to run next: now if a member is ready, else its earliest wake (None: none)."""
        if not self.grouped:
            pause = self.pause
            return None if pause is None else pause.wake_at
        now = self.clock.time()
        earliest = None
        for member in self.members:
            if member.state == "new" or (member.ready is not None and member.ready()):
                return now
            pause = member.pause
            if pause is not None and pause.wake_at is not None and (earliest is None or pause.wake_at < earliest):
                earliest = pause.wake_at
        return earliest

    def deadlocked(self) -> bool:
        """True when every thread of the group waits for another one, with no wake time."""
        return self.grouped and not self._outstanding and self.wake_time() is None

    def thread_states(self) -> tuple[ThreadState, ...]:
        """Each thread of the group now (empty while the component has no threads), as records."""
        if not self._adopted:
            return ()
        epoch = self.step_epoch
        states = []
        for member in self.threads:
            if member.ended and member.ended_in != epoch:
                continue
            pause = member.pause if member.state == "paused" else None
            states.append(ThreadState(
                member.label, member.state, pause.kind if pause else None, pause.seconds if pause else None,
                pause.wake_at if pause else None, pause.file if pause else None, pause.line if pause else None,
            ))
        return tuple(states)

    def describe_threads(self) -> tuple[str, ...]:
        """Each thread of the group and where it is paused (empty while the component has no threads)."""
        if not self._adopted:
            return ()
        epoch = self.step_epoch
        return tuple(member.where() for member in self.threads if not member.ended or member.ended_in == epoch)

    def resume(self, timeout: float | None) -> bool:
        """Let the group run to its next pause; False if ``timeout`` real seconds passed first."""
        if self._outstanding and self._pauses > self._seen:
            # An interrupt (KeyboardInterrupt) hit the previous wait around the handoff: the worker has
            # paused; take its token if the interrupted call did not.
            self._back.acquire(timeout=0.2)
            self._seen = self._pauses
            self._outstanding = False
            return True
        if not self._outstanding:
            self.step_epoch += 1
            if len(self.threads) > len(self.members):
                # threads that ended in an earlier step are no longer shown
                self.threads = [m for m in self.threads if not m.ended]
            if self.state == "new":
                first: Member | None = self
                self.thread.start()
            elif self.grouped:
                first = self._next_ready()
                if first is None:
                    return True  # nothing can run: a deadlock (see deadlocked())
            else:
                first = self
            self._outstanding = True
            first.state = "running"
            self.running = first
            first._go.release()
        acquired = self._back.acquire(timeout=-1 if timeout is None else timeout)
        if acquired:
            self._seen = self._pauses
            self._outstanding = False
            if not self.alive:
                if self.members:
                    self._end_members(timeout)
                if self.processes:
                    self.kill_processes()  # as the container's end would: nothing it started outlives it
        return acquired

    def _end_members(self, timeout: float | None) -> None:
        """The component's main thread ended: end the threads it left, at their pause points."""
        self._ending = True
        for member in list(self.members):
            member._stop_requested = True
            self.running = member
            member._go.release()
            if not self._back.acquire(timeout=-1 if timeout is None else max(timeout, 0.5)):
                self._raise_in(member)
                if not self._back.acquire(timeout=0.5):
                    member.state = "abandoned"
                    self.members.remove(member)
            self._seen = self._pauses

    @property
    def busy(self) -> bool:
        """True while a step is under way (resumed, not yet paused again)."""
        return self._outstanding

    @property
    def current_thread(self) -> threading.Thread:
        """The thread of the member running now (the worker's own thread when none)."""
        member = self.running
        return member.thread if member is not None and member.thread is not None else self.thread

    def reopen_pools(self) -> None:
        """Reopen the thread pools kit shut down to end their idle workers (a pool kept at module
        level serves the next instance after ``sim.restart()``, as a new process would have one)."""
        for executor in self.closed_pools:
            with executor._shutdown_lock:
                executor._threads = {t for t in executor._threads if t.is_alive()}
                executor._idle_semaphore = threading.Semaphore(0)
                executor._shutdown = False
        self.closed_pools.clear()

    def kill_processes(self) -> int:
        """Kill the processes the group's threads started, with what they started; how many still ran."""
        processes, self.processes = self.processes, []
        return sum(child.kill() for child in processes)

    def request_stop(self) -> None:
        self._stop_requested = True
        for member in self.members:
            member._stop_requested = True

    def unblock_sockets(self) -> int:
        """Shut down the sockets the group's threads made and those the running thread's frames hold,
        so a blocking call returns; how many."""
        import socket

        candidates = list(self.sockets)
        frame = sys._current_frames().get(self.current_thread.ident or 0)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                candidates.extend((value, getattr(value, "sock", None), getattr(value, "_sock", None)))
            frame = frame.f_back
        seen: set[int] = set()
        count = 0
        for candidate in candidates:
            if isinstance(candidate, socket.socket) and id(candidate) not in seen and candidate.fileno() != -1:
                seen.add(id(candidate))
                try:
                    candidate.shutdown(socket.SHUT_RDWR)
                    count += 1
                except OSError:
                    pass
        return count

    def raise_in_thread(self) -> None:
        """Ask CPython to raise WorkerStopped in the running thread at its next bytecode."""
        member = self.running
        self._raise_in(member if member is not None else self)

    @staticmethod
    def _raise_in(member: Member) -> None:
        ident = member.thread.ident if member.thread is not None else None
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(WorkerStopped))


_ENDED = frozenset({"finished", "crashed", "stopped", "abandoned"})
_DEFAULT_NAME = re.compile(r"^(Thread-|ThreadPoolExecutor-)(\d+)(.*)$")


@lru_cache(maxsize=256)
def where_text(file: str, line: int | None) -> str:
    """``connector.py:12``, or ``In [3], line 12`` for the file IPython compiled cell 3 to."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    number = getattr(getattr(shell, "compile", None), "_filename_map", {}).get(file)
    if number:
        return f"In [{number}], line {line}"
    return f"{os.path.basename(file)}:{line}"


def pause_text(kind: str, seconds: float | None, file: str | None, line: int | None) -> str:
    """How a pause reads in reports: ``sleep(60) (connector.py:12)``; in a notebook cell
    ``sleep(60) (In [3], line 12)``."""
    location = f" ({where_text(file, line)})" if file else ""
    if kind == "sleep":
        return f"sleep({seconds:g}){location}"
    if kind == "wait":
        return f"wait({'' if seconds is None else format(seconds, 'g')}){location}"
    return f"{kind}{location}"
