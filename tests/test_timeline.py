"""kit._timeline: the marks sim.timeline() and platform.timeline() prepare from the records, and their chart."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
import requests
import responses
from pydantic import BaseModel, Field

import kit
from kit._timeline import KINDS, StepRange

API = "https://api.vendor.test"
SECRET = "vendor-secret-0123456789"


class Configuration(BaseModel):
    intake_key: str = "k"
    api_key: str = Field(SECRET, json_schema_extra={"secret": True})


class Poller(kit.Connector):
    """Step n: GET /items?n (answers 200, 302, 404, 500, then a refused connection), push n events, log."""

    configuration: Configuration

    def run(self):
        n = 0
        while self.running:
            n += 1
            try:
                requests.get(f"{API}/items", params={"n": n}, headers={"Authorization": f"Bearer {self.configuration.api_key}"},
                             timeout=10, allow_redirects=False)
            except requests.ConnectionError:
                self.log("the API is down", level="error")
            self.push_events_to_intakes([{"id": f"{n}-{i}"} for i in range(n)])
            self.log(f"step {n} done", level=("info", "debug", "warning", "critical", "info")[n % 5])
            if n == 6:
                raise RuntimeError(f"broken at {n} with key {self.configuration.api_key}")
            time.sleep(60)


def answer(request):
    n = int(request.url.rsplit("=", 1)[1])
    if n == 5:
        raise requests.ConnectionError("connection refused")
    return {1: 200, 2: 302, 3: 404, 4: 500}.get(n, 200), {}, '{"items": []}'


@pytest.fixture
def poller(platform):
    platform.http.add_callback(responses.GET, f"{API}/items", callback=answer)
    sim = platform.load(Poller, configuration={"intake_key": "k", "api_key": SECRET})
    sim.step(6)
    return sim


def test_one_mark_per_record_with_its_kind_colour_and_step(poller):
    timeline = poller.timeline()
    marks = timeline.marks
    assert timeline.lanes == ["Poller"] and not timeline.aggregated and timeline.total == len(marks) == 28
    assert marks.columns.tolist() == ["lane", "component", "thread", "kind", "category", "time", "end", "step",
                                      "last_step", "count", "records", "record"]
    assert marks.groupby("kind").size().to_dict() == {"crash": 1, "http": 6, "log": 9, "push": 6, "step": 6}
    http = marks[marks["kind"] == "http"]
    assert http["category"].tolist() == ["HTTP 2xx", "HTTP 3xx", "HTTP 4xx", "HTTP 5xx", "HTTP error", "HTTP 2xx"]
    assert http["step"].tolist() == [1, 2, 3, 4, 5, 6]
    logs = marks[marks["kind"] == "log"]
    assert logs["category"].tolist() == ["log debug", "log warning", "log critical", "log info", "log error",
                                         "log info", "log debug", "log error", "log error"]
    assert logs["record"].iloc[-2]["level"] == "exception"  # log_exception's line, coloured as an error
    pushes = marks[marks["kind"] == "push"]
    assert pushes["count"].tolist() == [1, 2, 3, 4, 5, 6]  # a push is sized by its events
    assert (marks.loc[marks["kind"] != "push", "count"] == 1).all()
    assert marks[marks["kind"] == "crash"][["step", "category"]].values.tolist() == [[6, "crash"]]
    assert marks["time"].is_monotonic_increasing
    assert marks["time"].iloc[0] == pd.Timestamp("2024-01-01T00:00:00Z")
    assert marks["time"].iloc[-1] == pd.Timestamp("2024-01-01T00:05:00Z")
    assert (marks["step"] == marks["last_step"]).all() and (marks["records"] == 1).all()


def test_each_mark_keeps_its_record_for_the_tooltip_secrets_masked(poller):
    records = poller.timeline().marks.set_index(["kind", "step"])["record"]
    call = dict(records[("http", 4)])
    headers = json.loads(call.pop("request_headers"))
    assert call == {
        "title": f"GET {API}/items?n=4 → 500", "component": "Poller", "step": 4, "time": "2024-01-01T00:03:00Z",
        "method": "GET", "url": f"{API}/items?n=4", "status": 500, "response_body": '{"items": []}',
    }
    assert headers["Authorization"] == "***" and headers["Accept"] == "*/*"
    refused = records[("http", 5)]
    assert refused["title"] == f"GET {API}/items?n=5 → connection refused"
    assert refused["error"] == "connection refused" and "status" not in refused
    assert records[("push", 3)] == {"title": "push of 3 events", "component": "Poller", "step": 3,
                                    "time": "2024-01-01T00:02:00Z", "events": 3, "chunks": 1,
                                    "first_event": '{"id":"3-0"}'}
    assert records[("step", 2)] == {"title": "step 2 [paused]", "component": "Poller", "step": 2,
                                    "time": "2024-01-01T00:01:00Z", "status": "paused",
                                    "end": "2024-01-01T00:01:00Z", "slept": 60,
                                    "paused_at": records[("step", 2)]["paused_at"], "runs": 0, "events": 2,
                                    "http": 1, "logs": 1}
    crash = records[("crash", 6)]
    assert crash["title"] == "RuntimeError: broken at 6 with key ***"
    assert crash["message"] == "broken at 6 with key ***" and crash["where"] == "run"
    assert crash["traceback"].endswith("RuntimeError: broken at 6 with key ***\n")
    assert all(SECRET not in repr(record) for record in records)


def test_a_secret_declared_later_is_masked_in_the_records_already_made(platform):
    class Chatty(kit.Trigger):
        def run(self):
            self.log("the token is tok-abcdef-123456", level="info")
            time.sleep(60)

    sim = platform.load(Chatty)
    sim.step()
    platform.load(Chatty, configuration={"token": "tok-abcdef-123456"}, secrets=["token"])
    (record,) = sim.timeline(kinds="log").marks["record"]
    assert record["message"] == "the token is ***"


def test_long_texts_are_cut_in_tooltips(platform):
    class Loud(kit.Trigger):
        def run(self):
            self.log("x" * 1000, level="info")
            time.sleep(60)

    sim = platform.load(Loud)
    sim.step()
    (record,) = sim.timeline(kinds=["log"]).marks["record"]
    assert record["message"] == "x" * 299 + "…"


def test_events_of_a_trigger_and_rejected_ones(platform):
    class Result(BaseModel):
        n: int

    class Sender(kit.Trigger):
        results_model = Result

        def run(self):
            self.send_event("good", {"n": 1})
            self.send_event("bad", {"n": "not a number"})
            time.sleep(60)

    sim = platform.load(Sender)
    sim.step()
    events = sim.timeline(kinds=["event"]).marks
    assert events["category"].tolist() == ["event", "event rejected"]
    good, bad = events["record"]
    assert good["title"] == "event good" and good["event"] == '{"n": 1}' and good["request_id"]
    assert bad["title"] == "event bad rejected" and "not a number" in bad["error"]


def test_kinds_picks_the_rows_drawn(poller):
    marks = poller.timeline(kinds=["http", "crash"]).marks
    assert set(marks["kind"]) == {"http", "crash"}
    assert poller.timeline(kinds="push").marks["kind"].unique().tolist() == ["push"]


# -- lanes ---------------------------------------------------------------------------------------
class Workers(kit.Connector):
    """The main thread logs, then two threads each push and log once per minute."""

    def run(self):
        self.log("starting workers", level="info")

        def work(name):
            while self.running:
                self.push_events_to_intakes([{"from": name}])
                self.log(f"{name} pushed", level="info")
                time.sleep(60)

        threads = [threading.Thread(target=work, args=(f"w{i}",), name=f"worker-{i}", daemon=True) for i in (1, 2)]
        for thread in threads:
            thread.start()
        while self.running:
            time.sleep(30)


def test_a_component_with_threads_has_a_lane_per_thread_main_first(platform):
    sim = platform.load(Workers, configuration={"intake_key": "k"})
    sim.run_for(minutes=2)
    timeline = sim.timeline()
    assert timeline.lanes == ["Workers · main", "Workers · worker-1", "Workers · worker-2"]
    marks = timeline.marks
    by_lane = marks.groupby("lane")["kind"].apply(lambda kinds: sorted(set(kinds))).to_dict()
    assert by_lane == {"Workers · main": ["log", "step"], "Workers · worker-1": ["log", "push"],
                       "Workers · worker-2": ["log", "push"]}
    assert set(marks["thread"]) == {"main", "worker-1", "worker-2"} and set(marks["component"]) == {"Workers"}
    push = marks[marks["lane"] == "Workers · worker-2"]["record"].iloc[0]
    assert push["thread"] == "worker-2" and push["component"] == "Workers"


def test_the_platform_timeline_has_a_lane_per_component_in_load_order(platform, poller):
    class Greets(kit.Action):
        def run(self, arguments):
            self.log("hello", level="info")
            return {"ok": True}

    platform.load(Workers, configuration={"intake_key": "k"}).run_for(minutes=1)
    platform.run_action(Greets, {})
    timeline = platform.timeline()
    assert timeline.title == "platform (3 components)"
    assert timeline.lanes == ["Poller", "Workers · main", "Workers · worker-1", "Workers · worker-2", "Greets"]
    assert timeline.marks.loc[timeline.marks["lane"] == "Greets", "kind"].tolist() == ["log"]
    picked = platform.timeline(components=["Workers", poller])
    assert picked.lanes == ["Workers · main", "Workers · worker-1", "Workers · worker-2", "Poller"]
    assert picked.title == "platform (2 components)"


# -- aggregation ----------------------------------------------------------------------------------
class Flood(kit.Connector):
    """Each minute: 20 pushes of one event and 10 log lines, one of them an error."""

    def run(self):
        while self.running:
            for i in range(20):
                self.push_events_to_intakes([{"i": i}])
            for i in range(10):
                self.log(f"line {i}", level="error" if i == 0 else "info")
            time.sleep(60)


def test_up_to_max_marks_each_record_is_a_mark_past_it_they_are_binned(platform):
    sim = platform.load(Flood, configuration={"intake_key": "k"})
    sim.run_for(minutes=99)  # 100 steps: 100 + 2,000 pushes + 1,000 logs = 3,100 records
    assert sim.timeline().total == 3100
    assert not sim.timeline(max_marks=3100).aggregated
    timeline = sim.timeline(max_marks=3099)
    marks = timeline.marks
    assert timeline.aggregated and timeline.total == 3100 and len(marks) <= 3099
    # 4 (kind, colour) rows in the lane: 3099 // 4 - 1 = 773 bins each at most, and none narrower than
    # 12 pixels of the 800: 66 bins over 99 minutes, 90 s -> bins of 2 minutes
    assert timeline.bin_seconds == 120
    assert marks["records"].sum() == 3100
    assert marks.groupby("category")["records"].sum().to_dict() == {"log error": 100, "log info": 900,
                                                                    "push": 2000, "step": 100}
    assert repr(timeline) == "<Timeline Flood (Flood): 200 marks for 3,100 records in 1 lane>"
    wide = sim.timeline(max_marks=3099, width=4000)  # 333 bins: 17.8 s -> 20 s, a step a minute: 100 bins a row
    assert wide.bin_seconds == 20 and len(wide.marks) == 4 * 100


def test_a_bin_counts_its_records_and_gives_their_time_and_steps(platform):
    sim = platform.load(Flood, configuration={"intake_key": "k"})
    sim.run_for(minutes=99)
    marks = sim.timeline(max_marks=40).marks  # 4 rows in the lane: 9 bins each at most
    assert len(marks) <= 40
    pushes = marks[marks["kind"] == "push"]
    assert pushes["count"].sum() == 2000  # a bin of pushes is sized by its events
    first = pushes.iloc[0]
    assert (first["step"], first["last_step"], first["records"], first["count"]) == (1, 15, 300, 300)
    assert first["time"] == pd.Timestamp("2024-01-01T00:07:30Z")  # the middle of its bin
    assert first["end"] == pd.Timestamp("2024-01-01T00:15:00Z")
    assert first["record"] == {"title": "300 pushes", "component": "Flood", "steps": "1–15",
                               "from": "2024-01-01T00:00:00Z", "to": "2024-01-01T00:14:00Z", "records": 300,
                               "events": 300, "bin": "2024-01-01T00:00:00Z + 15 min"}
    error = marks[marks["category"] == "log error"]["record"].iloc[0]
    assert error["title"] == "15 log lines (log error)"


def test_the_data_given_to_vega_stays_bounded(platform):
    sim = platform.load(Flood, configuration={"intake_key": "k"})
    sim.run_for(minutes=99)
    for max_marks in (10, 50, 500):
        timeline = sim.timeline(max_marks=max_marks)
        assert len(timeline.values()) == len(timeline.marks) <= max_marks


# -- the chart ----------------------------------------------------------------------------------------
def test_the_chart_colours_marks_by_category_and_selects_steps_on_click(poller):
    timeline = poller.timeline()
    spec = timeline.spec
    encoding = spec["encoding"]
    colors = dict(zip(encoding["color"]["scale"]["domain"], encoding["color"]["scale"]["range"]))
    assert colors == {
        "step": "#757575", "push": "#1565c0", "HTTP 2xx": "#2e7d32", "HTTP 3xx": "#00897b", "HTTP 4xx": "#fb8c00",
        "HTTP 5xx": "#c62828", "HTTP error": "#4e342e", "log debug": "#b0bec5", "log info": "#607d8b",
        "log warning": "#fbc02d", "log error": "#e53935", "log critical": "#880e4f", "crash": "#000000",
    }
    assert encoding["y"]["scale"]["domain"] == ["Poller"]
    assert encoding["yOffset"]["scale"]["domain"] == ["step", "push", "http", "log", "crash"]
    assert spec["mark"]["tooltip"] == {"expr": "datum.record"}
    assert spec["params"] == [{"name": "pick", "select": {"type": "point", "fields": ["component", "step", "last_step"],
                                                          "on": "click"}}]
    assert spec["title"]["text"] == "Poller (Poller)"
    assert spec["title"]["subtitle"] == ("28 records; 2024-01-01T00:00:00Z → 2024-01-01T00:05:00Z; hover a mark for "
                                         "its record, click it to select its step")
    values = spec["datasets"]["timeline"]
    assert spec["data"] == {"name": "timeline"} and len(values) == 28
    http = next(v for v in values if v["kind"] == "http" and v["step"] == 3)
    assert {k: v for k, v in http.items() if k not in ("record", "size")} == {
        "lane": "Poller", "component": "Poller", "kind": "http", "category": "HTTP 4xx", "time": 1704067320000,
        "step": 3, "last_step": 3, "label": "Poller: HTTP 4xx, step 3",
    }
    sizes = {v["step"]: v["size"] for v in values if v["kind"] == "push"}
    assert sizes[1] < sizes[3] < sizes[6] == 320.0


def test_the_chart_is_valid_vega_lite(poller):
    timeline = poller.timeline()
    full = timeline.chart.to_dict(validate=True)  # Altair checks it against the Vega-Lite schema
    assert full["datasets"] == timeline.spec["datasets"]


def test_no_record_yet_is_an_empty_chart_saying_so(platform):
    sim = platform.load(Flood, configuration={"intake_key": "k"})
    timeline = sim.timeline()
    assert timeline.marks.empty and timeline.lanes == ["Flood"] and timeline.total == 0
    assert repr(timeline) == (
        "<Timeline Flood (Flood): no records yet; step the component (sim.step(), sim.run_for(hours=1)), "
        "then draw it again>"
    )
    spec = timeline.chart.to_dict(validate=True)
    assert spec["title"] == {"text": "Flood (Flood): no records yet", "anchor": "start", "subtitle": (
        "step the component (sim.step(), sim.run_for(hours=1)), then draw it again")}
    assert spec["datasets"] == {"timeline": []}
    empty = kit.FakePlatform(start="2024-01-01T00:00:00Z")
    with empty:
        assert empty.timeline().spec["title"] == {
            "text": "platform (0 components): no records yet", "anchor": "start",
            "subtitle": "load a component and step it (platform.advance(hours=1)), then draw it again"}


def test_clicking_a_mark_calls_on_select_with_its_steps(poller):
    chosen = []
    widget = poller.timeline().widget(on_select=chosen.append)
    assert widget.embed_options == {"renderer": "svg", "actions": False}
    assert "https://esm.sh" not in widget._esm  # Vega is bundled in: no CDN
    # what the browser sends when a mark is clicked, then when the chart is drawn again (empty)
    widget._vl_selections = {"pick": {"value": {"vlPoint": {"or": [
        {"component": "Poller", "step": 3, "last_step": 5}]}}, "store": []}}
    widget._vl_selections = {"pick": {"value": None, "store": []}}
    assert chosen == [StepRange("Poller", 3, 5)]
    assert str(chosen[0]) == "steps 3–5" and 4 in chosen[0] and 6 not in chosen[0]
    assert str(StepRange("Poller", 2, 2)) == "step 2"


def test_in_a_notebook_a_timeline_shows_as_its_widget_in_a_terminal_as_text(poller, monkeypatch):
    timeline = poller.timeline()
    assert timeline._repr_mimebundle_() == {"text/plain": "<Timeline Poller (Poller): 28 marks in 1 lane>"}
    monkeypatch.setattr("kit._timeline._in_kernel", lambda: True)
    bundle, _metadata = timeline._repr_mimebundle_()
    assert bundle["text/plain"] == "<Timeline Poller (Poller): 28 marks in 1 lane>"
    assert set(bundle["application/vnd.jupyter.widget-view+json"]) == {"version_major", "version_minor", "model_id"}


def test_drawing_needs_no_altair_until_the_chart_is_asked_for():
    code = (
        "import sys, time, kit\n"
        "class T(kit.Trigger):\n"
        "    def run(self):\n"
        "        self.send_event('e', {})\n"
        "        time.sleep(60)\n"
        "with kit.FakePlatform(start='2024-01-01T00:00:00Z') as p:\n"
        "    sim = p.load(T)\n"
        "    sim.step()\n"
        "    print(len(sim.timeline().marks), 'altair' in sys.modules, 'vl_convert' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "2 False False\n"


# -- bad options -------------------------------------------------------------------------------------
def test_an_unknown_option_names_it_and_the_options(poller, platform):
    with pytest.raises(TypeError) as error:
        poller.timeline(max_mark=100)
    assert str(error.value) == (
        "sim.timeline(max_mark=100): 'max_mark' is not an option of sim.timeline(); did you mean max_marks=100? "
        "the options are kinds, max_marks, width"
    )
    with pytest.raises(TypeError) as error:
        platform.timeline(colour="red")
    assert str(error.value) == (
        "platform.timeline(colour='red'): 'colour' is not an option of platform.timeline(); the options are "
        "components, kinds, max_marks, width"
    )


def test_bad_kinds_say_which_kinds_exist(poller):
    with pytest.raises(ValueError) as error:
        poller.timeline(kinds=["http", "htpp"])
    assert str(error.value) == (
        "sim.timeline(kinds=['http', 'htpp']): 'htpp' is not a mark kind (did you mean 'http'?); the kinds are "
        "'step', 'push', 'event', 'http', 'log', 'crash', 'asset', 'fault'; e.g. kinds=['http', 'log']"
    )
    with pytest.raises(TypeError) as error:
        poller.timeline(kinds=3)
    assert str(error.value) == (
        "sim.timeline(kinds=3): kinds is a list of mark kinds out of 'step', 'push', 'event', 'http', 'log', "
        "'crash', 'asset', 'fault'; e.g. kinds=['http', 'log']"
    )
    with pytest.raises(TypeError):
        poller.timeline(kinds=[])
    assert list(KINDS) == ["step", "push", "event", "http", "log", "crash", "asset", "fault"]


@pytest.mark.parametrize("value", [0, 9, 2.5, True, "100"])
def test_max_marks_is_an_integer_of_ten_or_more(poller, value):
    with pytest.raises(ValueError) as error:
        poller.timeline(max_marks=value)
    assert str(error.value) == (
        f"sim.timeline(max_marks={value!r}): max_marks is how many marks are drawn before they are aggregated "
        "into time bins, an integer >= 10; e.g. max_marks=3000 (the default)"
    )


def test_width_is_pixels(poller):
    with pytest.raises(ValueError) as error:
        poller.timeline(width=50)
    assert str(error.value) == (
        "sim.timeline(width=50): width is the chart's width in pixels, an integer >= 100; e.g. width=800"
    )


def test_unknown_components_say_which_exist(platform, poller):
    with pytest.raises(ValueError) as error:
        platform.timeline(components=["Poller", "Pollr"])
    assert str(error.value) == (
        "platform.timeline(components=['Poller', 'Pollr']): no component 'Pollr' on this platform; its components "
        "are 'Poller'"
    )
    with pytest.raises(TypeError) as error:
        platform.timeline(components=[1])
    assert str(error.value) == (
        "platform.timeline(components=[1]): components is a list of component names or simulations, "
        "e.g. components=['Poller']"
    )


def test_injected_faults_are_marks_of_their_own_with_the_reaction(platform):
    import requests

    class Polls(kit.Connector):
        def run(self):
            while self.running:
                response = requests.get("https://api.vendor.test/events", timeout=10)
                if response.status_code == 429:
                    time.sleep(int(response.headers["Retry-After"]))
                    continue
                time.sleep(60)

    platform.http.get("https://api.vendor.test/events", json=[])
    sim = platform.load(Polls, configuration={"intake_key": "k"})
    platform.faults.add("status", "https://api.vendor.test/events", status=429, headers={"Retry-After": "30"}, step=2)
    sim.run_for(minutes=3)
    marks = sim.timeline(kinds=["fault"]).marks
    assert (marks["kind"].tolist(), marks["category"].tolist(), marks["step"].tolist()) == (["fault"], ["fault"], [2])
    record = marks["record"].iloc[0]
    assert (record["title"], record["request"], record["reaction"]) == (
        "fault 1: status 429 (Retry-After: 30)", "GET https://api.vendor.test/events", "retried after 30 s (step 3)"
    )
