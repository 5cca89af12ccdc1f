"""Logs: one JSON object per line, each carrying the id of the request (or task) it belongs to.

A request id comes from the caller's ``X-Request-ID`` header (a proxy or client that already has
one) or is made here; it goes back in the response header, onto every log record written while
the request runs, and into the headers of every Celery task the request sends, so a worker's
log lines of that task carry the same id. One grep then follows a report from nginx through
the app into the escalation or delivery task it caused.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any

from backend.config import Settings

REQUEST_ID_HEADER = "x-request-id"
#: Name of the Celery message header that carries the id into a task.
TASK_HEADER = "gridgov_request_id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

request_id: ContextVar[str | None] = ContextVar("gridgov_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(raw: str | None) -> str:
    """The caller's id if it is a sane token (it ends up in logs), else a fresh one."""
    if raw and _VALID_ID.match(raw):
        return raw
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "{asctime}{levelname}{name}{process}{message}{request_id}",
        style="{",
        rename_fields={
            "asctime": "time",
            "levelname": "level",
            "name": "logger",
            "process": "pid",
        },
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        json_ensure_ascii=False,
    )


def text_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def logging_config(settings: Settings, level: str = "INFO") -> dict[str, Any]:
    """A ``dictConfig`` for the whole process; uvicorn takes it as ``log_config`` too, and
    applies it again in each worker process it spawns."""
    factory = "json_formatter" if settings.log_format == "json" else "text_formatter"
    formatter = {"()": f"backend.logs.{factory}"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "backend.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        # uvicorn's own loggers write through the root handler, not handlers of their own.
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery")
        },
    }


def configure_logging(settings: Settings, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(settings, level))


class RequestIdMiddleware:
    """Pure ASGI middleware (outermost): sets the id for the request and echoes it back."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope["headers"]:
            if name == _HEADER_BYTES:
                raw = value.decode("latin-1")
                break
        rid = accept_request_id(raw)
        token = request_id.set(rid)

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0] != _HEADER_BYTES]
                headers.append((_HEADER_BYTES, rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


def connect_celery_signals() -> None:
    """Carry the id from whoever sends a task into the worker that runs it."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_stamp_task, weak=False, dispatch_uid="gridgov-logs-publish")
    task_prerun.connect(_enter_task, weak=False, dispatch_uid="gridgov-logs-prerun")
    task_postrun.connect(_leave_task, weak=False, dispatch_uid="gridgov-logs-postrun")


def _stamp_task(headers: dict[str, Any] | None = None, **_: Any) -> None:
    rid = request_id.get()
    if headers is not None and rid and TASK_HEADER not in headers:
        headers[TASK_HEADER] = rid


def _enter_task(task: Any = None, task_id: str | None = None, **_: Any) -> None:
    rid = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if rid is None and task is not None:
        rid = (task.request.headers or {}).get(TASK_HEADER)
    # A task sent by beat or a shell has no request: its own id stands in.
    request_id.set(rid or task_id)


def _leave_task(**_: Any) -> None:
    request_id.set(None)
