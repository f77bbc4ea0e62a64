"""Entry point: `python -m PACKAGE` serves the API under uvicorn with JSON logs and a
graceful shutdown; `python -m PACKAGE healthcheck` probes a running instance (the
container's HEALTHCHECK)."""

from __future__ import annotations

import logging
import sys
import threading
import urllib.request
from types import FrameType

import uvicorn
from pydantic import ValidationError

from . import logs
from .app import create_app
from .config import Settings
from .state import ServiceState

log = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    """uvicorn, draining first: on SIGTERM /readyz answers 503 for `drain_delay`
    seconds while requests are still served, then uvicorn stops accepting connections
    and waits up to `shutdown_timeout` for the requests in flight. A second signal
    stops at once."""

    def __init__(self, config: uvicorn.Config, state: ServiceState) -> None:
        super().__init__(config)
        self.state = state

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        delay = self.state.settings.drain_delay
        if self.state.shutting_down or delay <= 0:
            self.state.shutting_down = True
            super().handle_exit(sig, frame)
            return
        self.state.shutting_down = True
        log.info("draining before shutdown", extra={"signal": sig, "seconds": delay})
        timer = threading.Timer(delay, super().handle_exit, args=(sig, frame))
        timer.daemon = True
        timer.start()


def healthcheck(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"invalid configuration:\n{error}", file=sys.stderr)
        return 2
    if args[:1] == ["healthcheck"]:
        return healthcheck(settings.port)
    logs.configure(settings.log_level)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="0.0.0.0",  # inside the container; the network policy limits who connects
        port=settings.port,
        log_config=logs.log_config(settings.log_level),
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout),
    )
    GracefulServer(config, app.state.service).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
