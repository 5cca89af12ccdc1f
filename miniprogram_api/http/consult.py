"""议事协商 for residents: matters in my scope, their text versions, discussion, my vote, my
receipt and its check, and the published result — all through ``community.services`` with
the resident as the actor (outside their scope a matter answers 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import Body, FromPath, FromQuery

from backend.errors import DomainError, ErrorCode
from community.phases import Phase
from community.rules import Choice
from community.services import ballots, discussion, matters, tally
from community.services.chain import shown_receipt
from community.services.resident_matters import resident_matters
from community.tables import CommentKind
from miniprogram_api.http.common import (
    CurrentPrincipal,
    CursorPage,
    body_example,
    check_limit,
    decode_cursor,
    doc,
    offset_page,
)

MID = "/matters/{matter_id:int}"


class MatterCard(msgspec.Struct):
    id: int
    title: str
    kind: str
    phase: str
    voting_closes_at: datetime | None
    updated_at: datetime


class MpCandidateOut(msgspec.Struct):
    id: int
    name: str
    intro: str


class MpMatterOut(msgspec.Struct):
    matter: MatterCard
    body: str
    version: int
    allow_change: bool
    art278_item: int | None
    seats: int | None
    candidates: list[MpCandidateOut]
    attachment_ids: list[int]
    voting_opens_at: datetime | None
    passed: bool | None
    result: dict[str, Any] | None


class MpVersionOut(msgspec.Struct):
    number: int
    title: str
    body: str
    change_note: str
    created_at: datetime


class MpCommentIn(msgspec.Struct):
    body: str
    kind: CommentKind = CommentKind.comment
    parent_id: int | None = None


class MpCommentOut(msgspec.Struct):
    id: int
    parent_id: int | None
    kind: str
    body: str
    author: str
    official: bool
    likes: int
    version: int
    created_at: datetime


class BallotIn(msgspec.Struct):
    choice: Choice | None = None
    #: Committee elections: candidate ids approved (up to the number of seats).
    approvals: list[int] = msgspec.field(default_factory=list)
    #: Only when one owner holds several roll entries: which one this ballot is for.
    entry_id: int | None = None


class MpReceiptOut(msgspec.Struct):
    matter_id: int
    receipt: str
    choice: str | None
    approvals: list[int]
    ballot_no: int
    at: datetime


class MyBallotOut(msgspec.Struct):
    roll_entry: int
    choice: str | None
    approvals: list[int]
    channel: str
    receipt: str


def card(m: dict[str, Any]) -> MatterCard:
    return MatterCard(
        m["id"], m["title"], m["kind"], m["phase"], m["voting_closes_at"], m["updated_at"]
    )


def comment_out(c: dict[str, Any]) -> MpCommentOut:
    return MpCommentOut(
        c["id"],
        c["parent"],
        c["kind"],
        c["body"],
        c["author_name"],
        c["official"],
        c["likes"],
        c["version"],
        c["created_at"],
    )


CARD_EXAMPLE = {
    "id": 5,
    "title": "关于使用专项维修资金更换电梯的表决",
    "kind": "owners_decision",
    "phase": "voting",
    "voting_closes_at": "2026-12-01T18:00:00+08:00",
    "updated_at": "2026-11-25T09:30:00+08:00",
}
MATTER_EXAMPLE = {
    "matter": CARD_EXAMPLE,
    "body": "拟使用专项维修资金更换 1 号电梯。",
    "version": 2,
    "allow_change": False,
    "art278_item": 6,
    "seats": None,
    "candidates": [],
    "attachment_ids": [],
    "voting_opens_at": "2026-11-25T09:00:00+08:00",
    "passed": None,
    "result": None,
}
RECEIPT_EXAMPLE = {
    "matter_id": 5,
    "receipt": "K3QX-7D2M-PA9R-W4TZ",
    "choice": "agree",
    "approvals": [],
    "ballot_no": 1,
    "at": "2026-11-25T10:00:00+08:00",
}
COMMENT_EXAMPLE = {
    "id": 31,
    "parent_id": None,
    "kind": "suggestion",
    "body": "建议同时更换 2 号电梯的门机",
    "author": "张三",
    "official": False,
    "likes": 2,
    "version": 2,
    "created_at": "2026-11-25T09:40:00+08:00",
}


class ConsultationController(Controller):
    path = "/"
    tags = ["mini-program: consultations"]

    @get(
        "/matters",
        summary="议事协商 Matters in my scope (published, my house unit in scope), newest first",
        responses=doc(CursorPage[MatterCard], {"items": [CARD_EXAMPLE], "next_cursor": None}),
    )
    async def list_matters(
        self,
        principal: CurrentPrincipal,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
    ) -> CursorPage[MatterCard]:
        offset = decode_cursor(cursor, "o") or 0
        rows, more = await resident_matters(
            principal.as_resident(), offset=offset, limit=check_limit(limit)
        )
        return offset_page([card(m) for m in rows], offset, more)

    @get(
        MID,
        summary="议题详情 A matter: current text, candidates; the result once published",
        responses=doc(MpMatterOut, MATTER_EXAMPLE),
    )
    async def detail(self, principal: CurrentPrincipal, matter_id: FromPath[int]) -> MpMatterOut:
        m = await matters.get_matter(principal.as_resident(), matter_id)
        published = m["phase"] == Phase.result_published
        return MpMatterOut(
            matter=card(m),
            body=m["body"],
            version=m["version"],
            allow_change=m["allow_change"],
            art278_item=m["art278_item"],
            seats=m["seats"],
            candidates=[MpCandidateOut(c["id"], c["name"], c["intro"]) for c in m["candidates"]],
            attachment_ids=list(m["attachment_ids"] or []),
            voting_opens_at=m["voting_opens_at"],
            passed=m["passed"] if published else None,
            result=m["result"] if published else None,
        )

    @get(
        MID + "/versions",
        summary="历次文本 Every text version, oldest first",
        responses=doc(
            list[MpVersionOut],
            [
                {
                    "number": 1,
                    "title": "关于更换电梯的表决",
                    "body": "…",
                    "change_note": "",
                    "created_at": "2026-11-20T09:00:00+08:00",
                }
            ],
        ),
    )
    async def versions(
        self, principal: CurrentPrincipal, matter_id: FromPath[int]
    ) -> list[MpVersionOut]:
        rows = await matters.list_versions(principal.as_resident(), matter_id)
        return [
            MpVersionOut(v["number"], v["title"], v["body"], v["change_note"], v["created_at"])
            for v in rows
        ]

    @get(
        MID + "/comments",
        summary="讨论 Visible comments and suggestions, oldest first",
        responses=doc(list[MpCommentOut], [COMMENT_EXAMPLE]),
    )
    async def comments(
        self, principal: CurrentPrincipal, matter_id: FromPath[int]
    ) -> list[MpCommentOut]:
        rows = await discussion.list_comments(principal.as_resident(), matter_id)
        return [comment_out(c) for c in rows]

    @post(
        MID + "/comments",
        summary="发表意见 Comment or suggest (while published or under discussion)",
        responses=doc(MpCommentOut, COMMENT_EXAMPLE, status=201),
    )
    async def comment(
        self,
        principal: CurrentPrincipal,
        matter_id: FromPath[int],
        data: Annotated[
            MpCommentIn,
            Body(
                examples=body_example({"body": "建议同时更换 2 号电梯的门机", "kind": "suggestion"})
            ),
        ],
    ) -> MpCommentOut:
        row = await discussion.post_comment(
            principal.as_resident(), matter_id, data.body, kind=data.kind, parent_id=data.parent_id
        )
        return comment_out(row)

    @post(
        MID + "/ballot",
        summary="投票 Vote (owners through their owner record); returns the receipt",
        responses=doc(MpReceiptOut, RECEIPT_EXAMPLE, status=201),
    )
    async def vote(
        self,
        principal: CurrentPrincipal,
        matter_id: FromPath[int],
        data: Annotated[BallotIn, Body(examples=body_example({"choice": "agree"}))],
    ) -> MpReceiptOut:
        r = await ballots.cast_ballot(
            principal.as_resident(), matter_id, data.choice, data.approvals, entry_id=data.entry_id
        )
        return MpReceiptOut(r.matter_id, r.shown, r.choice, list(r.approvals), r.ballot_no, r.at)

    @get(
        MID + "/my-ballot",
        summary="我的投票 My current ballot(s) and receipt(s)",
        responses=doc(
            list[MyBallotOut],
            [
                {
                    "roll_entry": 77,
                    "choice": "agree",
                    "approvals": [],
                    "channel": "online",
                    "receipt": "K3QX-7D2M-PA9R-W4TZ",
                }
            ],
        ),
    )
    async def my_ballot(
        self, principal: CurrentPrincipal, matter_id: FromPath[int]
    ) -> list[MyBallotOut]:
        rows = await ballots.my_ballot(principal.as_resident(), matter_id)
        return [
            MyBallotOut(
                r["roll_entry"],
                r["choice"],
                list(r["approvals"] or []),
                r["channel"],
                shown_receipt(r["receipt"]),
            )
            for r in rows
        ]

    @get(
        MID + "/receipts/{receipt:str}",
        summary="核验回执 Is this receipt's ballot in the chain and counted?",
        responses=doc(
            dict[str, Any],
            {
                "receipt": "K3QX-7D2M-PA9R-W4TZ",
                "recorded": True,
                "in_chain": True,
                "counted": True,
                "choice": "agree",
            },
        ),
    )
    async def verify(
        self, principal: CurrentPrincipal, matter_id: FromPath[int], receipt: FromPath[str]
    ) -> dict[str, Any]:
        return await tally.verify_receipt(principal.as_resident(), matter_id, receipt)

    @get(
        MID + "/result",
        summary="表决结果 The published result with every check and margin",
        responses=doc(
            dict[str, Any],
            {"passed": True, "result": {"quorum_area": {"value": "700.00", "needed": "666.67"}}},
        ),
    )
    async def result(self, principal: CurrentPrincipal, matter_id: FromPath[int]) -> dict[str, Any]:
        m = await matters.get_matter(principal.as_resident(), matter_id)
        if m["phase"] != Phase.result_published:
            raise DomainError(ErrorCode.MATTER_PHASE_INVALID, phase=m["phase"], action="result")
        return {
            "passed": m["passed"],
            "result": m["result"],
            "chain_head": m["chain_head"],
            "chain_length": m["chain_length"],
        }
