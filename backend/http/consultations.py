"""Consultations and owners' voting over HTTP, for staff (residents vote in the mini-program).

Thin: each handler parses, calls one service of ``community.services`` and shapes the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor, CurrentSettings
from backend.http.pagination import Page, check_page
from community.phases import Phase
from community.rules import Choice, centi_to_m2
from community.services import ballots, discussion, matters, roll, tally
from community.tables import BallotChannel, CommentKind, MatterKind, PollUnit, ScopeKind


class MatterIn(msgspec.Struct):
    title: str
    body: str
    kind: MatterKind
    scope_kind: ScopeKind
    unit_id: int
    building: str = ""
    house_unit_ids: list[int] = []
    poll_unit: PollUnit | None = None
    art278_item: int | None = None
    seats: int | None = None
    candidates: list[str] = []
    allow_change: bool = False
    notice_days: int = 7
    attachment_ids: list[int] = []


class CandidateOut(msgspec.Struct):
    id: int
    name: str
    intro: str


class PhaseEventOut(msgspec.Struct):
    action: str
    from_phase: str | None
    to_phase: str
    actor_kind: str
    actor_id: str
    actor_name: str
    reason: str
    at: datetime


class MatterOut(msgspec.Struct):
    id: int
    title: str
    body: str
    kind: MatterKind
    phase: Phase
    scope_kind: ScopeKind
    unit_id: int
    building: str
    house_unit_ids: list[int]
    poll_unit: PollUnit | None
    art278_item: int | None
    seats: int | None
    allow_change: bool
    version: int
    notice_days: int
    attachment_ids: list[int]
    voting_opens_at: datetime | None
    voting_closes_at: datetime | None
    roll_frozen_at: datetime | None
    roll_count: int
    roll_area: str
    passed: bool | None
    chain_head: str
    chain_length: int
    result: dict[str, Any] | None
    candidates: list[CandidateOut]
    history: list[PhaseEventOut]


class MatterBrief(msgspec.Struct):
    id: int
    title: str
    kind: MatterKind
    phase: Phase
    unit_id: int
    voting_closes_at: datetime | None
    passed: bool | None


class ReviseIn(msgspec.Struct):
    title: str
    body: str
    change_note: str = ""
    attachment_ids: list[int] = []


class VersionOut(msgspec.Struct):
    number: int
    title: str
    body: str
    change_note: str
    attachment_ids: list[int]
    created_at: datetime


class MoveIn(msgspec.Struct):
    reason: str = ""


class OpenVotingIn(msgspec.Struct):
    closes_at: datetime
    reason: str = ""


class PaperBallotIn(msgspec.Struct):
    roll_entry_id: int
    choice: Choice | None = None
    approvals: list[int] = []
    channel: BallotChannel = BallotChannel.paper
    scan_photo_id: int | None = None
    proxy_photo_id: int | None = None


class ReceiptOut(msgspec.Struct):
    matter_id: int
    receipt: str
    choice: Choice | None
    approvals: list[int]
    channel: BallotChannel
    ballot_no: int
    at: datetime


class VerificationOut(msgspec.Struct):
    ok: bool
    length: int
    head: str
    pending: int
    first_bad_seq: int | None
    reason: str


class CommentIn(msgspec.Struct):
    body: str
    kind: CommentKind = CommentKind.comment
    parent_id: int | None = None


class HideIn(msgspec.Struct):
    reason: str


class CommentOut(msgspec.Struct):
    id: int
    matter_id: int
    parent_id: int | None
    kind: CommentKind
    version: int
    body: str
    author_kind: str
    author_name: str
    official: bool
    likes: int
    hidden: bool
    hidden_reason: str
    created_at: datetime


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def matter_out(m: dict[str, Any]) -> MatterOut:
    return MatterOut(
        id=m["id"],
        title=m["title"],
        body=m["body"],
        kind=m["kind"],
        phase=m["phase"],
        scope_kind=m["scope_kind"],
        unit_id=m["unit"],
        building=m["building"],
        house_unit_ids=_json(m["house_unit_ids"]) or [],
        poll_unit=m["poll_unit"],
        art278_item=m["art278_item"],
        seats=m["seats"],
        allow_change=m["allow_change"],
        version=m["version"],
        notice_days=m["notice_days"],
        attachment_ids=_json(m["attachment_ids"]) or [],
        voting_opens_at=m["voting_opens_at"],
        voting_closes_at=m["voting_closes_at"],
        roll_frozen_at=m["roll_frozen_at"],
        roll_count=m["roll_count"],
        roll_area=str(centi_to_m2(m["roll_area_centi"])),
        passed=m["passed"],
        chain_head=m["chain_head"],
        chain_length=m["chain_length"],
        result=_json(m["result"]),
        candidates=[CandidateOut(c["id"], c["name"], c["intro"]) for c in m["candidates"]],
        history=[msgspec.convert(h, PhaseEventOut, from_attributes=False) for h in m["history"]],
    )


def comment_out(c: dict[str, Any]) -> CommentOut:
    return CommentOut(
        id=c["id"],
        matter_id=c["matter"],
        parent_id=c["parent"],
        kind=c["kind"],
        version=c["version"],
        body=c["body"],
        author_kind=c["author_kind"],
        author_name=c["author_name"],
        official=c["official"],
        likes=c["likes"],
        hidden=c["hidden"],
        hidden_reason=c["hidden_reason"],
        created_at=c["created_at"],
    )


class ConsultationController(Controller):
    path = "/api/v1/matters"
    tags = ["consultations"]

    @get("/", summary="Matters in my scope, newest first")
    async def list_matters(
        self,
        actor: CurrentActor,
        phase: FromQuery[Phase | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[MatterBrief]:
        offset, limit = check_page(page, page_size)
        rows, total = await matters.list_matters(actor, phase=phase, offset=offset, limit=limit)
        items = [
            MatterBrief(
                r["id"],
                r["title"],
                r["kind"],
                r["phase"],
                r["unit"],
                r["voting_closes_at"],
                r["passed"],
            )
            for r in rows
        ]
        return Page(items, total, page, page_size)

    @post("/", summary="Draft a matter (opinion poll, owners' decision, committee election)")
    async def create_matter(
        self, actor: CurrentActor, settings: CurrentSettings, data: JSONBody[MatterIn]
    ) -> MatterOut:
        draft = matters.MatterDraft(**msgspec.structs.asdict(data))
        return matter_out(await matters.create_matter(actor, draft, settings=settings))

    @get("/{matter_id:int}", summary="One matter: current text, candidates, phase history, result")
    async def get_matter(self, actor: CurrentActor, matter_id: FromPath[int]) -> MatterOut:
        return matter_out(await matters.get_matter(actor, matter_id))

    @get("/{matter_id:int}/versions", summary="Every text version, oldest first")
    async def versions(self, actor: CurrentActor, matter_id: FromPath[int]) -> list[VersionOut]:
        rows = await matters.list_versions(actor, matter_id)
        return [
            VersionOut(
                v["number"],
                v["title"],
                v["body"],
                v["change_note"],
                _json(v["attachment_ids"]) or [],
                v["created_at"],
            )
            for v in rows
        ]

    @post(
        "/{matter_id:int}/revise",
        summary="Revise the text (draft or discussion); kept as a version",
    )
    async def revise(
        self,
        actor: CurrentActor,
        settings: CurrentSettings,
        matter_id: FromPath[int],
        data: JSONBody[ReviseIn],
    ) -> MatterOut:
        row = await matters.revise_matter(
            actor,
            matter_id,
            title=data.title,
            body=data.body,
            change_note=data.change_note,
            attachment_ids=data.attachment_ids,
            settings=settings,
        )
        return matter_out(row)

    @post("/{matter_id:int}/publish", summary="Publish the notice (公示)")
    async def publish(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[MoveIn]
    ) -> MatterOut:
        return matter_out(await matters.publish_matter(actor, matter_id, data.reason))

    @post("/{matter_id:int}/open-discussion", summary="Open the discussion")
    async def open_discussion(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[MoveIn]
    ) -> MatterOut:
        return matter_out(await matters.open_discussion(actor, matter_id, data.reason))

    @post("/{matter_id:int}/withdraw", summary="Withdraw before voting opens, with a reason")
    async def withdraw(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[MoveIn]
    ) -> MatterOut:
        return matter_out(await matters.withdraw_matter(actor, matter_id, data.reason))

    @post("/{matter_id:int}/open-voting", summary="Open voting until closes_at; freezes the roll")
    async def open_voting(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[OpenVotingIn]
    ) -> MatterOut:
        return matter_out(await roll.open_voting(actor, matter_id, data.closes_at, data.reason))

    @post("/{matter_id:int}/close-voting", summary="After the window: seal, verify and tally")
    async def close_voting(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[MoveIn]
    ) -> MatterOut:
        return matter_out(await tally.close_voting(actor, matter_id, data.reason))

    @post("/{matter_id:int}/publish-result", summary="Publish the result with the chain head")
    async def publish_result(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[MoveIn]
    ) -> MatterOut:
        return matter_out(await tally.publish_result(actor, matter_id, data.reason))

    @get("/{matter_id:int}/roll", summary="The frozen roll: totals and masked entries")
    async def roll(
        self,
        actor: CurrentActor,
        matter_id: FromPath[int],
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 100,
    ) -> dict[str, Any]:
        offset, limit = check_page(page, page_size)
        return await roll.roll_entries(actor, matter_id, offset=offset, limit=limit)

    @post("/{matter_id:int}/paper-ballots", summary="Enter a paper ballot (with scan) or a proxy's")
    async def paper_ballot(
        self,
        actor: CurrentActor,
        settings: CurrentSettings,
        matter_id: FromPath[int],
        data: JSONBody[PaperBallotIn],
    ) -> ReceiptOut:
        r = await ballots.enter_paper_ballot(
            actor,
            matter_id,
            data.roll_entry_id,
            data.choice,
            data.approvals,
            channel=data.channel,
            scan_photo_id=data.scan_photo_id,
            proxy_photo_id=data.proxy_photo_id,
            settings=settings,
        )
        return ReceiptOut(r.matter_id, r.shown, r.choice, r.approvals, r.channel, r.ballot_no, r.at)

    @get(
        "/{matter_id:int}/ballot-list",
        summary="Published list: masked unit, choice, receipt, hashes",
    )
    async def ballot_list(
        self,
        actor: CurrentActor,
        matter_id: FromPath[int],
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 200,
    ) -> dict[str, Any]:
        offset, limit = check_page(page, page_size)
        return await tally.published_list(actor, matter_id, offset=offset, limit=limit)

    @get("/{matter_id:int}/receipts/{receipt:str}", summary="Was this receipt's ballot counted?")
    async def receipt(
        self, actor: CurrentActor, matter_id: FromPath[int], receipt: FromPath[str]
    ) -> dict[str, Any]:
        return await tally.verify_receipt(actor, matter_id, receipt)

    @get("/{matter_id:int}/chain", summary="Verify the whole ballot chain and current ballots")
    async def chain(self, actor: CurrentActor, matter_id: FromPath[int]) -> VerificationOut:
        v = await tally.verify_chain(actor, matter_id)
        return VerificationOut(v.ok, v.length, v.head, v.pending, v.first_bad_seq, v.reason)

    @get(
        "/{matter_id:int}/comments", summary="Comments and suggestions (hidden ones for moderators)"
    )
    async def comments(self, actor: CurrentActor, matter_id: FromPath[int]) -> list[CommentOut]:
        return [comment_out(c) for c in await discussion.list_comments(actor, matter_id)]

    @post(
        "/{matter_id:int}/comments",
        summary="Comment, suggest or reply (staff replies are official)",
    )
    async def comment(
        self, actor: CurrentActor, matter_id: FromPath[int], data: JSONBody[CommentIn]
    ) -> CommentOut:
        row = await discussion.post_comment(
            actor, matter_id, data.body, kind=data.kind, parent_id=data.parent_id
        )
        return comment_out(row)

    @get(
        "/{matter_id:int}/suggestions", summary="Suggestions on the current text, most liked first"
    )
    async def suggestions(self, actor: CurrentActor, matter_id: FromPath[int]) -> dict[str, Any]:
        return await discussion.suggestion_summary(actor, matter_id)


class CommentController(Controller):
    path = "/api/v1/comments"
    tags = ["consultations"]

    @post("/{comment_id:int}/like", summary="Like a comment (once per person)")
    async def like(self, actor: CurrentActor, comment_id: FromPath[int]) -> CommentOut:
        return comment_out(await discussion.like_comment(actor, comment_id))

    @post("/{comment_id:int}/hide", summary="Hide a comment with a reason (moderators)")
    async def hide(
        self, actor: CurrentActor, comment_id: FromPath[int], data: JSONBody[HideIn]
    ) -> CommentOut:
        return comment_out(await discussion.hide_comment(actor, comment_id, data.reason))


CONSULTATION_CONTROLLERS = [ConsultationController, CommentController]
