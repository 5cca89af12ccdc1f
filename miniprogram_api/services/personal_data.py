"""The mini-program's part of a resident's personal data: the WeChat identities bound to
them (openid and sign-in times) and their binding requests (name, house unit, note).

Registered with :func:`grid.services.personal_data.register_section` when this module is
imported (the mini-program's HTTP router does), so every door's export and erasure reach it.
Erasure unbinds the identities, ends their sessions and blanks the requests' name and note
(the request rows stay: staff decided them, and the decision is part of the audit).
"""

from __future__ import annotations

from typing import Any

from backend import clock
from grid.services.personal_data import DataSection, register_section
from miniprogram_api.tables import BindingRequest, MpSession, WxIdentity

SECTION = "mini_program"


async def export_section(resident_id: int) -> dict[str, Any]:
    identities = await WxIdentity.select(
        WxIdentity.id, WxIdentity.openid, WxIdentity.created_at, WxIdentity.last_login_at
    ).where(WxIdentity.resident == resident_id)
    requests = await BindingRequest.select(
        BindingRequest.id,
        BindingRequest.name,
        BindingRequest.house_unit,
        BindingRequest.note,
        BindingRequest.status,
        BindingRequest.created_at,
        BindingRequest.decided_at,
        BindingRequest.reason,
    ).where(BindingRequest.resident == resident_id)
    return {"wechat_identities": identities, "binding_requests": requests}


async def erase_section(resident_id: int) -> int:
    identities = [
        r["id"]
        for r in await WxIdentity.select(WxIdentity.id).where(WxIdentity.resident == resident_id)
    ]
    touched = len(identities)
    if identities:
        await MpSession.update({MpSession.revoked_at: clock.now()}).where(
            MpSession.identity.is_in(identities) & MpSession.revoked_at.is_null()
        )
        await WxIdentity.update({WxIdentity.resident: None}).where(WxIdentity.id.is_in(identities))
    mine = BindingRequest.resident == resident_id
    if identities:
        mine = mine | BindingRequest.identity.is_in(identities)
    touched += await BindingRequest.count().where(mine)
    await BindingRequest.update({BindingRequest.name: "", BindingRequest.note: ""}).where(mine)
    return touched


register_section(DataSection(SECTION, export_section, erase_section))
