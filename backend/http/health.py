"""Liveness and readiness for load balancers, compose and Kubernetes."""

from __future__ import annotations

from litestar import Response, get

from backend import db


@get("/healthz", summary="Liveness: the process answers", tags=["ops"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", summary="Readiness: database reachable and migrations applied", tags=["ops"])
async def readyz() -> Response[dict[str, object]]:
    if not await db.ping():
        return Response(
            {"status": "unready", "database": False, "pending_migrations": []}, status_code=503
        )
    pending = await db.pending_migrations()
    ready = not pending
    return Response(
        {"status": "ok" if ready else "unready", "database": True, "pending_migrations": pending},
        status_code=200 if ready else 503,
    )
