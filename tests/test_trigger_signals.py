"""Outside a notebook kernel a Trigger or Connector stops on SIGINT/SIGTERM, as the real SDK's does (issue 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading, time
    import kit

    class Loop(kit.{base}):
        def run(self):
            while self.running:
                time.sleep(0.05)

    component = Loop()
    assert signal.getsignal(signal.{sig}) == component.stop
    thread = threading.Thread(target=component.run)
    thread.start()
    time.sleep(0.2)
    os.kill(os.getpid(), signal.{sig})
    thread.join(5)
    print("stopped" if not thread.is_alive() and not component.running else "still running", flush=True)
    """)


@pytest.mark.parametrize("base", ["Trigger", "Connector"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_running_component_cleanly_as_the_real_sdk(base, sig):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(base=base, sig=sig)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "stopped\n", "")


def test_the_handlers_are_left_alone_off_the_main_thread():
    import threading

    import kit

    class Loop(kit.Trigger):
        def run(self):
            pass

    before = signal.getsignal(signal.SIGINT)
    made = []
    thread = threading.Thread(target=lambda: made.append(Loop()))
    thread.start()
    thread.join()
    assert len(made) == 1 and signal.getsignal(signal.SIGINT) is before
