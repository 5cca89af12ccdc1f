"""The tables behind cases — categories and the working calendar (admins edit, staff read) —
and "my notifications"."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from backend.http.deps import CurrentActor
from backend.http.pagination import Page, check_page
from grid.cases.calendar import TimeUnit
from grid.cases.services import calendar as holidays
from grid.cases.services import categories as svc
from grid.cases.services.calendar import HolidayView
from grid.cases.services.categories import CategoryView
from grid.cases.services.outbox import NotificationView, mark_read, my_notifications
from grid.cases.tables import CategoryKind
from grid.tables import DepartmentKind

Name = Annotated[str, msgspec.Meta(max_length=64)]
NameEn = Annotated[str, msgspec.Meta(max_length=100)]


class CategoryIn(msgspec.Struct):
    code: str
    name: Name
    time_unit: TimeUnit
    limits: dict[str, int]
    name_en: NameEn = ""
    kind: CategoryKind = CategoryKind.event
    duplicate_radius_m: int = 50
    duplicate_window_h: int = 24
    owner_department_kind: DepartmentKind | None = None


class CategoryPatch(msgspec.Struct, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    name_en: NameEn | msgspec.UnsetType = msgspec.UNSET
    time_unit: TimeUnit | msgspec.UnsetType = msgspec.UNSET
    limits: dict[str, int] | msgspec.UnsetType = msgspec.UNSET
    duplicate_radius_m: int | msgspec.UnsetType = msgspec.UNSET
    duplicate_window_h: int | msgspec.UnsetType = msgspec.UNSET
    owner_department_kind: DepartmentKind | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["categories"]

    @get("/", summary="The case taxonomy (majors and minors, with limits per level)")
    async def list_categories(
        self, actor: CurrentActor, include_inactive: FromQuery[bool] = False
    ) -> list[CategoryView]:
        return await svc.list_categories(actor, include_inactive=include_inactive)

    @post("/", summary="Add a category (admin)")
    async def create_category(
        self, actor: CurrentActor, data: JSONBody[CategoryIn]
    ) -> CategoryView:
        return await svc.create_category(actor, svc.CategoryDraft(**msgspec.structs.asdict(data)))

    @patch("/{category_id:int}", summary="Change limits, unit, names, radius, window (admin)")
    async def update_category(
        self, actor: CurrentActor, category_id: FromPath[int], data: JSONBody[CategoryPatch]
    ) -> CategoryView:
        changes: dict[str, Any] = {
            k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET
        }
        return await svc.update_category(actor, category_id, changes)

    @post("/{category_id:int}/deactivate", summary="Hide from new reports (admin)", status_code=200)
    async def deactivate_category(
        self, actor: CurrentActor, category_id: FromPath[int]
    ) -> CategoryView:
        return await svc.deactivate_category(actor, category_id)


class HolidayIn(msgspec.Struct):
    name: str
    is_workday: bool = False


class CalendarController(Controller):
    path = "/api/v1/calendar"
    tags = ["categories"]

    @get("/holidays", summary="Listed holidays and make-up workdays")
    async def list_holidays(
        self, actor: CurrentActor, year: FromQuery[int | None] = None
    ) -> list[HolidayView]:
        return await holidays.list_holidays(actor, year)

    @put("/holidays/{day:date}", summary="List a holiday or make-up workday (admin)")
    async def set_holiday(
        self, actor: CurrentActor, day: FromPath[date], data: JSONBody[HolidayIn]
    ) -> HolidayView:
        return await holidays.set_holiday(actor, day, is_workday=data.is_workday, name=data.name)

    @delete("/holidays/{day:date}", summary="Unlist a day (admin)")
    async def remove_holiday(self, actor: CurrentActor, day: FromPath[date]) -> None:
        await holidays.remove_holiday(actor, day)


class NotificationController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get("/", summary="My notifications (to me, my units and my departments), newest first")
    async def list_notifications(
        self,
        actor: CurrentActor,
        unread: FromQuery[bool] = False,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> Page[NotificationView]:
        offset, limit = check_page(page, page_size)
        views, total = await my_notifications(actor, unread_only=unread, offset=offset, limit=limit)
        return Page(views, total, page, page_size)

    @post("/{notification_id:int}/read", summary="Mark as read", status_code=204)
    async def read(self, actor: CurrentActor, notification_id: FromPath[int]) -> None:
        await mark_read(actor, notification_id)


CASE_ADMIN_CONTROLLERS = [CategoryController, CalendarController, NotificationController]
