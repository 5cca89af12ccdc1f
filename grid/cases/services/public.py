"""The public read model of cases: what anyone may see of a case published through an open
channel (Open311 today), with nothing about who reported it.

Which cases are published is the caller's choice of *channels*: a resident who reported in
the mini-program or to a grid worker did not agree to publication, so doors that publish ask
for their own channel only. A published case shows its category, state, description, the
address text and WGS-84 point given with it, its dates, deadline and who holds it — never
the reporter, contact fields, house unit or photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grid.cases.services.categories import all_categories
from grid.cases.services.moves import case_number
from grid.cases.states import CaseState
from grid.cases.tables import Case, CaseEvent, Channel
from grid.tables import Department, OrgUnit

MAX_ROWS = 1000


@dataclass(frozen=True)
class PublicCase:
    id: int
    number: str
    state: CaseState
    category_code: str
    description: str
    address: str
    lon: float | None
    lat: float | None
    created_at: datetime
    updated_at: datetime
    deadline_at: datetime
    #: the department or unit holding the case now
    holder: str
    #: the latest word on it: the handling note, else the reason of the latest move
    note: str


@dataclass(frozen=True)
class PublicFilter:
    channels: Sequence[Channel]
    case_ids: Sequence[int] | None = None
    category_codes: Sequence[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    states: Sequence[CaseState] | None = None
    limit: int = MAX_ROWS


async def _names(rows: list[dict[str, Any]]) -> tuple[dict[int, str], dict[int, str]]:
    units = {r["unit"] for r in rows} | {r["assigned_unit"] for r in rows if r["assigned_unit"]}
    departments = {r["department"] for r in rows if r["department"]}
    unit_names = (
        {
            u["id"]: u["name"]
            for u in await OrgUnit.select(OrgUnit.id, OrgUnit.name).where(
                OrgUnit.id.is_in(list(units))
            )
        }
        if units
        else {}
    )
    department_names = (
        {
            d["id"]: d["name"]
            for d in await Department.select(Department.id, Department.name).where(
                Department.id.is_in(list(departments))
            )
        }
        if departments
        else {}
    )
    return unit_names, department_names


async def _latest_reasons(case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    events = (
        await CaseEvent.select(CaseEvent.case, CaseEvent.reason)
        .where(CaseEvent.case.is_in(case_ids) & (CaseEvent.reason != ""))
        .order_by(CaseEvent.id)
    )
    return {e["case"]: e["reason"] for e in events}  # the last one wins


async def public_cases(spec: PublicFilter) -> list[PublicCase]:
    """Published cases matching ``spec``, newest first, at most ``spec.limit``."""
    where: Any = Case.channel.is_in([str(c) for c in spec.channels])
    if spec.case_ids is not None:
        if not spec.case_ids:
            return []
        where &= Case.id.is_in(list(spec.case_ids))
    if spec.category_codes is not None:
        wanted = set(spec.category_codes)
        ids = [c.id for c in (await all_categories()).values() if c.code in wanted]
        if not ids:
            return []
        where &= Case.category.is_in(ids)
    if spec.start is not None:
        where &= Case.created_at >= spec.start
    if spec.end is not None:
        where &= Case.created_at <= spec.end
    if spec.states is not None:
        if not spec.states:
            return []
        where &= Case.state.is_in([str(s) for s in spec.states])
    rows = (
        await Case.select()
        .where(where)
        .order_by(Case.created_at, ascending=False)
        .order_by(Case.id, ascending=False)
        .limit(min(spec.limit, MAX_ROWS))
    )
    categories = await all_categories()
    unit_names, department_names = await _names(rows)
    reasons = await _latest_reasons([r["id"] for r in rows])
    found = []
    for r in rows:
        if r["department"]:
            holder = department_names.get(r["department"], "")
        else:
            holder = unit_names.get(r["assigned_unit"] or r["unit"], "")
        category = categories.get(r["category"])
        found.append(
            PublicCase(
                id=r["id"],
                number=case_number(r["id"], r["created_at"]),
                state=CaseState(r["state"]),
                category_code=category.code if category else "",
                description=r["description"],
                address=r["address"],
                lon=r["wgs_lon"],
                lat=r["wgs_lat"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                deadline_at=r["deadline_at"],
                holder=holder,
                note=r["result_note"] or reasons.get(r["id"], ""),
            )
        )
    return found
