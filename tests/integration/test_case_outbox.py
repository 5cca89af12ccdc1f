"""Notification delivery: at least once through every hook, never shown twice."""

from __future__ import annotations

from backend import metrics
from grid.cases.services import outbox
from grid.cases.tables import Notification, Outbox
from tests.cases_support import report


async def test_a_failing_hook_leaves_the_row_for_later_and_it_is_shown_once(world):
    case = await report(world, "grid_worker_a")
    row = (
        await Outbox.select(Outbox.id)
        .where((Outbox.kind == "case.new") & Outbox.delivered_at.is_null())
        .order_by(Outbox.id, ascending=False)
        .first()
    )
    seen: list[int] = []

    async def flaky(r):
        seen.append(r["id"])
        if len(seen) == 1:
            raise RuntimeError("bot API down")

    failures = metrics._notification_failures().labels("flaky")
    failed_before = failures._value.get()
    outbox.register_hook("flaky", flaky)
    try:
        await outbox.deliver_pending(ids=[row["id"]])
        first = await Outbox.select().where(Outbox.id == row["id"]).first()
        assert first["delivered_at"] is None and first["attempts"] == 1
        assert first["last_error"].startswith("flaky: ") and "bot API down" in first["last_error"]
        assert failures._value.get() == failed_before + 1
        await outbox.deliver_pending(ids=[row["id"]])
    finally:
        outbox.unregister_hook("flaky")
    done = await Outbox.select().where(Outbox.id == row["id"]).first()
    assert done["delivered_at"] is not None and seen == [row["id"], row["id"]]
    # the built-in hook ran both times, the notification exists once
    assert await Notification.count().where(Notification.outbox_id == row["id"]) == 1
    mine, _ = await outbox.my_notifications(world.actors["grid_leader_a"])
    assert case["id"] in [n.case_id for n in mine]
    others, _ = await outbox.my_notifications(world.actors["grid_worker_b"])
    assert case["id"] not in [n.case_id for n in others]
