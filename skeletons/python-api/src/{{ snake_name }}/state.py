"""What the application shares between requests: settings, database, metrics, and
whether it is shutting down."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings
from .db import Database
from .metrics import Metrics


@dataclass
class ServiceState:
    settings: Settings
    database: Database | None = None
    metrics: Metrics = field(default_factory=Metrics)
    # Set on SIGTERM: /readyz then answers 503 so that traffic drains away.
    shutting_down: bool = False
