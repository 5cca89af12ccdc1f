"""Storing the demo's staff accounts (through the staff service) and party organizations.

Staff go through :mod:`grid.services.staff` like any other account — the first admin by the
bootstrap path, everyone else created by that admin — so the demo's accounts obey the same
rules as real ones (password strength, role-at-level, department grants). Party organizations
and members are bulk-inserted per street, one transaction each; members point at residents by
their ID number's blind index, so this step works on a district whose people were written in
an earlier, interrupted run.
"""

from __future__ import annotations

from typing import Any

from backend.auth import load_actor
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from backend.pii import id_number_lookup_hash
from grid.demo.model import DemoPlan, PartyMemberPlan, PartyOrgPlan
from grid.demo.staff import DEMO_PASSWORD
from grid.demo.writer import Steps, insert_all
from grid.services.staff import GrantSpec, create_first_admin, create_staff
from grid.tables import (
    Department,
    PartyMember,
    PartyOrg,
    PartyOrgKind,
    PartyRole,
    Resident,
    Role,
    RoleAssignment,
    StaffAccount,
)


async def _existing_staff(plan: DemoPlan, units: dict[str, int]) -> dict[str, int]:
    """Demo accounts already stored; a planned username held by someone else is refused."""
    planned = {s.username: s for s in plan.staff}
    rows = await StaffAccount.select(StaffAccount.id, StaffAccount.username).where(
        StaffAccount.username.is_in(list(planned))
    )
    existing = {r["username"]: r["id"] for r in rows}
    if not existing:
        return existing
    grants = await RoleAssignment.select(
        RoleAssignment.staff, RoleAssignment.role, RoleAssignment.unit
    ).where(RoleAssignment.staff.is_in(list(existing.values())))
    held = {(g["staff"], g["role"], g["unit"]) for g in grants}
    for username, staff_id in existing.items():
        s = planned[username]
        if (staff_id, str(s.role), units[s.unit_code]) not in held:
            raise DomainError(ErrorCode.USERNAME_TAKEN, username=username)
    return existing


async def write_staff(plan: DemoPlan, units: dict[str, int], steps: Steps) -> dict[str, int]:
    """Every planned account that is not stored yet; username → staff id."""
    existing = await _existing_staff(plan, units)
    departments = {
        r["code"]: r["id"]
        for r in await Department.select(Department.code, Department.id).where(
            Department.code.is_in([d.code for d in plan.departments])
        )
    }
    admin = next(s for s in plan.staff if s.role is Role.admin)
    if admin.username not in existing:
        existing[admin.username] = await create_first_admin(
            admin.username, DEMO_PASSWORD, units[admin.unit_code]
        )
        steps.written += 1
    actor = await load_actor(existing[admin.username])
    for s in plan.staff:
        if s.username in existing:
            steps.done()
            continue
        grant = GrantSpec(
            s.role,
            units[s.unit_code],
            departments[s.department_code] if s.department_code else None,
        )
        existing[s.username] = await create_staff(
            actor,
            username=s.username,
            display_name=s.display_name,
            password=DEMO_PASSWORD,
            grants=[grant],
            phone=s.phone,
        )
        steps.done(1)
    return existing


async def streets_with_party(plan: DemoPlan, units: dict[str, int]) -> set[str]:
    by_id = {units[code]: code for code in plan.party}
    rows = await PartyOrg.select(PartyOrg.unit).where(
        (PartyOrg.kind == PartyOrgKind.street_working_committee) & PartyOrg.unit.is_in(list(by_id))
    )
    return {by_id[r["unit"]] for r in rows}


def _member_row(
    m: PartyMemberPlan,
    org_id: int,
    residents: dict[str, dict[str, Any]],
    staff: dict[str, int],
    units: dict[str, int],
    leader_id: int | None = None,
) -> PartyMember:
    resident = (
        residents[id_number_lookup_hash(m.resident_id_number)] if m.resident_id_number else None
    )
    return PartyMember(
        party_org=org_id,
        role=m.role,
        name=m.name,
        resident=resident["id"] if resident else None,
        staff=staff[m.staff_username] if m.staff_username else None,
        micro_grid=units[m.micro_code] if m.micro_code else None,
        household=resident["household"] if resident and m.with_household else None,
        leader=leader_id,
        joined_on=m.joined_on,
    )


async def write_party(
    plan: DemoPlan, street_code: str, units: dict[str, int], staff: dict[str, int]
) -> None:
    """One street's party tree and members, in one transaction."""
    orgs = plan.party[street_code]
    prefix = plan.unit(street_code).prefix
    rows = await Resident.select(Resident.id, Resident.household, Resident.id_number_hash).where(
        Resident.unit_prefix.like(prefix + "%")
    )
    residents = {r["id_number_hash"]: r for r in rows}
    async with write_transaction():
        org_ids: dict[str, int] = {}
        for kind in PartyOrgKind:  # street committee, then community committees, then branches
            level: list[PartyOrgPlan] = [o for o in orgs if o.kind is kind]
            new = await insert_all(
                PartyOrg,
                [
                    PartyOrg(
                        name=o.name,
                        kind=o.kind,
                        parent=org_ids[o.parent_unit_code] if o.parent_unit_code else None,
                        unit=units[o.unit_code],
                        unit_prefix=plan.unit(o.unit_code).prefix,
                    )
                    for o in level
                ],
            )
            org_ids |= {o.unit_code: i for o, i in zip(level, new, strict=True)}
        first = [
            (o, m) for o in orgs for m in o.members if m.role is not PartyRole.central_household
        ]
        first_ids = await insert_all(
            PartyMember,
            [_member_row(m, org_ids[o.unit_code], residents, staff, units) for o, m in first],
        )
        leaders = {
            m.resident_id_number: i
            for (_, m), i in zip(first, first_ids, strict=True)
            if m.role is PartyRole.building_leader
        }
        await insert_all(
            PartyMember,
            [
                _member_row(
                    m,
                    org_ids[o.unit_code],
                    residents,
                    staff,
                    units,
                    leader_id=leaders[m.leader_id_number],
                )
                for o in orgs
                for m in o.members
                if m.role is PartyRole.central_household
            ],
        )
