"""The threads a hosted component starts join its thread group (see :class:`kit._stepper._worker.Worker`).

kit patches, once per process, the few places where a thread blocks or starts:
``Thread.start`` (a thread started by a group member is adopted), ``Thread.join``
and ``Thread.is_alive`` (an adopted thread is done when its member is),
``Condition.wait`` (under ``Queue``, ``Semaphore``, futures...), the timed forms of
``Condition.wait_for``, ``Semaphore.acquire``, ``Queue.get`` and ``Queue.put`` (the
standard library measures their timeouts on the real clock), and
``ThreadPoolExecutor`` (its work queue becomes one the group can wait on, also for a
pool made outside the group), ``subprocess.Popen`` and ``os.fork`` (the group's
processes, each in a process group of its own, are killed with everything they started
when the simulation stops the group, when the component ends and at the interpreter's
exit), ``socket.socket`` (a stop shuts down the group's sockets to free a blocked
read) and, on Python 3.11, ``functools.cached_property`` (its
per-property lock becomes a group lock).  Each replacement looks at the calling thread
first: on a thread no kit platform hosts it calls the original, so every other thread
is untouched.

Component modules also get, in place of ``threading`` and ``queue``, modules whose
``Lock``/``RLock`` and ``SimpleQueue`` are built in Python over those waits: a
thread waiting for a lock another member holds while sleeping waits for it, not
forever.
"""

from __future__ import annotations

import os
import queue as _queue_module
import signal
import threading
import types
import weakref
from _thread import allocate_lock
from typing import Any

from kit import _runtime

_installed = False
_lock = allocate_lock()
_real_start = threading.Thread.start
_real_join = threading.Thread.join
_real_is_alive = threading.Thread.is_alive
_real_condition_wait = threading.Condition.wait
_real_condition_wait_for = threading.Condition.wait_for
_real_semaphore_acquire = threading.Semaphore.acquire
_real_queue_get = _queue_module.Queue.get
_real_queue_put = _queue_module.Queue.put


_Member: Any = None  # kit._stepper._worker.Member, set by install() (no import on every call)
WorkerStopped: Any = None  # kit._stepper._worker.WorkerStopped, set by install()
_contexts = _runtime._contexts
_get_ident = threading.get_ident


def _member() -> Any:
    context = _contexts.get(_get_ident())
    return context if isinstance(context, _Member) else None


def _start(self: threading.Thread) -> None:
    member = _member()
    if member is None and not self._started.is_set():  # type: ignore[attr-defined]
        _inherit_context(self)
    if member is None or getattr(self, "_kit_member", None) is not None or self._started.is_set():  # type: ignore[attr-defined]
        return _real_start(self)  # (started twice: the standard library's RuntimeError)
    _use_group_work_queue(self)
    adopted = member.group.adopt(self)
    # Thread.start waits for the new thread to be running: a real, short wait (the new thread
    # then waits for the group to hand it the baton)
    contexts = _runtime._contexts
    ident = threading.get_ident()
    context = contexts.pop(ident)
    try:
        _real_start(self)
    except BaseException:
        member.group.forget(adopted)  # the thread could not start (RuntimeError: can't start new thread)
        raise
    finally:
        contexts[ident] = context


def _inherit_context(thread: threading.Thread) -> None:
    """A thread started by a hosted action (a plain context, not a group member) runs in a context
    of its own on the same clock and host: its HTTP goes to the platform, its sleeps are virtual."""
    context = _contexts.get(_get_ident())
    if context is None or context.host is None or type(context) is not _runtime.ThreadContext:
        return
    clock, host = context.clock, context.host
    run = thread.run

    def hosted_run() -> None:
        with _runtime.ThreadContext(clock, host):
            run()

    thread.run = hosted_run  # type: ignore[method-assign]


def _join(self: threading.Thread, timeout: float | None = None) -> None:
    member = _member()
    target = getattr(self, "_kit_member", None)
    if member is None or target is None or target.group is not member.group:
        return _real_join(self, timeout)
    if target is member:
        raise RuntimeError("cannot join current thread")
    if member.wait_until(lambda: target.ended, timeout, "join"):
        _real_join(self)  # the thread's function has returned: the thread itself ends at once


def _is_alive(self: threading.Thread) -> bool:
    member = getattr(self, "_kit_member", None)
    if member is not None and member.ended:
        return False
    return _real_is_alive(self)


def _lock_free(lock: Any) -> bool:
    if lock.acquire(False):
        lock.release()
        return True
    return False


def _condition_wait(self: threading.Condition, timeout: float | None = None) -> bool:
    member = _member()
    if member is None:
        return _real_condition_wait(self, timeout)
    if not self._is_owned():  # type: ignore[attr-defined]
        raise RuntimeError("cannot wait on un-acquired lock")
    waiter = allocate_lock()
    waiter.acquire()
    self._waiters.append(waiter)  # type: ignore[attr-defined]
    saved = self._release_save()  # type: ignore[attr-defined]
    notified = False
    try:
        notified = member.wait_until(lambda: not waiter.locked(), timeout, "wait")
        return notified
    finally:
        lock = self._lock  # type: ignore[attr-defined]
        member.wait_until(lambda: _lock_free(lock), None, "lock")
        self._acquire_restore(saved)  # type: ignore[attr-defined]
        if not notified:
            try:
                self._waiters.remove(waiter)  # type: ignore[attr-defined]
            except ValueError:
                pass


# The standard library measures the timeouts below on the real monotonic clock (and keeps it):
# on a group thread they are measured on the virtual clock instead.
def _condition_wait_for(self: threading.Condition, predicate: Any, timeout: float | None = None) -> Any:
    member = _member()
    if member is None or timeout is None:
        return _real_condition_wait_for(self, predicate, timeout)
    clock = member.clock
    deadline = clock.time() + timeout
    result = predicate()
    while not result:
        remaining = deadline - clock.time()
        if remaining <= 0:
            break
        self.wait(remaining)
        result = predicate()
    return result


def _semaphore_acquire(self: threading.Semaphore, blocking: bool = True, timeout: float | None = None) -> bool:
    member = _member()
    if member is None or not blocking or timeout is None:
        return _real_semaphore_acquire(self, blocking, timeout)
    with self._cond:  # type: ignore[attr-defined]
        if not self._cond.wait_for(lambda: self._value > 0, timeout):  # type: ignore[attr-defined]
            return False
        self._value -= 1  # type: ignore[attr-defined]
        return True


def _queue_get(self: _queue_module.Queue, block: bool = True, timeout: float | None = None) -> Any:
    member = _member()
    if member is None or not block or timeout is None:
        return _real_queue_get(self, block, timeout)
    if timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    with self.not_empty:
        if not self.not_empty.wait_for(self._qsize, timeout):
            raise _queue_module.Empty
        item = self._get()
        self.not_full.notify()
        return item


def _queue_put(self: _queue_module.Queue, item: Any, block: bool = True, timeout: float | None = None) -> None:
    member = _member()
    if member is None or not block or timeout is None or self.maxsize <= 0:
        return _real_queue_put(self, item, block, timeout)
    if timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    with self.not_full:
        if not self.not_full.wait_for(lambda: self._qsize() < self.maxsize, timeout):
            raise _queue_module.Full
        self._put(item)
        self.unfinished_tasks += 1
        self.not_empty.notify()


class GroupLock:
    """``threading.Lock`` for component code: waiting for it is a wait on the thread group."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self) -> None:
        self._lock = allocate_lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock; a group thread waits for the member holding it (``timeout`` in virtual seconds)."""
        lock = self._lock
        if lock.acquire(False):
            return True
        if not blocking:
            return False
        member = _member()
        if member is None:
            return lock.acquire(True, timeout)
        wait = None if timeout is None or timeout < 0 else timeout
        while True:
            if not member.wait_until(lambda: not lock.locked(), wait, "lock"):
                return False
            if lock.acquire(False):
                return True

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def _at_fork_reinit(self) -> None:
        self._lock = allocate_lock()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def __repr__(self) -> str:
        return f"<kit GroupLock {'locked' if self._lock.locked() else 'unlocked'}>"


class GroupRLock:
    """``threading.RLock`` for component code: waiting for it is a wait on the thread group."""

    __slots__ = ("_lock", "_owner", "_count", "__weakref__")

    def __init__(self) -> None:
        self._lock = GroupLock()
        self._owner: int | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock (again, if this thread holds it)."""
        me = threading.get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if not self._lock.acquire(blocking, timeout):
            return False
        self._owner = me
        self._count = 1
        return True

    def release(self) -> None:
        if self._owner != threading.get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            self._lock.release()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    # what threading.Condition uses
    def _is_owned(self) -> bool:
        return self._owner == threading.get_ident()

    def _release_save(self) -> tuple[int, int | None]:
        state = (self._count, self._owner)
        self._count = 0
        self._owner = None
        self._lock.release()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self._lock.acquire()
        self._count, self._owner = state

    def _at_fork_reinit(self) -> None:
        self._lock = GroupLock()
        self._owner = None
        self._count = 0


class _Module(types.ModuleType):
    """A copy of a standard module with a few names replaced (it stands in for it in component code)."""

    def __init__(self, real: types.ModuleType, replacements: dict[str, Any]) -> None:
        super().__init__(real.__name__, real.__doc__)
        self.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
        self.__dict__.update(replacements)


class _PoolQueue(_queue_module._PySimpleQueue):  # type: ignore[name-defined]
    """A thread pool's work queue, for a pool made by a group thread.

    Its idle workers wait on it as group threads (the C ``SimpleQueue`` blocks in C); a worker
    the simulation ends while it waits for work leaves as at the pool's shutdown, not with the
    standard library's "Exception in worker" log.
    """

    def __init__(self, executor: Any) -> None:
        super().__init__()
        self._executor = weakref.ref(executor)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        try:
            return super().get(block, timeout)
        except WorkerStopped:
            executor = self._executor()
            if executor is not None and not executor._shutdown:
                # the worker leaves as at a shutdown (the other idle workers follow); the pool is
                # reopened when the group has ended (see Worker.reopen_pools)
                executor._shutdown = True
                member = _member()
                if member is not None:
                    member.group.closed_pools.append(executor)
            return None


def _use_group_work_queue(thread: threading.Thread) -> None:
    """A pool worker about to join a group reads a :class:`_PoolQueue`, also when the pool was made
    outside the group (in the connector's ``__init__``, at import): its work queue is swapped."""
    import concurrent.futures.thread as _pool

    args = getattr(thread, "_args", ())
    if getattr(thread, "_target", None) is not _pool._worker or len(args) < 2 or isinstance(args[1], _PoolQueue):
        return
    executor = args[0]()
    if executor is None:
        return
    work_queue = executor._work_queue
    if not isinstance(work_queue, _PoolQueue):
        new = _PoolQueue(executor)
        while True:
            try:
                new.put(work_queue.get_nowait())
            except _queue_module.Empty:
                break
        executor._work_queue = work_queue = new
    thread._args = (args[0], work_queue, *args[2:])  # type: ignore[attr-defined]


def _executor_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _real_executor_init(self, *args, **kwargs)
    if _member() is not None:
        self._work_queue = _PoolQueue(self)


_real_executor_init: Any = None
_real_popen_init: Any = None
_real_cached_property_get: Any = None


def _cached_property_get(self: Any, instance: Any, owner: Any = None) -> Any:
    # Python 3.11's cached_property holds one lock per property (for every instance) while it
    # computes: a group thread pausing in there (a back-off sleep) makes the others wait for it.
    # (Only called while the value is not cached: the instance's __dict__ answers afterwards.)
    if instance is not None and not isinstance(self.__dict__.get("lock"), GroupRLock) and _member() is not None:
        self.lock = GroupRLock()
    return _real_cached_property_get(self, instance, owner)


class ChildProcess:
    """A process a group thread started (``subprocess.Popen`` or ``os.fork``), killed with the group.

    kit starts it in a process group of its own (unless the component chose one), so what it
    starts in turn (``sh -c``'s children, a forked worker's own children) is killed with it.
    """

    __slots__ = ("pid", "popen", "own_group")

    def __init__(self, pid: int, popen: Any, own_group: bool) -> None:
        self.pid = pid
        self.popen = popen
        self.own_group = own_group

    def gone(self) -> bool:
        """True when nothing of it runs any more (its process group, or the process, is empty)."""
        if self.popen is not None and self.popen.poll() is None:
            return False
        try:
            if self.own_group:
                os.killpg(self.pid, 0)
            elif self.popen is None:
                return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
            else:
                return True
        except (ProcessLookupError, ChildProcessError):
            return True
        except OSError:  # PermissionError: a member runs as another user
            return False
        return False

    def kill(self) -> bool:
        """SIGKILL it (its whole process group when it has its own) and reap it; False if it was gone."""
        try:
            if self.own_group:
                os.killpg(self.pid, signal.SIGKILL)
            elif self.popen is not None:
                if self.popen.poll() is not None:
                    return False
                self.popen.kill()
            else:
                os.kill(self.pid, signal.SIGKILL)
        except OSError:
            return False
        try:
            if self.popen is not None:
                self.popen.wait(timeout=2)
            else:
                os.waitpid(self.pid, 0)
        except Exception:  # noqa: BLE001,S110 - reaped by someone else, or a zombie reaped later
            pass
        return True


def _track(group: Any, child: ChildProcess) -> None:
    processes = group.processes
    if len(processes) >= 16:
        processes[:] = [p for p in processes if not p.gone()]
    processes.append(child)  # killed when the simulation stops the group
    _groups_with_processes.add(group)


def _popen_init(self: Any, *args: Any, **kwargs: Any) -> None:
    group = getattr(_contexts.get(_get_ident()), "group", None)
    own_group = False
    if group is not None and len(args) < 16:
        if kwargs.get("start_new_session") or kwargs.get("process_group") == 0:
            own_group = True
        elif kwargs.get("process_group") is None:
            kwargs["process_group"] = 0
            own_group = True
    _real_popen_init(self, *args, **kwargs)
    if group is not None:
        _track(group, ChildProcess(self.pid, self, own_group))


def _fork() -> int:
    group = getattr(_contexts.get(_get_ident()), "group", None)
    pid = _real_fork()
    if group is None:
        return pid
    try:  # on both sides, so the group exists whichever runs first
        os.setpgid(0 if pid == 0 else pid, 0 if pid == 0 else pid)
    except OSError:
        pass
    if pid:
        _track(group, ChildProcess(pid, None, True))
    return pid


def _socket_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _real_socket_init(self, *args, **kwargs)
    group = getattr(_contexts.get(_get_ident()), "group", None)
    if group is not None:
        group.sockets.add(self)  # shut down by Worker.unblock_sockets when a stop finds the group blocked


def _kill_processes_at_exit() -> None:
    for group in list(_groups_with_processes):
        group.kill_processes()


# The groups that started processes, for the interpreter's exit (a weak set: a group that is gone
# has had its processes killed by its simulation's stop).
_groups_with_processes: Any = weakref.WeakSet()
_real_fork: Any = None
_real_socket_init: Any = None


def install() -> None:
    """Install the patches and register the component-side ``threading``/``queue`` modules (idempotent)."""
    global _installed, _real_executor_init, _real_popen_init, _real_cached_property_get, _Member, WorkerStopped
    global _real_fork, _real_socket_init
    if _installed:
        return
    with _lock:
        if _installed:
            return
        from kit._stepper import _worker

        _Member = _worker.Member
        WorkerStopped = _worker.WorkerStopped
        import concurrent.futures.thread as _pool

        threading.Thread.start = _start  # type: ignore[method-assign]
        threading.Thread.join = _join  # type: ignore[method-assign]
        threading.Thread.is_alive = _is_alive  # type: ignore[method-assign]
        threading.Condition.wait = _condition_wait  # type: ignore[method-assign]
        threading.Condition.wait_for = _condition_wait_for  # type: ignore[method-assign]
        threading.Semaphore.acquire = _semaphore_acquire  # type: ignore[method-assign]
        threading.Semaphore.__enter__ = _semaphore_acquire  # type: ignore[method-assign]
        _queue_module.Queue.get = _queue_get  # type: ignore[method-assign]
        _queue_module.Queue.put = _queue_put  # type: ignore[method-assign]
        import atexit
        import functools
        import socket
        import subprocess

        if "lock" in vars(functools.cached_property(lambda _: None)):  # Python < 3.12
            _real_cached_property_get = functools.cached_property.__get__
            functools.cached_property.__get__ = _cached_property_get  # type: ignore[method-assign]

        _real_popen_init = subprocess.Popen.__init__
        subprocess.Popen.__init__ = _popen_init  # type: ignore[method-assign]
        _real_fork = os.fork
        os.fork = _fork
        _real_socket_init = socket.socket.__init__
        socket.socket.__init__ = _socket_init  # type: ignore[method-assign]
        atexit.register(_kill_processes_at_exit)
        _real_executor_init = _pool.ThreadPoolExecutor.__init__
        _pool.ThreadPoolExecutor.__init__ = _executor_init  # type: ignore[method-assign]
        virtual_threading = _Module(threading, {"Lock": GroupLock, "RLock": GroupRLock})
        virtual_queue = _Module(_queue_module, {"SimpleQueue": _queue_module._PySimpleQueue})
        _runtime.register_namespace_replacements({
            threading: virtual_threading,
            _queue_module: virtual_queue,
            threading.Lock: GroupLock,
            threading.RLock: GroupRLock,
            _queue_module.SimpleQueue: _queue_module._PySimpleQueue,
        })
        _installed = True
