"""A generated month of cases for KPI tests, and the KPIs recomputed from it in plain Python.

``build_kpi_world`` adds a district of its own under the personas' city (two streets, three
communities, six grids; grid workers with grants, one disabled), then writes cases and history
rows straight to the tables with a seeded RNG: filed before, inside and after the month
(with cases exactly on both edges), closed on time and late, climbed to street and district,
reworked, rated, voided (merged after filing), deferred (缓办), still open, never filed.
Cases in a sibling district sit outside every subtree asked about.

``expected`` is the reference: it reads the generated records, never the database, and spells
docs/kpis.md out again one case at a time, so a wrong SQL aggregate cannot agree with it by
sharing code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from grid.cases.tables import Case, CaseEvent, Category
from grid.codes import validate_code
from grid.services.staff import GrantSpec, create_staff
from grid.tables import Level, OrgUnit, Role, StaffAccount
from tests.personas import PASSWORD, World

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = (date(2026, 10, 1), date(2026, 11, 1))
GRID_LEVELS = {"micro_grid", "grid", "community"}


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)


@dataclass
class Record:
    home_prefix: str
    state: str
    created_at: datetime
    filed_at: datetime | None
    closed_at: datetime | None
    deadline_at: datetime
    top_level: str
    rework_count: int
    rating: int | None
    deferred: bool


@dataclass
class Activity:
    staff_id: int
    prefixes: list[str]
    active: bool
    acted_at: list[datetime] = field(default_factory=list)


@dataclass
class KpiWorld:
    district_id: int
    units: dict[str, int]
    prefixes: dict[str, str]
    records: list[Record]
    workers: list[Activity]
    usernames: dict[str, str]


async def _unit(world: World, code: str, name: str, level: Level, parent: int) -> tuple[int, str]:
    parent_code = (await OrgUnit.select(OrgUnit.code).where(OrgUnit.id == parent).first())["code"]
    prefix = validate_code(code, level, parent_code)
    row = await OrgUnit.insert(
        OrgUnit(code=code, prefix=prefix, name=name, level=level, parent=parent)
    )
    return row[0]["id"], prefix


def _maybe(rng: random.Random, p: float) -> bool:
    return rng.random() < p


async def build_kpi_world(world: World, district: str, seed: int, cases: int = 420) -> KpiWorld:
    """``district``: 2 digits after the city's ``5001`` (e.g. ``"98"``); one per test module."""
    rng = random.Random(seed)
    units: dict[str, int] = {}
    prefixes: dict[str, str] = {}
    d_code = f"5001{district}000000"
    units["district"], prefixes["district"] = await _unit(
        world, d_code, f"指标测试区{district}", Level.district, world.units["city"]
    )
    tree = {"street_1": ["community_11", "community_12"], "street_2": ["community_21"]}
    for s_index, (street, communities) in enumerate(tree.items(), start=1):
        units[street], prefixes[street] = await _unit(
            world, f"5001{district}00{s_index}000", street, Level.street, units["district"]
        )
        for c_index, community in enumerate(communities, start=1):
            code = f"5001{district}00{s_index}00{c_index}"
            units[community], prefixes[community] = await _unit(
                world, code, community, Level.community, units[street]
            )
            for g in (1, 2):
                key = f"grid_{community[-2:]}_{g}"
                units[key], prefixes[key] = await _unit(
                    world, f"{code}00{g}", key, Level.grid, units[community]
                )
    grids = [k for k in units if k.startswith("grid_")]

    from backend.auth import load_actor

    admin = await load_actor(world.staff["admin"])
    usernames: dict[str, str] = {}

    async def staff(name: str, role: Role, unit_keys: list[str]) -> int:
        usernames[name] = f"k{district}_{name}"
        return await create_staff(
            admin,
            username=usernames[name],
            display_name=name,
            password=PASSWORD,
            grants=[GrantSpec(role, units[k]) for k in unit_keys],
        )

    workers: list[Activity] = []
    for i, grid in enumerate(grids):
        keys = [grid, grids[2]] if i == 0 else [grid]  # worker 0 serves two communities
        workers.append(
            Activity(
                await staff(f"worker_{i}", Role.grid_worker, keys),
                [prefixes[k] for k in keys],
                True,
            )
        )
    disabled = await staff("worker_disabled", Role.grid_worker, [grids[1]])
    await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.id == disabled)
    for name, role, key in (
        ("street_1_staff", Role.street_center_staff, "street_1"),
        ("district_staff", Role.district_center_staff, "district"),
        ("community_11_staff", Role.community_staff, "community_11"),
        ("leader_11_1", Role.grid_leader, "grid_11_1"),
    ):
        await staff(name, role, [key])

    category = (await Category.select(Category.id).where(Category.code == "0101").first())["id"]
    since, until = local_midnight(MONTH[0]), local_midnight(MONTH[1])
    records: list[Record] = []
    rows: list[Case] = []
    defer_cases: list[int] = []

    def filed_time(i: int) -> datetime:
        edges = {
            0: since,
            1: until,
            2: since - timedelta(seconds=1),
            3: until - timedelta(seconds=1),
        }
        if i in edges:
            return edges[i]
        start = since - timedelta(days=6)
        return start + timedelta(
            seconds=rng.randrange(int((until - start).total_seconds()) + 5 * 86400)
        )

    for i in range(cases):
        outside = i % 29 == 28
        home = "outside" if outside else rng.choice([*grids, "community_12", "street_2"])
        home_prefix = world.codes["street_b"][:9] + "001" if outside else prefixes[home]
        home_id = world.units["grid_b1_1"] if outside else units[home]
        filed = filed_time(i)
        created = filed - timedelta(minutes=rng.randrange(0, 600))
        deadline = filed + timedelta(hours=rng.randrange(4, 240))
        fate = rng.choices(
            ["unfiled", "rejected", "voided", "deferred", "open", "closed"],
            weights=[4, 3, 4, 4, 15, 70],
        )[0]
        if i < 4:
            fate = "closed"  # the cases on the period's edges count as due
        state, filed_at, closed_at, rating, rework = "filed", filed, None, None, 0
        top = rng.choices(["grid", "community", "street", "district"], weights=[60, 20, 15, 5])[0]
        if fate == "unfiled":
            state, filed_at = "reported", None
        elif fate == "rejected":
            state, filed_at = "rejected", None
        elif fate == "voided":
            state = "merged"
        elif fate == "open":
            state = rng.choice(["filed", "dispatched", "in_progress", "handled", "verified"])
        elif fate in ("closed", "deferred"):
            if fate == "deferred":
                defer_cases.append(i)
            if fate == "closed" or _maybe(rng, 0.5):
                state = "closed"
                late = _maybe(rng, 0.25)
                span = (deadline - filed).total_seconds()
                offset = span * (rng.uniform(1.01, 2.5) if late else rng.uniform(0.05, 1.0))
                closed_at = filed + timedelta(seconds=int(offset))
                if i % 50 == 7:
                    closed_at = deadline  # exactly at the deadline counts as on time
                rework = rng.choices([0, 1, 2], weights=[80, 15, 5])[0]
                if _maybe(rng, 0.6):
                    state, rating = (
                        "evaluated",
                        rng.choices([1, 2, 3, 4, 5], weights=[3, 3, 6, 30, 58])[0],
                    )
        records.append(
            Record(
                home_prefix,
                state,
                created,
                filed_at,
                closed_at,
                deadline,
                top,
                rework,
                rating,
                fate == "deferred" and state != "merged",
            )
        )
        rows.append(
            Case(
                category=category,
                description=f"kpi {district} {i}",
                state=state,
                home_unit=home_id,
                home_prefix=home_prefix,
                level=top,
                unit=home_id,
                unit_prefix=home_prefix,
                top_level=top,
                escalations={"grid": 0, "community": 1, "street": 2, "district": 3}[top],
                rework_count=rework,
                reporter_kind="resident",
                reporter_id=f"r{district}-{i}",
                channel="miniprogram",
                client_id=f"c{i}",
                created_at=created,
                updated_at=created,
                filed_at=filed_at,
                closed_at=closed_at,
                time_unit="working_days",
                time_limit=1,
                level_started_at=filed,
                warn_at=deadline - timedelta(hours=1),
                deadline_at=deadline,
                rating=rating,
            )
        )
    ids: list[int] = []
    for start in range(0, len(rows), 50):
        inserted = await Case.insert(*rows[start : start + 50]).returning(Case.id)
        ids += [r["id"] for r in inserted]

    events: list[CaseEvent] = []
    for i in defer_cases:
        events.append(
            _event(ids[i], "staff", "0", "defer", since + timedelta(days=rng.randrange(40)))
        )
    for w in workers[:-1]:  # the last worker never acts in the month
        for _ in range(rng.randrange(0, 3)):
            at = since - timedelta(days=rng.randrange(1, 20))  # before the month: does not count
            events.append(_event(rng.choice(ids), "staff", str(w.staff_id), "start", at))
        if rng.random() < 0.75:
            at = since + timedelta(seconds=rng.randrange(int((until - since).total_seconds())))
            w.acted_at.append(at)
            events.append(_event(rng.choice(ids), "staff", str(w.staff_id), "handle", at))
    workers[-1].acted_at.append(until)  # at the period's end: outside [start, end)
    events.append(_event(ids[0], "staff", str(workers[-1].staff_id), "handle", until))
    events.append(_event(ids[1], "staff", str(disabled), "handle", since + timedelta(days=3)))
    # A resident whose id happens to equal a worker's is not that worker.
    events.append(_event(ids[2], "resident", str(workers[-1].staff_id), "confirm", since))
    for start in range(0, len(events), 50):
        await CaseEvent.insert(*events[start : start + 50])
    for w in workers:
        w.active = any(since <= at < until for at in w.acted_at)
    return KpiWorld(units["district"], units, prefixes, records, workers, usernames)


def _event(case_id: int, kind: str, actor: str, action: str, at: datetime) -> CaseEvent:
    return CaseEvent(
        case=case_id, at=at, actor_kind=kind, actor_id=actor, action=action, to_state="filed"
    )


def pct(n: int, d: int) -> float | None:
    if d == 0:
        return None
    return float((Decimal(100 * n) / Decimal(d)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def expected(kw: KpiWorld, prefix: str, start: date, end: date) -> dict[str, object]:
    """The KPIs of ``prefix``'s subtree over local days ``[start, end)``, one case at a time."""
    since, until = local_midnight(start), local_midnight(end)
    filed = voided = deferred = due = closed = on_time = in_grid = 0
    seconds = rated = satisfied = reworked = 0
    for r in kw.records:
        if not r.home_prefix.startswith(prefix) or r.filed_at is None:
            continue
        if not since <= r.filed_at < until:
            continue
        filed += 1
        if r.state == "merged":
            voided += 1
            continue
        if r.deferred:
            deferred += 1
            continue
        due += 1
        if r.rating is not None:
            rated += 1
            satisfied += r.rating >= 4
        if r.closed_at is None:
            continue
        closed += 1
        on_time += r.closed_at <= r.deadline_at
        in_grid += r.top_level in GRID_LEVELS
        seconds += round((r.closed_at - r.filed_at).total_seconds())
        reworked += r.rework_count > 0
    workers = [w for w in kw.workers if any(p.startswith(prefix) for p in w.prefixes)]
    active = sum(1 for w in workers if any(since <= at < until for at in w.acted_at))
    mean = None
    if closed:
        mean = float(
            (Decimal(seconds) / Decimal(closed * 86400)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        )
    return {
        "filed": filed,
        "voided": voided,
        "deferred": deferred,
        "due": due,
        "completion": (closed, due, pct(closed, due)),
        "on_time": (on_time, due, pct(on_time, due)),
        "resolved_in_grid": (in_grid, closed, pct(in_grid, closed)),
        "handling": (seconds, closed, mean),
        "satisfaction": (satisfied, rated, pct(satisfied, rated)),
        "rework": (reworked, closed, pct(reworked, closed)),
        "worker_activity": (active, len(workers), pct(active, len(workers))),
    }


def expected_days(
    kw: KpiWorld, prefix: str, start: date, end: date, now: datetime
) -> dict[date, tuple[int, int, int, int]]:
    """``{day: (reported, filed, closed, overdue)}`` for every local day of ``[start, end)``."""
    days = {start + timedelta(days=i): [0, 0, 0, 0] for i in range((end - start).days)}

    def bump(at: datetime | None, index: int) -> None:
        if at is None:
            return
        day = at.astimezone(SHANGHAI).date()
        if day in days:
            days[day][index] += 1

    for r in kw.records:
        if not r.home_prefix.startswith(prefix):
            continue
        bump(r.created_at, 0)
        bump(r.filed_at, 1)
        bump(r.closed_at, 2)
        missed = r.closed_at is None or r.closed_at > r.deadline_at
        counted = r.state not in ("rejected", "merged") and not r.deferred
        if r.filed_at is not None and missed and counted and r.deadline_at < now:
            bump(r.deadline_at, 3)
    return {d: (v[0], v[1], v[2], v[3]) for d, v in days.items()}
