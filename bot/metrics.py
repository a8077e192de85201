"""Process metrics, exported in Prometheus format at the web app's `/metrics`.

One registry for the process; modules import the metric they update.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES_HANDLED = Counter(
    "pregonero_updates_handled", "Telegram updates handled", ["kind"], registry=REGISTRY
)
MESSAGES_SENT = Counter(
    "pregonero_messages_sent", "Messages delivered to officers", ["source"], registry=REGISTRY
)
MESSAGES_FAILED = Counter(
    "pregonero_messages_failed", "Messages that could not be delivered", ["reason"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "pregonero_outbox_depth", "Scheduled messages waiting to be sent", registry=REGISTRY
)
SCHEDULER_LAG = Gauge(
    "pregonero_scheduler_lag_seconds", "Age of the oldest due, unsent outbox item",
    registry=REGISTRY,
)
SEARCH_LATENCY = Histogram(
    "pregonero_search_seconds", "Time to answer one search",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0), registry=REGISTRY,
)
TELEGRAM_RETRY_AFTER = Counter(
    "pregonero_telegram_retry_after", "429 Too Many Requests answers from Telegram (each retried)",
    registry=REGISTRY,
)
