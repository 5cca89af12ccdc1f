"""Services on real cases: who may move a case (a sample per role), the assignee and verifier
rules, and two actors racing on one case."""

from __future__ import annotations

import asyncio

import pytest

from backend.errors import DomainError, ErrorCode
from grid.cases.services import triage, work
from grid.cases.services.access import load_case
from grid.cases.tables import AssigneeKind
from tests.cases_support import history, report


async def dispatched_case(world, kind=AssigneeKind.staff, target=None):
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    target = target if target is not None else world.staff["grid_worker_a"]
    await triage.dispatch_case(
        world.actors["grid_leader_a"], case["id"], kind=kind, target_id=target
    )
    return case["id"]


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("grid_worker_a", ErrorCode.CASE_ACTION_FORBIDDEN),  # a grid worker does not file
        ("department_handler", ErrorCode.CASE_ACTION_FORBIDDEN),
        ("admin", ErrorCode.CASE_ACTION_FORBIDDEN),  # admins read, they do not decide
        ("grid_worker_a2", ErrorCode.NOT_FOUND),  # another grid: the case does not exist
        ("street_b_staff", ErrorCode.NOT_FOUND),
    ],
)
async def test_filing_is_refused_outside_the_deciding_roles(world, persona, code):
    case = await report(world, "grid_worker_a")
    with pytest.raises(DomainError) as refused:
        await triage.file_case(world.actors[persona], case["id"])
    assert refused.value.code is code


@pytest.mark.parametrize("persona", ["grid_leader_a", "community_staff_a", "street_a_staff"])
async def test_the_responsible_unit_and_those_above_it_may_file(world, persona):
    case = await report(world, "grid_worker_a")
    filed = await triage.file_case(world.actors[persona], case["id"])
    assert filed["state"] == "filed" and filed["filed_at"] is not None


async def test_only_the_assignee_starts_the_work(world):
    cid = await dispatched_case(world)
    with pytest.raises(DomainError) as refused:
        await work.start_case(world.actors["grid_leader_a"], cid)
    assert refused.value.code is ErrorCode.CASE_NOT_ASSIGNEE
    assert (await work.start_case(world.actors["grid_worker_a"], cid))["state"] == "in_progress"


async def test_a_department_handler_works_on_cases_dispatched_to_the_department(world):
    case = await report(world, "grid_worker_a", code="0401")  # a street-level component
    cid = case["id"]
    street = world.actors["street_a_staff"]
    await triage.file_case(street, cid)
    await triage.dispatch_case(
        street, cid, kind=AssigneeKind.department, target_id=world.department_id
    )
    handler = world.actors["department_handler"]
    await work.start_case(handler, cid)
    handled = await work.handle_case(handler, cid, "已补装井盖")
    assert handled["handled_by"] == world.staff["department_handler"]
    with pytest.raises(DomainError) as refused:
        await work.verify_case(handler, cid)
    assert refused.value.code is ErrorCode.CASE_ACTION_FORBIDDEN
    assert (await work.verify_case(street, cid))["state"] == "verified"


async def test_the_reporter_confirms_and_rates_but_never_as_the_handler(world):
    cid = await dispatched_case(world, target=world.staff["grid_worker_a"])
    worker = world.actors["grid_worker_a"]  # reporter and handler at once
    await work.start_case(worker, cid)
    await work.handle_case(worker, cid, "已处理")
    with pytest.raises(DomainError) as refused:
        await work.confirm_case(worker, cid)
    assert refused.value.code is ErrorCode.CASE_VERIFIER_IS_HANDLER
    with pytest.raises(DomainError) as refused:
        await work.evaluate_case(worker, cid, 5)
    assert refused.value.code is ErrorCode.CASE_ACTION_INVALID


async def test_rework_and_reject_need_a_reason(world):
    case = await report(world, "grid_worker_a")
    with pytest.raises(DomainError) as refused:
        await triage.reject_case(world.actors["grid_leader_a"], case["id"], " ")
    assert refused.value.code is ErrorCode.VALIDATION
    rejected = await triage.reject_case(world.actors["grid_leader_a"], case["id"], "不属于受理范围")
    assert rejected["state"] == "rejected" and rejected["sweep_at"] is None
    assert (await history(case["id"]))[-1]["reason"] == "不属于受理范围"


async def test_a_merged_case_points_at_the_case_it_duplicates(world):
    first = await report(world, "grid_worker_a")
    second = await report(world, "grid_leader_a")
    merged = await triage.merge_case(world.actors["grid_leader_a"], second["id"], first["id"])
    assert merged["state"] == "merged" and merged["merged_into"] == first["id"]
    with pytest.raises(DomainError) as refused:
        await triage.merge_case(world.actors["grid_leader_a"], first["id"], second["id"])
    assert refused.value.code is ErrorCode.CASE_MERGE_INVALID


async def test_a_stale_version_is_refused_as_changed(world):
    case = await report(world, "grid_worker_a")
    await triage.claim_case(world.actors["street_a_staff"], case["id"], version=case["version"])
    with pytest.raises(DomainError) as refused:
        await triage.file_case(world.actors["grid_leader_a"], case["id"], version=case["version"])
    assert refused.value.code is ErrorCode.CASE_CHANGED


async def test_someone_elses_claim_is_not_overridden(world):
    case = await report(world, "grid_worker_a")
    await triage.claim_case(world.actors["street_a_staff"], case["id"])
    with pytest.raises(DomainError) as refused:
        await triage.claim_case(world.actors["district_staff"], case["id"])
    assert refused.value.code is ErrorCode.CASE_ALREADY_CLAIMED


async def test_two_deciders_racing_one_wins_and_the_other_is_told(world):
    case = await report(world, "grid_worker_a")
    cid = case["id"]
    results = await asyncio.gather(
        triage.file_case(world.actors["grid_leader_a"], cid),
        triage.reject_case(world.actors["community_staff_a"], cid, "重复上报"),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1
    assert losses[0].code in (ErrorCode.CASE_CHANGED, ErrorCode.CASE_ACTION_INVALID)
    final = await load_case(cid)
    assert final["state"] == wins[0]["state"] and final["version"] == 1
    assert len(await history(cid)) == 2


async def test_escalating_on_request_needs_a_reason_and_resets_the_deadline(world):
    cid = await dispatched_case(world)
    before = await load_case(cid)
    up = await triage.escalate_case(world.actors["grid_worker_a"], cid, "需多部门协同")
    assert (up["state"], up["level"], up["unit"]) == (
        "filed",
        "community",
        world.units["community_a1"],
    )
    assert up["assignee_kind"] is None and up["arrived_by"] == "escalation"
    assert up["level_started_at"] > before["level_started_at"]


async def test_a_resident_confirms_the_result_and_rates_it(world):
    from grid.actors import Actor
    from grid.cases.services.access import Reporter
    from grid.cases.tables import ReporterKind

    resident = Actor(kind="resident", id=900301, name="李居民")
    case = await report(world, who=resident)
    cid = case["id"]
    leader, worker = world.actors["grid_leader_a"], world.actors["grid_worker_a"]
    await triage.file_case(leader, cid)
    await triage.dispatch_case(
        leader, cid, kind=AssigneeKind.unit, target_id=world.units["grid_a1_1"]
    )
    await work.start_case(worker, cid)
    await work.handle_case(worker, cid, "已清理")
    stranger = Reporter(ReporterKind.external, "telegram:777")
    with pytest.raises(DomainError) as hidden:
        await work.confirm_case(stranger, cid)
    assert hidden.value.code is ErrorCode.NOT_FOUND
    assert (await work.confirm_case(resident, cid))["state"] == "verified"
    await triage.close_case(leader, cid)
    with pytest.raises(DomainError) as refused:
        await work.evaluate_case(resident, cid, 6)
    assert refused.value.code is ErrorCode.CASE_RATING_INVALID
    rated = await work.evaluate_case(resident, cid, 4, "还算及时")
    assert (rated["state"], rated["rating"]) == ("evaluated", 4)
    events = await history(cid)
    assert [(e["action"], e["actor_kind"]) for e in events if e["actor_kind"] == "resident"] == [
        ("report", "resident"),
        ("confirm", "resident"),
        ("evaluate", "resident"),
    ]
