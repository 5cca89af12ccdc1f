"""Cases over HTTP: report, read (with history), every move, my cases, duplicate suggestions.

Thin: each handler calls one service of ``grid.cases.services``; scope, roles and states are
checked there, the same for the bots and the mini-program.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor, CurrentSettings
from backend.http.pagination import Page, check_page
from grid.cases.services import queries, triage, work
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.services.queries import CaseDetail, CaseView, Duplicate
from grid.cases.tables import AssigneeKind, Channel, Severity

CHANNEL = Channel.console


class ReportIn(msgspec.Struct):
    category_id: int
    description: str
    client_id: str
    lon: float | None = None
    lat: float | None = None
    coord_system: str = "wgs84"
    house_unit_id: int | None = None
    unit_id: int | None = None
    address: str = ""
    photo_ids: list[int] = msgspec.field(default_factory=list)
    severity: Severity = Severity.normal
    channel: Channel = Channel.console


class VersionIn(msgspec.Struct):
    version: int | None = None


class ReasonIn(msgspec.Struct):
    reason: str
    version: int | None = None


class OptionalReasonIn(msgspec.Struct):
    reason: str = ""
    version: int | None = None


class MergeIn(msgspec.Struct):
    into_case_id: int
    reason: str = ""
    version: int | None = None


class DispatchIn(msgspec.Struct):
    kind: AssigneeKind
    target_id: int
    deadline_at: datetime | None = None
    reason: str = ""
    version: int | None = None


class SendDownIn(msgspec.Struct):
    unit_id: int
    reason: str = ""
    version: int | None = None


class HandleIn(msgspec.Struct):
    note: str
    photo_ids: list[int] = msgspec.field(default_factory=list)
    version: int | None = None


class VerifyIn(msgspec.Struct):
    note: str = ""
    photo_ids: list[int] = msgspec.field(default_factory=list)
    version: int | None = None


class EvaluateIn(msgspec.Struct):
    rating: int
    comment: str = ""
    version: int | None = None


ID = "/{case_id:int}"


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

    @post(
        "/",
        summary="Report a case (same client_id → the same case: 201 new, 200 already made)",
    )
    async def report(
        self, actor: CurrentActor, settings: CurrentSettings, data: JSONBody[ReportIn]
    ) -> Response[CaseView]:
        draft = ReportDraft(**msgspec.structs.asdict(data))
        result = await report_case(actor, draft, settings=settings)
        view = await queries.case_view(result.case)
        return Response(view, status_code=201 if result.created else 200)

    @get("/mine", summary="Open cases dispatched to me, my units or departments; or reported by me")
    async def mine(
        self,
        actor: CurrentActor,
        reported: FromQuery[bool] = False,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[CaseView]:
        offset, limit = check_page(page, page_size)
        views, total = await queries.my_cases(actor, reported=reported, offset=offset, limit=limit)
        return Page(views, total, page, page_size)

    @get(ID, summary="A case with its full history and the actions I may take now")
    async def detail(
        self, actor: CurrentActor, settings: CurrentSettings, case_id: FromPath[int]
    ) -> CaseDetail:
        return await queries.case_detail(actor, case_id, settings=settings)

    @get(ID + "/duplicates", summary="Possible duplicates: same category, radius and time window")
    async def duplicates(self, actor: CurrentActor, case_id: FromPath[int]) -> list[Duplicate]:
        return await queries.duplicate_suggestions(actor, case_id)

    async def _view(self, row: dict[str, object]) -> CaseView:
        return await queries.case_view(row)

    @post(ID + "/file", summary="立案 File", status_code=200)
    async def file(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[VersionIn]
    ) -> CaseView:
        return await self._view(
            await triage.file_case(actor, case_id, channel=CHANNEL, version=data.version)
        )

    @post(ID + "/reject", summary="不予立案 Reject with a reason", status_code=200)
    async def reject(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> CaseView:
        row = await triage.reject_case(
            actor, case_id, data.reason, channel=CHANNEL, version=data.version
        )
        return await self._view(row)

    @post(ID + "/merge", summary="合并 Merge into another case (a duplicate)", status_code=200)
    async def merge(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[MergeIn]
    ) -> CaseView:
        row = await triage.merge_case(
            actor,
            case_id,
            data.into_case_id,
            reason=data.reason,
            channel=CHANNEL,
            version=data.version,
        )
        return await self._view(row)

    @post(ID + "/claim", summary="认领 Claim from a triage queue", status_code=200)
    async def claim(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[VersionIn]
    ) -> CaseView:
        return await self._view(
            await triage.claim_case(actor, case_id, channel=CHANNEL, version=data.version)
        )

    @post(
        ID + "/dispatch", summary="派遣 Dispatch to a unit, department or person", status_code=200
    )
    async def dispatch(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[DispatchIn]
    ) -> CaseView:
        row = await triage.dispatch_case(
            actor,
            case_id,
            kind=data.kind,
            target_id=data.target_id,
            deadline_at=data.deadline_at,
            reason=data.reason,
            channel=CHANNEL,
            version=data.version,
        )
        return await self._view(row)

    @post(ID + "/send-down", summary="下派 Send down to a lower unit", status_code=200)
    async def send_down(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[SendDownIn]
    ) -> CaseView:
        row = await triage.send_down_case(
            actor, case_id, data.unit_id, reason=data.reason, channel=CHANNEL, version=data.version
        )
        return await self._view(row)

    @post(ID + "/escalate", summary="上报上级 Escalate with a reason", status_code=200)
    async def escalate(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> CaseView:
        row = await triage.escalate_case(
            actor, case_id, data.reason, channel=CHANNEL, version=data.version
        )
        return await self._view(row)

    @post(ID + "/start", summary="开始处置 Start the work", status_code=200)
    async def start(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[VersionIn]
    ) -> CaseView:
        return await self._view(
            await work.start_case(actor, case_id, channel=CHANNEL, version=data.version)
        )

    @post(ID + "/handle", summary="处置完成 Report the result (note, photos)", status_code=200)
    async def handle(
        self,
        actor: CurrentActor,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: JSONBody[HandleIn],
    ) -> CaseView:
        row = await work.handle_case(
            actor,
            case_id,
            data.note,
            data.photo_ids,
            channel=CHANNEL,
            version=data.version,
            settings=settings,
        )
        return await self._view(row)

    @post(ID + "/verify", summary="核查 Verify (not by the handler)", status_code=200)
    async def verify(
        self,
        actor: CurrentActor,
        settings: CurrentSettings,
        case_id: FromPath[int],
        data: JSONBody[VerifyIn],
    ) -> CaseView:
        row = await work.verify_case(
            actor,
            case_id,
            note=data.note,
            photo_ids=data.photo_ids,
            channel=CHANNEL,
            version=data.version,
            settings=settings,
        )
        return await self._view(row)

    @post(ID + "/confirm", summary="确认 The reporter confirms the result", status_code=200)
    async def confirm(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[VersionIn]
    ) -> CaseView:
        return await self._view(
            await work.confirm_case(actor, case_id, channel=CHANNEL, version=data.version)
        )

    @post(ID + "/rework", summary="返工 Send back for rework with a reason", status_code=200)
    async def rework(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> CaseView:
        row = await work.rework_case(
            actor, case_id, data.reason, channel=CHANNEL, version=data.version
        )
        return await self._view(row)

    @post(ID + "/close", summary="结案 Close", status_code=200)
    async def close(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[OptionalReasonIn]
    ) -> CaseView:
        row = await triage.close_case(
            actor, case_id, reason=data.reason, channel=CHANNEL, version=data.version
        )
        return await self._view(row)

    @post(ID + "/evaluate", summary="评价 The reporter rates the result, 1–5", status_code=200)
    async def evaluate(
        self, actor: CurrentActor, case_id: FromPath[int], data: JSONBody[EvaluateIn]
    ) -> CaseView:
        row = await work.evaluate_case(
            actor, case_id, data.rating, data.comment, channel=CHANNEL, version=data.version
        )
        return await self._view(row)
