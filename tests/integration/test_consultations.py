"""Consultations against the database: phases, roll, ballots, chain, tally, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend import clock
from backend.errors import DomainError, ErrorCode
from backend.pii import seal_text
from community.phases import Phase
from community.services import ballots, matters, roll, tally
from community.tables import (
    Ballot,
    BallotChannel,
    BallotEvent,
    MatterKind,
    MatterVersion,
    PhaseEvent,
    PollUnit,
    RollEntry,
    ScopeKind,
)
from community.tasks import seal_pending_chains
from grid.actors import Actor
from grid.cases.tables import Outbox
from grid.services.resident_ids import fresh_resident_ids
from grid.tables import Household, HouseUnit, Ownership, Resident
from tests.cases_support import new_photos
from tests.estate import START, build_estate, open_matter


async def close_and_publish(world, matter_id: int, staff: str = "community_staff_a") -> dict:
    clock.advance(timedelta(days=3))
    await tally.close_voting(world.actors[staff], matter_id)
    return await tally.publish_result(world.actors[staff], matter_id)


async def test_owners_decision_runs_every_phase_and_publishes_an_exact_result(world):
    estate = await build_estate(world, 9, area_centi=[9_000, 9_000, 9_000, 12_050] + [10_000] * 5)
    matter = await open_matter(world, estate, item=5)
    assert matter["phase"] == Phase.voting
    assert (matter["roll_count"], matter["roll_area_centi"]) == (9, 89_050)
    for i in range(5):
        await ballots.cast_ballot(estate.voter(i), matter["id"], "agree")
    await ballots.cast_ballot(estate.voter(5), matter["id"], "disagree")
    await ballots.cast_ballot(estate.voter(6), matter["id"], "abstain")
    done = await close_and_publish(world, matter["id"])
    result = done["result"]
    assert done["phase"] == Phase.result_published
    assert result["participating_count"] == 7 and result["quorum_met"]
    # 5 agree of 7 taking part (> 1/2); area 9000*3 + 12050 + 10000 = 49050 of 69050
    assert result["counts"] == {"agree": 5, "disagree": 1, "abstain": 1}
    assert result["areas"]["agree"] == "490.50"
    assert result["passed"] is True and done["passed"] is True
    assert result["chain_length"] == 7 and len(result["chain_head"]) == 64
    history = [(h["action"], h["to_phase"]) for h in done["history"]]
    assert history == [
        ("create", "draft"),
        ("publish", "published"),
        ("open_discussion", "discussion"),
        ("open_voting", "voting"),
        ("close_voting", "tallied"),
        ("publish_result", "result_published"),
    ]
    assert all(h["actor_id"] == str(world.staff["community_staff_a"]) for h in done["history"])


async def test_quorum_failure_is_reported_with_its_shortfall(world):
    estate = await build_estate(world, 6)
    matter = await open_matter(world, estate)
    for i in range(3):  # 3 of 6: short of 2/3 (4 needed)
        await ballots.cast_ballot(estate.voter(i), matter["id"], "agree")
    done = await close_and_publish(world, matter["id"])
    checks = {c["name"]: c for c in done["result"]["checks"]}
    assert checks["quorum_count"] == {
        "name": "quorum_count",
        "unit": "owners",
        "threshold": "≥2/3",
        "value": "3",
        "base": "6",
        "needed": "4",
        "margin": "-1",
        "passed": False,
    }
    assert done["passed"] is False
    assert "quorum_area" in done["result"]["failed"]


async def test_roll_counts_developer_units_as_one_owner_with_summed_area(world):
    estate = await build_estate(world, 10, developer_units=4)
    # the first two units' owner also buys a third unit (moved off the developer)
    await Ownership.update({Ownership.owner: estate.owner_ids[0]}).where(
        Ownership.house_unit == estate.unit_ids[1]
    )
    matter = await open_matter(world, estate)
    entries = (
        await RollEntry.select().where(RollEntry.matter == matter["id"]).output(load_json=True)
    )
    assert matter["roll_count"] == 1 + 4 + 1  # owner 0 (2 units), owners 2..5, developer
    developer = [e for e in entries if e["kind"] == "developer"]
    assert len(developer) == 1 and developer[0]["weight_centi"] == 40_000
    double = [e for e in entries if len(e["house_unit_ids"]) == 2 and e["kind"] == "owners"]
    assert double[0]["weight_centi"] == 20_000
    assert matter["roll_area_centi"] == 100_000
    published = await roll.roll_entries(world.actors["grid_worker_a"], matter["id"])
    assert published["total_count"] == 6 and str(published["total_area"]) == "1000.00"
    assert any("等4套" in e["label"] for e in published["entries"])
    assert all("*" in e["label"] for e in published["entries"])


async def test_roll_refuses_to_freeze_while_a_unit_lacks_owner_or_area(world):
    estate = await build_estate(world, 3)
    await HouseUnit.update({HouseUnit.exclusive_area_centi: 0}).where(
        HouseUnit.id == estate.unit_ids[2]
    )
    with pytest.raises(DomainError) as info:
        await open_matter(world, estate)
    assert info.value.code is ErrorCode.ROLL_INCOMPLETE
    assert info.value.data["count"] == 1


async def test_ballot_twice_is_refused_and_the_database_enforces_one_per_voter(world):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate)
    first = await ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(estate.voter(0), matter["id"], "disagree")
    assert info.value.code is ErrorCode.BALLOT_ALREADY_CAST
    current = await Ballot.select().where(Ballot.matter == matter["id"])
    assert [(b["choice"], b["receipt"]) for b in current] == [("agree", first.receipt)]
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Ballot.insert(
            Ballot(matter=matter["id"], roll_entry=current[0]["roll_entry"], receipt="X")
        )


async def test_vote_change_when_allowed_keeps_history_and_the_last_one_counts(world):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate, allow_change=True)
    first = await ballots.cast_ballot(estate.voter(0), matter["id"], "disagree")
    second = await ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
    await ballots.cast_ballot(estate.voter(1), matter["id"], "agree")
    assert (first.ballot_no, second.ballot_no) == (1, 2)
    events = (
        await BallotEvent.select(BallotEvent.choice)
        .where(BallotEvent.matter == matter["id"])
        .order_by(BallotEvent.id)
    )
    assert [e["choice"] for e in events] == ["disagree", "agree", "agree"]
    done = await close_and_publish(world, matter["id"])
    assert done["result"]["counts"] == {"agree": 2, "disagree": 0, "abstain": 0}
    old = await tally.verify_receipt(estate.voter(0), matter["id"], first.shown)
    new = await tally.verify_receipt(estate.voter(0), matter["id"], second.receipt.lower())
    assert old["in_chain"] and not old["counted"]
    assert new["counted"] and new["choice"] == "agree" and new["chain_ok_through_entry"]


async def test_resident_outside_the_matter_scope_cannot_see_or_vote(world):
    estate = await build_estate(world, 3)
    other = await build_estate(world, 1)  # another building, same micro-grid
    far = await build_estate(world, 1, micro="grid_b1_1_m1")
    matter = await open_matter(world, estate)
    for outsider in (other.voter(0), far.voter(0)):
        with pytest.raises(DomainError) as info:
            await ballots.cast_ballot(outsider, matter["id"], "agree")
        assert info.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as info:
        await matters.get_matter(world.actors["street_b_staff"], matter["id"])
    assert info.value.code is ErrorCode.NOT_FOUND


async def test_tenant_in_scope_is_not_an_owner_and_may_not_vote_on_owners_matters(world):
    estate = await build_estate(world, 3, tenants=1)
    matter = await open_matter(world, estate)
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(estate.tenant(0), matter["id"], "agree")
    assert info.value.code is ErrorCode.VOTER_NOT_ELIGIBLE


async def test_voting_outside_its_window_is_refused_and_closing_waits_for_the_end(world):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate, hours=24)
    with pytest.raises(DomainError) as info:
        await tally.close_voting(world.actors["community_staff_a"], matter["id"])
    assert info.value.code is ErrorCode.MATTER_WINDOW_INVALID
    clock.advance(timedelta(hours=24))
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
    assert info.value.code is ErrorCode.VOTING_NOT_OPEN


async def test_voting_cannot_open_before_the_notice_period_ends(world):
    estate = await build_estate(world, 3)
    clock.freeze(START)
    actor = world.actors["community_staff_a"]
    draft = matters.MatterDraft(
        title="公示期测试",
        body="正文",
        kind=MatterKind.owners_decision,
        scope_kind=ScopeKind.building,
        unit_id=estate.micro_grid_id,
        building=estate.building,
        art278_item=6,
        notice_days=7,
    )
    matter = await matters.create_matter(actor, draft)
    await matters.publish_matter(actor, matter["id"])
    await matters.open_discussion(actor, matter["id"])
    clock.advance(timedelta(days=6, hours=23))
    with pytest.raises(DomainError) as info:
        await roll.open_voting(actor, matter["id"], clock.now() + timedelta(days=2))
    assert info.value.code is ErrorCode.MATTER_WINDOW_INVALID


async def test_paper_and_proxy_ballots_are_marked_with_their_scan_or_authorization(world, settings):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate)
    entries = [
        r["id"]
        for r in await RollEntry.select(RollEntry.id)
        .where(RollEntry.matter == matter["id"])
        .order_by(RollEntry.id)
    ]
    staff = world.actors["grid_worker_a"]
    scan, proxy = await new_photos(staff, settings, 2, seed=6101)
    with pytest.raises(DomainError) as info:
        await ballots.enter_paper_ballot(staff, matter["id"], entries[0], "agree")
    assert info.value.code is ErrorCode.VALIDATION  # a paper ballot needs its scan
    await ballots.enter_paper_ballot(
        staff, matter["id"], entries[0], "agree", scan_photo_id=scan, settings=settings
    )
    await ballots.enter_paper_ballot(
        staff,
        matter["id"],
        entries[1],
        "disagree",
        channel=BallotChannel.proxy,
        proxy_photo_id=proxy,
        settings=settings,
    )
    events = await BallotEvent.select().where(BallotEvent.matter == matter["id"])
    marks = {
        (e["channel"], e["scan_photo_id"], e["proxy_photo_id"], e["entered_by"]) for e in events
    }
    assert marks == {
        ("paper", scan, None, world.staff["grid_worker_a"]),
        ("proxy", None, proxy, world.staff["grid_worker_a"]),
    }
    with pytest.raises(DomainError) as info:  # the owner already voted on paper
        await ballots.cast_ballot(estate.voter(0), matter["id"], "disagree")
    assert info.value.code is ErrorCode.BALLOT_ALREADY_CAST
    with pytest.raises(DomainError) as info:
        await ballots.enter_paper_ballot(
            world.actors["street_a_staff"], matter["id"], entries[2], "agree", scan_photo_id=1
        )
    assert info.value.code is ErrorCode.FORBIDDEN


async def test_committee_election_elects_candidates_with_more_than_half(world):
    estate = await build_estate(world, 6)
    matter = await open_matter(
        world,
        estate,
        kind=MatterKind.committee_election,
        seats=2,
        candidates=["王主任", "李委员", "赵委员"],
    )
    ids = {c["name"]: c["id"] for c in matter["candidates"]}
    picks = [
        {"王主任", "李委员"},
        {"王主任", "李委员"},
        {"王主任", "赵委员"},
        {"王主任"},
        {"赵委员"},
    ]
    for i, names in enumerate(picks):
        await ballots.cast_ballot(estate.voter(i), matter["id"], None, [ids[n] for n in names])
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(
            estate.voter(5), matter["id"], None, [ids["王主任"], ids["李委员"], ids["赵委员"]]
        )
    assert info.value.code is ErrorCode.BALLOT_INVALID
    done = await close_and_publish(world, matter["id"])
    # 5 take part: 王 4 (> 2.5), 李 2, 赵 2 → only 王 passes
    assert done["result"]["elected"] == [ids["王主任"]]
    by_name = {c["name"]: c for c in done["result"]["candidates"]}
    assert by_name["李委员"]["qualified"] is False


async def test_opinion_poll_per_household_gives_each_household_one_vote(world):
    estate = await build_estate(world, 3, tenants=2)  # households 0 and 1 have two residents
    matter = await open_matter(
        world, estate, kind=MatterKind.opinion_poll, poll_unit=PollUnit.household
    )
    assert matter["roll_count"] == 3
    await ballots.cast_ballot(estate.tenant(0), matter["id"], "agree")
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(estate.voter(0), matter["id"], "disagree")
    assert info.value.code is ErrorCode.BALLOT_ALREADY_CAST
    done = await close_and_publish(world, matter["id"])
    assert done["result"]["counts"]["agree"] == 1
    assert done["result"]["participating"] == 1


async def test_tampering_with_a_current_ballot_row_fails_verification_at_its_entry(world):
    estate = await build_estate(world, 5)
    matter = await open_matter(world, estate)
    for i in range(5):
        await ballots.cast_ballot(estate.voter(i), matter["id"], "agree")
    await seal_pending_chains()  # what the periodic task does between batches
    before = await tally.verify_chain(world.actors["community_staff_a"], matter["id"])
    assert before.ok and before.length == 5
    link = (await tally.chain.chain_rows(matter["id"]))[2]
    await Ballot.update({Ballot.choice: "disagree"}).where(
        (Ballot.matter == matter["id"]) & (Ballot.roll_entry == link["roll_entry"])
    )
    after = await tally.verify_chain(world.actors["community_staff_a"], matter["id"])
    assert not after.ok and after.first_bad_seq == 3
    clock.advance(timedelta(days=3))
    with pytest.raises(DomainError) as info:
        await tally.close_voting(world.actors["community_staff_a"], matter["id"])
    assert info.value.code is ErrorCode.CONFLICT


async def test_outbox_tells_residents_of_notice_voting_reminder_and_result(world):
    from community.tasks import send_closing_reminders

    estate = await build_estate(world, 4, tenants=1)
    matter = await open_matter(world, estate, hours=48)

    async def told(kind: str) -> set[str]:
        rows = (
            await Outbox.select(Outbox.recipient_id, Outbox.payload)
            .where(Outbox.kind == kind)
            .output(load_json=True)
        )
        return {r["recipient_id"] for r in rows if r["payload"]["matter_id"] == matter["id"]}

    owners = {str(r) for r in estate.resident_ids}
    assert await told("community.notice_published") == owners
    assert await told("community.voting_opens") == owners
    await ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
    clock.advance(timedelta(hours=23))
    assert await send_closing_reminders() >= 0
    assert await told("community.closing_soon") == set()
    clock.advance(timedelta(hours=2))
    await send_closing_reminders()
    await send_closing_reminders()  # once only
    assert await told("community.closing_soon") == owners - {str(estate.resident_ids[0])}
    rows = await Outbox.count().where(Outbox.kind == "community.closing_soon")
    assert rows >= 3
    await close_and_publish(world, matter["id"])
    assert await told("community.result_published") == owners


async def test_revising_the_text_keeps_every_version(world, settings):
    estate = await build_estate(world, 2)
    actor = world.actors["community_staff_a"]
    photos = await new_photos(actor, settings, 2, seed=6102)
    matter = await matters.create_matter(
        actor,
        matters.MatterDraft(
            title="初稿",
            body="第一版",
            kind=MatterKind.owners_decision,
            scope_kind=ScopeKind.building,
            unit_id=estate.micro_grid_id,
            building=estate.building,
            art278_item=8,
            attachment_ids=[photos[0], photos[0], photos[1]],
        ),
        settings=settings,
    )
    await matters.publish_matter(actor, matter["id"])
    with pytest.raises(DomainError) as info:  # the notice is what was published
        await matters.revise_matter(actor, matter["id"], title="改", body="改", change_note="x")
    assert info.value.code is ErrorCode.MATTER_PHASE_INVALID
    await matters.open_discussion(actor, matter["id"])
    revised = await matters.revise_matter(
        actor, matter["id"], title="第二稿", body="第二版", change_note="采纳居民建议"
    )
    assert revised["version"] == 2 and revised["body"] == "第二版"
    versions = await matters.list_versions(actor, matter["id"])
    assert [(v["number"], v["body"]) for v in versions] == [(1, "第一版"), (2, "第二版")]
    first = (
        await MatterVersion.select()
        .where((MatterVersion.matter == matter["id"]) & (MatterVersion.number == 1))
        .output(load_json=True)
        .first()
    )
    assert first["attachment_ids"] == photos
    moves = await PhaseEvent.select(PhaseEvent.action, PhaseEvent.reason).where(
        PhaseEvent.matter == matter["id"]
    )
    assert {"action": "revise", "reason": "采纳居民建议"} in moves


async def test_staff_roles_without_manage_get_403_and_other_streets_404(world):
    estate = await build_estate(world, 2)
    draft = matters.MatterDraft(
        title="权限",
        body="正文",
        kind=MatterKind.owners_decision,
        scope_kind=ScopeKind.building,
        unit_id=estate.micro_grid_id,
        building=estate.building,
        art278_item=1,
    )
    with pytest.raises(DomainError) as info:
        await matters.create_matter(world.actors["grid_worker_a"], draft)
    assert info.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as info:
        await matters.create_matter(world.actors["street_b_staff"], draft)
    assert info.value.code is ErrorCode.NOT_FOUND


async def test_discussion_is_for_residents_in_scope_while_the_matter_is_open(world):
    from community.services import discussion

    estate = await build_estate(world, 2)
    outsider = await build_estate(world, 1)
    matter = await open_matter(world, estate)  # now voting: discussion is over
    with pytest.raises(DomainError) as info:
        await discussion.post_comment(estate.voter(0), matter["id"], "还能评论吗")
    assert info.value.code is ErrorCode.DISCUSSION_CLOSED
    with pytest.raises(DomainError) as info:
        await discussion.post_comment(outsider.voter(0), matter["id"], "我也想说")
    assert info.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as info:
        await discussion.hide_comment(world.actors["grid_worker_a"], 10**9, "x")
    assert info.value.code is ErrorCode.NOT_FOUND


async def test_co_owners_share_one_vote_and_an_owner_on_two_entries_chooses(world):
    estate = await build_estate(world, 3)
    # unit 0 gets a co-owner (owner 1, who also owns unit 1 alone): two roll entries for them
    await Ownership.insert(Ownership(house_unit=estate.unit_ids[0], owner=estate.owner_ids[1]))
    household = (
        await Household.select(Household.id)
        .where(Household.house_unit == estate.unit_ids[0])
        .first()
    )
    fresh = await fresh_resident_ids(1)
    co_owner = await Resident.insert(
        Resident(
            **({"id": fresh[0]} if fresh else {}),
            household=household["id"],
            unit_prefix=estate.prefix,
            name_enc=seal_text("共有人"),
            owner=estate.owner_ids[1],
        )
    ).returning(Resident.id)
    matter = await open_matter(world, estate)
    assert matter["roll_count"] == 3  # {0,1} on unit 0, {1} on unit 1, {2} on unit 2
    both = Actor(kind="resident", id=co_owner[0]["id"], name="共有人")
    with pytest.raises(DomainError) as info:
        await ballots.cast_ballot(both, matter["id"], "agree")
    assert info.value.code is ErrorCode.VOTER_AMBIGUOUS
    entries = [int(e) for e in info.value.data["entries"].split(",")]
    shared = (
        await RollEntry.select(RollEntry.id)
        .where((RollEntry.matter == matter["id"]) & (RollEntry.voter_key.like("owners:%,%")))
        .first()
    )
    assert shared["id"] in entries
    await ballots.cast_ballot(both, matter["id"], "agree", entry_id=shared["id"])
    with pytest.raises(DomainError) as info:  # the other co-owner of unit 0
        await ballots.cast_ballot(estate.voter(0), matter["id"], "disagree")
    assert info.value.code is ErrorCode.BALLOT_ALREADY_CAST
    other = next(e for e in entries if e != shared["id"])
    await ballots.cast_ballot(both, matter["id"], "disagree", entry_id=other)
    assert await Ballot.count().where(Ballot.matter == matter["id"]) == 2
