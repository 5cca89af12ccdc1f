"""Staff accounts over HTTP."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from grid.services import staff as svc
from grid.tables import Role


class GrantIn(msgspec.Struct):
    role: Role
    unit_id: int
    department_id: int | None = None


class StaffIn(msgspec.Struct):
    username: str
    display_name: str
    password: str
    grants: list[GrantIn]
    phone: str | None = None


class StaffPatch(msgspec.Struct):
    active: bool | None = None


class PasswordResetIn(msgspec.Struct):
    new_password: str


class StaffOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    phone: str | None
    active: bool
    grants: list[dict[str, Any]]


def _out(view: svc.StaffView) -> StaffOut:
    return StaffOut(view.id, view.username, view.display_name, view.phone, view.active, view.grants)


class StaffController(Controller):
    path = "/api/v1/staff"
    tags = ["staff"]

    @get("/", summary="Staff in my scope (phones masked)")
    async def list_staff(
        self,
        actor: CurrentActor,
        unit_id: FromQuery[int | None] = None,
        role: FromQuery[Role | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[StaffOut]:
        offset, limit = check_page(page, page_size)
        views, total = await svc.list_staff(
            actor, unit_id=unit_id, role=role, offset=offset, limit=limit
        )
        return Page([_out(v) for v in views], total, page, page_size)

    @post("/", summary="Create a staff account with role grants (admin)")
    async def create_staff(self, actor: CurrentActor, data: JSONBody[StaffIn]) -> StaffOut:
        staff_id = await svc.create_staff(
            actor,
            username=data.username,
            display_name=data.display_name,
            password=data.password,
            phone=data.phone,
            grants=[svc.GrantSpec(g.role, g.unit_id, g.department_id) for g in data.grants],
        )
        return _out(await svc.get_staff(actor, staff_id))

    @get(
        "/{staff_id:int}",
        summary="One staff account; `reveal=true` shows the phone (admin, logged)",
    )
    async def get_staff(
        self, actor: CurrentActor, staff_id: FromPath[int], reveal: FromQuery[bool] = False
    ) -> StaffOut:
        return _out(await svc.get_staff(actor, staff_id, reveal=reveal))

    @patch("/{staff_id:int}", summary="Enable or disable an account (admin)")
    async def update_staff(
        self, actor: CurrentActor, staff_id: FromPath[int], data: JSONBody[StaffPatch]
    ) -> StaffOut:
        view = await svc.get_staff(actor, staff_id)
        if data.active is not None:
            view = await svc.set_active(actor, staff_id, data.active)
        return _out(view)

    @post(
        "/{staff_id:int}/password",
        summary="Set a new password (admin); ends the account's sessions",
        status_code=204,
    )
    async def reset_password(
        self, actor: CurrentActor, staff_id: FromPath[int], data: JSONBody[PasswordResetIn]
    ) -> None:
        await svc.reset_password(actor, staff_id, data.new_password)
