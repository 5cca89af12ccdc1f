"""The staff side of binding, under ``/api/v1/mp``: invitation codes for households, a code
for one's own WeChat, and deciding residents' binding requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import Body, FromPath, FromQuery

from backend.http.deps import CurrentActor
from miniprogram_api.http.account import REQUEST_EXAMPLE, BindingRequestOut, request_out
from miniprogram_api.http.common import (
    CursorPage,
    body_example,
    check_limit,
    decode_cursor,
    doc,
    encode_cursor,
)
from miniprogram_api.services import binding


class IssueCodeIn(msgspec.Struct):
    household_id: int
    #: Name one member to bind exactly them; without it the resident gives their name.
    resident_id: int | None = None


class CodeOut(msgspec.Struct):
    code: str
    kind: str
    expires_at: datetime
    household_id: int | None
    resident_id: int | None


class ApproveIn(msgspec.Struct):
    resident_id: int


class DenyIn(msgspec.Struct):
    reason: str


def code_out(issued: binding.IssuedCode) -> CodeOut:
    return CodeOut(
        issued.code, issued.kind, issued.expires_at, issued.household_id, issued.resident_id
    )


CODE_EXAMPLE = {
    "code": "K7M2Q9XD",
    "kind": "resident",
    "expires_at": "2026-12-02T09:30:00+08:00",
    "household_id": 88,
    "resident_id": None,
}


class MpStaffController(Controller):
    path = "/api/v1/mp"
    tags = ["mini-program: staff side"]

    @post(
        "/binding-codes",
        summary="住户绑定码 A one-time invitation code for a household (7 days)",
        responses=doc(CodeOut, CODE_EXAMPLE, status=201),
    )
    async def resident_code(
        self,
        actor: CurrentActor,
        data: Annotated[IssueCodeIn, Body(examples=body_example({"household_id": 88}))],
    ) -> CodeOut:
        return code_out(
            await binding.issue_resident_code(actor, data.household_id, data.resident_id)
        )

    @post(
        "/staff-codes",
        summary="工作账号绑定码 A one-time code binding my own account to my WeChat (15 min)",
        responses=doc(CodeOut, {**CODE_EXAMPLE, "kind": "staff", "household_id": None}, status=201),
    )
    async def staff_code(self, actor: CurrentActor) -> CodeOut:
        return code_out(await binding.issue_staff_code(actor))

    @get(
        "/binding-requests",
        summary="待审绑定申请 Pending binding requests in my scope, oldest first",
        responses=doc(
            CursorPage[BindingRequestOut], {"items": [REQUEST_EXAMPLE], "next_cursor": None}
        ),
    )
    async def pending(
        self,
        actor: CurrentActor,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> CursorPage[BindingRequestOut]:
        limit = check_limit(limit)
        rows = await binding.pending_requests(
            actor, after_id=decode_cursor(cursor, "a"), limit=limit
        )
        following = encode_cursor(a=rows[-1]["id"]) if len(rows) == limit else None
        return CursorPage([request_out(r) for r in rows], following)

    @post(
        "/binding-requests/{request_id:int}/approve",
        summary="批准绑定 Approve, naming the resident record (in the requested house unit)",
        status_code=200,
        responses=doc(BindingRequestOut, {**REQUEST_EXAMPLE, "status": "approved"}),
    )
    async def approve(
        self,
        actor: CurrentActor,
        request_id: FromPath[int],
        data: Annotated[ApproveIn, Body(examples=body_example({"resident_id": 1201}))],
    ) -> BindingRequestOut:
        return request_out(await binding.approve_request(actor, request_id, data.resident_id))

    @post(
        "/binding-requests/{request_id:int}/deny",
        summary="驳回绑定 Deny with a reason",
        status_code=200,
        responses=doc(
            BindingRequestOut, {**REQUEST_EXAMPLE, "status": "denied", "reason": "查无此人"}
        ),
    )
    async def deny(
        self,
        actor: CurrentActor,
        request_id: FromPath[int],
        data: Annotated[
            DenyIn, Body(examples=body_example({"reason": "该户无此居民，请到社区登记"}))
        ],
    ) -> BindingRequestOut:
        return request_out(await binding.deny_request(actor, request_id, data.reason))
