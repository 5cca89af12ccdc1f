"""Sign-in with ``wx.login``, the profile, and binding to a household or a staff account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Body

from backend.http.deps import CurrentSettings, bearer_token
from miniprogram_api.http.common import CurrentPrincipal, body_example, doc
from miniprogram_api.services import binding, profile, sessions


class MpLoginIn(msgspec.Struct):
    code: str


class Bound(msgspec.Struct):
    resident: bool
    staff: bool


class LoginOut(msgspec.Struct):
    token: str
    expires_at: datetime
    new_user: bool
    bound: Bound


class ResidentCodeIn(msgspec.Struct):
    code: str
    #: Needed when the code names a household rather than one member: your name as registered.
    name: str = ""


class StaffCodeIn(msgspec.Struct):
    code: str


class BindingRequestIn(msgspec.Struct):
    name: str
    house_unit_id: int
    note: str = ""


class BindingRequestOut(msgspec.Struct):
    id: int
    name: str
    house_unit_id: int
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


def request_out(row: dict[str, object]) -> BindingRequestOut:
    return BindingRequestOut(
        id=row["id"],  # type: ignore[arg-type]
        name=row["name"],  # type: ignore[arg-type]
        house_unit_id=row["house_unit"],  # type: ignore[arg-type]
        status=row["status"],  # type: ignore[arg-type]
        reason=row["reason"],  # type: ignore[arg-type]
        created_at=row["created_at"],  # type: ignore[arg-type]
        decided_at=row["decided_at"],  # type: ignore[arg-type]
    )


LOGIN_EXAMPLE = {
    "token": "q3J…",
    "expires_at": "2026-12-02T09:30:00+08:00",
    "new_user": True,
    "bound": {"resident": False, "staff": False},
}
PROFILE_EXAMPLE = {
    "resident": {
        "resident_id": 1201,
        "name": "张三",
        "household_id": 88,
        "house_unit_id": 301,
        "house": "3栋1单元501",
        "micro_grid": "寸滩一微网格",
        "is_owner": True,
        "owned_units": 1,
    },
    "staff": None,
}
REQUEST_EXAMPLE = {
    "id": 7,
    "name": "张三",
    "house_unit_id": 301,
    "status": "pending",
    "reason": "",
    "created_at": "2026-11-25T09:30:00+08:00",
    "decided_at": None,
}


class AccountController(Controller):
    path = "/"
    tags = ["mini-program: account"]

    @post(
        "/auth/login",
        summary="微信登录 Sign in with a wx.login code",
        description="Exchanges the code with WeChat (code2session) and returns an app session "
        "token. WeChat's session_key stays on the server. A bad or used code answers 401 "
        "`mp_wx_code_invalid`; WeChat down or refusing answers 502 `mp_wechat_unavailable`.",
        security=[],
        responses=doc(LoginOut, LOGIN_EXAMPLE),
        status_code=200,
    )
    async def login(
        self,
        settings: CurrentSettings,
        data: Annotated[MpLoginIn, Body(examples=body_example({"code": "0a3Xyz…"}))],
    ) -> LoginOut:
        signed = await sessions.sign_in(settings, data.code)
        p = signed.principal
        return LoginOut(
            signed.token,
            signed.expires_at,
            signed.new_user,
            Bound(p.resident is not None, p.staff is not None),
        )

    @post(
        "/auth/logout",
        summary="退出登录 End this session",
        status_code=204,
        responses=doc(None, None, status=204),
    )
    async def logout(self, principal: CurrentPrincipal, request: Request) -> None:  # type: ignore[type-arg]
        del principal
        await sessions.sign_out(bearer_token(request))

    @get(
        "/me",
        summary="我的信息 Who I am: resident record and home (owner status from owner records), staff grants",
        responses=doc(profile.Profile, PROFILE_EXAMPLE),
    )
    async def me(self, principal: CurrentPrincipal) -> profile.Profile:
        return await profile.profile(principal)

    @post(
        "/bind/resident",
        summary="绑定住户 Bind to a household with the invitation code from the community",
        status_code=200,
        responses=doc(profile.Profile, PROFILE_EXAMPLE),
    )
    async def bind_resident(
        self,
        principal: CurrentPrincipal,
        data: Annotated[
            ResidentCodeIn, Body(examples=body_example({"code": "K7M2-Q9XD", "name": "张三"}))
        ],
    ) -> profile.Profile:
        await binding.bind_resident(principal.identity_id, data.code, data.name)
        return await profile.profile(await sessions.principal_of(principal.identity_id))

    @post(
        "/bind/requests",
        summary="申请绑定 Ask the community to bind me (name + house unit); staff approve",
        status_code=201,
        responses=doc(BindingRequestOut, REQUEST_EXAMPLE, status=201),
    )
    async def request_binding(
        self,
        principal: CurrentPrincipal,
        data: Annotated[
            BindingRequestIn,
            Body(examples=body_example({"name": "张三", "house_unit_id": 301, "note": "租户"})),
        ],
    ) -> BindingRequestOut:
        row = await binding.request_binding(
            principal.identity_id, data.name, data.house_unit_id, data.note
        )
        return request_out(row)

    @get(
        "/bind/requests",
        summary="我的绑定申请 My binding requests, newest first",
        responses=doc(list[BindingRequestOut], [REQUEST_EXAMPLE]),
    )
    async def my_requests(self, principal: CurrentPrincipal) -> list[BindingRequestOut]:
        return [request_out(r) for r in await binding.my_requests(principal.identity_id)]

    @post(
        "/bind/staff",
        summary="绑定工作账号 A grid worker binds their staff account (code from the console)",
        status_code=200,
        responses=doc(
            profile.Profile,
            {
                "resident": None,
                "staff": {
                    "staff_id": 12,
                    "name": "李网格员",
                    "grants": [{"role": "grid_worker", "unit_id": 9, "unit_name": "寸滩一网格"}],
                },
            },
        ),
    )
    async def bind_staff(
        self,
        principal: CurrentPrincipal,
        data: Annotated[StaffCodeIn, Body(examples=body_example({"code": "H4TR-8WQP"}))],
    ) -> profile.Profile:
        await binding.bind_staff(principal.identity_id, data.code)
        return await profile.profile(await sessions.principal_of(principal.identity_id))
