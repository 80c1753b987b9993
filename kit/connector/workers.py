"""``Worker`` and ``Workers``, as in ``sekoia_automation.connector.workers``.

A worker is a thread: started by a hosted component, it joins the component's
thread group (see :mod:`kit._stepper._threads`), so its sleeps and waits are
pause points on the virtual clock.
"""

from __future__ import annotations

from threading import Event, Thread
from typing import Any


class Worker(Thread):
    """A task a connector runs in its own thread; ``stop()`` asks it to end (``is_running`` turns False)."""

    KIND = "worker"

    def __init__(self) -> None:
        super().__init__()
        self._stop_event = Event()

    def stop(self) -> None:
        """Ask the worker to stop: its loop sees ``is_running`` turn False."""
        self._stop_event.set()

    @property
    def is_running(self) -> bool:
        """True until :meth:`stop` is called."""
        return not self._stop_event.is_set()


class Workers(list[Worker]):
    """A group of workers of one class, built with the same arguments."""

    def __init__(self, worker_class: type[Worker], *positional_args: Any, **keyword_args: Any) -> None:
        self.worker_class = worker_class
        self.positional_args = positional_args
        self.keyword_args = keyword_args

    @classmethod
    def create(cls, nb_workers: int, worker_class: type[Worker], *args: Any, **kwargs: Any) -> "Workers":
        """A group of ``nb_workers`` new (not started) workers ``worker_class(*args, **kwargs)``."""
        workers = cls(worker_class, *args, **kwargs)
        for _ in range(nb_workers):
            workers.append(worker_class(*args, **kwargs))
        return workers

    def supervise(self) -> None:
        """Replace each dead worker that was not stopped by a new one, and start it."""
        for index in range(len(self)):
            if not self[index].is_alive() and self[index].is_running:
                self[index] = self.worker_class(*self.positional_args, **self.keyword_args)
                self[index].start()

    def start(self) -> None:
        """Start every worker."""
        for worker in self:
            worker.start()

    def stop(self, timeout_per_worker: int | None = None) -> None:
        """Stop the live workers, then join each (waiting at most ``timeout_per_worker`` seconds for each)."""
        for worker in self:
            if worker.is_alive():
                worker.stop()
        for worker in self:
            worker.join(timeout=timeout_per_worker)
