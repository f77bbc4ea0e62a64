"""Prometheus metrics of the worker, on a registry of its own.

Counted by this process: `worker_jobs_total{queue,outcome}` (outcome: succeeded,
retried, failed = moved to the dead-letter registry, requeued = put back by a shutdown,
stopped) and `worker_job_duration_seconds{queue}`. Read from Redis at every scrape
(the same values from every pod: aggregate them with max, not sum):
`worker_queue_depth`, `worker_queue_oldest_job_age_seconds`,
`worker_queue_scheduled_jobs` (retries waiting for their backoff),
`worker_queue_started_jobs`, `worker_queue_dead_letter_jobs`, and `worker_redis_up`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import redis
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from .queues import SERIALIZER

log = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "retried", "failed", "requeued", "stopped")


class QueueCollector(Collector):
    """Queue gauges, read from Redis when Prometheus scrapes (read-only: no registry
    cleanup runs here)."""

    def __init__(self, connection: redis.Redis, queues: Sequence[str]) -> None:
        self.connection = connection
        self.queues = list(queues)

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("worker_redis_up", "1 when Redis answered the last scrape's queries.")
        depth = GaugeMetricFamily("worker_queue_depth", "Jobs waiting in the queue.", labels=["queue"])
        age = GaugeMetricFamily(
            "worker_queue_oldest_job_age_seconds",
            "How long the oldest waiting job has been queued (0 when the queue is empty).",
            labels=["queue"],
        )
        scheduled = GaugeMetricFamily(
            "worker_queue_scheduled_jobs", "Jobs waiting for their retry backoff.", labels=["queue"]
        )
        started = GaugeMetricFamily("worker_queue_started_jobs", "Jobs being executed.", labels=["queue"])
        dead = GaugeMetricFamily(
            "worker_queue_dead_letter_jobs",
            "Jobs whose retries ran out, kept in the dead-letter registry (RQ's FailedJobRegistry).",
            labels=["queue"],
        )
        try:
            now = datetime.now(UTC)
            for name in self.queues:
                queue = Queue(name, connection=self.connection, serializer=SERIALIZER)
                depth.add_metric([name], queue.count)
                age.add_metric([name], oldest_age(queue, now))
                for family, registry in (
                    (scheduled, ScheduledJobRegistry(queue=queue)),
                    (started, StartedJobRegistry(queue=queue)),
                    (dead, FailedJobRegistry(queue=queue)),
                ):
                    family.add_metric([name], registry.get_job_count(cleanup=False))
        except redis.RedisError as error:
            log.warning("queue metrics unavailable", extra={"error": str(error)})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (up, depth, age, scheduled, started, dead)


def oldest_age(queue: Queue, now: datetime) -> float:
    """Seconds since the job at the head of the queue was enqueued."""
    job_ids = queue.get_job_ids(0, 1)
    if not job_ids:
        return 0.0
    try:
        job = Job.fetch(job_ids[0], connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:  # taken by a worker since
        return 0.0
    if job.enqueued_at is None:
        return 0.0
    enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
    return max(0.0, (now - enqueued).total_seconds())


class Metrics:
    """The worker's registry: job outcomes and durations, the queue gauges, and the
    process, platform and garbage-collector collectors."""

    def __init__(self, connection: redis.Redis, queues: Sequence[str]) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.jobs = Counter(
            "worker_jobs",
            "Job executions by outcome: succeeded, retried (will run again after its backoff), "
            "failed (retries exhausted: moved to the dead-letter registry), requeued (put back "
            "by a shutdown), stopped.",
            ["queue", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "worker_job_duration_seconds",
            "Wall time of a job execution, whatever its outcome.",
            ["queue"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        for queue in queues:
            self.duration.labels(queue)
            for outcome in OUTCOMES:
                self.jobs.labels(queue, outcome)
        self.registry.register(QueueCollector(connection, queues))

    def job_done(self, queue: str, outcome: str, seconds: float) -> None:
        self.jobs.labels(queue, outcome).inc()
        self.duration.labels(queue).observe(seconds)
