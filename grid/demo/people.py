"""Houses, owners, households and residents of one community (pure, from the caller's rng).

Shapes follow what a community's register looks like: one building per micro-grid with one or
two entrances (单元), units stacked floor by floor with the same floor plan (so the same area)
above each other; most units owner-occupied, some rented out, some empty; a few owners with
several units; unsold units of one newer building held by the developer; households of one to
five people related to their head (户主/配偶/子女/父母); care tags on realistic shares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from grid.demo.model import (
    DEMO_YEAR,
    DEVELOPER_KEY,
    CommunityPeople,
    HouseholdPlan,
    HousePlan,
    OwnerPlan,
    ResidentPlan,
)
from grid.demo.names import IdentityMaker, person_name, surname
from grid.tables import CareTag, OwnerKind, Tenure

#: Region code of the demo district; every resident's ID number starts with it.
REGION = "500199"
#: Where non-resident owners' ID numbers come from (other Chongqing districts).
OTHER_REGIONS = ("500103", "500105", "500106", "500107", "500108", "500112")

MIN_AREA_CENTI, MAX_AREA_CENTI, MODE_AREA_CENTI = 45_00, 180_00, 88_00

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_WEIGHTS = (18, 30, 28, 15, 9)
COMPOSITIONS: dict[int, tuple[tuple[tuple[str, ...], int], ...]] = {
    1: ((("户主",), 1),),
    2: ((("户主", "配偶"), 85), (("户主", "子女"), 15)),
    3: (
        (("户主", "配偶", "子女"), 80),
        (("户主", "子女", "子女"), 5),
        (("户主", "配偶", "父母"), 15),
    ),
    4: ((("户主", "配偶", "子女", "子女"), 55), (("户主", "配偶", "子女", "父母"), 45)),
    5: (
        (("户主", "配偶", "子女", "父母", "父母"), 60),
        (("户主", "配偶", "子女", "子女", "父母"), 40),
    ),
}


@dataclass(frozen=True)
class MicroSite:
    """A micro-grid as the people generator sees it: one building of a compound."""

    code: str
    compound: str
    building: int
    new_building: bool = False  # its unsold units are the developer's


def _houses(rng: random.Random, sites: list[MicroSite]) -> list[tuple[HousePlan, bool]]:
    """Every house unit with whether it is unsold (the developer's)."""
    out: list[tuple[HousePlan, bool]] = []
    for site in sites:
        entrances = rng.choice((1, 1, 2))
        floors = rng.randint(2, 4)
        per_floor = rng.choice((1, 2))
        for entrance in range(1, entrances + 1):
            plans = [
                round(rng.triangular(MIN_AREA_CENTI, MAX_AREA_CENTI, MODE_AREA_CENTI))
                for _ in range(per_floor)
            ]
            for floor in range(1, floors + 1):
                for k, area in enumerate(plans, start=1):
                    room = f"{floor}{k:02d}"
                    house = HousePlan(
                        micro_code=site.code,
                        building=str(site.building),
                        entrance=str(entrance),
                        room=room,
                        address=f"{site.compound}{site.building}栋{entrance}单元{room}室",
                        area_centi=area,
                        owner_key="",
                    )
                    out.append((house, site.new_building and rng.random() < 0.5))
    return out


class _Family:
    """Draws one household's members around its head."""

    def __init__(self, rng: random.Random, ids: IdentityMaker) -> None:
        self.rng = rng
        self.ids = ids

    def person(
        self, relation: str, gender: str, age: int, family: str, owner: str | None = None
    ) -> ResidentPlan:
        birth_year = DEMO_YEAR - age
        return ResidentPlan(
            name=person_name(self.rng, gender, family),
            gender=gender,
            birth_year=birth_year,
            relation=relation,
            id_number=self.ids.id_number(REGION, birth_year, gender),
            phone=self.ids.phone() if age >= 14 else None,
            owner_key=owner,
        )

    def head_age(self, relations: tuple[str, ...]) -> int:
        rng = self.rng
        if "父母" in relations:
            return rng.randint(30, 52)
        if "子女" in relations:
            return rng.randint(28, 62)
        if len(relations) == 2:
            return rng.randint(60, 84) if rng.random() < 0.4 else rng.randint(24, 59)
        return rng.randint(65, 92) if rng.random() < 0.5 else rng.randint(22, 64)

    def members(self, owner_key: str | None) -> list[ResidentPlan]:
        rng = self.rng
        size = rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_WEIGHTS)[0]
        options = COMPOSITIONS[size]
        relations = rng.choices([r for r, _ in options], weights=[w for _, w in options])[0]
        head_gender = "男" if rng.random() < 0.58 else "女"
        age = self.head_age(relations)
        head_family = surname(rng)
        head = self.person("户主", head_gender, age, head_family, owner_key)
        people = [head]
        child_family = head_family
        for relation in relations[1:]:
            if relation == "配偶":
                gender = "女" if head_gender == "男" else "男"
                spouse_family = surname(rng)
                spouse_age = max(20, age + rng.randint(-6, 4))
                people.append(self.person(relation, gender, spouse_age, spouse_family))
                if gender == "男":  # children take their father's surname
                    child_family = spouse_family
            elif relation == "子女":
                child_age = max(0, age - rng.randint(22, 34))
                gender = rng.choice(("男", "女"))
                people.append(self.person(relation, gender, child_age, child_family))
            else:  # 父母: the head's father carries the head's surname
                parents = [p for p in people if p.relation == "父母"]
                gender = "女" if parents and parents[0].gender == "男" else rng.choice(("男", "女"))
                family = head_family if gender == "男" else surname(rng)
                parent_age = min(96, age + rng.randint(22, 32))
                people.append(self.person(relation, gender, parent_age, family))
        return people


def _tag(rng: random.Random, people: list[ResidentPlan]) -> tuple[ResidentPlan, ...]:
    """Care tags on shares close to a Chongqing community's register."""
    low_income = rng.random() < 0.02  # 低保 is granted per household
    out = []
    for p in people:
        age = DEMO_YEAR - p.birth_year
        tags: list[CareTag] = []
        if len(people) == 1 and age >= 65:
            tags.append(CareTag.elderly_alone)
        if low_income:
            tags.append(CareTag.low_income)
        if rng.random() < 0.015:
            tags.append(CareTag.disabled)
        if p.gender == "男" and 25 <= age <= 80 and rng.random() < 0.03:
            tags.append(CareTag.veteran)
        if age >= 18 and rng.random() < 0.004:
            tags.append(CareTag.key_person)
        if p.gender == "女" and 22 <= age <= 40 and rng.random() < 0.04:
            tags.append(CareTag.pregnant)
        out.append(replace(p, tags=tuple(tags)) if tags else p)
    return tuple(out)


def generate_community(
    rng: random.Random, ids: IdentityMaker, community_code: str, sites: list[MicroSite]
) -> CommunityPeople:
    family = _Family(rng, ids)
    owners: list[OwnerPlan] = []
    units_of: dict[str, int] = {}
    houses: list[HousePlan] = []
    households: list[HouseholdPlan] = []
    for house, unsold in _houses(rng, sites):
        index = len(houses)
        if unsold:
            houses.append(replace(house, owner_key=DEVELOPER_KEY))
            continue
        several = [o for o in owners if units_of[o.key] < 3]
        if several and rng.random() < 0.08:
            # An owner's second or third unit: rented out or kept empty.
            owner = rng.choice(several)
            occupancy = Tenure.rented if rng.random() < 0.65 else None
        else:
            roll = rng.random()
            occupancy = (
                Tenure.owner_occupied if roll < 0.78 else Tenure.rented if roll < 0.91 else None
            )
            key = f"{community_code}:o{len(owners) + 1}"
            if occupancy is Tenure.owner_occupied:
                members = family.members(key)
                head = members[0]
                owner = OwnerPlan(key, OwnerKind.person, head.name, head.id_number, head.phone)
                households.append(HouseholdPlan(index, occupancy, _tag(rng, members)))
            else:
                gender = rng.choice(("男", "女"))
                birth_year = DEMO_YEAR - rng.randint(30, 72)
                owner = OwnerPlan(
                    key,
                    OwnerKind.person,
                    person_name(rng, gender),
                    ids.id_number(rng.choice(OTHER_REGIONS), birth_year, gender),
                    ids.phone(),
                )
            owners.append(owner)
        units_of[owner.key] = units_of.get(owner.key, 0) + 1
        houses.append(replace(house, owner_key=owner.key))
        if occupancy is Tenure.rented:
            households.append(HouseholdPlan(index, Tenure.rented, _tag(rng, family.members(None))))
    return CommunityPeople(community_code, tuple(owners), tuple(houses), tuple(households))
