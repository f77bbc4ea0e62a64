"""The worker's jobs: plain functions that RQ imports by name and calls with the
arguments a producer enqueued (JSON values). Replace these examples with your own.

A job that raises is retried with backoff (MAX_RETRIES, RETRY_BACKOFF), then moved to
the dead-letter registry. A job may run more than once (after a crash or a shutdown
that had to stop it), so make it idempotent: check whether its work is done already.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class InvalidEventError(ValueError):
    """The event can never be processed: retrying will not help."""


def process_event(event: dict[str, Any]) -> dict[str, Any]:
    """Example job: validate an event and return a summary (kept as the job's result
    for RESULT_TTL seconds)."""
    if not isinstance(event, dict) or "id" not in event:
        raise InvalidEventError(f"an event needs an 'id': {event!r}")
    kind = str(event.get("type", "unknown"))
    log.info("event processed", extra={"event_id": event["id"], "event_type": kind})
    return {"id": event["id"], "type": kind, "fields": len(event)}
