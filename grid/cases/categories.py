"""The seed taxonomy: two levels (major ``NN``, minor ``NNNN``), loaded by a migration.

Time limits follow the published examples in DOMAIN §3 where there is one (暴露垃圾 1 working
day, 道路不洁 5 working hours, 违法建设 15 working days and 4 working hours to stop work in
progress, 井盖缺失 6 hours); the others are set in the same spirit. Each level a case can
reach has its own limit; a level below ``first_level`` (reached only by sending a case down)
uses the first level's limit. Admins edit all of it through ``/api/v1/categories``.

Events (事件) start at the locality — the grid — and climb; components (部件: 井盖, 路灯, …)
start at the street center, which dispatches them to their owner department
(``owner_department_kind``) first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grid.cases.calendar import TimeUnit
from grid.tables import DepartmentKind, Level

G, C, S, D, X = Level.grid, Level.community, Level.street, Level.district, Level.city
WH, WD, EH, CD = (
    TimeUnit.working_hours,
    TimeUnit.working_days,
    TimeUnit.emergency_hours,
    TimeUnit.calendar_days,
)


def ladder(first: Level, *amounts: int) -> dict[str, int]:
    """Limits from ``first`` up to the city, in order: ``ladder(G, 1, 1, 2, 3, 5)``."""
    order = [G, C, S, D, X]
    levels = order[order.index(first) :]
    if len(amounts) != len(levels):
        raise ValueError(f"{first} needs {len(levels)} limits, got {len(amounts)}")
    return {str(level): amount for level, amount in zip(levels, amounts, strict=True)}


@dataclass(frozen=True)
class Minor:
    code: str
    name: str
    name_en: str
    unit: TimeUnit
    limits: dict[str, int]
    radius_m: int = 50
    window_h: int = 24
    owner: DepartmentKind | None = None

    @property
    def first_level(self) -> Level:
        return next(level for level in (G, C, S, D, X) if str(level) in self.limits)


@dataclass(frozen=True)
class Major:
    code: str
    name: str
    name_en: str
    kind: str  # "event" | "component"
    minors: tuple[Minor, ...] = field(default_factory=tuple)


DK = DepartmentKind

SEED: tuple[Major, ...] = (
    Major(
        "01",
        "市容环境",
        "City appearance",
        "event",
        (
            Minor("0101", "暴露垃圾", "Exposed garbage", WD, ladder(G, 1, 1, 2, 3, 5), 50, 72),
            Minor("0102", "道路不洁", "Dirty road", WH, ladder(G, 5, 5, 8, 16, 24), 100, 48),
            Minor("0103", "占道经营", "Street vending on the road", WH, ladder(G, 4, 4, 8, 16, 24)),
            Minor("0104", "乱堆物堆料", "Piled materials", WD, ladder(G, 1, 1, 2, 3, 5), 50, 72),
            Minor("0105", "非法小广告", "Illegal flyers", WD, ladder(G, 1, 1, 2, 3, 5), 30, 72),
            Minor("0106", "垃圾满溢", "Overflowing bins", WH, ladder(G, 4, 4, 8, 16, 24), 30, 24),
        ),
    ),
    Major(
        "02",
        "街面秩序",
        "Street order",
        "event",
        (
            Minor(
                "0201", "机动车乱停放", "Illegal car parking", WH, ladder(G, 2, 2, 4, 8, 16), 30, 12
            ),
            Minor(
                "0202", "共享单车乱停放", "Disorderly shared bikes", WH, ladder(G, 4, 4, 8, 16, 24)
            ),
            Minor(
                "0203", "流浪乞讨", "Vagrancy and begging", WH, ladder(G, 4, 4, 8, 16, 24), 200, 24
            ),
            Minor("0204", "噪声扰民", "Noise nuisance", WH, ladder(G, 4, 4, 8, 16, 24), 100, 24),
        ),
    ),
    Major(
        "03",
        "施工管理",
        "Construction",
        "event",
        (
            Minor(
                "0301",
                "违法建设",
                "Illegal construction",
                WD,
                ladder(S, 15, 15, 15),
                50,
                720,
                DK.city_management,
            ),
            Minor(
                "0302",
                "在建违法建设制止",
                "Stop illegal construction in progress",
                WH,
                ladder(S, 4, 4, 4),
                50,
                72,
                DK.city_management,
            ),
            Minor("0303", "施工扰民", "Construction nuisance", WD, ladder(C, 3, 3, 5, 5), 200, 72),
            Minor(
                "0304",
                "渣土撒漏",
                "Spilled muck",
                WH,
                ladder(G, 4, 4, 8, 16, 24),
                200,
                24,
                DK.city_management,
            ),
        ),
    ),
    Major(
        "04",
        "公用设施",
        "Public facilities",
        "component",
        (
            Minor(
                "0401",
                "井盖缺失",
                "Missing manhole cover",
                EH,
                ladder(S, 6, 6, 6),
                30,
                168,
                DK.water,
            ),
            Minor(
                "0402",
                "井盖破损",
                "Broken manhole cover",
                WH,
                ladder(S, 8, 8, 8),
                30,
                168,
                DK.water,
            ),
            Minor(
                "0403",
                "路灯不亮",
                "Street lamp out",
                WD,
                ladder(S, 2, 3, 5),
                30,
                168,
                DK.city_management,
            ),
            Minor(
                "0404",
                "消防栓损坏",
                "Damaged fire hydrant",
                WD,
                ladder(S, 2, 3, 5),
                30,
                168,
                DK.fire,
            ),
            Minor(
                "0405",
                "道路破损",
                "Damaged road surface",
                WD,
                ladder(S, 3, 5, 5),
                50,
                168,
                DK.transport,
            ),
            Minor(
                "0406",
                "公共健身器材损坏",
                "Broken fitness equipment",
                WD,
                ladder(C, 5, 5, 10, 10),
                30,
                168,
            ),
        ),
    ),
    Major(
        "05",
        "矛盾纠纷",
        "Disputes",
        "event",
        (
            Minor(
                "0501", "邻里纠纷", "Neighbour dispute", WD, ladder(G, 3, 5, 10, 15, 15), 30, 168
            ),
            Minor("0502", "家庭纠纷", "Family dispute", WD, ladder(G, 3, 5, 10, 15, 15), 10, 168),
            Minor(
                "0503",
                "物业纠纷",
                "Property management dispute",
                WD,
                ladder(C, 5, 10, 15, 15),
                100,
                168,
            ),
            Minor(
                "0504",
                "劳资纠纷",
                "Unpaid wages dispute",
                WD,
                ladder(S, 5, 10, 15),
                100,
                168,
                DK.other,
            ),
        ),
    ),
    Major(
        "06",
        "安全隐患",
        "Safety hazards",
        "event",
        (
            Minor(
                "0601",
                "消防通道堵塞",
                "Blocked fire lane",
                WH,
                ladder(G, 4, 4, 4, 8, 8),
                50,
                24,
                DK.fire,
            ),
            Minor(
                "0602",
                "电动车违规充电",
                "E-bike charging indoors",
                WH,
                ladder(G, 4, 4, 4, 8, 8),
                30,
                24,
                DK.fire,
            ),
            Minor(
                "0603",
                "消防设施损坏",
                "Broken fire equipment",
                WD,
                ladder(G, 1, 2, 3, 5, 5),
                30,
                72,
                DK.fire,
            ),
            Minor(
                "0604", "燃气泄漏隐患", "Gas leak hazard", EH, ladder(S, 2, 2, 2), 100, 24, DK.fire
            ),
            Minor(
                "0605",
                "危房险情",
                "Dangerous building",
                EH,
                ladder(S, 12, 12, 12),
                50,
                168,
                DK.housing,
            ),
            Minor(
                "0606",
                "高空坠物隐患",
                "Falling-object hazard",
                WH,
                ladder(G, 8, 8, 8, 16, 16),
                30,
                72,
            ),
            Minor(
                "0607",
                "占用消防通道停车",
                "Car parked in fire lane",
                WH,
                ladder(G, 2, 2, 4, 8, 8),
                30,
                12,
            ),
        ),
    ),
)

#: Kept small so it rarely wins a lookup; exists for reports no other category fits.
OTHER = Major(
    "99",
    "其他",
    "Other",
    "event",
    (Minor("9901", "其他事件", "Other", CD, ladder(G, 3, 3, 5, 7, 10), 50, 24),),
)

ALL: tuple[Major, ...] = (*SEED, OTHER)


def seed_rows() -> list[dict[str, object]]:
    """Rows for the ``case_category`` table, majors before their minors."""
    rows: list[dict[str, object]] = []
    for major in ALL:
        first = min((m.first_level for m in major.minors), key=[G, C, S, D, X].index)
        rows.append(
            {
                "code": major.code,
                "parent_code": None,
                "name": major.name,
                "name_en": major.name_en,
                "kind": major.kind,
                "first_level": str(first),
                "time_unit": str(major.minors[0].unit),
                "limits": dict(major.minors[0].limits),
                "duplicate_radius_m": 50,
                "duplicate_window_h": 24,
                "owner_department_kind": None,
            }
        )
        for minor in major.minors:
            rows.append(
                {
                    "code": minor.code,
                    "parent_code": major.code,
                    "name": minor.name,
                    "name_en": minor.name_en,
                    "kind": major.kind,
                    "first_level": str(minor.first_level),
                    "time_unit": str(minor.unit),
                    "limits": dict(minor.limits),
                    "duplicate_radius_m": minor.radius_m,
                    "duplicate_window_h": minor.window_h,
                    "owner_department_kind": str(minor.owner) if minor.owner else None,
                }
            )
    return rows
