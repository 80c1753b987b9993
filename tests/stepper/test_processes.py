"""Everything a component starts ends with it: processes (and what they start) and blocked sockets.

The platform runs a component in a container: when it is stopped, or ends, or the host goes
away, nothing it started runs on.  kit kills the processes a component's threads started (each in a
process group of its own, so a shell's children go too) at ``sim.stop()``, ``platform.close()``,
the component's end and the interpreter's exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import kit


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


def wait_dead(pid: int, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, 9)  # do not leave it behind when the test fails
            return False
        time.sleep(0.02)
    return True


def grandchild(path: Path) -> int:
    deadline = time.monotonic() + 3
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < deadline, "the shell did not start its child"
        time.sleep(0.01)
    return int(path.read_text())


class Pids(kit.Trigger):
    """Starts processes the ways components do, as ``mode`` says; notes their pids."""

    pids: list = []
    mode = ""
    pid_file = Path()

    def run(self):
        note = type(self).pids.append
        mode = type(self).mode
        if mode == "run":
            note(os.getpid())  # placeholder so the test knows run() began
            subprocess.run(["sleep", "1000"])  # blocks in waitpid: the stop kills the child to free it
        elif mode == "shell":
            process = subprocess.Popen(["sh", "-c", f"sleep 1000 & echo $! > {type(self).pid_file}; wait"])
            note(process.pid)
        elif mode == "fork":
            pid = os.fork()
            if pid == 0:
                while True:  # the child is left as it is: not the component's to end
                    os.read(os.open("/dev/zero", os.O_RDONLY), 1)
                    time.sleep(1)
            note(pid)
        elif mode == "thread":

            def tail():
                note(subprocess.Popen(["sleep", "1000"]).pid)
                while self.running:
                    time.sleep(60)

            threading.Thread(target=tail, name="tail").start()
        elif mode == "return":
            note(subprocess.Popen(["sleep", "1000"]).pid)
            self.stop()  # the trigger's loop ends: so does the component
            return
        while self.running:
            time.sleep(60)


def start(platform, mode, tmp_path):
    Pids.pids = []
    Pids.mode = mode
    Pids.pid_file = tmp_path / "grandchild"
    sim = platform.load(Pids)
    return sim


@pytest.mark.parametrize("mode", ["shell", "fork", "thread"])
def test_stop_kills_the_processes_and_what_they_started(platform, mode, tmp_path):
    sim = start(platform, mode, tmp_path)
    sim.step()
    (pid,) = Pids.pids
    pids = [pid, grandchild(Pids.pid_file)] if mode == "shell" else [pid]
    assert all(alive(p) for p in pids)
    assert sim.stop() == "stopped"
    assert [wait_dead(p) for p in pids] == [True] * len(pids)


@pytest.mark.parametrize("mode", ["shell", "fork"])
def test_close_kills_the_processes_of_every_component(mode, tmp_path):
    with kit.FakePlatform(start="2024-01-01T00:00:00Z", step_timeout=5) as platform:
        sim = start(platform, mode, tmp_path)
        sim.step()
        pids = list(Pids.pids) + ([grandchild(Pids.pid_file)] if mode == "shell" else [])
    assert [wait_dead(p) for p in pids] == [True] * len(pids)


def test_a_component_blocked_waiting_for_its_child_is_stopped(platform, tmp_path):
    sim = start(platform, "run", tmp_path)
    with pytest.raises(kit.StepTimeout):
        sim.step(timeout=0.5)
    started = time.monotonic()
    assert sim.stop() == "stopped"  # not abandoned: the child it waited for is killed
    assert time.monotonic() - started < 2


def test_the_processes_of_a_component_that_ended_end_with_it(platform, tmp_path):
    sim = start(platform, "return", tmp_path)
    sim.run_until(lambda sim: sim.state == "finished", max_steps=5)
    assert wait_dead(Pids.pids[0])


def test_processes_a_component_started_are_killed_at_the_interpreters_exit(tmp_path):
    # a script that neither stops nor closes: the processes go when the interpreter exits
    script = textwrap.dedent(f"""
        import os, subprocess, time
        import kit

        class Starts(kit.Trigger):
            def run(self):
                process = subprocess.Popen(["sh", "-c", "sleep 1000 & echo $! > {tmp_path}/grandchild; wait"])
                print(process.pid, flush=True)
                while self.running:
                    time.sleep(60)

        platform = kit.FakePlatform(start="2024-01-01T00:00:00Z", step_timeout=5)
        platform.load(Starts).step()
        while not os.path.exists("{tmp_path}/grandchild") or not open("{tmp_path}/grandchild").read().strip():
            time.sleep(0.01)
        """)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert done.returncode == 0, done.stderr
    pids = [int(done.stdout), grandchild(tmp_path / "grandchild")]
    assert [wait_dead(p) for p in pids] == [True, True]


class HoldsASocket(kit.Trigger):
    """Reads a socket nobody writes to, the socket kept where no frame local shows it."""

    on_thread = False

    def run(self):
        def read():
            self.connections = {"peer": list(socket.socketpair())}
            self.connections["peer"][0].recv(10)

        if type(self).on_thread:
            threading.Thread(target=read, name="reader").start()
            while self.running:
                time.sleep(60)
        read()


@pytest.mark.parametrize("on_thread", [False, True], ids=["main thread", "a thread it started"])
def test_stop_frees_a_read_on_any_socket_the_component_opened(platform, on_thread):
    HoldsASocket.on_thread = on_thread
    sim = platform.load(HoldsASocket)
    with pytest.raises(kit.StepTimeout):
        sim.step(timeout=0.5)
    started = time.monotonic()
    assert sim.stop() == "stopped"
    assert time.monotonic() - started < 1.5
