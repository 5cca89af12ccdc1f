"""Party organizations beside the org tree, and their members' roles.

The line runs 街道党工委 (street) → 社区党委 (community) → 网格党支部 (grid) → 党员楼栋长 (a member
leading a building, i.e. a micro-grid) → 党员中心户 (a member household linked to its building
leader). The first three are organizations tied to an org unit of the matching level; the last
two are member roles, so a building leader is always a member of the grid branch that covers
the building.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import (
    Household,
    Level,
    OrgUnit,
    PartyMember,
    PartyOrg,
    PartyOrgKind,
    PartyRole,
    Resident,
    StaffAccount,
)

#: The unit level each kind of organization serves, and the kind of its parent organization.
KIND_LEVEL: dict[PartyOrgKind, Level] = {
    PartyOrgKind.street_working_committee: Level.street,
    PartyOrgKind.community_committee: Level.community,
    PartyOrgKind.grid_branch: Level.grid,
}
KIND_PARENT: dict[PartyOrgKind, PartyOrgKind | None] = {
    PartyOrgKind.street_working_committee: None,
    PartyOrgKind.community_committee: PartyOrgKind.street_working_committee,
    PartyOrgKind.grid_branch: PartyOrgKind.community_committee,
}


@dataclass(frozen=True)
class MemberSpec:
    name: str
    role: PartyRole = PartyRole.member
    resident_id: int | None = None
    staff_id: int | None = None
    micro_grid_id: int | None = None
    household_id: int | None = None
    leader_id: int | None = None
    joined_on: date | None = None


_ORG_COLUMNS = (
    PartyOrg.id,
    PartyOrg.name,
    PartyOrg.kind,
    PartyOrg.parent,
    PartyOrg.unit,
    PartyOrg.unit_prefix,
    PartyOrg.unit.name.as_alias("unit_name"),
)


async def access_party_org(
    actor: Actor, org_id: int, action: Action = Action.party_read
) -> dict[str, Any]:
    org = await PartyOrg.select(*_ORG_COLUMNS).where(PartyOrg.id == org_id).first()
    if org is None:
        raise not_found("party_org", org_id)
    authorize(
        actor, action, org["unit_prefix"], read=Action.party_read, kind="party_org", ident=org_id
    )
    return org


async def create_party_org(
    actor: Actor, *, name: str, kind: PartyOrgKind, unit_id: int, parent_id: int | None = None
) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise invalid("name", "required")
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.prefix, OrgUnit.level)
        .where(OrgUnit.id == unit_id)
        .first()
    )
    if unit is None:
        raise not_found("unit", unit_id)
    authorize(
        actor,
        Action.party_manage,
        unit["prefix"],
        read=Action.party_read,
        kind="unit",
        ident=unit_id,
    )
    if unit["level"] != KIND_LEVEL[kind]:
        raise DomainError(
            ErrorCode.PARTY_PARENT_INVALID,
            reason=f"a {kind} serves a {KIND_LEVEL[kind]}, not a {unit['level']}",
        )
    expected_parent = KIND_PARENT[kind]
    if expected_parent is None:
        if parent_id is not None:
            raise DomainError(
                ErrorCode.PARTY_PARENT_INVALID, reason=f"a {kind} has no parent organization"
            )
    else:
        if parent_id is None:
            raise DomainError(
                ErrorCode.PARTY_PARENT_INVALID, reason=f"a {kind} needs a {expected_parent} parent"
            )
        parent = await access_party_org(actor, parent_id)
        if parent["kind"] != expected_parent or not unit["prefix"].startswith(
            parent["unit_prefix"]
        ):
            raise DomainError(
                ErrorCode.PARTY_PARENT_INVALID,
                reason=f"the parent must be the {expected_parent} of an enclosing unit",
            )
    async with write_transaction():
        row = (
            await PartyOrg.insert(
                PartyOrg(
                    name=name, kind=kind, parent=parent_id, unit=unit_id, unit_prefix=unit["prefix"]
                )
            )
        )[0]
    return await access_party_org(actor, row["id"])


async def list_party_orgs(
    actor: Actor,
    *,
    kind: PartyOrgKind | None = None,
    parent_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    prefixes = actor.scope_prefixes(Action.party_read)
    if not prefixes:
        return [], 0
    condition = PartyOrg.unit_prefix.like(prefixes[0] + "%")
    for prefix in prefixes[1:]:
        condition = condition | PartyOrg.unit_prefix.like(prefix + "%")
    if kind is not None:
        condition = condition & (PartyOrg.kind == kind)
    if parent_id is not None:
        condition = condition & (PartyOrg.parent == parent_id)
    total = await PartyOrg.count().where(condition)
    rows = (
        await PartyOrg.select(*_ORG_COLUMNS)
        .where(condition)
        .order_by(PartyOrg.unit_prefix)
        .offset(offset)
        .limit(limit)
    )
    return rows, total


async def _check_member_links(actor: Actor, org: dict[str, Any], spec: MemberSpec) -> None:
    """Links must point inside the organization's unit, and roles need their links."""
    prefix = org["unit_prefix"]
    if spec.resident_id is not None:
        resident = (
            await Resident.select(Resident.unit_prefix)
            .where(Resident.id == spec.resident_id)
            .first()
        )
        if resident is None or not resident["unit_prefix"].startswith(prefix):
            raise not_found("resident", spec.resident_id)
    if spec.staff_id is not None and not await StaffAccount.exists().where(
        StaffAccount.id == spec.staff_id
    ):
        raise not_found("staff", spec.staff_id)
    if spec.role is PartyRole.building_leader:
        if org["kind"] != PartyOrgKind.grid_branch or spec.micro_grid_id is None:
            raise invalid(
                "micro_grid_id", "a building leader belongs to a grid branch and leads a micro-grid"
            )
    if spec.micro_grid_id is not None:
        building = (
            await OrgUnit.select(OrgUnit.prefix, OrgUnit.level)
            .where(OrgUnit.id == spec.micro_grid_id)
            .first()
        )
        if (
            building is None
            or building["level"] != Level.micro_grid
            or not building["prefix"].startswith(prefix)
        ):
            raise invalid("micro_grid_id", "must be a micro-grid inside the organization's unit")
    if spec.role is PartyRole.central_household and spec.household_id is None:
        raise invalid("household_id", "a central household needs its household")
    if spec.household_id is not None:
        household = (
            await Household.select(Household.unit_prefix)
            .where(Household.id == spec.household_id)
            .first()
        )
        if household is None or not household["unit_prefix"].startswith(prefix):
            raise not_found("household", spec.household_id)
    if spec.leader_id is not None:
        leader = (
            await PartyMember.select(PartyMember.role, PartyMember.party_org)
            .where(PartyMember.id == spec.leader_id)
            .first()
        )
        if (
            leader is None
            or leader["role"] != PartyRole.building_leader
            or leader["party_org"] != org["id"]
        ):
            raise invalid("leader_id", "must be a building leader of the same branch")


async def add_member(actor: Actor, org_id: int, spec: MemberSpec) -> dict[str, Any]:
    org = await access_party_org(actor, org_id, Action.party_manage)
    if not spec.name.strip():
        raise invalid("name", "required")
    await _check_member_links(actor, org, spec)
    async with write_transaction():
        row = (
            await PartyMember.insert(
                PartyMember(
                    party_org=org_id,
                    role=spec.role,
                    name=spec.name.strip(),
                    resident=spec.resident_id,
                    staff=spec.staff_id,
                    micro_grid=spec.micro_grid_id,
                    household=spec.household_id,
                    leader=spec.leader_id,
                    joined_on=spec.joined_on,
                )
            )
        )[0]
    return (await list_members(actor, org_id, member_id=row["id"]))[0]


async def list_members(
    actor: Actor, org_id: int, *, member_id: int | None = None
) -> list[dict[str, Any]]:
    await access_party_org(actor, org_id)
    condition = PartyMember.party_org == org_id
    if member_id is not None:
        condition = condition & (PartyMember.id == member_id)
    return (
        await PartyMember.select(
            PartyMember.id,
            PartyMember.name,
            PartyMember.role,
            PartyMember.resident.as_alias("resident_id"),
            PartyMember.staff.as_alias("staff_id"),
            PartyMember.micro_grid.as_alias("micro_grid_id"),
            PartyMember.household.as_alias("household_id"),
            PartyMember.leader.as_alias("leader_id"),
            PartyMember.joined_on,
        )
        .where(condition)
        .order_by(PartyMember.id)
    )


async def remove_member(actor: Actor, org_id: int, member_id: int) -> None:
    await access_party_org(actor, org_id, Action.party_manage)
    async with write_transaction():
        if not await PartyMember.exists().where(
            (PartyMember.id == member_id) & (PartyMember.party_org == org_id)
        ):
            raise not_found("party_member", member_id)
        await PartyMember.update({PartyMember.leader: None}).where(PartyMember.leader == member_id)
        await PartyMember.delete().where(PartyMember.id == member_id)
