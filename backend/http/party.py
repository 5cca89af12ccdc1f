"""Party organizations and their members over HTTP."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from grid.services import party as svc
from grid.tables import PartyOrgKind, PartyRole


class PartyOrgIn(msgspec.Struct):
    name: str
    kind: PartyOrgKind
    unit_id: int
    parent_id: int | None = None


class PartyOrgOut(msgspec.Struct):
    id: int
    name: str
    kind: PartyOrgKind
    parent_id: int | None
    unit_id: int
    unit_name: str


class MemberIn(msgspec.Struct):
    name: str
    role: PartyRole = PartyRole.member
    resident_id: int | None = None
    staff_id: int | None = None
    micro_grid_id: int | None = None
    household_id: int | None = None
    leader_id: int | None = None
    joined_on: date | None = None


class MemberOut(msgspec.Struct):
    id: int
    name: str
    role: PartyRole
    resident_id: int | None
    staff_id: int | None
    micro_grid_id: int | None
    household_id: int | None
    leader_id: int | None
    joined_on: date | None


def _org(row: dict[str, object]) -> PartyOrgOut:
    return msgspec.convert(
        {**row, "parent_id": row["parent"], "unit_id": row["unit"]},
        PartyOrgOut,
        from_attributes=False,
    )


class PartyController(Controller):
    path = "/api/v1/party-orgs"
    tags = ["party"]

    @get("/", summary="Party organizations in my scope")
    async def list_orgs(
        self,
        actor: CurrentActor,
        kind: FromQuery[PartyOrgKind | None] = None,
        parent_id: FromQuery[int | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[PartyOrgOut]:
        offset, limit = check_page(page, page_size)
        rows, total = await svc.list_party_orgs(
            actor, kind=kind, parent_id=parent_id, offset=offset, limit=limit
        )
        return Page([_org(r) for r in rows], total, page, page_size)

    @post(
        "/",
        summary="Create a party organization (street committee, community committee, grid branch)",
    )
    async def create_org(self, actor: CurrentActor, data: JSONBody[PartyOrgIn]) -> PartyOrgOut:
        row = await svc.create_party_org(
            actor, name=data.name, kind=data.kind, unit_id=data.unit_id, parent_id=data.parent_id
        )
        return _org(row)

    @get("/{org_id:int}", summary="One party organization")
    async def get_org(self, actor: CurrentActor, org_id: FromPath[int]) -> PartyOrgOut:
        return _org(await svc.access_party_org(actor, org_id))

    @get("/{org_id:int}/members", summary="Members, building leaders and central households")
    async def list_members(self, actor: CurrentActor, org_id: FromPath[int]) -> list[MemberOut]:
        return msgspec.convert(await svc.list_members(actor, org_id), list[MemberOut])

    @post("/{org_id:int}/members", summary="Add a member (or building leader / central household)")
    async def add_member(
        self, actor: CurrentActor, org_id: FromPath[int], data: JSONBody[MemberIn]
    ) -> MemberOut:
        row = await svc.add_member(actor, org_id, svc.MemberSpec(**msgspec.structs.asdict(data)))
        return msgspec.convert(row, MemberOut)

    @delete("/{org_id:int}/members/{member_id:int}", summary="Remove a member", status_code=204)
    async def remove_member(
        self, actor: CurrentActor, org_id: FromPath[int], member_id: FromPath[int]
    ) -> None:
        await svc.remove_member(actor, org_id, member_id)
