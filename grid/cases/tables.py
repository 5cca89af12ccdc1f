"""Tables and enums of the cases domain. Rules live in ``states.py``, ``calendar.py`` and
``services/``; nothing here but columns.

Storage choices worth knowing:

* A case keeps two places: ``home_unit`` (where it happened: a grid, or the smallest unit
  around the point) and ``unit`` (who is responsible now, at ``level`` on the escalation
  ladder). Both carry a prefix column so a subtree is one indexed ``LIKE 'prefix%'``.
* ``deadline_at`` is the current level's deadline and stays set after the work is done (so
  KPIs can compare it with ``closed_at``); ``sweep_at`` is when the escalation sweep must look
  at the case next — equal to ``deadline_at`` while the clock runs and the case can still
  climb, NULL otherwise — with a partial index, so the sweep's cost grows with the number of
  overdue cases, never with all cases.
* ``reporter_kind``/``reporter_id``/``client_id`` are unique together (a hand-written
  migration): a retried report returns the case it already made.
* A case has no stored number: :func:`grid.cases.services.queries.case_number` derives the
  human-readable ``YYYYMMDD-NNNNNN`` from the local report date and the id, which costs
  no extra write and can never collide.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from grid.cases.calendar import TimeUnit
from grid.cases.states import CaseState
from grid.tables import Department, DepartmentKind, HouseUnit, Level, OrgUnit, StaffAccount


class CategoryKind(StrEnum):
    event = "event"  # 事件: first to the locality (属地), then to the owner
    component = "component"  # 部件: first to the owner (权属单位), then to the locality


class Severity(StrEnum):
    normal = "normal"
    major = "major"  # 重大: filed at the street center at least


class Channel(StrEnum):
    miniprogram = "miniprogram"
    telegram = "telegram"
    wechat = "wechat"
    console = "console"
    api = "api"
    open311 = "open311"
    system = "system"  # transitions made by background work


class ReporterKind(StrEnum):
    staff = "staff"
    resident = "resident"
    external = "external"  # a channel's own user id (bot, sensor, Open311 client)


class AssigneeKind(StrEnum):
    unit = "unit"
    department = "department"
    staff = "staff"


class Arrival(StrEnum):
    """How a case reached its current level (triage queues use it)."""

    intake = "intake"
    escalation = "escalation"
    send_down = "send_down"


class RecipientKind(StrEnum):
    staff = "staff"
    unit = "unit"
    department = "department"
    resident = "resident"
    external = "external"


class Category(Table, tablename="case_category"):
    """Two levels: a major category (``parent`` NULL, e.g. 01 市容环境) and its minor ones
    (e.g. 0101 暴露垃圾). Cases take minor categories only."""

    # help_text: the admin site's tooltips (Chinese); Piccolo migrations ignore it
    code = Varchar(
        length=16, unique=True, index=True, help_text="大类两位数字，小类为大类编码加两位"
    )
    parent = ForeignKey(
        "self", null=True, on_delete=OnDelete.restrict, help_text="小类所属的大类；大类留空"
    )
    name = Varchar(length=64)
    name_en = Varchar(length=100, default="")
    kind = Varchar(
        length=16,
        choices=CategoryKind,
        default=CategoryKind.event,
        help_text="事件先交属地，部件先交权属单位",
    )
    first_level = Varchar(
        length=16, choices=Level, default=Level.grid, help_text="由各级时限推出，不可直接修改"
    )
    time_unit = Varchar(length=16, choices=TimeUnit, default=TimeUnit.working_days)
    limits = JSON(
        default={}, help_text='各级办理时限，如 {"grid": 1, "community": 1, "street": 2}'
    )  # in time_unit
    duplicate_radius_m = Integer(default=50, help_text="此距离内的同类案件提示为疑似重复")
    duplicate_window_h = Integer(default=24, help_text="此时长内的同类案件提示为疑似重复")
    owner_department_kind = Varchar(
        length=32,
        choices=DepartmentKind,
        null=True,
        default=None,
        help_text="部件的常见权属部门，派遣时推荐",
    )  # a component's usual owner (权属单位), suggested on dispatch
    active = Boolean(default=True, help_text="停用后不再接受新上报；已有案件保留此类别")
    updated_at = Timestamptz(default=TimestamptzNow())


class Holiday(Table, tablename="holiday"):
    """A listed day of the working calendar: a holiday, or a make-up workday (调休上班)."""

    day = Date(unique=True, index=True, help_text="每天至多一条")
    is_workday = Boolean(default=False, help_text="勾选为调休上班日，不勾选为休息日")
    name = Varchar(length=32, default="", help_text="如 国庆节、春节调休，1–32 字")


class Case(Table, tablename="case_record"):
    category = ForeignKey(Category, on_delete=OnDelete.restrict)
    description = Text()
    severity = Varchar(length=16, choices=Severity, default=Severity.normal)
    state = Varchar(length=16, choices=CaseState, default=CaseState.reported, index=True)
    # where it happened
    home_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    home_prefix = Varchar(length=18, index=True)
    micro_grid = ForeignKey(OrgUnit, null=True, default=None, on_delete=OnDelete.restrict)
    lon = DoublePrecision(null=True, default=None)  # as reported, in coord_system
    lat = DoublePrecision(null=True, default=None)
    coord_system = Varchar(length=8, default="wgs84")
    wgs_lon = DoublePrecision(null=True, default=None)  # converted, for geometry
    wgs_lat = DoublePrecision(null=True, default=None)
    address = Varchar(length=200, default="")
    house_unit = ForeignKey(HouseUnit, null=True, default=None, on_delete=OnDelete.restrict)
    # Media ids (the media app is written in parallel; no foreign key to it yet).
    photo_ids = JSON(default=[])
    # who is responsible
    level = Varchar(length=16, choices=Level)
    unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)
    arrived_by = Varchar(length=16, choices=Arrival, default=Arrival.intake)
    top_level = Varchar(length=16, choices=Level)
    escalations = Integer(default=0)
    claimed_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    # who does the work
    assignee_kind = Varchar(length=16, choices=AssigneeKind, null=True, default=None)
    assigned_unit = ForeignKey(OrgUnit, null=True, default=None, on_delete=OnDelete.restrict)
    assigned_prefix = Varchar(length=18, null=True, default=None)
    department = ForeignKey(Department, null=True, default=None, on_delete=OnDelete.restrict)
    assigned_staff = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    handled_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    result_note = Text(default="")
    result_photo_ids = JSON(default=[])
    rework_count = Integer(default=0)
    merged_into = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    # who reported it, how
    reporter_kind = Varchar(length=16, choices=ReporterKind)
    reporter_id = Varchar(length=64)
    channel = Varchar(length=16, choices=Channel)
    client_id = Varchar(length=64)
    # time
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    filed_at = Timestamptz(null=True, default=None)
    dispatched_at = Timestamptz(null=True, default=None)
    handled_at = Timestamptz(null=True, default=None)
    verified_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    evaluated_at = Timestamptz(null=True, default=None)
    time_unit = Varchar(length=16, choices=TimeUnit)
    time_limit = Integer()  # of the current level, in time_unit
    level_started_at = Timestamptz()
    warn_at = Timestamptz()
    deadline_at = Timestamptz()
    sweep_at = Timestamptz(null=True, default=None)
    rating = SmallInt(null=True, default=None)
    rating_comment = Text(default="")
    version = Integer(default=0)


class CaseEvent(Table, tablename="case_event"):
    """One row per transition: who, when, what, from → to (state and level), why, channel."""

    case = ForeignKey(Case, on_delete=OnDelete.cascade)
    at = Timestamptz(default=TimestamptzNow())
    actor_kind = Varchar(length=16)
    actor_id = Varchar(length=64)
    actor_name = Varchar(length=100, default="")
    action = Varchar(length=16)
    from_state = Varchar(length=16, null=True, default=None)
    to_state = Varchar(length=16)
    from_level = Varchar(length=16, null=True, default=None)
    to_level = Varchar(length=16, null=True, default=None)
    reason = Text(default="")
    channel = Varchar(length=16, default="")
    data = JSON(default={})


class Outbox(Table, tablename="outbox"):
    """Notifications written in the transaction that causes them, delivered after commit
    (at least once; a consumer deduplicates by ``id``)."""

    kind = Varchar(length=48)
    recipient_kind = Varchar(length=16, choices=RecipientKind)
    recipient_id = Varchar(length=64)
    payload = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")


class Notification(Table, tablename="notification"):
    """What the built-in delivery hook leaves for people to read ("my notifications").

    One row per outbox row (``outbox_id`` is unique): a redelivered outbox row never shows
    twice. Bots and other channels plug their own hooks in beside it.
    """

    outbox_id = BigInt(unique=True)
    kind = Varchar(length=48)
    recipient_kind = Varchar(length=16, choices=RecipientKind)
    recipient_id = Varchar(length=64, index=True)
    case = ForeignKey(Case, null=True, default=None, on_delete=OnDelete.cascade)
    payload = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
