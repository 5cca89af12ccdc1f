"""The arithmetic of owners' decisions (PRC Civil Code art. 278) and of opinion polls, pure.

Everything is integers: areas in hundredths of a square metre (``centi``), head counts, and
thresholds as exact fractions compared by cross-multiplication (``value * den >= base * num``),
so a result never depends on rounding. Each check also says by how much it passed or failed:
``margin = value - needed``, where ``needed`` is the smallest whole value that passes.

Art. 278's wording decides the comparisons:

* quorum: "专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决" — at least
  2/3 of the total area AND at least 2/3 of the owners take part (以上 includes the number
  itself, art. 1259);
* items 6–8: "参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意" —
  at least 3/4 of the participating area AND count agree;
* every other item: "过半数" — strictly more than half of the participating area AND count.

An abstention is participation, never agreement. A check against a base of zero fails: no
one can consent to anything on behalf of nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum


class Comparison(StrEnum):
    at_least = "at_least"  # 以上: the number itself passes
    more_than = "more_than"  # 过半数: strictly more


@dataclass(frozen=True)
class Threshold:
    num: int
    den: int
    comparison: Comparison

    @property
    def label(self) -> str:
        sign = "≥" if self.comparison is Comparison.at_least else ">"
        return f"{sign}{self.num}/{self.den}"

    def passes(self, value: int, base: int) -> bool:
        """``value / base`` meets the threshold, decided by cross-multiplication."""
        if base <= 0:
            return False
        if self.comparison is Comparison.at_least:
            return value * self.den >= base * self.num
        return value * self.den > base * self.num

    def needed(self, base: int) -> int:
        """The smallest whole ``value`` that passes against ``base``."""
        if base <= 0:
            return 1
        if self.comparison is Comparison.at_least:
            return -((-base * self.num) // self.den)  # ceil(base * num / den)
        return (base * self.num) // self.den + 1  # floor(base * num / den) + 1


TWO_THIRDS_AT_LEAST = Threshold(2, 3, Comparison.at_least)
THREE_QUARTERS_AT_LEAST = Threshold(3, 4, Comparison.at_least)
MORE_THAN_HALF = Threshold(1, 2, Comparison.more_than)


class Art278Item(IntEnum):
    """The matters owners decide together, numbered as art. 278 para. 1 numbers them."""

    assembly_rules = 1  # 制定和修改业主大会议事规则
    management_statute = 2  # 制定和修改管理规约
    committee = 3  # 选举业主委员会或者更换业主委员会成员
    property_manager = 4  # 选聘和解聘物业服务企业或者其他管理人
    use_maintenance_funds = 5  # 使用建筑物及其附属设施的维修资金
    raise_maintenance_funds = 6  # 筹集建筑物及其附属设施的维修资金
    rebuild = 7  # 改建、重建建筑物及其附属设施
    change_common_use = 8  # 改变共有部分的用途或者利用共有部分从事经营活动
    other_major = 9  # 有关共有和共同管理权利的其他重大事项


#: Items 6–8 need the qualified majority (at least 3/4); the rest a simple one (> 1/2).
QUALIFIED_ITEMS = frozenset(
    {Art278Item.raise_maintenance_funds, Art278Item.rebuild, Art278Item.change_common_use}
)


def passing_threshold(item: Art278Item | int) -> Threshold:
    return THREE_QUARTERS_AT_LEAST if Art278Item(item) in QUALIFIED_ITEMS else MORE_THAN_HALF


class Measure(StrEnum):
    area = "area"  # hundredths of m²
    heads = "heads"  # owners (roll entries)


@dataclass(frozen=True)
class Check:
    """One threshold applied to one quantity: passed, and by how much (``margin``)."""

    name: str
    unit: Measure
    value: int
    base: int
    threshold: Threshold
    passed: bool
    needed: int

    @property
    def margin(self) -> int:
        """``value - needed``: ≥ 0 passed by that much, < 0 short by ``-margin``."""
        return self.value - self.needed

    def as_dict(self) -> dict[str, object]:
        def shown(n: int) -> str:
            return str(centi_to_m2(n)) if self.unit is Measure.area else str(n)

        return {
            "name": self.name,
            "unit": "m2" if self.unit is Measure.area else "owners",
            "threshold": self.threshold.label,
            "value": shown(self.value),
            "base": shown(self.base),
            "needed": shown(self.needed),
            "margin": shown(self.margin),
            "passed": self.passed,
        }


def check(name: str, unit: Measure, value: int, base: int, threshold: Threshold) -> Check:
    return Check(
        name=name,
        unit=unit,
        value=value,
        base=base,
        threshold=threshold,
        passed=threshold.passes(value, base),
        needed=threshold.needed(base),
    )


def centi_to_m2(centi: int) -> Decimal:
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


# --- the roll: who counts as one owner, with which area ---------------------------------


class VoterKind(StrEnum):
    owners = "owners"  # the owner(s) of one or more house units
    developer = "developer"  # 建设单位: all its units count as one owner
    resident = "resident"
    household = "household"


@dataclass(frozen=True)
class Holding:
    """One house unit as the roll sees it: its area and the ids/kinds of its owners."""

    house_unit_id: int
    area_centi: int
    owner_ids: tuple[int, ...]
    developer_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RollLine:
    """One voter of an owners' decision: one ballot, one head, the summed area of its units."""

    voter_key: str
    kind: VoterKind
    owner_ids: tuple[int, ...]
    house_unit_ids: tuple[int, ...]
    weight_centi: int

    @property
    def headcount_key(self) -> str:
        return self.voter_key


def buyer_key(holding: Holding) -> tuple[VoterKind, tuple[int, ...]]:
    """Who "bought" a unit, as the counting rule groups them.

    The Supreme People's Court's interpretation on building ownership (2009, art. 9) counts
    owners by exclusive parts, one part one person, except that one buyer of several parts and
    the developer's unsold parts each count as one. The buyer of a co-owned unit is its set of
    co-owners together, so co-owners share one vote and two units held by the same set of
    people are one buyer. A unit with any developer owner is the developer's.
    """
    if holding.developer_ids:
        return VoterKind.developer, tuple(sorted(holding.developer_ids))
    return VoterKind.owners, tuple(sorted(set(holding.owner_ids)))


def owners_roll(holdings: Iterable[Holding]) -> list[RollLine]:
    """The roll of an owners' decision, grouped by buyer, in a stable order (first unit id)."""
    groups: dict[tuple[VoterKind, tuple[int, ...]], list[Holding]] = {}
    for holding in sorted(holdings, key=lambda h: h.house_unit_id):
        if not holding.owner_ids:
            raise ValueError(f"house unit {holding.house_unit_id} has no owner")
        groups.setdefault(buyer_key(holding), []).append(holding)
    lines = []
    for (kind, ids), members in groups.items():
        prefix = "developer" if kind is VoterKind.developer else "owners"
        lines.append(
            RollLine(
                voter_key=f"{prefix}:{','.join(map(str, ids))}",
                kind=kind,
                owner_ids=ids,
                house_unit_ids=tuple(h.house_unit_id for h in members),
                weight_centi=sum(h.area_centi for h in members),
            )
        )
    return lines


# --- tallies -----------------------------------------------------------------------------


class Choice(StrEnum):
    agree = "agree"
    disagree = "disagree"
    abstain = "abstain"


@dataclass(frozen=True)
class Cast:
    """One counted ballot: the roll entry's weight and what it chose (or approved)."""

    weight_centi: int
    choice: Choice | None = None
    approvals: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Totals:
    """Everyone on the roll (the base of the quorum)."""

    count: int
    area_centi: int


@dataclass(frozen=True)
class Participation:
    count: int
    area_centi: int


def participation(casts: Sequence[Cast]) -> Participation:
    return Participation(len(casts), sum(c.weight_centi for c in casts))


def quorum_checks(totals: Totals, part: Participation) -> list[Check]:
    return [
        check("quorum_area", Measure.area, part.area_centi, totals.area_centi, TWO_THIRDS_AT_LEAST),
        check("quorum_count", Measure.heads, part.count, totals.count, TWO_THIRDS_AT_LEAST),
    ]


@dataclass(frozen=True)
class DecisionResult:
    item: Art278Item
    totals: Totals
    participation: Participation
    counts: Mapping[Choice, int]
    areas_centi: Mapping[Choice, int]
    quorum: list[Check]
    passing: list[Check]

    @property
    def quorum_met(self) -> bool:
        return all(c.passed for c in self.quorum)

    @property
    def passed(self) -> bool:
        return self.quorum_met and all(c.passed for c in self.passing)

    @property
    def checks(self) -> list[Check]:
        return [*self.quorum, *self.passing]

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]


def tally_decision(item: Art278Item | int, totals: Totals, casts: Sequence[Cast]) -> DecisionResult:
    """Art. 278: quorum on the whole roll, then agreement among those who took part."""
    item = Art278Item(item)
    part = participation(casts)
    counts = dict.fromkeys(Choice, 0)
    areas = dict.fromkeys(Choice, 0)
    for cast in casts:
        if cast.choice is None:
            raise ValueError("an owners' decision ballot needs a choice")
        counts[cast.choice] += 1
        areas[cast.choice] += cast.weight_centi
    threshold = passing_threshold(item)
    passing = [
        check("agree_area", Measure.area, areas[Choice.agree], part.area_centi, threshold),
        check("agree_count", Measure.heads, counts[Choice.agree], part.count, threshold),
    ]
    return DecisionResult(item, totals, part, counts, areas, quorum_checks(totals, part), passing)


@dataclass(frozen=True)
class CandidateResult:
    candidate_id: int
    count: int
    area_centi: int
    checks: list[Check]
    elected: bool = False
    tied_at_cutoff: bool = False

    @property
    def qualified(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class ElectionResult:
    seats: int
    totals: Totals
    participation: Participation
    quorum: list[Check]
    candidates: list[CandidateResult] = field(default_factory=list)

    @property
    def quorum_met(self) -> bool:
        return all(c.passed for c in self.quorum)

    @property
    def elected(self) -> list[int]:
        return [c.candidate_id for c in self.candidates if c.elected]


def tally_election(
    seats: int, candidate_ids: Sequence[int], totals: Totals, casts: Sequence[Cast]
) -> ElectionResult:
    """Quorum as art. 278; each candidate needs > 1/2 of the participating area and count;
    of those, the top ``seats`` by count, then area, are elected. Candidates still tied with
    the last seat after both keys are not elected (the seat needs a run-off), and say so."""
    part = participation(casts)
    quorum = quorum_checks(totals, part)
    known = set(candidate_ids)
    count = dict.fromkeys(candidate_ids, 0)
    area = dict.fromkeys(candidate_ids, 0)
    for cast in casts:
        if len(cast.approvals) > seats or not cast.approvals <= known:
            raise ValueError("a ballot approves unknown candidates or more than the seats")
        for cid in cast.approvals:
            count[cid] += 1
            area[cid] += cast.weight_centi
    rows = [
        CandidateResult(
            cid,
            count[cid],
            area[cid],
            [
                check("approve_area", Measure.area, area[cid], part.area_centi, MORE_THAN_HALF),
                check("approve_count", Measure.heads, count[cid], part.count, MORE_THAN_HALF),
            ],
        )
        for cid in candidate_ids
    ]
    ranked = sorted(rows, key=lambda r: (-r.count, -r.area_centi, r.candidate_id))
    qualified = [r for r in ranked if r.qualified] if all(c.passed for c in quorum) else []
    elected: set[int] = set()
    tied: set[int] = set()
    if len(qualified) <= seats:
        elected = {r.candidate_id for r in qualified}
    else:
        cutoff = qualified[seats - 1]
        key = (cutoff.count, cutoff.area_centi)
        above = [r for r in qualified if (r.count, r.area_centi) > key]
        level = [r for r in qualified if (r.count, r.area_centi) == key]
        elected = {r.candidate_id for r in above}
        if len(above) + len(level) <= seats:
            elected |= {r.candidate_id for r in level}
        else:
            tied = {r.candidate_id for r in level}
    final = [
        CandidateResult(
            r.candidate_id,
            r.count,
            r.area_centi,
            r.checks,
            elected=r.candidate_id in elected,
            tied_at_cutoff=r.candidate_id in tied,
        )
        for r in ranked
    ]
    return ElectionResult(seats, totals, part, quorum, final)


@dataclass(frozen=True)
class PollResult:
    """An opinion poll counts heads only; it decides nothing by law, so it has no threshold."""

    total: int
    participating: int
    counts: Mapping[Choice, int]


def tally_poll(total: int, casts: Sequence[Cast]) -> PollResult:
    counts = dict.fromkeys(Choice, 0)
    for cast in casts:
        if cast.choice is None:
            raise ValueError("a poll ballot needs a choice")
        counts[cast.choice] += 1
    return PollResult(total, len(casts), counts)
