"""kit._runtime: thread-aware virtual time, invisible to threads that are not components."""

from __future__ import annotations

import datetime as datetime_module
import threading
import time

from kit import _runtime
from kit._stepper._clock import VirtualClock


def test_only_registered_threads_see_the_virtual_clock():
    clock = VirtualClock(start="2024-01-01T00:00:00Z")
    seen = {}

    def component():
        with _runtime.ThreadContext(clock):
            seen["time"] = time.time()
            time.sleep(3600)  # free-running context: moves the clock, costs nothing
            seen["after"] = time.time()

    thread = threading.Thread(target=component)
    started = time.monotonic()
    thread.start()
    thread.join()
    assert time.monotonic() - started < 1
    assert seen == {"time": 1704067200.0, "after": 1704070800.0}
    assert time.time() > 1750000000  # this thread: real time


def test_virtual_datetime_makes_plain_datetimes():
    namespace = {"datetime": datetime_module.datetime, "dt": datetime_module, "sleep": time.sleep}
    _runtime.virtualize_namespace(namespace)
    virtual = namespace["datetime"]
    value = virtual(2024, 1, 1)
    assert type(value) is datetime_module.datetime
    assert repr(value) == "datetime.datetime(2024, 1, 1, 0, 0)"
    assert isinstance(datetime_module.datetime(2024, 1, 1), virtual)
    assert namespace["dt"].datetime is virtual and namespace["dt"].timedelta is datetime_module.timedelta
    assert namespace["sleep"] is _runtime.sleep
    clock = VirtualClock(start="2030-06-01T12:00:00Z")
    with _runtime.ThreadContext(clock):
        assert virtual.now(datetime_module.UTC) == datetime_module.datetime(2030, 6, 1, 12, tzinfo=datetime_module.UTC)
        assert virtual.utcnow() == datetime_module.datetime(2030, 6, 1, 12)
        assert namespace["dt"].date.today() == datetime_module.date(2030, 6, 1)
    assert virtual.now().year >= 2025


def test_nested_contexts_restore_the_outer_one():
    outer, inner = VirtualClock(start=100), VirtualClock(start=200)
    with _runtime.ThreadContext(outer):
        with _runtime.ThreadContext(inner):
            assert time.time() == 200
        assert time.time() == 100
    assert _runtime.current() is None


def test_event_wait_outside_components_is_the_real_one():
    event = threading.Event()
    started = time.monotonic()
    assert event.wait(0.05) is False
    assert time.monotonic() - started >= 0.04


def test_libraries_that_bound_the_real_functions_are_rebound(tmp_path):
    import sys
    import types

    library = types.ModuleType("some_rate_limiter")
    library.__file__ = str(tmp_path / "site-packages" / "some_rate_limiter.py")
    library.sleep = _runtime._real_sleep  # as `from time import sleep` before kit was imported
    library.monotonic = _runtime._real_monotonic
    sys.modules["some_rate_limiter"] = library
    try:
        _runtime.rebind_imported_functions()
        assert library.sleep is _runtime.sleep and library.monotonic is _runtime.monotonic
        assert threading._time is _runtime._real_monotonic  # the standard library keeps the real ones
        clock = VirtualClock(start=1000)
        with _runtime.ThreadContext(clock):
            started = library.monotonic()
            library.sleep(30)
            assert library.monotonic() - started == 30
    finally:
        del sys.modules["some_rate_limiter"]
