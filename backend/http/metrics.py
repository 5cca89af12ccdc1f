"""``/metrics`` for Prometheus: this host's processes pooled, plus gauges read from the data."""

from __future__ import annotations

import functools
import hmac
import time
from typing import Any

from litestar import Request, Response, get

from backend import metrics
from backend.config import Settings

APP_NAME = "gridgov"
LABELS = ("method", "path", "status_code", "app_name")


@functools.cache
def _families() -> tuple[Any, Any, Any, Any]:
    """(requests, errors, duration, in progress), made on the first request: after
    ``backend.metrics.prepare`` chose multiprocess mode, as prometheus_client needs."""
    from prometheus_client import Counter, Gauge, Histogram

    return (
        Counter("gridgov_requests_total", "Total requests", LABELS),
        Counter("gridgov_requests_error_total", "Total errors in requests", LABELS),
        Histogram("gridgov_request_duration_seconds", "Request duration, in seconds", LABELS),
        Gauge(
            "gridgov_requests_in_progress",
            "Total requests currently in progress",
            LABELS,
            multiprocess_mode="livesum",
        ),
    )


@functools.cache
def _in_progress(method: str, path: str) -> Any:
    return _families()[3].labels(method, path, "200", APP_NAME)


@functools.cache
def _finished(method: str, path: str, status: int) -> tuple[Any, Any, Any | None]:
    """The series one answer adds to: (requests, duration, errors for a 5xx)."""
    requests, errors, duration, _ = _families()
    values = (method, path, str(status), APP_NAME)
    error = errors.labels(*values) if status >= 500 else None
    return requests.labels(*values), duration.labels(*values), error


class HttpMetricsMiddleware:
    """Requests by route template, method and status, their latency histogram and the number
    in progress (the series Litestar's ``PrometheusMiddleware`` writes, same names and labels).

    Pure ASGI, with the labelled series looked up once per route and status: Litestar's
    middleware built a ``Request``, label dicts and four ``labels()`` lookups per request, and
    with the request-id middleware it halved hello-world throughput (``bench/RESULTS.md``).
    Litestar runs app middleware after routing, so ``path_template`` is in the scope.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope.get("path_template", "")  # a template: never one series per id
        start = time.perf_counter()
        status = 500
        duration = 0.0

        async def send_timed(message: Any) -> None:
            nonlocal status, duration
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "http.response.body":
                duration = time.perf_counter() - start
            await send(message)

        in_progress = _in_progress(method, path)
        in_progress.inc()
        try:
            await self.app(scope, receive, send_timed)
        finally:
            in_progress.dec()
            requests, latency, error = _finished(method, path, status)
            requests.inc()
            latency.observe(duration)
            if error is not None:
                error.inc()


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
