"""Two app processes behind one load balancer share the WeChat door's memory (the database):
a captured signed request replayed to the other process is refused, and WeChat's retry of a
message that reaches the other process gets the first reply without running the flow again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict

from backend.config import Settings
from bots.tables import Conversation
from grid.cases.tables import Case
from tests.e2e.test_wechat_account import (
    APP_ID,
    DOOR,
    TOKEN,
    link,
    report_until_confirm,
    signed,
    xml,
)
from tests.fake_wechat import OA_SECRET, FakeWeChat
from tests.servers import free_port, gridgov_serve, serve_env
from tests.telegram_support import next_id

Apps = tuple[list[str], FakeWeChat]


@pytest.fixture(scope="module")
def two_apps(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[str], FakeWeChat]]:
    fake = FakeWeChat().start()
    var = tmp_path_factory.mktemp("wechat-apps")
    env = {
        "GRIDGOV_ENV": "dev",
        "GRIDGOV_PII_KEY": settings.pii_key,
        "GRIDGOV_SECRET_KEY": settings.secret_key,
        "GRIDGOV_WECHAT_APP_ID": APP_ID,
        "GRIDGOV_WECHAT_APP_SECRET": OA_SECRET,
        "GRIDGOV_WECHAT_TOKEN": TOKEN,
        "GRIDGOV_WECHAT_TEMPLATE_ID": "case-template",
        "GRIDGOV_WECHAT_API_URL": fake.url,
    }
    ports = [free_port(), free_port()]
    try:
        with (
            gridgov_serve(
                serve_env(Path(var) / "app1", settings.database_url, **env),
                ports[0],
                "--no-migrate",
                log=Path(var) / "app1.log",
            ),
            gridgov_serve(
                serve_env(Path(var) / "app2", settings.database_url, **env),
                ports[1],
                "--no-migrate",
                log=Path(var) / "app2.log",
            ),
        ):
            yield [f"http://127.0.0.1:{port}" for port in ports], fake
    finally:
        fake.stop()


async def test_a_replay_sent_to_the_other_app_process_is_refused(two_apps: Apps) -> None:
    (first_app, second_app), _ = two_apps
    openid = f"o-{next_id()}"
    query, body = signed(), xml(openid, "text", Content="上报")
    async with httpx.AsyncClient(timeout=30) as client:
        accepted = await client.post(first_app + DOOR, params=query, content=body)
        assert accepted.status_code == 200, accepted.text
        replayed = await client.post(second_app + DOOR, params=query, content=body)
        assert replayed.status_code == 403, replayed.text
        assert replayed.json()["code"] == "forbidden"
        again = await client.post(first_app + DOOR, params=query, content=body)
        assert again.status_code == 403
    assert not await Conversation.exists().where(Conversation.external_id == openid)


async def test_a_retried_message_reaching_the_other_app_gets_the_first_reply(
    two_apps: Apps, world: Any
) -> None:
    """Each retry is signed afresh (new nonce): only the MsgId tells it is the same message.
    The first delivery submits the report; a retry on the other process must not run the
    flow again (it would find the report gone and answer something else)."""
    (first_app, second_app), fake = two_apps
    description = f"两个进程的确认 {next_id()}"
    async with (
        httpx.AsyncClient(base_url=first_app, timeout=30) as one,
        httpx.AsyncClient(base_url=second_app, timeout=30) as other,
    ):
        openid = await link(one, world, "grid_worker_a")
        await report_until_confirm(one, fake, world, openid, description)
        confirm = xml(openid, "text", Content="确认")
        first = await one.post(DOOR, params=signed(), content=confirm)
        retries = [await other.post(DOOR, params=signed(), content=confirm) for _ in range(2)]
    assert [a.status_code for a in [first, *retries]] == [200] * 3, first.text
    replies = [xmltodict.parse(a.text)["xml"]["Content"] for a in [first, *retries]]
    assert "上报成功" in replies[0] and replies == [replies[0]] * 3, replies
    assert await Case.count().where(Case.description == description) == 1
