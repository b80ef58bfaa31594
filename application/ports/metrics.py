"""What the use cases count for the service's operators (the adapter: Prometheus, at /metrics).

Most counts need nothing from the use cases: the audit events they already record name logins by
outcome, refresh-token reuse and undeliverable emails, and an adapter counts those as they are
written. What no event names is counted through this port.
"""

from typing import Protocol


class Metrics(Protocol):
    def attempt_throttled(self, limit: str) -> None:
        """An attempt refused by a rate limit, named by the limit: one of a fixed set of names,
        never who or what was refused (no user data in a metric)."""
        ...


class NoMetrics:
    """Metrics off: counts nothing."""

    def attempt_throttled(self, limit: str) -> None:
        pass


NO_METRICS = NoMetrics()
