"""Probes and metrics: /healthz (liveness), /readyz (readiness: not shutting down, every
dependency answering) and /metrics (Prometheus text format)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from .state import ServiceState

router = APIRouter(tags=["operations"])


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(service_state)]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and its event loop answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """Ready for traffic: not draining, and every dependency answers in time."""
    checks: dict[str, str] = {}
    ready = not state.shutting_down
    if state.shutting_down:
        checks["shutdown"] = "draining"
    if state.database is not None:
        try:
            await asyncio.wait_for(asyncio.to_thread(state.database.ping), state.settings.db_timeout_seconds)
            checks["database"] = "ok"
        except Exception as error:  # any driver error means not ready
            ready = False
            checks["database"] = f"error: {type(error).__name__}: {error}"[:300]
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(state: State) -> Response:
    body, content_type = state.metrics.exposition()
    return Response(body, media_type=content_type)
