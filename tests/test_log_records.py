"""Log records carry what the real calls carry: where the line came from, the call's extras, the exception."""

from __future__ import annotations

import json
import time

import kit


class Logs(kit.Trigger):
    def run(self):
        while self.running:
            self.log("polled", level="info", page=3, cursor="c-9")
            try:
                {}["missing"]
            except KeyError as error:
                self.log_exception(error, message="no cursor")
            self.send_event("e", {"a": 1}, directory=str(self._event_directory()), remove_directory=True)
            time.sleep(60)

    def _event_directory(self):
        folder = self.data_path / "batch"
        folder.mkdir(exist_ok=True)
        (folder / "events.json").write_text("[]")
        return folder


def test_a_log_line_keeps_its_extras_and_a_log_exception_line_its_exception(platform):
    sim = platform.load(Logs)
    sim.step()
    polled, local, sent = sim.log_records
    assert (polled.message, polled.source, dict(polled.extra), polled.exception) == (
        "polled", "component", {"page": 3, "cursor": "c-9"}, None
    )
    assert (local.level, local.sent, local.exception) == ("exception", False, "KeyError: 'missing'")
    assert (sent.level, sent.message, sent.sent, sent.extra, sent.exception) == (
        "error", "no cursor\n'missing'", True, None, "KeyError: 'missing'"
    )
    assert sim.logs[["source", "extra", "exception"]].iloc[0].tolist() == ["component", {"page": 3, "cursor": "c-9"}, None]
    (run,) = sim.run_records
    assert (run.directory, run.remove_directory, run.files) == ("batch", True, ("events.json",))
    json.dumps(kit._platform._records.thaw(polled.extra))  # plain data


def test_a_line_the_sdk_logs_by_itself_is_marked_sdk(platform):
    class Pusher(kit.Connector):
        def run(self):
            while self.running:
                self.push_events_to_intakes(["e"])
                time.sleep(60)

    sim = platform.load(Pusher, configuration={"intake_key": "k"})
    platform.faults.add("intake_refused", status=503, times=None)
    sim.run_for(hours=2)
    sources = {(r.source, r.message.splitlines()[0]) for r in sim.log_records}
    assert ("sdk", "Failed to forward 1 events") in sources
