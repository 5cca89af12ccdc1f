"""Org units, the point lookup, governance centers and departments over HTTP.

Boundaries travel as GeoJSON geometry objects; ``coord`` says whether their positions (or a
looked-up point) are WGS-84 or GCJ-02 — the services store WGS-84 and convert either way.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from grid.geo.coords import CoordSystem
from grid.geo.lookup import Located
from grid.services import centers
from grid.services import org_units as svc
from grid.services import unit_queries as queries
from grid.services.centers import CenterView, DepartmentView
from grid.services.org_units import UnitView
from grid.services.unit_queries import TreeNode
from grid.tables import DepartmentKind, Level

Geometry = dict[str, Any]


class UnitIn(msgspec.Struct):
    code: str
    name: str
    level: Level
    parent_id: int | None = None
    #: GeoJSON Polygon or MultiPolygon; needed on grids and micro-grids for point lookup.
    boundary: Geometry | None = None
    coord: CoordSystem = CoordSystem.wgs84


class UnitPatch(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    #: A new boundary, or ``null`` to remove it; left out, the boundary stays.
    boundary: Geometry | msgspec.UnsetType | None = msgspec.UNSET
    coord: CoordSystem = CoordSystem.wgs84


class CenterIn(msgspec.Struct):
    unit_id: int
    name: str
    phone: str = ""


class CenterPatch(msgspec.Struct):
    name: str | None = None
    phone: str | None = None


class DepartmentIn(msgspec.Struct):
    code: str
    name: str
    kind: DepartmentKind
    unit_id: int


class DepartmentPatch(msgspec.Struct):
    name: str | None = None
    kind: DepartmentKind | None = None


class UnitController(Controller):
    path = "/api/v1/units"
    tags = ["units"]

    @get("/", summary="Units in my scope, by code; filter by subtree, parent, level or name")
    async def list_units(
        self,
        actor: CurrentActor,
        under: FromQuery[int | None] = None,
        parent_id: FromQuery[int | None] = None,
        level: FromQuery[Level | None] = None,
        name: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[UnitView]:
        offset, limit = check_page(page, page_size)
        views, total = await queries.list_units(
            actor,
            under=under,
            parent_id=parent_id,
            level=level,
            name=name,
            offset=offset,
            limit=limit,
        )
        return Page(views, total, page, page_size)

    @get(
        "/tree",
        summary="The tree below a root (default: my units) to a depth, under breadcrumbs",
    )
    async def tree(
        self,
        actor: CurrentActor,
        root_id: FromQuery[int | None] = None,
        depth: FromQuery[int] = 2,
    ) -> list[TreeNode]:
        return await queries.unit_tree(actor, root_id=root_id, depth=depth)

    @get(
        "/lookup",
        summary="The grid and micro-grid at a point (422 point_outside_area when none)",
    )
    async def lookup(
        self,
        actor: CurrentActor,
        lon: FromQuery[float],
        lat: FromQuery[float],
        coord: FromQuery[CoordSystem] = CoordSystem.wgs84,
    ) -> Located:
        return await svc.lookup_point(actor, lon, lat, coord)

    @get("/{unit_id:int}", summary="One unit with its boundary, in the `coord` system asked")
    async def get_unit(
        self,
        actor: CurrentActor,
        unit_id: FromPath[int],
        coord: FromQuery[CoordSystem] = CoordSystem.wgs84,
    ) -> UnitView:
        return await svc.get_unit(actor, unit_id, system=coord)

    @post("/", summary="Create a unit under its parent; the code extends the parent's (admin)")
    async def create_unit(self, actor: CurrentActor, data: JSONBody[UnitIn]) -> UnitView:
        return await svc.create_unit(
            actor,
            code=data.code,
            name=data.name,
            level=data.level,
            parent_id=data.parent_id,
            boundary=data.boundary,
            system=data.coord,
        )

    @patch("/{unit_id:int}", summary="Rename or redraw a unit; its code never changes (admin)")
    async def update_unit(
        self, actor: CurrentActor, unit_id: FromPath[int], data: JSONBody[UnitPatch]
    ) -> UnitView:
        name = None if isinstance(data.name, msgspec.UnsetType) else data.name
        boundary = svc.UNSET if isinstance(data.boundary, msgspec.UnsetType) else data.boundary
        return await svc.update_unit(
            actor, unit_id, name=name, boundary=boundary, system=data.coord
        )

    @delete(
        "/{unit_id:int}",
        summary="Delete a unit nothing refers to (admin)",
        status_code=204,
    )
    async def delete_unit(self, actor: CurrentActor, unit_id: FromPath[int]) -> None:
        await svc.delete_unit(actor, unit_id)


class CenterController(Controller):
    path = "/api/v1/centers"
    tags = ["units"]

    @get("/", summary="Governance centers in my scope and above it")
    async def list_centers(
        self,
        actor: CurrentActor,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[CenterView]:
        offset, limit = check_page(page, page_size)
        views, total = await centers.list_centers(actor, offset=offset, limit=limit)
        return Page(views, total, page, page_size)

    @post("/", summary="Set up the governance center of a city, district or street (admin)")
    async def create_center(self, actor: CurrentActor, data: JSONBody[CenterIn]) -> CenterView:
        return await centers.create_center(
            actor, unit_id=data.unit_id, name=data.name, phone=data.phone
        )

    @get("/{center_id:int}", summary="One governance center")
    async def get_center(self, actor: CurrentActor, center_id: FromPath[int]) -> CenterView:
        return await centers.get_center(actor, center_id)

    @patch("/{center_id:int}", summary="Rename a center or change its phone (admin)")
    async def update_center(
        self, actor: CurrentActor, center_id: FromPath[int], data: JSONBody[CenterPatch]
    ) -> CenterView:
        return await centers.update_center(actor, center_id, name=data.name, phone=data.phone)

    @delete("/{center_id:int}", summary="Remove a governance center (admin)", status_code=204)
    async def delete_center(self, actor: CurrentActor, center_id: FromPath[int]) -> None:
        await centers.delete_center(actor, center_id)


class DepartmentController(Controller):
    path = "/api/v1/departments"
    tags = ["units"]

    @get("/", summary="Departments of the units in my scope and above it")
    async def list_departments(
        self,
        actor: CurrentActor,
        unit_id: FromQuery[int | None] = None,
        kind: FromQuery[DepartmentKind | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[DepartmentView]:
        offset, limit = check_page(page, page_size)
        views, total = await centers.list_departments(
            actor, unit_id=unit_id, kind=kind, offset=offset, limit=limit
        )
        return Page(views, total, page, page_size)

    @post("/", summary="Add a department to a city, district or street (admin)")
    async def create_department(
        self, actor: CurrentActor, data: JSONBody[DepartmentIn]
    ) -> DepartmentView:
        return await centers.create_department(
            actor, code=data.code, name=data.name, kind=data.kind, unit_id=data.unit_id
        )

    @get("/{department_id:int}", summary="One department")
    async def get_department(
        self, actor: CurrentActor, department_id: FromPath[int]
    ) -> DepartmentView:
        return await centers.get_department(actor, department_id)

    @patch("/{department_id:int}", summary="Rename or re-kind a department (admin)")
    async def update_department(
        self, actor: CurrentActor, department_id: FromPath[int], data: JSONBody[DepartmentPatch]
    ) -> DepartmentView:
        return await centers.update_department(actor, department_id, name=data.name, kind=data.kind)

    @delete("/{department_id:int}", summary="Remove a department (admin)", status_code=204)
    async def delete_department(self, actor: CurrentActor, department_id: FromPath[int]) -> None:
        await centers.delete_department(actor, department_id)


UNIT_CONTROLLERS: list[type] = [UnitController, CenterController, DepartmentController]
