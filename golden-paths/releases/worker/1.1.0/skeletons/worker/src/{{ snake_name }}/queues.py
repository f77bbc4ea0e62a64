"""Redis connections and the queues, as the worker and the producers use them.

Jobs are serialized as JSON (rq.serializers.JSONSerializer), not pickle: a job's
arguments are plain data any producer can write, and reading a job never runs code
it carries. Producers use the same serializer:

    Queue("default", connection=redis, serializer=JSONSerializer).enqueue(
        "PACKAGE.jobs.process_event", {"id": 42})
"""

from __future__ import annotations

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from .config import Settings

SERIALIZER = JSONSerializer


def connect(settings: Settings, *, socket_timeout: float | None = None) -> redis.Redis:
    """A client for REDIS_URL (REDIS_PASSWORD, when set, overrides the URL's password).
    Without socket_timeout, REDIS_TIMEOUT_SECONDS; RQ raises it on the worker's own
    connection to cover its blocking dequeue."""
    timeout = settings.redis_timeout_seconds if socket_timeout is None else socket_timeout
    options: dict[str, object] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "health_check_interval": 30,
    }
    if settings.redis_password:
        options["password"] = settings.redis_password
    return redis.Redis.from_url(settings.redis_url, **options)


def queues(settings: Settings, connection: redis.Redis) -> list[Queue]:
    """The configured queues, highest priority first."""
    return [Queue(name, connection=connection, serializer=SERIALIZER) for name in settings.queue_names]


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"
