"""A bound resident's own data: a copy of everything held about them, or its erasure
(PIPL art. 45, 47). Thin: the rules are :mod:`grid.services.personal_data`."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.params import Body

from grid.services import personal_data
from miniprogram_api.http.common import CurrentPrincipal, body_example, doc
from miniprogram_api.services import personal_data as mp_section

SECTION = mp_section.SECTION  # importing the module registers the mini-program's section


class MyDataExportIn(msgspec.Struct):
    #: Why the copy is wanted (kept in the request record).
    reason: str = "本人申请查阅、复制个人信息"


class MyDataEraseIn(msgspec.Struct):
    #: Why (kept in the request record), e.g. 已搬离本小区.
    reason: str
    #: Must be true: erasure cannot be undone, and this session ends with it.
    confirm: bool = False


class ErasedOut(msgspec.Struct):
    erased: bool
    #: What was touched: cases and ballots kept (anonymised), rows deleted or blanked.
    summary: dict[str, int]


EXPORT_EXAMPLE = {
    "subject": {"kind": "resident", "id": 812},
    "generated_at": "2026-11-25T10:00:00+08:00",
    "profile": {
        "id": 812,
        "name": "张三",
        "gender": "male",
        "birth_year": 1980,
        "relation": "户主",
        "phone": "13800138000",
        "id_number": "500103198001011234",
        "care_tags": [],
        "created_at": "2026-11-01T09:00:00+08:00",
        "updated_at": "2026-11-01T09:00:00+08:00",
    },
    "household": {
        "id": 301,
        "tenure": "owner_occupied",
        "house_unit": {"id": 120, "label": "3栋1单元501", "address": ""},
    },
    "owner": None,
    "cases_reported": [],
    "ballots_cast": [
        {
            "matter_id": 7,
            "matter_title": "关于使用专项维修资金更换电梯的表决",
            "ballot_no": 1,
            "choice": "agree",
            "approvals": [],
            "channel": "online",
            "receipt": "3F7K-Q2M9-XD4T-8B1C",
            "at": "2026-11-20T19:02:11+08:00",
        }
    ],
    "comments": [],
    "notifications": [],
    "party_memberships": [],
    "pii_access_log": [
        {
            "staff_id": 4,
            "staff_name": "李网格员",
            "fields": "phone",
            "reason": "入户走访核实",
            "at": "2026-11-10T15:20:00+08:00",
        }
    ],
    "data_requests": [
        {
            "kind": "export",
            "requested_by_kind": "resident",
            "requested_by_id": 812,
            "reason": "本人申请查阅、复制个人信息",
            "at": "2026-11-25T10:00:00+08:00",
        }
    ],
    "mini_program": {"wechat_identities": [], "binding_requests": []},
}
ERASED_EXAMPLE = {
    "erased": True,
    "summary": {
        "cases_kept": 2,
        "ballots_kept": 1,
        "comments_anonymised": 0,
        "notifications_deleted": 5,
        "mini_program": 2,
    },
}


class MyDataController(Controller):
    path = "/me/data"
    tags = ["mini-program: account"]

    @post(
        "/export",
        summary="导出我的个人信息 A JSON copy of everything held about me",
        description="Profile with full phone and ID number, household, owner record, cases "
        "reported, ballots cast with their receipts, comments, notifications, who read my "
        "full numbers and when, and earlier requests. Recorded with the reason.",
        status_code=200,
        responses=doc(dict[str, Any], EXPORT_EXAMPLE),
    )
    async def export(
        self,
        principal: CurrentPrincipal,
        data: Annotated[MyDataExportIn, Body(examples=body_example({"reason": "本人查阅"}))],
    ) -> dict[str, Any]:
        actor = principal.as_resident()
        return await personal_data.export_resident_data(actor, actor.id, data.reason)

    @post(
        "/erase",
        summary="删除我的个人信息 Erase my personal data (cases and ballots stay, anonymised)",
        description="Needs `confirm: true`. Deletes my resident record and personal data, "
        "unbinds this WeChat account and ends its sessions; cases I reported and ballots I "
        "cast stay without my name, so results and counts do not change.",
        status_code=200,
        responses=doc(ErasedOut, ERASED_EXAMPLE),
    )
    async def erase(
        self,
        principal: CurrentPrincipal,
        data: Annotated[
            MyDataEraseIn,
            Body(examples=body_example({"reason": "已搬离本小区", "confirm": True})),
        ],
    ) -> ErasedOut:
        actor = principal.as_resident()
        summary = await personal_data.erase_resident(
            actor, actor.id, data.reason, confirmed=data.confirm
        )
        return ErasedOut(True, summary)
