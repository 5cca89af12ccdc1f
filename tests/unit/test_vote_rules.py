"""Civil Code art. 278 arithmetic at its boundaries, the owner-counting rules, and elections."""

from __future__ import annotations

from fractions import Fraction

import pytest

from community.rules import (
    MORE_THAN_HALF,
    THREE_QUARTERS_AT_LEAST,
    TWO_THIRDS_AT_LEAST,
    Cast,
    Choice,
    Holding,
    Threshold,
    Totals,
    VoterKind,
    owners_roll,
    passing_threshold,
    tally_decision,
    tally_election,
    tally_poll,
)

A, D, X = Choice.agree, Choice.disagree, Choice.abstain


# --- thresholds: exactly at, one unit above, one unit below ------------------------------


@pytest.mark.parametrize(
    ("threshold", "value", "base", "passed", "margin"),
    [
        # ≥ 2/3 (以上 includes the number itself)
        (TWO_THIRDS_AT_LEAST, 2, 3, True, 0),
        (TWO_THIRDS_AT_LEAST, 666, 999, True, 0),
        (TWO_THIRDS_AT_LEAST, 665, 999, False, -1),
        (TWO_THIRDS_AT_LEAST, 667, 999, True, 1),
        (TWO_THIRDS_AT_LEAST, 667, 1000, True, 0),  # 666.67 → 667 needed
        (TWO_THIRDS_AT_LEAST, 666, 1000, False, -1),
        (TWO_THIRDS_AT_LEAST, 6_666_667, 10_000_000, True, 0),  # centi-m²: 66 666.67 m²
        (TWO_THIRDS_AT_LEAST, 6_666_666, 10_000_000, False, -1),
        # ≥ 3/4
        (THREE_QUARTERS_AT_LEAST, 3, 4, True, 0),
        (THREE_QUARTERS_AT_LEAST, 525, 700, True, 0),
        (THREE_QUARTERS_AT_LEAST, 524, 700, False, -1),
        (THREE_QUARTERS_AT_LEAST, 526, 700, True, 1),
        (THREE_QUARTERS_AT_LEAST, 5_250_000, 7_000_000, True, 0),
        (THREE_QUARTERS_AT_LEAST, 5_249_999, 7_000_000, False, -1),
        (THREE_QUARTERS_AT_LEAST, 8, 10, True, 0),  # 7.5 → 8 needed
        (THREE_QUARTERS_AT_LEAST, 7, 10, False, -1),
        # > 1/2 (过半数: exactly half fails)
        (MORE_THAN_HALF, 350, 700, False, -1),
        (MORE_THAN_HALF, 351, 700, True, 0),
        (MORE_THAN_HALF, 349, 700, False, -2),
        (MORE_THAN_HALF, 3_500_000, 7_000_000, False, -1),
        (MORE_THAN_HALF, 3_500_001, 7_000_000, True, 0),
        (MORE_THAN_HALF, 2, 3, True, 0),  # 1.5 → 2 needed
        (MORE_THAN_HALF, 1, 3, False, -1),
        # nobody to count: nothing passes
        (TWO_THIRDS_AT_LEAST, 0, 0, False, -1),
        (THREE_QUARTERS_AT_LEAST, 0, 0, False, -1),
        (MORE_THAN_HALF, 0, 0, False, -1),
    ],
)
def test_threshold_at_its_boundary(threshold, value, base, passed, margin):
    assert threshold.passes(value, base) is passed
    assert value - threshold.needed(base) == margin


@pytest.mark.parametrize(
    "threshold", [TWO_THIRDS_AT_LEAST, THREE_QUARTERS_AT_LEAST, MORE_THAN_HALF]
)
@pytest.mark.parametrize("base", [1, 2, 3, 4, 7, 10, 99, 100, 101, 999, 1000, 12_345])
def test_needed_is_the_smallest_passing_value_and_agrees_with_exact_fractions(threshold, base):
    needed = threshold.needed(base)
    assert threshold.passes(needed, base)
    assert not threshold.passes(needed - 1, base)
    share = Fraction(threshold.num, threshold.den)
    for value in (needed - 1, needed, needed + 1):
        exact = Fraction(value, base)
        expected = exact >= share if threshold is not MORE_THAN_HALF else exact > share
        assert threshold.passes(value, base) is expected


def test_thresholds_are_decided_without_floats():
    # 1/3 + 1/3 + 1/3 in binary floating point is not exact; integers are.
    big = Threshold(1, 3, TWO_THIRDS_AT_LEAST.comparison)
    assert big.passes(10**30, 3 * 10**30)
    assert not big.passes(10**30 - 1, 3 * 10**30)


@pytest.mark.parametrize(
    ("item", "threshold"),
    [(i, THREE_QUARTERS_AT_LEAST) for i in (6, 7, 8)]
    + [(i, MORE_THAN_HALF) for i in (1, 2, 3, 4, 5, 9)],
)
def test_items_6_to_8_need_three_quarters_others_more_than_half(item, threshold):
    assert passing_threshold(item) is threshold


def test_item_number_outside_art_278_is_refused():
    with pytest.raises(ValueError):
        passing_threshold(10)


# --- decisions ------------------------------------------------------------------------


def casts(*groups: tuple[int, Choice, int]) -> list[Cast]:
    """(how many, choice, area in centi-m² each)."""
    return [Cast(area, choice) for n, choice, area in groups for _ in range(n)]


WORKED_TOTALS = Totals(count=1000, area_centi=100_000 * 100)  # 1 000 units, 100 000 m²


def test_worked_example_700_units_70000_m2_meets_the_quorum_with_margin():
    # 700 of 1 000 units, 70 000 of 100 000 m², every unit 100 m²
    result = tally_decision(5, WORKED_TOTALS, casts((400, A, 10_000), (300, D, 10_000)))
    area, count = result.quorum
    assert (area.value, area.base, area.needed, area.margin) == (
        7_000_000,
        10_000_000,
        6_666_667,  # 66 666.67 m²
        333_333,  # 3 333.33 m² to spare
    )
    assert (count.value, count.needed, count.margin) == (700, 667, 33)
    assert result.quorum_met


@pytest.mark.parametrize(
    ("agree", "item", "passed", "failed"),
    [
        # item 5 (use maintenance funds): more than half of 700 units / 70 000 m²
        (351, 5, True, []),
        (350, 5, False, ["agree_area", "agree_count"]),  # exactly half is not more than half
        # item 6 (raise maintenance funds): at least 3/4 → 525 units / 52 500 m²
        (525, 6, True, []),
        (524, 6, False, ["agree_area", "agree_count"]),
        (526, 7, True, []),
        (524, 8, False, ["agree_area", "agree_count"]),
        (525, 9, True, []),  # item 9 is a simple majority
    ],
)
def test_worked_example_passing_at_the_boundary(agree, item, passed, failed):
    ballots = casts((agree, A, 10_000), (700 - agree, D, 10_000))
    result = tally_decision(item, WORKED_TOTALS, ballots)
    assert result.quorum_met
    assert result.passed is passed
    assert result.failed == failed


def test_worked_example_item_6_three_quarters_margins():
    result = tally_decision(6, WORKED_TOTALS, casts((525, A, 10_000), (175, X, 10_000)))
    by_name = {c.name: c for c in result.passing}
    assert by_name["agree_count"].needed == 525
    assert by_name["agree_area"].needed == 5_250_000  # 52 500 m²
    assert by_name["agree_count"].margin == 0
    assert result.passed


def test_abstention_counts_as_taking_part_not_as_agreeing():
    # 351 agree, 349 abstain: quorum 700, majority needs 351 → passes exactly
    with_abstain = tally_decision(5, WORKED_TOTALS, casts((351, A, 10_000), (349, X, 10_000)))
    assert with_abstain.participation.count == 700
    assert with_abstain.passed
    # one agreement fewer and one more abstention: 350 of 700 is not more than half
    fewer = tally_decision(5, WORKED_TOTALS, casts((350, A, 10_000), (350, X, 10_000)))
    assert not fewer.passed
    assert fewer.counts[Choice.abstain] == 350


@pytest.mark.parametrize(
    ("voters", "quorum_met", "failed"),
    [
        (667, True, []),  # 667 units, 66 700 m² ≥ 2/3 of both
        (666, False, ["quorum_area", "quorum_count"]),
    ],
)
def test_quorum_one_unit_more_or_less(voters, quorum_met, failed):
    result = tally_decision(1, WORKED_TOTALS, casts((voters, A, 10_000)))
    assert result.quorum_met is quorum_met
    assert result.failed == failed
    assert result.passed is quorum_met


def test_quorum_needs_both_area_and_count():
    # 700 owners but only small flats: 700 × 50 m² = 35 000 m² < 2/3 of 100 000 m²
    small = tally_decision(1, WORKED_TOTALS, casts((700, A, 5_000)))
    assert [c.passed for c in small.quorum] == [False, True]
    assert not small.passed
    # 2 owners of huge areas: area ≥ 2/3, count far from it
    big = tally_decision(1, WORKED_TOTALS, casts((2, A, 3_500_000)))
    assert [c.passed for c in big.quorum] == [True, False]
    assert not big.passed


def test_passing_needs_both_area_and_count():
    # 351 agreeing owners hold small flats, 349 disagreeing ones large: count passes, area fails
    ballots = casts((351, A, 8_000), (349, D, 12_000))
    result = tally_decision(5, WORKED_TOTALS, ballots)
    assert result.quorum_met
    area, count = result.passing
    assert count.passed and not area.passed
    assert area.value == 351 * 8_000 and area.base == 351 * 8_000 + 349 * 12_000
    assert not result.passed


def test_quorum_exactly_two_thirds_in_centi_square_metres():
    # total 300.00 m²; owners holding exactly 200.00 m² take part → exactly 2/3 → met
    totals = Totals(count=3, area_centi=30_000)
    exactly = tally_decision(1, totals, [Cast(10_000, A), Cast(10_000, A)])
    assert exactly.quorum[0].passed and exactly.quorum[0].margin == 0
    short = tally_decision(1, totals, [Cast(10_000, A), Cast(9_999, A)])
    assert not short.quorum[0].passed and short.quorum[0].margin == -1


def test_result_reports_margins_in_square_metres_and_owners():
    result = tally_decision(5, WORKED_TOTALS, casts((400, A, 10_000), (300, D, 10_000)))
    shown = {c["name"]: c for c in (c.as_dict() for c in result.checks)}
    assert shown["quorum_area"] == {
        "name": "quorum_area",
        "unit": "m2",
        "threshold": "≥2/3",
        "value": "70000.00",
        "base": "100000.00",
        "needed": "66666.67",
        "margin": "3333.33",
        "passed": True,
    }
    assert shown["agree_count"]["threshold"] == ">1/2"
    assert shown["agree_count"]["margin"] == "49"  # 400 agree, 351 needed


# --- counting rules -------------------------------------------------------------------


def test_one_house_unit_counts_as_one_owner():
    roll = owners_roll([Holding(1, 9_000, (11,)), Holding(2, 8_000, (12,))])
    assert [(r.owner_ids, r.house_unit_ids, r.weight_centi) for r in roll] == [
        ((11,), (1,), 9_000),
        ((12,), (2,), 8_000),
    ]


def test_several_units_of_one_owner_count_as_one_with_summed_area():
    roll = owners_roll(
        [Holding(1, 9_000, (11,)), Holding(2, 8_050, (11,)), Holding(3, 7_000, (12,))]
    )
    assert len(roll) == 2
    first = roll[0]
    assert first.house_unit_ids == (1, 2) and first.weight_centi == 17_050
    assert first.headcount_key != roll[1].headcount_key


def test_all_developer_units_count_as_one():
    holdings = [Holding(i, 10_000, (90,), frozenset({90})) for i in range(1, 51)]
    holdings.append(Holding(51, 12_000, (11,)))
    roll = owners_roll(holdings)
    developer = [r for r in roll if r.kind is VoterKind.developer]
    assert len(developer) == 1
    assert developer[0].weight_centi == 500_000 and len(developer[0].house_unit_ids) == 50
    assert len(roll) == 2


def test_co_owners_of_a_unit_share_one_vote():
    roll = owners_roll([Holding(1, 9_000, (11, 12)), Holding(2, 9_000, (13,))])
    assert len(roll) == 2
    assert roll[0].owner_ids == (11, 12)
    assert roll[0].weight_centi == 9_000


def test_same_co_owners_on_two_units_are_one_buyer_but_one_of_them_alone_is_another():
    roll = owners_roll(
        [Holding(1, 9_000, (12, 11)), Holding(2, 8_000, (11, 12)), Holding(3, 7_000, (11,))]
    )
    assert [(r.owner_ids, r.house_unit_ids, r.weight_centi) for r in roll] == [
        ((11, 12), (1, 2), 17_000),
        ((11,), (3,), 7_000),
    ]


def test_a_unit_without_owner_cannot_enter_the_roll():
    with pytest.raises(ValueError):
        owners_roll([Holding(1, 9_000, ())])


def test_roll_totals_follow_the_counting_rules():
    # 1 000 units of 100 m²: 100 held by the developer, buyer 7 holds 3 → 898 owners
    holdings = [Holding(i, 10_000, (90,), frozenset({90})) for i in range(100)]
    holdings += [Holding(100 + i, 10_000, (7,)) for i in range(3)]
    holdings += [Holding(200 + i, 10_000, (1000 + i,)) for i in range(897)]
    roll = owners_roll(holdings)
    assert len(roll) == 1 + 1 + 897
    assert sum(r.weight_centi for r in roll) == 100_000 * 100


# --- elections ------------------------------------------------------------------------


def ecasts(*groups: tuple[int, frozenset[int], int]) -> list[Cast]:
    return [Cast(area, None, approvals) for n, approvals, area in groups for _ in range(n)]


def test_election_elects_top_seats_among_candidates_with_more_than_half():
    # 700 take part; candidates 1..4; 3 seats
    ballots = ecasts(
        (400, frozenset({1, 2, 3}), 10_000),
        (200, frozenset({2, 4}), 10_000),
        (100, frozenset({4}), 10_000),
    )
    result = tally_election(3, [1, 2, 3, 4], WORKED_TOTALS, ballots)
    by_id = {c.candidate_id: c for c in result.candidates}
    assert by_id[2].count == 600 and by_id[2].qualified
    assert by_id[1].count == 400 and by_id[1].qualified
    assert by_id[3].count == 400 and by_id[3].qualified
    assert by_id[4].count == 300 and not by_id[4].qualified  # 300 of 700 is not > half
    assert result.elected == [2, 1, 3]


def test_election_candidate_with_exactly_half_is_not_elected():
    ballots = ecasts((350, frozenset({1}), 10_000), (350, frozenset({2}), 10_000))
    result = tally_election(1, [1, 2], WORKED_TOTALS, ballots)
    assert result.quorum_met
    assert result.elected == []
    assert all(c.checks[1].margin == -1 for c in result.candidates)


def test_election_ranks_by_count_then_area_for_the_last_seat():
    # 700 take part, 2 seats. 4: 500 votes; 2 and 3: 450 votes each, 3 with more area.
    ballots = ecasts(
        (250, frozenset({4, 2}), 10_000),
        (250, frozenset({4, 3}), 10_001),
        (200, frozenset({2, 3}), 10_000),
    )
    result = tally_election(2, [2, 3, 4], WORKED_TOTALS, ballots)
    by_id = {c.candidate_id: c for c in result.candidates}
    assert (by_id[4].count, by_id[2].count, by_id[3].count) == (500, 450, 450)
    assert by_id[3].area_centi - by_id[2].area_centi == 250
    assert all(c.qualified for c in result.candidates)
    assert result.elected == [4, 3]
    assert [c.candidate_id for c in result.candidates] == [4, 3, 2]


def test_election_tie_on_count_and_area_at_the_last_seat_elects_neither():
    ballots = ecasts(
        (250, frozenset({1, 2}), 10_000),
        (250, frozenset({1, 3}), 10_000),
        (200, frozenset({2, 3}), 10_000),
    )
    result = tally_election(2, [1, 2, 3], WORKED_TOTALS, ballots)
    assert result.elected == [1]
    assert {c.candidate_id for c in result.candidates if c.tied_at_cutoff} == {2, 3}


def test_election_candidates_tied_within_the_seats_are_all_elected():
    ballots = ecasts(
        (300, frozenset({1, 2}), 10_000),
        (200, frozenset({1, 3}), 10_000),
        (200, frozenset({2, 3}), 10_000),
    )
    result = tally_election(2, [1, 2, 3], WORKED_TOTALS, ballots)
    assert sorted(result.elected) == [1, 2]
    assert not any(c.tied_at_cutoff for c in result.candidates)


def test_election_without_quorum_elects_nobody():
    ballots = ecasts((600, frozenset({1}), 10_000))
    result = tally_election(1, [1], WORKED_TOTALS, ballots)
    assert not result.quorum_met
    assert result.candidates[0].qualified
    assert result.elected == []


def test_election_ballot_over_the_seats_is_refused():
    with pytest.raises(ValueError):
        tally_election(1, [1, 2], WORKED_TOTALS, ecasts((1, frozenset({1, 2}), 10_000)))


def test_poll_counts_heads():
    result = tally_poll(10, [Cast(0, A), Cast(0, A), Cast(0, D), Cast(0, X)])
    assert (result.total, result.participating) == (10, 4)
    assert result.counts == {A: 2, D: 1, X: 1}
