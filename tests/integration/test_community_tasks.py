"""The consultation beat tasks, run by a real worker process (filesystem transport)."""

from __future__ import annotations

import uuid

from backend.celery_app import BEAT_SCHEDULE, create_celery
from backend.config import Settings
from community.services import ballots, tally
from community.tables import ChainPending
from grid.cases.tables import Outbox
from tests.estate import build_estate, open_matter
from tests.workers import celery_worker, eventually


def test_beat_runs_the_reminder_and_the_sealer():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"gridgov.community.closing_reminders", "gridgov.community.seal_chains"} <= tasks


async def test_worker_reminds_voters_before_closing_and_links_waiting_ballots(
    settings, world, tmp_path
):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate, frozen=False, hours=20)
    receipt = await ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
    broker = f"filesystem://{tmp_path / 'broker'}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = create_celery(
        Settings(**{**settings.__dict__, "broker_url": broker, "task_queue": queue})
    )
    with celery_worker(settings, broker, queue):
        app.send_task("gridgov.community.closing_reminders")
        app.send_task("gridgov.community.seal_chains")

        async def reminded() -> set[str]:
            rows = (
                await Outbox.select(Outbox.recipient_id, Outbox.payload)
                .where(Outbox.kind == "community.closing_soon")
                .output(load_json=True)
            )
            return {r["recipient_id"] for r in rows if r["payload"]["matter_id"] == matter["id"]}

        told = await eventually(reminded, timeout=60)

        async def linked() -> bool:
            return not await ChainPending.exists().where(ChainPending.matter == matter["id"])

        await eventually(linked, timeout=60)
    assert told == {str(r) for r in estate.resident_ids[1:]}
    found = await tally.verify_receipt(
        world.actors["community_staff_a"], matter["id"], receipt.shown
    )
    assert found["in_chain"]
