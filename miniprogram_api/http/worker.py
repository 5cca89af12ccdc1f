"""Grid-worker endpoints: my queue, the work on a case (start, progress, handle, escalate),
checking others' results, the patrol log and my figures. Every move is a cases service called
with the bound staff account as the actor."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import Body, FromPath, FromQuery

from backend import clock
from backend.http.deps import CurrentSettings
from grid.cases.calendar import TZ
from grid.cases.my_kpis import MyKpis, my_kpis
from grid.cases.services import queries, remarks, triage, work
from grid.cases.services.checks import cases_to_verify
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
    encode_cursor,
    offset_page,
)
from miniprogram_api.http.resident import NOTICE_EXAMPLE, NoticeOut, notice_page
from miniprogram_api.services import patrol

CHANNEL = Channel.miniprogram
CASE = "/worker/cases/{case_id:int}"


class NoteIn(msgspec.Struct):
    note: str
    photo_ids: list[int] = msgspec.field(default_factory=list)


class MpHandleIn(msgspec.Struct):
    note: str
    photo_ids: list[int] = msgspec.field(default_factory=list)
    version: int | None = None


class MpReasonIn(msgspec.Struct):
    reason: str
    version: int | None = None


class MpVerifyIn(msgspec.Struct):
    note: str = ""
    photo_ids: list[int] = msgspec.field(default_factory=list)
    version: int | None = None


class VisitIn(msgspec.Struct):
    note: str
    client_id: str
    household_id: int | None = None
    unit_id: int | None = None
    place: str = ""
    lon: float | None = None
    lat: float | None = None
    coord_system: str = "gcj02"
    photo_ids: list[int] = msgspec.field(default_factory=list)
    found_problem: bool = False
    visited_at: datetime | None = None


class VisitOut(msgspec.Struct):
    id: int
    unit_id: int
    household_id: int | None
    place: str
    note: str
    photo_ids: list[int]
    found_problem: bool
    visited_at: datetime


class KpisOut(msgspec.Struct):
    kpis: MyKpis
    patrols: int


def visit_out(row: dict[str, Any]) -> VisitOut:
    return VisitOut(
        row["id"],
        row["unit"],
        row["household"],
        row["place"],
        row["note"],
        list(row["photo_ids"] or []),
        row["found_problem"],
        row["visited_at"],
    )


VISIT_EXAMPLE = {
    "id": 14,
    "unit_id": 23,
    "household_id": 88,
    "place": "",
    "note": "走访独居老人，身体状况良好",
    "photo_ids": [],
    "found_problem": False,
    "visited_at": "2026-11-25T10:00:00+08:00",
}
KPI_EXAMPLE = {
    "kpis": {
        "start": "2026-11-01",
        "end": "2026-12-01",
        "handled": 12,
        "handled_on_time": {"numerator": 11, "denominator": 12, "percent": 91.67},
        "reworked": {"numerator": 1, "denominator": 12, "percent": 8.33},
        "verified": 5,
        "rated": 4,
        "mean_rating": 4.75,
        "open_now": 3,
        "overdue_now": 0,
    },
    "patrols": 40,
}


class WorkerController(Controller):
    path = "/"
    tags = ["mini-program: grid worker"]

    async def _full(self, principal: Any, case_id: int, settings: Any) -> CaseFull:
        me = principal.as_staff()
        return await full(await queries.case_detail(me, case_id), me, settings)

    @get(
        "/worker/queue",
        summary="我的待办 Open cases dispatched to me or my grids, nearest deadline first",
        responses=doc(CursorPage[CaseCard], {"items": [CARD_EXAMPLE], "next_cursor": None}),
    )
    async def queue(
        self,
        principal: CurrentPrincipal,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[CaseCard]:
        offset = decode_cursor(cursor, "o") or 0
        views, total = await queries.my_cases(
            principal.as_staff(), offset=offset, limit=check_limit(limit)
        )
        return offset_page([card(v) for v in views], offset, offset + len(views) < total)

    @get(
        "/worker/to-verify",
        summary="待核查 Handled cases in my scope I may verify (not my own work), oldest first",
        responses=doc(CursorPage[CaseCard], {"items": [CARD_EXAMPLE], "next_cursor": None}),
    )
    async def to_verify(
        self,
        principal: CurrentPrincipal,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[CaseCard]:
        offset = decode_cursor(cursor, "o") or 0
        views, total = await cases_to_verify(
            principal.as_staff(), offset=offset, limit=check_limit(limit)
        )
        return offset_page([card(v) for v in views], offset, offset + len(views) < total)

    @get(
        "/worker/notifications",
        summary="工作消息 Notifications to me, my units and departments, newest first",
        responses=doc(CursorPage[NoticeOut], {"items": [NOTICE_EXAMPLE], "next_cursor": None}),
    )
    async def notifications(
        self,
        principal: CurrentPrincipal,
        unread: FromQuery[bool] = False,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[NoticeOut]:
        return await notice_page(principal.as_staff(), unread, cursor, limit)

    @get(
        CASE,
        summary="事件详情 A case: photos, result, timeline and what I may do now",
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def detail(
        self, principal: CurrentPrincipal, settings: CurrentSettings, case_id: FromPath[int]
    ) -> CaseFull:
        return await self._full(principal, case_id, settings)

    @post(
        CASE + "/start",
        summary="接单 Accept: start the work",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def start(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[MpVersionIn, Body(examples=body_example({"version": 2}))],
    ) -> CaseFull:
        await work.start_case(principal.as_staff(), case_id, channel=CHANNEL, version=data.version)
        return await self._full(principal, case_id, settings)

    @post(
        CASE + "/notes",
        summary="进展 Add a progress note with photos (state unchanged)",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def note(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[
            NoteIn,
            Body(examples=body_example({"note": "已联系环卫，预计下午清运", "photo_ids": [503]})),
        ],
    ) -> CaseFull:
        await remarks.add_progress_note(
            principal.as_staff(),
            case_id,
            data.note,
            data.photo_ids,
            channel=CHANNEL,
            settings=settings,
        )
        return await self._full(principal, case_id, settings)

    @post(
        CASE + "/handle",
        summary="处置完成 Mark handled with the result note and photos",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def handle(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[
            MpHandleIn, Body(examples=body_example({"note": "已清运", "photo_ids": [502]}))
        ],
    ) -> CaseFull:
        await work.handle_case(
            principal.as_staff(),
            case_id,
            data.note,
            data.photo_ids,
            channel=CHANNEL,
            version=data.version,
        )
        return await self._full(principal, case_id, settings)

    @post(
        CASE + "/escalate",
        summary="上报上级 Ask the level above to take it, with a reason",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def escalate(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[
            MpReasonIn, Body(examples=body_example({"reason": "涉及违建，网格无法处置"}))
        ],
    ) -> CaseFull:
        await triage.escalate_case(
            principal.as_staff(), case_id, data.reason, channel=CHANNEL, version=data.version
        )
        return await self._full(principal, case_id, settings)

    @post(
        CASE + "/verify",
        summary="核查 Verify another's result (never your own)",
        status_code=200,
        responses=doc(CaseFull, FULL_EXAMPLE),
    )
    async def verify(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: Annotated[MpVerifyIn, Body(examples=body_example({"note": "现场已清理干净"}))],
    ) -> CaseFull:
        await work.verify_case(
            principal.as_staff(),
            case_id,
            note=data.note,
            photo_ids=data.photo_ids,
            channel=CHANNEL,
            version=data.version,
        )
        return await self._full(principal, case_id, settings)

    @post(
        "/worker/patrols",
        summary="巡查走访 Log a visit to a household or a place (201; same client_id: 200)",
        responses=doc(VisitOut, VISIT_EXAMPLE, status=201),
    )
    async def log_visit(
        self,
        principal: CurrentPrincipal,
        data: Annotated[
            VisitIn,
            Body(
                examples=body_example(
                    {
                        "household_id": 88,
                        "note": "走访独居老人，身体状况良好",
                        "client_id": "v-20261125-01",
                    }
                )
            ),
        ],
    ) -> Response[VisitOut]:
        row, created = await patrol.log_visit(
            principal.as_staff(), patrol.VisitDraft(**msgspec.structs.asdict(data))
        )
        return Response(visit_out(row), status_code=201 if created else 200)

    @get(
        "/worker/patrols",
        summary="我的走访 My patrol log, newest first (cursor pagination)",
        responses=doc(
            CursorPage[VisitOut], {"items": [VISIT_EXAMPLE], "next_cursor": "eyJiIjoxNH0"}
        ),
    )
    async def visits(
        self,
        principal: CurrentPrincipal,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[VisitOut]:
        limit = check_limit(limit)
        rows = await patrol.my_visits(
            principal.as_staff(), before_id=decode_cursor(cursor, "b"), limit=limit
        )
        following = encode_cursor(b=rows[-1]["id"]) if len(rows) == limit else None
        return CursorPage([visit_out(r) for r in rows], following)

    @get(
        "/worker/kpis",
        summary="我的绩效 My figures over [start, end) (default: this month so far)",
        responses=doc(KpisOut, KPI_EXAMPLE),
    )
    async def kpis(
        self,
        principal: CurrentPrincipal,
        start: FromQuery[date | None] = None,
        end: FromQuery[date | None] = None,
    ) -> KpisOut:
        me = principal.as_staff()
        today = clock.now().astimezone(TZ).date()
        start = start or today.replace(day=1)
        end = end or today + timedelta(days=1)
        figures = await my_kpis(me, start, end)
        since = datetime.combine(start, datetime.min.time(), TZ)
        until = datetime.combine(end, datetime.min.time(), TZ)
        return KpisOut(figures, await patrol.visits_count(me, since, until))
