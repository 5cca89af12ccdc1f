"""House units, owners, households and residents over HTTP.

Phone and ID numbers leave masked from every endpoint but the explicit, logged reveal
(``POST /api/v1/residents/{id}/reveal`` with a reason). Searching by them is a POST with a
JSON body, so full numbers never stand in a URL that proxies and access logs keep.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from grid.actors import Actor
from grid.services import house_units as hu
from grid.services import households as hh
from grid.services import personal_data as pd
from grid.services import residents as rs
from grid.services.house_units import HouseUnitView
from grid.services.households import HouseholdView, MemberView
from grid.services.owners import OwnerSpec
from grid.services.people_fields import KEEP, Gender
from grid.services.residents import ResidentView
from grid.tables import AreaSource, CareTag, OwnerKind, Tenure

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


def keep(value: Any) -> Any:
    """A field left out of a PATCH body is kept as it is."""
    return KEEP if value is UNSET else value


class DataExportIn(msgspec.Struct):
    #: Why (kept in the request record and the access log), e.g. 居民本人书面申请查阅.
    reason: str


class DataErasureIn(msgspec.Struct):
    #: Why (kept in the request record), e.g. 居民本人申请删除（已搬离）.
    reason: str
    #: Must be true: erasure cannot be undone.
    confirm: bool = False


class DataErasureOut(msgspec.Struct):
    erased: bool
    #: What was touched: cases and ballots kept (anonymised), rows deleted or blanked.
    summary: dict[str, int]


class RevealIn(msgspec.Struct):
    #: Why the full numbers are needed (kept in the access log), e.g. 入户走访核实.
    reason: str


# --- house units ----------------------------------------------------------------------------


class HouseUnitIn(msgspec.Struct):
    micro_grid_id: int
    building: str
    room: str
    entrance: str = ""
    address: str = ""
    #: m², at most two decimals (send a string such as "89.50" to keep it exact); null: unknown.
    exclusive_area: Decimal | None = None
    area_source: AreaSource = AreaSource.registered


class HouseUnitPatch(msgspec.Struct):
    #: Moving to another micro-grid moves the unit's households and residents with it.
    micro_grid_id: int | Unset = UNSET
    building: str | Unset = UNSET
    entrance: str | Unset = UNSET
    room: str | Unset = UNSET
    address: str | Unset = UNSET
    exclusive_area: Decimal | Unset | None = UNSET
    area_source: AreaSource | Unset = UNSET


class OwnerIn(msgspec.Struct):
    name: str
    #: ``developer`` for units the builder still holds (all of them count as one owner).
    kind: OwnerKind = OwnerKind.person
    #: A person's resident ID number, or an organization's unified social credit code.
    id_number: str | None = None
    phone: str | None = None


class OwnersIn(msgspec.Struct):
    owners: list[OwnerIn]


class HouseUnitController(Controller):
    path = "/api/v1/house-units"
    tags = ["people"]

    @get("/", summary="House units in my scope or under one unit (e.g. a micro-grid), with owners")
    async def list_house_units(
        self,
        actor: CurrentActor,
        unit_id: FromQuery[int | None] = None,
        building: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[HouseUnitView]:
        offset, limit = check_page(page, page_size)
        views, total = await hu.list_house_units(
            actor, unit_id=unit_id, building=building, offset=offset, limit=limit
        )
        return Page(views, total, page, page_size)

    @post("/", summary="Register a house unit (building / entrance / room) in a micro-grid")
    async def create_house_unit(
        self, actor: CurrentActor, data: JSONBody[HouseUnitIn]
    ) -> HouseUnitView:
        return await hu.create_house_unit(actor, hu.HouseUnitDraft(**msgspec.structs.asdict(data)))

    @get("/{house_unit_id:int}", summary="One house unit with its owners (masked)")
    async def get_house_unit(
        self, actor: CurrentActor, house_unit_id: FromPath[int]
    ) -> HouseUnitView:
        return await hu.get_house_unit(actor, house_unit_id)

    @patch("/{house_unit_id:int}", summary="Change a house unit, or move it to another micro-grid")
    async def update_house_unit(
        self, actor: CurrentActor, house_unit_id: FromPath[int], data: JSONBody[HouseUnitPatch]
    ) -> HouseUnitView:
        changes = {k: keep(v) for k, v in msgspec.structs.asdict(data).items()}
        return await hu.update_house_unit(actor, house_unit_id, hu.HouseUnitChanges(**changes))

    @delete(
        "/{house_unit_id:int}",
        summary="Delete a house unit without households",
        status_code=204,
    )
    async def delete_house_unit(self, actor: CurrentActor, house_unit_id: FromPath[int]) -> None:
        await hu.delete_house_unit(actor, house_unit_id)

    @put(
        "/{house_unit_id:int}/owners",
        summary="Replace the unit's owners (co-owners; a developer for unsold units)",
    )
    async def set_owners(
        self, actor: CurrentActor, house_unit_id: FromPath[int], data: JSONBody[OwnersIn]
    ) -> HouseUnitView:
        specs = [OwnerSpec(o.name, o.kind, o.id_number, o.phone) for o in data.owners]
        return await hu.set_owners(actor, house_unit_id, specs)

    @post(
        "/{house_unit_id:int}/owners/reveal",
        summary="Owners' full phone and ID numbers, with a reason; frontline roles only, logged",
        status_code=200,
    )
    async def reveal_owners(
        self, actor: CurrentActor, house_unit_id: FromPath[int], data: JSONBody[RevealIn]
    ) -> HouseUnitView:
        return await hu.reveal_owners(actor, house_unit_id, reason=data.reason)


# --- households -----------------------------------------------------------------------------


class HouseholdIn(msgspec.Struct):
    house_unit_id: int
    tenure: Tenure = Tenure.owner_occupied


class HouseholdPatch(msgspec.Struct):
    tenure: Tenure | Unset = UNSET
    #: Moving the household to another house unit moves its residents with it.
    house_unit_id: int | Unset = UNSET


class HouseholdController(Controller):
    path = "/api/v1/households"
    tags = ["people"]

    @get("/", summary="Households in my scope, under one unit or in one house unit")
    async def list_households(
        self,
        actor: CurrentActor,
        unit_id: FromQuery[int | None] = None,
        house_unit_id: FromQuery[int | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[HouseholdView]:
        offset, limit = check_page(page, page_size)
        views, total = await hh.list_households(
            actor, unit_id=unit_id, house_unit_id=house_unit_id, offset=offset, limit=limit
        )
        return Page(views, total, page, page_size)

    @post("/", summary="Add a household to a house unit")
    async def create_household(
        self, actor: CurrentActor, data: JSONBody[HouseholdIn]
    ) -> HouseholdView:
        return await hh.create_household(actor, data.house_unit_id, data.tenure)

    @get("/{household_id:int}", summary="One household with its members")
    async def get_household(
        self, actor: CurrentActor, household_id: FromPath[int]
    ) -> HouseholdView:
        return await hh.get_household(actor, household_id)

    @get("/{household_id:int}/members", summary="The household's members and their relations")
    async def list_members(
        self, actor: CurrentActor, household_id: FromPath[int]
    ) -> list[MemberView]:
        return (await hh.get_household(actor, household_id)).members

    @patch("/{household_id:int}", summary="Change the tenure, or move the household")
    async def update_household(
        self, actor: CurrentActor, household_id: FromPath[int], data: JSONBody[HouseholdPatch]
    ) -> HouseholdView:
        return await hh.update_household(
            actor, household_id, tenure=keep(data.tenure), house_unit_id=keep(data.house_unit_id)
        )

    @delete("/{household_id:int}", summary="Delete a household without members", status_code=204)
    async def delete_household(self, actor: CurrentActor, household_id: FromPath[int]) -> None:
        await hh.delete_household(actor, household_id)


# --- residents ------------------------------------------------------------------------------


class ResidentIn(msgspec.Struct):
    household_id: int
    name: str
    gender: Gender | None = None
    birth_year: int | None = None
    relation: str = ""
    phone: str | None = None
    id_number: str | None = None
    tags: list[CareTag] = msgspec.field(default_factory=list)


class ResidentPatch(msgspec.Struct):
    #: Another household moves the resident there (within my scope).
    household_id: int | Unset = UNSET
    name: str | Unset = UNSET
    gender: Gender | Unset | None = UNSET
    birth_year: int | Unset | None = UNSET
    relation: str | Unset = UNSET
    phone: str | Unset | None = UNSET
    id_number: str | Unset | None = UNSET
    #: The full set of care tags (replaces the current ones).
    tags: list[CareTag] | Unset = UNSET


class ResidentSearch(msgspec.Struct):
    unit_id: int | None = None
    house_unit_id: int | None = None
    household_id: int | None = None
    tag: CareTag | None = None
    name: str | None = None
    #: Exact match through the keyed hash; the number is never stored or logged in clear.
    phone: str | None = None
    id_number: str | None = None
    page: int = 1
    page_size: int = 50


async def _search(actor: Actor, query: ResidentSearch) -> Page[ResidentView]:
    offset, limit = check_page(query.page, query.page_size)
    views, total = await rs.list_residents(
        actor,
        unit_id=query.unit_id,
        house_unit_id=query.house_unit_id,
        household_id=query.household_id,
        tag=query.tag,
        name_contains=query.name,
        phone=query.phone,
        id_number=query.id_number,
        offset=offset,
        limit=limit,
    )
    return Page(views, total, query.page, query.page_size)


class ResidentController(Controller):
    path = "/api/v1/residents"
    tags = ["people"]

    @get("/", summary="Residents in my scope (masked), filtered by unit, house, tag or name")
    async def list_residents(
        self,
        actor: CurrentActor,
        unit_id: FromQuery[int | None] = None,
        house_unit_id: FromQuery[int | None] = None,
        household_id: FromQuery[int | None] = None,
        tag: FromQuery[CareTag | None] = None,
        name: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[ResidentView]:
        return await _search(
            actor,
            ResidentSearch(
                unit_id=unit_id,
                house_unit_id=house_unit_id,
                household_id=household_id,
                tag=tag,
                name=name,
                page=page,
                page_size=page_size,
            ),
        )

    @post(
        "/search",
        summary="Find residents, also by exact phone or ID number (masked results)",
        status_code=200,
    )
    async def search(
        self, actor: CurrentActor, data: JSONBody[ResidentSearch]
    ) -> Page[ResidentView]:
        return await _search(actor, data)

    @post("/", summary="Register a resident in a household")
    async def create_resident(
        self, actor: CurrentActor, data: JSONBody[ResidentIn]
    ) -> ResidentView:
        draft = rs.ResidentDraft(**{**msgspec.structs.asdict(data), "tags": tuple(data.tags)})
        return await rs.create_resident(actor, draft)

    @get("/{resident_id:int}", summary="One resident, phone and ID number masked")
    async def get_resident(self, actor: CurrentActor, resident_id: FromPath[int]) -> ResidentView:
        return await rs.get_resident(actor, resident_id)

    @post(
        "/{resident_id:int}/reveal",
        summary="Full phone and ID number, with a reason; frontline roles only, every read logged",
        status_code=200,
    )
    async def reveal(
        self, actor: CurrentActor, resident_id: FromPath[int], data: JSONBody[RevealIn]
    ) -> ResidentView:
        return await rs.get_resident(actor, resident_id, reveal=True, reason=data.reason)

    @post(
        "/{resident_id:int}/data-export",
        summary="PIPL export: everything held about the resident as one JSON document "
        "(community staff, admins; recorded and logged)",
        status_code=200,
    )
    async def export_data(
        self, actor: CurrentActor, resident_id: FromPath[int], data: JSONBody[DataExportIn]
    ) -> dict[str, Any]:
        return await pd.export_resident_data(actor, resident_id, data.reason)

    @post(
        "/{resident_id:int}/data-erasure",
        summary="PIPL erasure: delete the resident's personal data; cases and ballots stay "
        "anonymised (community staff, admins; recorded)",
        status_code=200,
    )
    async def erase_data(
        self, actor: CurrentActor, resident_id: FromPath[int], data: JSONBody[DataErasureIn]
    ) -> DataErasureOut:
        summary = await pd.erase_resident(actor, resident_id, data.reason, confirmed=data.confirm)
        return DataErasureOut(True, summary)

    @get(
        "/{resident_id:int}/data-requests",
        summary="Export and erasure records of a resident, also after erasure (who, when, why)",
    )
    async def data_requests(
        self, actor: CurrentActor, resident_id: FromPath[int]
    ) -> list[dict[str, Any]]:
        return await pd.data_requests_about(actor, resident_id)

    @patch("/{resident_id:int}", summary="Change a resident, their care tags, or move them")
    async def update_resident(
        self, actor: CurrentActor, resident_id: FromPath[int], data: JSONBody[ResidentPatch]
    ) -> ResidentView:
        changes = {k: keep(v) for k, v in msgspec.structs.asdict(data).items()}
        if isinstance(data.tags, list):
            changes["tags"] = tuple(data.tags)
        return await rs.update_resident(actor, resident_id, rs.ResidentChanges(**changes))

    @delete(
        "/{resident_id:int}",
        summary="Remove a resident (moved away, deceased)",
        description=(
            "Anonymises like an erasure: the name leaves case and matter histories and "
            "comments, messages to them are deleted, cases and ballots stay. No erasure "
            "request is recorded (see docs/access.md)."
        ),
        status_code=204,
    )
    async def delete_resident(self, actor: CurrentActor, resident_id: FromPath[int]) -> None:
        await rs.delete_resident(actor, resident_id)


PEOPLE_CONTROLLERS: list[type] = [HouseUnitController, HouseholdController, ResidentController]
