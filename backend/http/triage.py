"""Triage for centers: work queues and bulk actions with a result per case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.errors import DomainError, invalid
from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from backend.i18n import ZH, pick_language, translate
from grid.actors import Actor
from grid.cases.calendar import Light
from grid.cases.services import triage
from grid.cases.services.queries import CaseView
from grid.cases.services.queues import Queue, check_queue, triage_queue
from grid.cases.tables import AssigneeKind, Channel
from grid.tables import Level

MAX_BULK = 200
BULK_ACTIONS = ("file", "reject", "claim", "dispatch", "send_down", "merge", "close")


class BulkIn(msgspec.Struct):
    action: str
    case_ids: list[int]
    reason: str = ""
    into_case_id: int | None = None
    kind: AssigneeKind | None = None
    target_id: int | None = None
    unit_id: int | None = None
    deadline_at: datetime | None = None


class BulkItem(msgspec.Struct):
    case_id: int
    ok: bool
    state: str | None = None
    code: str | None = None
    message: str | None = None


async def _one(actor: Actor, data: BulkIn, case_id: int) -> dict[str, Any]:
    c = Channel.console
    if data.action == "file":
        return await triage.file_case(actor, case_id, channel=c)
    if data.action == "reject":
        return await triage.reject_case(actor, case_id, data.reason, channel=c)
    if data.action == "claim":
        return await triage.claim_case(actor, case_id, channel=c)
    if data.action == "close":
        return await triage.close_case(actor, case_id, reason=data.reason, channel=c)
    if data.action == "merge":
        if data.into_case_id is None:
            raise invalid("into_case_id", "required for merge")
        return await triage.merge_case(
            actor, case_id, data.into_case_id, reason=data.reason, channel=c
        )
    if data.action == "send_down":
        if data.unit_id is None:
            raise invalid("unit_id", "required for send_down")
        return await triage.send_down_case(
            actor, case_id, data.unit_id, reason=data.reason, channel=c
        )
    if data.kind is None or data.target_id is None:
        raise invalid("kind, target_id", "required for dispatch")
    return await triage.dispatch_case(
        actor,
        case_id,
        kind=data.kind,
        target_id=data.target_id,
        deadline_at=data.deadline_at,
        reason=data.reason,
        channel=c,
    )


class TriageController(Controller):
    path = "/api/v1/triage"
    tags = ["triage"]

    @get("/queues/{queue:str}", summary="Work queues: new, escalated (to my units), overdue, open")
    async def queue(
        self,
        actor: CurrentActor,
        queue: FromPath[str],
        category_id: FromQuery[int | None] = None,
        unit_id: FromQuery[int | None] = None,
        light: FromQuery[Light | None] = None,
        level: FromQuery[Level | None] = None,
        channel: FromQuery[Channel | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[CaseView]:
        offset, limit = check_page(page, page_size)
        views, total = await triage_queue(
            actor,
            check_queue(queue),
            category_id=category_id,
            unit_id=unit_id,
            light=light,
            level=level,
            channel=channel,
            offset=offset,
            limit=limit,
        )
        return Page(views, total, page, page_size)

    @post(
        "/bulk",
        summary="One action on many cases; a result (or the refusal) per case",
        status_code=200,
    )
    async def bulk(
        self, actor: CurrentActor, request: Request[Any, Any, Any], data: JSONBody[BulkIn]
    ) -> list[BulkItem]:
        if data.action not in BULK_ACTIONS:
            raise invalid("action", ", ".join(BULK_ACTIONS))
        if not 1 <= len(data.case_ids) <= MAX_BULK:
            raise invalid("case_ids", f"1–{MAX_BULK} ids")
        settings = getattr(request.app.state, "settings", None)
        language = pick_language(
            request.headers.get("accept-language"), settings.default_language if settings else ZH
        )
        items: list[BulkItem] = []
        for case_id in dict.fromkeys(data.case_ids):
            try:
                row = await _one(actor, data, case_id)
            except DomainError as exc:
                message = translate(exc.code, language, exc.data)
                items.append(BulkItem(case_id, False, code=str(exc.code), message=message))
                continue
            items.append(BulkItem(case_id, True, state=row["state"]))
        return items


__all__ = ["Queue", "TriageController"]
