"""Resident endpoints: categories, photos, reporting, my reports, checking and rating the
result, notifications. Each calls the cases/media services with the resident as the actor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import Body, FromPath, FromQuery

from backend.http.deps import CurrentSettings
from grid.actors import Actor
from grid.cases.services import outbox, queries, remarks, work
from grid.cases.services.categories import list_categories
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.services.outbox import NotificationView
from grid.cases.tables import Channel
from miniprogram_api.http.cases_out import (
    CARD_EXAMPLE,
    FULL_EXAMPLE,
    CaseCard,
    CaseFull,
    card,
    full,
)
from miniprogram_api.http.common import (
    CurrentPrincipal,
    CursorPage,
    MpVersionIn,
    body_example,
    check_limit,
    decode_cursor,
    doc,
    offset_page,
)

CHANNEL = Channel.miniprogram
ID = "/{case_id:int}"


class CategoryLeaf(msgspec.Struct):
    id: int
    code: str
    name: str


class CategoryGroup(msgspec.Struct):
    id: int
    code: str
    name: str
    children: list[CategoryLeaf]


class MpReportIn(msgspec.Struct):
    category_id: int
    description: str
    #: Made by the phone once per report; a retry with it returns the same case (200).
    client_id: str
    lon: float | None = None
    lat: float | None = None
    #: wx.getLocation gives gcj02 (the default here); wgs84 is accepted too.
    coord_system: str = "gcj02"
    house_unit_id: int | None = None
    address: str = ""
    photo_ids: list[int] = msgspec.field(default_factory=list)


class ObjectionIn(msgspec.Struct):
    reason: str


class RateIn(msgspec.Struct):
    rating: int
    comment: str = ""
    version: int | None = None


class NoticeOut(msgspec.Struct):
    id: int
    kind: str
    case_id: int | None
    text: str
    created_at: datetime
    read: bool


def notice_out(v: NotificationView) -> NoticeOut:
    text = str(v.payload.get("text", ""))
    return NoticeOut(v.id, v.kind, v.case_id, text, v.created_at, v.read_at is not None)


async def notice_page(
    actor: Actor, unread: bool, cursor: str | None, limit: int
) -> CursorPage[NoticeOut]:
    """The caller's notifications as a cursor page — the same for residents and workers."""
    offset = decode_cursor(cursor, "o") or 0
    views, total = await outbox.my_notifications(
        actor, unread_only=unread, offset=offset, limit=check_limit(limit)
    )
    return offset_page([notice_out(v) for v in views], offset, offset + len(views) < total)


REPORT_EXAMPLE = {
    "category_id": 3,
    "description": "小区门口有一堆垃圾",
    "client_id": "c8a1f0e2-6a51-4b0e-9a4e-5f3f0b7a9d11",
    "lon": 106.5412,
    "lat": 29.5871,
    "coord_system": "gcj02",
    "address": "寸滩家园3栋旁",
    "photo_ids": [501],
}
NOTICE_EXAMPLE = {
    "id": 9,
    "kind": "case.handled",
    "case_id": 42,
    "text": "您上报的事件已处置，请确认",
    "created_at": "2026-11-25T11:00:00+08:00",
    "read": False,
}


class ResidentController(Controller):
    path = "/"
    tags = ["mini-program: resident"]

    @get(
        "/categories",
        summary="事件类别 Category picker: major categories with their subcategories",
        responses=doc(
            list[CategoryGroup],
            [
                {
                    "id": 1,
                    "code": "01",
                    "name": "市容环境",
                    "children": [{"id": 3, "code": "0101", "name": "暴露垃圾"}],
                }
            ],
        ),
    )
    async def categories(self, principal: CurrentPrincipal) -> list[CategoryGroup]:
        actor = principal.resident or principal.as_staff()
        views = await list_categories(actor)
        groups = {v.id: CategoryGroup(v.id, v.code, v.name, []) for v in views if v.is_major}
        for v in views:
            if v.parent_id in groups:
                groups[v.parent_id].children.append(CategoryLeaf(v.id, v.code, v.name))
        return [g for g in groups.values() if g.children]

    @post(
        "/reports",
        summary="随手拍 Report a case (201 new; the same client_id again: 200 and the same case)",
        responses=doc(CaseCard, CARD_EXAMPLE, status=201),
    )
    async def report(
        self,
        principal: CurrentPrincipal,
        data: Annotated[MpReportIn, Body(examples=body_example(REPORT_EXAMPLE))],
    ) -> Response[CaseCard]:
        draft = ReportDraft(channel=CHANNEL, **msgspec.structs.asdict(data))
        result = await report_case(principal.as_resident(), draft)
        view = await queries.case_view(result.case)
        return Response(card(view), status_code=201 if result.created else 200)

    @get(
        "/reports",
        summary="我的上报 My reports, newest first (cursor pagination)",
        responses=doc(
            CursorPage[CaseCard], {"items": [CARD_EXAMPLE], "next_cursor": "eyJvIjoyMH0"}
        ),
    )
    async def my_reports(
        self,
        principal: CurrentPrincipal,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[CaseCard]:
        offset = decode_cursor(cursor, "o") or 0
        views, total = await queries.my_cases(
            principal.as_resident(), reported=True, offset=offset, limit=check_limit(limit)
        )
        return offset_page([card(v) for v in views], offset, offset + len(views) < total)

    @get(
        "/reports" + ID,
        summary="上报详情 One of my reports: photos, result and the status timeline",
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def report_detail(
        self, principal: CurrentPrincipal, settings: CurrentSettings, case_id: FromPath[int]
    ) -> CaseFull:
        me = principal.as_resident()
        return await full(await queries.case_detail(me, case_id), me, settings)

    async def _after(self, me: Any, case_id: int, settings: Any) -> CaseFull:
        return await full(await queries.case_detail(me, case_id), me, settings)

    @post(
        "/reports" + ID + "/confirm",
        summary="确认结果 Confirm the handled result (counts as the verification)",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def confirm(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[MpVersionIn, Body(examples=body_example({"version": 5}))],
    ) -> CaseFull:
        me = principal.as_resident()
        await work.confirm_case(me, case_id, channel=CHANNEL, version=data.version)
        return await self._after(me, case_id, settings)

    @post(
        "/reports" + ID + "/reject",
        summary="不满意 Object to the handled result with a reason (staff decide on rework)",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def reject(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[ObjectionIn, Body(examples=body_example({"reason": "垃圾还在，没有清运"}))],
    ) -> CaseFull:
        me = principal.as_resident()
        await remarks.raise_objection(me, case_id, data.reason, channel=CHANNEL)
        return await self._after(me, case_id, settings)

    @post(
        "/reports" + ID + "/rate",
        summary="评价 Rate the result 1–5 once the case is closed",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def rate(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[
            RateIn, Body(examples=body_example({"rating": 5, "comment": "处理很及时"}))
        ],
    ) -> CaseFull:
        me = principal.as_resident()
        await work.evaluate_case(
            me, case_id, data.rating, data.comment, channel=CHANNEL, version=data.version
        )
        return await self._after(me, case_id, settings)

    @get(
        "/notifications",
        summary="消息 My notifications, newest first (cursor pagination)",
        responses=doc(CursorPage[NoticeOut], {"items": [NOTICE_EXAMPLE], "next_cursor": None}),
    )
    async def notifications(
        self,
        principal: CurrentPrincipal,
        unread: FromQuery[bool] = False,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[NoticeOut]:
        return await notice_page(principal.as_resident(), unread, cursor, limit)

    @post(
        "/notifications/{notification_id:int}/read",
        summary="标为已读 Mark a notification read",
        status_code=204,
        responses=doc(None, None, status=204),
    )
    async def read(self, principal: CurrentPrincipal, notification_id: FromPath[int]) -> None:
        await outbox.mark_read(principal.as_resident(), notification_id)
