"""sim.stop() ends a component where the platform's stop would, and run_until counts pauses."""

from __future__ import annotations

import time

import pytest

import kit
from kit._stepper._loops import endless_loop

HERE = __file__.rsplit("/", 1)[-1]


def _line(marker: str) -> int:
    with open(__file__) as source:
        return next(number for number, text in enumerate(source, 1) if text.rstrip().endswith(f"# {marker}"))


class Forever(kit.Trigger):
    """The seed tutorial's shape: a `while True:` that never reads self.running."""

    def run(self):
        n = 0
        while True:  # forever loop
            n += 1
            self.send_event("tick", {"n": n})
            time.sleep(60)  # forever sleep


class Polite(kit.Trigger):
    def run(self):
        n = 0
        while self.running:
            n += 1
            self.send_event("tick", {"n": n})
            time.sleep(60)
        self.log("stopped after the last tick")


class Paginating(kit.Trigger):
    """A `while True:` with a way out inside a loop that checks running: the outer loop decides."""

    def run(self):
        while self.running:
            page = 0
            while True:
                page += 1
                self.send_event("page", {"page": page})
                time.sleep(1)
                if page == 2:
                    break
            time.sleep(60)


def test_a_loop_that_never_checks_running_is_ended_at_its_pause_and_nothing_more_is_recorded(platform):
    sim = platform.load(Forever)
    sim.step(3)
    with pytest.warns(kit.KitWarning) as warned:
        assert sim.stop() == "stopped"
    assert [str(w.message) for w in warned] == [
        f"Forever: the loop at {HERE}:{_line('forever loop')} never checks self.running, so stop() ended it at "
        f"its pause (sleep(60) ({HERE}:{_line('forever sleep')})); check `while self.running:` so it ends by itself"
    ]
    assert sim.runs["n"].tolist() == [1, 2, 3]
    assert sim.steps["runs"].sum() == len(sim.runs) == 3


def test_a_loop_that_checks_running_ends_by_itself_and_its_way_out_is_recorded(platform, recwarn):
    sim = platform.load(Polite)
    sim.step(2)
    assert sim.stop() == "stopped"
    assert sim.runs["n"].tolist() == [1, 2]
    assert sim.logs["message"].tolist() == ["stopped after the last tick"]
    assert not [w for w in recwarn if issubclass(w.category, kit.KitWarning)]


def test_an_inner_loop_with_a_break_leaves_the_decision_to_the_loop_around_it(platform, recwarn):
    sim = platform.load(Paginating)
    sim.step(2)  # paused in the inner loop, after page 1 and page 2
    assert sim.stop() == "stopped"
    assert not [w for w in recwarn if issubclass(w.category, kit.KitWarning)]


def test_endless_loop_reads_the_loops_around_the_pause():
    assert endless_loop([(__file__, _line("forever sleep"))]) == (__file__, _line("forever loop"))
    assert endless_loop([]) is None


def test_run_until_a_pause_count(platform):
    sim = platform.load(Polite)
    reports = sim.run_until(pauses=3)
    assert [r.number for r in reports] == [1, 2, 3]
    assert sim.run_until(pauses=2) == []  # already past it
    assert [r.number for r in sim.run_until(pauses=5)] == [4, 5]
    with pytest.raises(ValueError) as error:
        sim.run_until(pauses=-1)
    assert str(error.value) == "run_until(pauses=-1): give a whole number of pause points, e.g. pauses=10"
    with pytest.raises(TypeError) as error:
        sim.run_until(lambda s: True, pauses=3)
    assert str(error.value) == (
        "run_until: give either a function of the simulation (sim.run_until(lambda sim: len(sim.events) >= 10)) "
        "or a pause count (sim.run_until(pauses=10)), not both"
    )
    with pytest.raises(TypeError) as error:
        sim.run_until()
    assert str(error.value) == (
        "run_until: give a function of the simulation, e.g. sim.run_until(lambda sim: len(sim.events) >= 10), "
        "or a pause count, e.g. sim.run_until(pauses=10)"
    )


class Stubborn(kit.Trigger):
    """Its outer loop checks running, but an inner retry loop never gives up."""

    def run(self):
        while self.running:
            while True:
                time.sleep(10)  # stubborn sleep
                if self.gave_up():
                    break

    def gave_up(self):
        return False


def test_a_component_that_pauses_again_at_the_same_line_after_stop_is_ended_there(platform):
    sim = platform.load(Stubborn)
    sim.step(2)
    with pytest.warns(kit.KitWarning) as warned:
        assert sim.stop() == "stopped"
    assert [str(w.message) for w in warned] == [
        f"Stubborn: after stop() it paused again, at sleep(10) ({HERE}:{_line('stubborn sleep')}), instead of "
        "ending; it was ended there"
    ]
