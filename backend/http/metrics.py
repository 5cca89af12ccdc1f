"""``/metrics`` for Prometheus: this host's processes pooled, plus gauges read from the data."""

from __future__ import annotations

import hmac

from litestar import Request, Response, get
from litestar.middleware.base import DefineMiddleware

from backend import metrics
from backend.config import Settings


def http_metrics_middleware() -> DefineMiddleware:
    """Requests by route template, method and status, and their latency histogram.

    Litestar's middleware creates its metrics on the first request, after
    ``backend.metrics.prepare`` chose multiprocess mode."""
    from litestar.plugins.prometheus import PrometheusConfig

    return PrometheusConfig(app_name="gridgov", prefix="gridgov", group_path=True).middleware


@get(
    "/metrics",
    summary="Prometheus metrics (Bearer GRIDGOV_METRICS_TOKEN when that is set)",
    tags=["ops"],
    media_type="text/plain",
)
async def metrics_endpoint(request: Request) -> Response[bytes]:
    settings: Settings = request.app.state.settings
    if settings.metrics_token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            return Response(
                b"metrics need a bearer token\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": "Bearer"},
            )
    body, content_type = await metrics.scrape(settings)
    return Response(body, media_type=content_type)
