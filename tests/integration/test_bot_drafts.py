"""A chat report's draft keeps every change when messages arrive while a photo is stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bots import report
from bots.state import load_state, save_state
from bots.tables import BotChannel
from tests.media_samples import phone_jpeg

CHAT = "draft-test-chat"


@pytest.fixture
async def media_ready(settings: Any) -> Any:
    from backend.app import prepare_media

    await prepare_media(settings)
    return settings


async def test_photos_of_an_album_arriving_together_are_all_kept(world, media_ready) -> None:
    chat = f"{CHAT}-album"
    await save_state(BotChannel.telegram, chat, report.new_report("tg"))
    actor = world.actors["grid_worker_a"]
    photos = [phone_jpeg(800, 600, seed=seed) for seed in (11, 12, 13)]

    await asyncio.gather(
        *(report.add_photo(actor, BotChannel.telegram, chat, data, media_ready) for data in photos)
    )

    assert len((await load_state(BotChannel.telegram, chat)).data["photos"]) == 3


async def test_a_location_sent_while_a_photo_is_stored_is_kept(
    world, media_ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = f"{CHAT}-location"
    await save_state(BotChannel.wechat, chat, report.new_report("wx"))
    actor = world.actors["grid_worker_a"]
    storing, go_on = asyncio.Event(), asyncio.Event()
    real_upload = report.upload_photo

    async def slow_upload(*args: Any, **kwargs: Any) -> Any:
        storing.set()
        await go_on.wait()
        return await real_upload(*args, **kwargs)

    monkeypatch.setattr(report, "upload_photo", slow_upload)
    adding = asyncio.create_task(
        report.add_photo(actor, BotChannel.wechat, chat, phone_jpeg(800, 600), media_ready)
    )
    await storing.wait()
    moved_on = await load_state(BotChannel.wechat, chat)  # the location message's own step
    report.set_location(moved_on, 106.55, 29.56, "gcj02")
    moved_on.step = "major"
    await save_state(BotChannel.wechat, chat, moved_on)
    go_on.set()
    assert await adding == 1

    stored = await load_state(BotChannel.wechat, chat)
    assert stored.step == "major"
    assert (stored.data["lon"], stored.data["lat"]) == (106.55, 29.56)
    assert len(stored.data["photos"]) == 1


async def test_a_photo_stored_after_the_draft_ended_is_not_attached(world, media_ready) -> None:
    chat = f"{CHAT}-ended"
    actor = world.actors["grid_worker_a"]

    assert (
        await report.add_photo(actor, BotChannel.wechat, chat, phone_jpeg(64, 48), media_ready) == 0
    )
    assert (await load_state(BotChannel.wechat, chat)).flow == ""
