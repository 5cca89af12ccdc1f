"""One case from a grid worker's report to the reporter's rating, through the whole ladder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend import clock
from backend.errors import DomainError, ErrorCode
from grid.cases.services import triage, work
from grid.cases.services.outbox import deliver_pending
from grid.cases.services.sweep import sweep_overdue
from grid.cases.tables import AssigneeKind, Notification, Outbox
from tests.cases_support import history, new_photos, report, shanghai


async def test_case_escalates_to_street_center_after_deadline_and_closes_after_rework(
    world, settings
):
    clock.freeze(shanghai(2026, 3, 2, 10, 0))  # a Monday
    a = world.actors
    case = await report(world, "grid_worker_a", code="0101")  # 暴露垃圾: 1 working day at grid
    assert (case["state"], case["level"]) == ("reported", "grid")
    assert case["unit"] == world.units["grid_a1_1"]
    assert case["deadline_at"] == shanghai(2026, 3, 3, 10, 0)
    cid = case["id"]

    await triage.file_case(a["grid_leader_a"], cid)
    assert (await sweep_overdue()).escalated == 0

    clock.advance(timedelta(days=1, minutes=1))  # Tue 10:01: past the grid's deadline
    assert (await sweep_overdue()).escalated == 1
    assert (await sweep_overdue()).escalated == 0  # idempotent
    clock.advance(timedelta(days=1))  # Wed 10:01: past the community's
    await sweep_overdue()

    from grid.cases.services.access import load_case

    case = await load_case(cid)
    assert (case["state"], case["level"], case["unit"]) == (
        "filed",
        "street",
        world.units["street_a"],
    )
    assert case["deadline_at"] == shanghai(2026, 3, 6, 10, 1)  # street: 2 working days
    with pytest.raises(DomainError) as refused:
        await triage.dispatch_case(
            a["grid_leader_a"], cid, kind=AssigneeKind.staff, target_id=world.staff["grid_worker_a"]
        )
    assert refused.value.code is ErrorCode.CASE_ACTION_FORBIDDEN

    await triage.claim_case(a["street_a_staff"], cid)
    await triage.send_down_case(
        a["street_a_staff"], cid, world.units["grid_a1_1"], reason="属地处置"
    )
    await triage.dispatch_case(
        a["grid_leader_a"], cid, kind=AssigneeKind.staff, target_id=world.staff["grid_worker_a"]
    )
    await work.start_case(a["grid_worker_a"], cid)
    photos = await new_photos(a["grid_worker_a"], settings, 2, seed=7001)
    await work.handle_case(a["grid_worker_a"], cid, "已清运", photos, settings=settings)
    with pytest.raises(DomainError) as refused:
        await work.verify_case(a["grid_worker_a"], cid)
    assert refused.value.code is ErrorCode.CASE_VERIFIER_IS_HANDLER
    await work.verify_case(a["grid_leader_a"], cid)
    await work.rework_case(a["grid_leader_a"], cid, "仍有残留垃圾")
    await work.start_case(a["grid_worker_a"], cid)
    await work.handle_case(a["grid_worker_a"], cid, "已彻底清理")
    await work.verify_case(a["grid_leader_a"], cid)
    await triage.close_case(a["grid_leader_a"], cid)
    final = await work.evaluate_case(a["grid_worker_a"], cid, 5, "很及时")

    assert (final["state"], final["rating"], final["rework_count"]) == ("evaluated", 5, 1)
    assert final["top_level"] == "street" and final["escalations"] == 2
    steps = [
        (e["action"], e["from_state"], e["to_state"], e["to_level"]) for e in await history(cid)
    ]
    assert steps == [
        ("report", None, "reported", "grid"),
        ("file", "reported", "filed", "grid"),
        ("escalate", "filed", "filed", "community"),
        ("escalate", "filed", "filed", "street"),
        ("claim", "filed", "filed", "street"),
        ("send_down", "filed", "filed", "grid"),
        ("dispatch", "filed", "dispatched", "grid"),
        ("start", "dispatched", "in_progress", "grid"),
        ("handle", "in_progress", "handled", "grid"),
        ("verify", "handled", "verified", "grid"),
        ("rework", "verified", "dispatched", "grid"),
        ("start", "dispatched", "in_progress", "grid"),
        ("handle", "in_progress", "handled", "grid"),
        ("verify", "handled", "verified", "grid"),
        ("close", "verified", "closed", "grid"),
        ("evaluate", "closed", "evaluated", "grid"),
    ]
    events = await history(cid)
    assert [e["actor_kind"] for e in events[2:4]] == ["system", "system"]
    assert events[10]["reason"] == "仍有残留垃圾"

    street_notes = (
        await Outbox.select()
        .output(load_json=True)
        .where(
            (Outbox.kind == "case.escalated")
            & (Outbox.recipient_id == str(world.units["street_a"]))
        )
    )
    assert [n["payload"]["case_id"] for n in street_notes].count(cid) == 1
    await deliver_pending()
    assert await Notification.exists().where(
        (Notification.case == cid) & (Notification.kind == "case.escalated")
    )
