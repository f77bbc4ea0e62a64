"""The worker's HTTP endpoint, served from a thread beside the work loop:
`/healthz` (liveness: the process answers), `/readyz` (the work loop takes jobs,
Redis answers within REDIS_TIMEOUT_SECONDS and the worker is not shutting down; 503
with the failing check otherwise) and `/metrics` (Prometheus text format)."""

from __future__ import annotations

import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .worker import WorkerState

log = logging.getLogger(__name__)


def readiness(state: WorkerState, connection: redis.Redis) -> tuple[bool, dict[str, str]]:
    checks = {
        "worker": "ok" if state.consuming else "starting",
        "shutdown": "shutting down" if state.shutting_down else "ok",
    }
    try:
        connection.ping()
        checks["redis"] = "ok"
    except redis.RedisError as error:
        checks["redis"] = f"error: {error}"
    return all(v == "ok" for v in checks.values()), checks


class HealthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: WorkerState, connection: redis.Redis) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.connection = connection

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="health", daemon=True)
        thread.start()
        return thread


class Handler(BaseHTTPRequestHandler):
    server: HealthServer
    server_version = "worker"
    sys_version = ""

    def do_GET(self) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self.reply_json(
                HTTPStatus.OK,
                {
                    "status": "ok",
                    "job": state.job_id,
                    "uptime_seconds": round(time.monotonic() - state.started, 1),
                },
            )
        elif path == "/readyz":
            ready, checks = readiness(state, self.server.connection)
            status = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
            self.reply_json(status, {"status": "ok" if ready else "unavailable", "checks": checks})
        elif path == "/metrics":
            self.reply(HTTPStatus.OK, CONTENT_TYPE_LATEST, generate_latest(state.metrics.registry))
        else:
            self.reply_json(HTTPStatus.NOT_FOUND, {"error": "not found", "path": path})

    def reply_json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        self.reply(status, "application/json", json.dumps(body).encode())

    def reply(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)
