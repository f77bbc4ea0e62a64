"""The FastAPI application: create_app(settings) wires configuration, the database,
metrics, logging of each request, and the routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import SERVICE, __version__, health
from .config import Settings
from .db import Database
from .metrics import MetricsMiddleware
from .routes import items
from .state import ServiceState

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    state = ServiceState(settings=settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.database_url:
            state.database = Database(settings.database_url, settings.db_pool_size)
            if settings.migrate_on_start:
                await asyncio.to_thread(state.database.migrate)
        log.info("started", extra={"version": __version__, "database": state.database is not None})
        try:
            yield
        finally:
            if state.database is not None:
                state.database.close()
            log.info("stopped")

    app = FastAPI(title=SERVICE, version=__version__, lifespan=lifespan)
    app.state.service = state
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    app.include_router(health.router)
    app.include_router(items.router)

    @app.get("/", tags=["operations"])
    async def root() -> dict[str, str]:
        return {"service": SERVICE, "version": __version__}

    return app
