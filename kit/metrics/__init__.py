"""``make_exporter`` and ``PrometheusExporterThread``, as in ``sekoia_automation.metrics``.

On kit the exporter serves nothing: the changes a hosted component makes to its
``prometheus_client`` metrics are recorded by the fake platform instead
(``sim.metrics``, ``platform.metrics``).
"""

from kit.metrics.base import MetricsExporterThread
from kit.metrics.prometheus import PrometheusExporterThread


def make_exporter(klass: type[MetricsExporterThread], *args, **kwargs) -> MetricsExporterThread:
    """Create a stoppable metrics exporter: ``klass.create(*args, **kwargs)``."""
    return klass.create(*args, **kwargs)


__all__ = ["PrometheusExporterThread", "make_exporter"]
