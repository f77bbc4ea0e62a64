"""Entry point: `python -m PACKAGE` runs the worker (the queues of QUEUES, JSON logs,
the health and metrics endpoint on PORT, the graceful shutdown); `python -m PACKAGE
healthcheck` probes a running one (the container's HEALTHCHECK)."""

from __future__ import annotations

import logging
import sys
import urllib.request

import redis
from pydantic import ValidationError

from . import logs
from .config import Settings
from .health import HealthServer
from .metrics import Metrics
from .queues import connect, queues, redacted
from .worker import PlatformWorker, WorkerState

log = logging.getLogger(__name__)


def healthcheck(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


def run(settings: Settings) -> int:
    """Run the worker until it is stopped: 0 after a requested shutdown, 1 when the
    work loop ended on an error (Kubernetes then restarts the container)."""
    connection = connect(settings)  # RQ raises its socket timeout above its blocking dequeue
    probes = connect(settings)  # short timeouts for /readyz and /metrics
    state = WorkerState(settings=settings, metrics=Metrics(probes, settings.queue_names))
    # All interfaces inside the container; the network policy limits who connects.
    server = HealthServer(("0.0.0.0", settings.port), state, probes)
    server.start()
    try:
        worker = PlatformWorker(
            queues(settings, connection), connection=connection, settings=settings, state=state
        )
        log.info(
            "worker starting",
            extra={
                "queues": settings.queue_names,
                "redis": redacted(settings.redis_url),
                "port": settings.port,
            },
        )
        worker.work(with_scheduler=True, logging_level=settings.log_level.upper())
    except redis.RedisError as error:
        log.error("cannot use Redis", extra={"redis": redacted(settings.redis_url), "error": str(error)})
        return 1
    finally:
        server.shutdown()
        server.server_close()
    if not state.shutting_down:
        log.error("the work loop ended without a shutdown request")
        return 1
    log.info("worker stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"invalid configuration:\n{error}", file=sys.stderr)
        return 2
    if args[:1] == ["healthcheck"]:
        return healthcheck(settings.port)
    if args:
        print(f"usage: python -m {__package__} [healthcheck]", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
