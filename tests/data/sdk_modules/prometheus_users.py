"""A connector in the shape of the repository's Prometheus users (module-level metrics, an exporter), for the
real SDK."""

import time

from prometheus_client import Counter, Gauge, Histogram
from sekoia_automation.connector import Connector
from sekoia_automation.metrics import PrometheusExporterThread, make_exporter

prom_namespace = "kit_test_module"

INCOMING_MESSAGES = Counter(
    name="collected_messages",
    documentation="Number of messages consumed",
    namespace=prom_namespace,
    labelnames=["intake_key"],
)
OUTCOMING_EVENTS = Counter(
    name="forwarded_events",
    documentation="Number of events forwarded to SEKOIA.IO",
    namespace=prom_namespace,
    labelnames=["intake_key"],
)
FORWARD_EVENTS_DURATION = Histogram(
    name="forward_events_duration",
    documentation="Duration to collect and forward events",
    namespace=prom_namespace,
    labelnames=["intake_key"],
)
EVENTS_LAG = Gauge(
    name="events_lags",
    documentation="The delay, in seconds, from the date of the last event",
    namespace=prom_namespace,
    labelnames=["intake_key"],
)


class MetricsConnector(Connector):
    """Forwards n events on its n-th trip, measuring them, then sleeps 60 s."""

    def forward(self, n):
        key = self.configuration.intake_key
        with FORWARD_EVENTS_DURATION.labels(intake_key=key).time():
            events = [f"event {n}.{i}" for i in range(n)]
            INCOMING_MESSAGES.labels(intake_key=key).inc(len(events))
            time.sleep(0.2)
            self.push_events_to_intakes(events)
            OUTCOMING_EVENTS.labels(intake_key=key).inc(len(events))
            EVENTS_LAG.labels(intake_key=key).set(n * 10)

    def run(self):
        exporter = make_exporter(PrometheusExporterThread, 8010)
        exporter.start()
        n = 0
        try:
            while self.running:
                n += 1
                self.forward(n)
                time.sleep(60)
        finally:
            exporter.stop()
