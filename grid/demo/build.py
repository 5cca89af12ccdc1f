"""``build_demo``: generate the plan from the seed, then store whatever of it is missing.

A second call on a database that holds the demo finds every step done (a handful of reads)
and returns the same summary, logins included; a build that stopped half-way is completed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tqdm import tqdm

from grid.demo.accounts import streets_with_party, write_party, write_staff
from grid.demo.model import DemoPlan
from grid.demo.plan import generate_plan
from grid.demo.staff import DEMO_PASSWORD, DemoLogin, logins
from grid.demo.writer import (
    Steps,
    communities_with_people,
    write_community,
    write_org,
    write_units,
)
from grid.tables import CareTag, Level

CARE_LABELS = {
    CareTag.elderly_alone: "独居老人",
    CareTag.low_income: "低保",
    CareTag.disabled: "残疾人",
    CareTag.veteran: "退役军人",
}


@dataclass(frozen=True)
class DemoSummary:
    district_code: str
    district_name: str
    seed: int
    counts: dict[str, int]
    logins: list[DemoLogin]
    #: False when the demo was already in the database and nothing was written.
    created: bool = field(default=True, compare=False)

    def describe(self) -> str:
        c = self.counts
        care = "、".join(f"{label} {c[tag]:,}" for tag, label in CARE_LABELS.items())
        state = "本次已写入数据库" if self.created else "数据库中已存在，未做改动"
        return (
            f"{self.district_name}（{self.district_code}，种子 {self.seed}）{state}："
            f"{c['streets']} 个街道、{c['communities']} 个社区、{c['grids']} 个网格、"
            f"{c['micro_grids']} 个微网格；{c['house_units']:,} 套房屋（开发商未售 "
            f"{c['unsold']:,} 套）、{c['owners']:,} 位业主、{c['households']:,} 户、"
            f"{c['residents']:,} 名居民（{care}）；{c['departments']} 个职能部门，"
            f"{c['party_orgs']} 个党组织、{c['party_members']:,} 名党员；"
            f"{len(self.logins)} 个演示账号，密码均为 {DEMO_PASSWORD}。"
            f" Demo district {self.district_code} (seed {self.seed}): {c['grids']} grids, "
            f"{c['residents']:,} residents, {len(self.logins)} logins"
            f"{'' if self.created else ', already present'}."
        )


def summarize(plan: DemoPlan, created: bool) -> DemoSummary:
    district = plan.units_at(Level.district)[0]
    levels = Counter(u.level for u in plan.units)
    residents = [r for c in plan.communities for h in c.households for r in h.residents]
    tags = Counter(t for r in residents for t in r.tags)
    orgs = [o for street in plan.party.values() for o in street]
    counts = {
        "streets": levels[Level.street],
        "communities": levels[Level.community],
        "grids": levels[Level.grid],
        "micro_grids": levels[Level.micro_grid],
        "house_units": sum(len(c.houses) for c in plan.communities),
        "unsold": sum(1 for c in plan.communities for h in c.houses if h.owner_key == "developer"),
        "owners": sum(len(c.owners) for c in plan.communities) + 1,
        "households": sum(len(c.households) for c in plan.communities),
        "residents": len(residents),
        "departments": len(plan.departments),
        "party_orgs": len(orgs),
        "party_members": sum(len(o.members) for o in orgs),
        **{str(tag): tags[tag] for tag in CareTag},
    }
    names = {u.code: u.name for u in plan.units}
    return DemoSummary(
        district_code=district.code,
        district_name=district.name,
        seed=plan.seed,
        counts=counts,
        logins=logins(plan.staff, names),
        created=created,
    )


async def build_demo(seed: int = 2026, progress: bool = False) -> DemoSummary:
    """Load the synthetic demo district for ``seed`` (idempotent; dev only)."""
    plan = generate_plan(seed)
    total = len(Level) + 1 + len(plan.communities) + len(plan.staff) + len(plan.party)
    with tqdm(total=total, desc="演示区 demo", unit="步", disable=not progress) as bar:
        steps = Steps(bar)
        units = await write_units(plan, steps)
        developer = await write_org(plan, units, steps)
        done = await communities_with_people(plan)
        for community in plan.communities:
            if community.community_code not in done:
                await write_community(community, units, developer)
                steps.written += len(community.houses)
            steps.done()
        staff = await write_staff(plan, units, steps)
        party_done = await streets_with_party(plan, units)
        for street_code, orgs in plan.party.items():
            if street_code not in party_done:
                await write_party(plan, street_code, units, staff)
                steps.written += len(orgs)
            steps.done()
    return summarize(plan, created=steps.written > 0)
