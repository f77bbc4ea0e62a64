"""RQ's forking worker with the platform's policies.

- **Retries with backoff**: a job without a retry policy of its own gets MAX_RETRIES
  retries, the waits growing exponentially (`retry.backoff_intervals`); a job whose
  retries ran out moves to the dead-letter registry (RQ's FailedJobRegistry, kept
  DEAD_LETTER_TTL seconds), from where `rq requeue` puts it back.
- **Graceful shutdown**: on SIGTERM the worker takes no new job; the job in flight gets
  SHUTDOWN_TIMEOUT seconds to finish, then its work horse is stopped and the job is put
  back at the front of its queue, its retries untouched. A second SIGTERM or SIGINT
  does that at once. A job is therefore run at least once and may be run again:
  write jobs so that running one twice does no harm (idempotent).
- **Metrics**: the outcome and duration of every job (`metrics.Metrics`).

Each job runs in a work horse forked from this process, so a job that crashes or
leaks cannot take the worker down.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import Any

import redis
from rq import Queue, Worker
from rq.exceptions import DeserializationError, InvalidJobOperation
from rq.job import Job, JobStatus
from rq.utils import now

from .config import Settings
from .metrics import Metrics
from .queues import SERIALIZER
from .retry import backoff_intervals

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """What the worker shares with its health endpoint."""

    settings: Settings
    metrics: Metrics
    # Set once the work loop takes jobs (its signal handlers installed), and on SIGTERM:
    # /readyz answers 503 before the one and after the other.
    consuming: bool = False
    shutting_down: bool = False
    # The job in flight, for /healthz.
    job_id: str | None = None
    started: float = field(default_factory=time.monotonic)


def function_name(job: Job) -> str:
    """The job's function, or a placeholder when its data does not deserialize."""
    try:
        return str(job.func_name)
    except DeserializationError:
        return "<undecodable>"


class PlatformWorker(Worker):
    """See the module's documentation. `settings` and `state` are optional so that RQ
    can still build the class on its own (it does for `rq info` and the like)."""

    def __init__(
        self,
        queues: list[Queue],
        *,
        connection: redis.Redis,
        settings: Settings | None = None,
        state: WorkerState | None = None,
        rng: random.Random | None = None,
        **kwargs: Any,
    ) -> None:
        self.settings = settings or Settings()
        kwargs.setdefault("default_result_ttl", self.settings.result_ttl)
        kwargs.setdefault("serializer", SERIALIZER)
        # How often the worker looks at the work horse while a job runs (heartbeats).
        kwargs.setdefault("job_monitoring_interval", 5)
        super().__init__(queues, connection=connection, **kwargs)
        self.shared = state
        self.rng = rng or random.Random()
        self._in_flight: Job | None = None
        self._requeue: set[str] = set()
        self._deadline: threading.Timer | None = None

    # ----------------------------------------------------------------- jobs

    def apply_policy(self, job: Job) -> None:
        """Give a job the worker's retry policy and dead-letter retention unless its
        producer chose its own, and store them with the job (so that a job abandoned
        by a killed worker is retried the same way)."""
        fields: dict[str, str] = {}
        if job.retries_left is None and self.settings.max_retries > 0:
            job.retries_left = self.settings.max_retries
            job.retry_intervals = backoff_intervals(
                self.settings.max_retries,
                self.settings.retry_backoff,
                self.settings.retry_backoff_max,
                self.rng,
            )
            fields["retries_left"] = str(job.retries_left)
            fields["retry_intervals"] = json.dumps(job.retry_intervals)
        if job.failure_ttl is None:
            job.failure_ttl = self.settings.dead_letter_ttl
            fields["failure_ttl"] = str(job.failure_ttl)
        if fields:
            with self.connection.pipeline() as pipeline:
                for key, value in fields.items():
                    pipeline.hset(job.key, key, value)
                pipeline.execute()

    def execute_job(self, job: Job, queue: Queue) -> None:
        self.apply_policy(job)
        self._in_flight = job
        if self.shared:
            self.shared.job_id = job.id
        started = time.monotonic()
        try:
            super().execute_job(job, queue)
        finally:
            self._in_flight = None
            if self.shared:
                self.shared.job_id = None
        try:
            outcome = self.outcome(job)
        except redis.RedisError as error:  # the work loop will meet it too; no outcome to count
            log.warning("job outcome unknown", extra={"job_id": job.id, "error": str(error)})
            return
        log.info(
            "job done",
            extra={"job_id": job.id, "queue": queue.name, "func": function_name(job), "outcome": outcome},
        )
        if self.shared:
            self.shared.metrics.job_done(queue.name, outcome, time.monotonic() - started)

    def outcome(self, job: Job) -> str:
        """What became of a job after its execution, from its status in Redis."""
        requeued = job.id in self._requeue
        self._requeue.discard(job.id)
        try:
            status = job.get_status(refresh=True)
        except InvalidJobOperation:  # deleted: a result kept for 0 seconds
            return "succeeded"
        if status == JobStatus.FINISHED:
            return "succeeded"
        if requeued:
            return "requeued"
        if status in (JobStatus.SCHEDULED, JobStatus.QUEUED):
            return "retried"
        if status == JobStatus.STOPPED:
            return "stopped"
        return "failed"

    def handle_job_failure(
        self, job: Job, queue: Queue, started_job_registry: Any = None, exc_string: str = ""
    ) -> None:
        """A job stopped by the shutdown goes back to the front of its queue, as it
        was; any other failure is RQ's: a retry, or the dead-letter registry."""
        if job.id not in self._requeue:
            super().handle_job_failure(
                job, queue, started_job_registry=started_job_registry, exc_string=exc_string
            )
            return
        with self.connection.pipeline() as pipeline:
            self.cleanup_execution(job, pipeline=pipeline)
            pipeline.execute()
        queue.enqueue_job(job, at_front=True)
        log.warning("job requeued by the shutdown", extra={"job_id": job.id, "queue": queue.name})

    # ------------------------------------------------------------- shutdown

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()  # type: ignore[no-untyped-call]
        if self.shared:
            self.shared.consuming = True  # the last step before the work loop

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """First SIGTERM/SIGINT: take no new job; the job in flight has
        SHUTDOWN_TIMEOUT seconds before it is requeued."""
        if self.shared:
            self.shared.shutting_down = True
        job = self._in_flight
        if job is not None:
            log.info(
                "shutting down after the job in flight",
                extra={"job_id": job.id, "timeout_seconds": self.settings.shutdown_timeout},
            )
            self._deadline = threading.Timer(
                self.settings.shutdown_timeout, self.requeue_in_flight, args=("the shutdown timeout passed",)
            )
            self._deadline.daemon = True
            self._deadline.start()
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def request_force_stop(self, signum: int, frame: FrameType | None) -> None:
        """Second signal: requeue the job in flight now (then the worker stops)."""
        since = self._shutdown_requested_date
        if since is not None and now() - since < timedelta(seconds=1):
            return  # the same signal delivered twice (a process group and its leader)
        if self._in_flight is not None and self.horse_pid:
            self.requeue_in_flight(f"a second signal ({signal.Signals(signum).name})")
            return
        super().request_force_stop(signum, frame)

    def requeue_in_flight(self, reason: str) -> None:
        """Stop the work horse of the job in flight and put the job back at the front
        of its queue (in handle_job_failure, when the worker sees the horse die)."""
        job = self._in_flight
        if job is None or not self.horse_pid:
            return
        log.warning("stopping the job in flight to requeue it", extra={"job_id": job.id, "reason": reason})
        self._requeue.add(job.id)
        self.kill_horse(signal.SIGKILL)

    def teardown(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().teardown()  # type: ignore[no-untyped-call]
