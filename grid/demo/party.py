"""The party organization beside the org tree (pure): 街道党工委 → 社区党委 → 网格党支部,
with party-member building leaders (党员楼栋长) and central households (党员中心户).

Choices, as a street's organization department would make them:

* every grid branch has at least three full members (a branch needs three to exist) and about
  one adult in eleven otherwise; its secretary is a member of working age where there is one;
* in each micro-grid (building) with a member, one member leads the building, and up to two
  other members living in other households of that building are its central households;
* a community committee's secretary and members are residents of the community not already in
  a grid branch; a street working committee has a secretary and the street center's staff.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from grid.demo.model import (
    DEMO_YEAR,
    CommunityPeople,
    DemoPlan,
    PartyMemberPlan,
    PartyOrgPlan,
    ResidentPlan,
)
from grid.demo.names import person_name
from grid.tables import Level, PartyOrgKind, PartyRole

SHARE_OF_ADULTS = 1 / 11
MIN_BRANCH = 3


def _joined(rng: random.Random, birth_year: int) -> date:
    year = rng.randint(min(birth_year + 18, DEMO_YEAR - 1), DEMO_YEAR - 1)
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def _member(
    rng: random.Random, person: ResidentPlan, role: PartyRole, **links: object
) -> PartyMemberPlan:
    return PartyMemberPlan(
        name=person.name,
        role=role,
        joined_on=_joined(rng, person.birth_year),
        resident_id_number=person.id_number,
        **links,  # type: ignore[arg-type]
    )


def _adults_by_micro(people: CommunityPeople) -> dict[str, list[tuple[int, ResidentPlan]]]:
    """Adults of each micro-grid with the index of their household."""
    out: dict[str, list[tuple[int, ResidentPlan]]] = defaultdict(list)
    for h, household in enumerate(people.households):
        micro = people.houses[household.house].micro_code
        for person in household.residents:
            if DEMO_YEAR - person.birth_year >= 18:
                out[micro].append((h, person))
    return out


def _grid_branch(
    rng: random.Random, grid_code: str, micro_codes: list[str], adults: dict[str, list]
) -> tuple[list[PartyMemberPlan], set[str]]:
    pool = [(micro, h, p) for micro in micro_codes for h, p in adults.get(micro, [])]
    count = min(len(pool), max(MIN_BRANCH, round(len(pool) * SHARE_OF_ADULTS)))
    chosen = rng.sample(pool, count)
    working_age = [c for c in chosen if 30 <= DEMO_YEAR - c[2].birth_year <= 62]
    secretary = rng.choice(working_age or chosen)
    members = [_member(rng, secretary[2], PartyRole.secretary)]
    rest = [c for c in chosen if c is not secretary]
    for micro in micro_codes:
        here = [c for c in rest if c[0] == micro]
        if not here:
            continue
        leader = here[0]
        members.append(_member(rng, leader[2], PartyRole.building_leader, micro_code=micro))
        seen_households = {leader[1]}
        for c in here[1:]:
            if c[1] in seen_households or len(seen_households) > 2:
                continue
            seen_households.add(c[1])
            members.append(
                _member(
                    rng,
                    c[2],
                    PartyRole.central_household,
                    with_household=True,
                    leader_id_number=leader[2].id_number,
                )
            )
    placed = {m.resident_id_number for m in members}
    members += [_member(rng, c[2], PartyRole.member) for c in rest if c[2].id_number not in placed]
    return members, {c[2].id_number for c in chosen}


def generate_party(rng: random.Random, plan: DemoPlan) -> dict[str, tuple[PartyOrgPlan, ...]]:
    people = {c.community_code: c for c in plan.communities}
    children: dict[str, list[str]] = defaultdict(list)
    for unit in plan.units:
        if unit.parent_code is not None:
            children[unit.parent_code].append(unit.code)
    out: dict[str, tuple[PartyOrgPlan, ...]] = {}
    for street in plan.units_at(Level.street):
        secretary_gender = rng.choice(("男", "女"))
        orgs = [
            PartyOrgPlan(
                street.code,
                f"中共{street.name}工作委员会",
                PartyOrgKind.street_working_committee,
                None,
                (
                    PartyMemberPlan(
                        name=person_name(rng, secretary_gender),
                        role=PartyRole.secretary,
                        joined_on=date(rng.randint(1995, 2010), rng.randint(1, 12), 1),
                    ),
                    *(
                        PartyMemberPlan(
                            name=s.display_name,
                            role=PartyRole.member,
                            joined_on=date(rng.randint(2005, 2020), rng.randint(1, 12), 1),
                            staff_username=s.username,
                        )
                        for s in plan.staff
                        if s.unit_code == street.code
                    ),
                ),
            )
        ]
        for community_code in children[street.code]:
            community = plan.unit(community_code)
            adults = _adults_by_micro(people[community_code])
            branches = []
            taken: set[str] = set()
            for grid_code in children[community_code]:
                members, chosen = _grid_branch(rng, grid_code, children[grid_code], adults)
                taken |= chosen
                branches.append(
                    PartyOrgPlan(
                        grid_code,
                        f"中共{plan.unit(grid_code).name}支部委员会",
                        PartyOrgKind.grid_branch,
                        community_code,
                        tuple(members),
                    )
                )
            free = [p for group in adults.values() for _, p in group if p.id_number not in taken]
            committee = rng.sample(free, min(3, len(free)))
            committee_members = tuple(
                _member(rng, p, PartyRole.secretary if i == 0 else PartyRole.member)
                for i, p in enumerate(committee)
            )
            orgs.append(
                PartyOrgPlan(
                    community_code,
                    f"中共{community.name}委员会",
                    PartyOrgKind.community_committee,
                    street.code,
                    committee_members,
                )
            )
            orgs += branches
        out[street.code] = tuple(orgs)
    return out
