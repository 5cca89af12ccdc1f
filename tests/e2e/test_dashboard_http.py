"""The console's KPI dashboard over plain HTTP: who may open it, scope, the period form, and
downloads that are the JSON API's files. The browser walk-through is
tests/e2e/test_dashboard_browser.py."""

from __future__ import annotations

import re

import httpx
import pytest

from backend.app import create_app
from tests.console_support import console_sign_in

PERIOD = "start=2026-10-01&until=2026-10-31"


@pytest.fixture
async def browser_client(settings):
    """A client that keeps cookies, like a browser, on the test's own event loop."""
    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_dashboard_without_a_session_redirects_to_sign_in(browser_client):
    answer = await browser_client.get("/console/dashboard")
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]


async def test_street_staff_see_their_street_and_the_nav_entry(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    answer = await browser_client.get("/console/dashboard")
    assert answer.status_code == 200
    assert (
        "甲街道" in answer.text and 'href="/console/dashboard" aria-current="page"' in answer.text
    )
    assert 'class="grid-map"' in answer.text and 'class="chart"' in answer.text
    assert "基础数据管理" not in answer.text  # no admin entry for street staff


async def test_another_streets_dashboard_is_not_found(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    answer = await browser_client.get(f"/console/dashboard?unit_id={world.units['street_b']}")
    assert answer.status_code == 404
    assert "乙街道" not in answer.text


async def test_grid_workers_have_no_dashboard(browser_client, world):
    await console_sign_in(browser_client, "grid_worker_a")
    answer = await browser_client.get("/console/dashboard")
    assert answer.status_code == 403
    queue = await browser_client.get("/console/queue")
    assert 'href="/console/dashboard"' not in queue.text


async def test_a_bad_date_is_explained(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    answer = await browser_client.get("/console/dashboard?start=2026-13-01")
    assert answer.status_code == 400 and "start" in answer.text
    backwards = await browser_client.get("/console/dashboard?start=2026-10-05&until=2026-10-01")
    assert backwards.status_code == 400


async def test_child_units_link_down_and_the_child_links_back_up(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    street = await browser_client.get(f"/console/dashboard?{PERIOD}")
    community = world.units["community_a1"]
    assert f'<tr data-unit="{community}">' in street.text
    child = await browser_client.get(f"/console/dashboard?unit_id={community}&{PERIOD}")
    assert child.status_code == 200
    assert re.search(rf'unit_id={world.units["street_a"]}[^"]*">返回上级：甲街道', child.text)


async def test_downloads_are_the_json_apis_files(browser_client, client, world):
    await console_sign_in(browser_client, "street_a_staff")
    street = world.units["street_a"]
    api = f"/api/v1/units/{street}/kpis"
    bearer = world.headers("street_a_staff")
    period = "start=2026-10-01&end=2026-11-01"
    for table in ("units", "daily"):
        mine = await browser_client.get(
            f"/console/dashboard/export.csv?unit_id={street}&{PERIOD}&table={table}"
        )
        theirs = await client.get(f"{api}/export.csv?{period}&table={table}", headers=bearer)
        assert mine.status_code == 200 and mine.content == theirs.content
        assert mine.headers["content-disposition"] == theirs.headers["content-disposition"]
    book = await browser_client.get(f"/console/dashboard/export.xlsx?unit_id={street}&{PERIOD}")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert "kpi-500103001000-2026-10-01-2026-11-01.xlsx" in book.headers["content-disposition"]


async def test_dashboard_speaks_english_after_the_switch(browser_client, world):
    token = await console_sign_in(browser_client, "street_a_staff")
    switched = await browser_client.post(
        "/console/language", data={"to": "en", "next": "/console/dashboard", "_csrf": token}
    )
    assert switched.status_code == 303
    answer = await browser_client.get(f"/console/dashboard?{PERIOD}")
    assert answer.status_code == 200
    for words in (
        "Completion rate",
        "Daily trend",
        "Open and overdue cases per grid",
        "1–2 overdue",
    ):
        assert words in answer.text, words
    assert "结案率" not in answer.text
