"""The console in headless Chromium against a real ``gridgov serve`` on the test database.

One browser for the module; each test gets its own context (cookies), signs in through the
form as street A's center staff and works like a person would. Every page visited passes the
axe-core smoke check (labels, contrast, keyboard focus, anything serious); screenshots of the
queue and a case page land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from backend.config import Settings
from tests.browser import (
    ARTIFACTS,
    VIEWPORT,
    axe_violations,
    describe,
    launch_args,
    missing_tools,
)
from tests.cases_support import report
from tests.conftest import service_missing
from tests.console_support import escalated_to_street_a
from tests.personas import PASSWORD
from tests.servers import serving_test_database

HOSTILE = "<script>alert(1)</script> ' OR 1=1 --"


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    why = missing_tools()
    if why:
        service_missing("the browser test tools", RuntimeError(why))
    var = tmp_path_factory.mktemp("console-server")
    with serving_test_database(settings, var, GRIDGOV_MEDIA_URL=settings.media_url) as url:
        yield url


@pytest.fixture(scope="module")
async def browser(server: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(**launch_args())
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Any, server: str) -> AsyncIterator[Any]:
    context = await browser.new_context(
        base_url=server, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    tab = await context.new_page()
    tab.set_default_timeout(15_000)
    dialogs: list[str] = []
    tab.on("dialog", lambda d: dialogs.append(d.message))
    tab.dialogs = dialogs
    try:
        yield tab
    finally:
        await context.close()


async def accessible(page: Any) -> None:
    violations = await axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


async def sign_in(page: Any, persona: str = "street_a_staff") -> None:
    await page.goto("/console/queue")
    assert "/console/login" in page.url
    await accessible(page)
    await page.get_by_label("用户名").fill(f"t_{persona}")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.locator("#login").click()
    await page.wait_for_url(re.compile(r"/console/queue"))


def row(page: Any, case_id: int) -> Any:
    return page.locator(f'tr[data-case-id="{case_id}"]')


async def test_street_staff_triage_an_escalated_case_until_it_leaves_the_queue(
    page, world, settings
):
    case = await escalated_to_street_a(world, photos=2, settings=settings)
    await sign_in(page)
    await page.get_by_role("link", name="上报至本级").click()
    await page.wait_for_selector(f'tr[data-case-id="{case["id"]}"]')
    await accessible(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)

    # a case that escalates while the page is open appears on the next refresh
    later = await escalated_to_street_a(world)
    await page.evaluate("window.gridgovRefreshQueue()")
    await row(page, later["id"]).wait_for()

    await row(page, case["id"]).get_by_role("link").click()
    await page.wait_for_url(re.compile(rf"/console/cases/{case['id']}$"))
    await accessible(page)
    assert await page.locator("svg.map circle").count() == 1
    thumbs = page.locator(".photos img")
    assert await thumbs.count() == 2
    await page.wait_for_function(
        "[...document.querySelectorAll('.photos img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    display = await page.locator(".photos a").first.get_attribute("href")
    assert (await page.request.get(display)).headers["content-type"].startswith("image/")
    assert await page.locator("#timeline li").count() >= 3  # report, two escalations
    await page.screenshot(path=str(ARTIFACTS / "console-case.png"), full_page=True)

    await page.locator("#do-claim").click()
    await page.locator("#action-done").wait_for()
    assert await page.locator("#claimed-by").inner_text() == "street_a_staff"
    await page.locator("#do-file").click()
    await page.locator("#action-done").wait_for()
    await accessible(page)
    await page.get_by_label("派遣对象").select_option(f"department:{world.department_id}")
    await page.locator("#do-dispatch").click()
    await page.locator("#action-done").wait_for()
    assert "已派遣" in await page.locator("h1").inner_text()
    assert "派遣" in await page.locator("#timeline").inner_text()

    await page.goto("/console/queue?queue=escalated")
    await row(page, later["id"]).wait_for()
    assert await row(page, case["id"]).count() == 0


async def test_street_staff_merge_a_duplicate_from_the_suggestions(page, world):
    await escalated_to_street_a(world)  # at least this one is a duplicate of the next
    second = await escalated_to_street_a(world)
    await sign_in(page)
    await page.goto(f"/console/cases/{second['id']}")
    await page.locator("#duplicates").get_by_role("link").first.wait_for()
    # the suggestions are capped: other tests' open cases at the same spot may come first
    offered = page.locator("#merge-into option:not([value=''])")
    target = await offered.first.get_attribute("value")
    assert target and target != str(second["id"])
    await page.get_by_label("合并到案件").select_option(target)
    await page.locator("#do-merge").click()
    await page.locator("#action-done").wait_for()
    assert "已合并" in await page.locator("h1").inner_text()
    await accessible(page)


async def test_another_streets_case_is_not_reachable_by_url(page, world):
    other = await report(world, "grid_worker_b", grid="grid_b1_1")
    await sign_in(page)
    answer = await page.goto(f"/console/cases/{other['id']}")
    assert answer.status == 404
    assert "未找到" in await page.locator("main").inner_text()
    assert other["description"] not in await page.content()
    await accessible(page)


async def test_hostile_case_text_is_shown_as_text(page, world):
    case = await escalated_to_street_a(world, description=HOSTILE)
    await sign_in(page)
    await page.goto(f"/console/cases/{case['id']}")
    assert await page.locator("#case-description").inner_text() == HOSTILE
    await page.goto("/console/queue?queue=escalated")
    assert HOSTILE in await row(page, case["id"]).inner_text()
    assert page.dialogs == []


async def test_a_post_without_the_csrf_token_is_refused(page, world):
    case = await escalated_to_street_a(world)
    await sign_in(page)
    answer = await page.request.post(
        f"/console/cases/{case['id']}/claim", form={"version": str(case["version"])}
    )
    assert answer.status == 403
    assert "CSRF" in await answer.text()


async def test_after_logout_the_console_is_refused(page, world):
    await sign_in(page)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.locator("#logout").click()
    await page.wait_for_url(re.compile(r"/console/login"))
    answer = await page.goto("/console/queue")
    assert "/console/login" in page.url and answer.status == 200
    assert await page.locator("#login").count() == 1


async def badge(page: Any, queue: str) -> int:
    return int(await page.locator(f'[data-queue-count="{queue}"]').inner_text())


async def test_tab_badges_count_each_queue_and_follow_the_polling(page, world):
    await sign_in(page)
    await page.goto("/console/queue?queue=escalated")
    before = {q: await badge(page, q) for q in ("escalated", "new", "overdue", "open")}
    assert before["escalated"] == await page.locator("#queue-rows tr[data-case-id]").count()
    await accessible(page)
    await escalated_to_street_a(world)
    await page.locator("#queue-refresh").click()  # what the 15 s timer does
    await page.wait_for_function(
        "n => document.querySelector('[data-queue-count=\"escalated\"]').textContent == n",
        arg=str(before["escalated"] + 1),
    )
    assert await badge(page, "open") == before["open"] + 1
    assert await badge(page, "overdue") == before["overdue"]


async def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Presses Tab until ``selector`` has the focus, as a keyboard-only user would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


async def test_the_queue_and_a_case_are_worked_from_the_keyboard_alone(page, world):
    case = await escalated_to_street_a(world)
    await sign_in(page)
    await page.goto("/console/queue?queue=escalated")
    link = f'tr[data-case-id="{case["id"]}"] a'
    for control in ('a[href="/console/queue?queue=open"]', "#f-level", "#queue-refresh"):
        await page.goto("/console/queue?queue=escalated")
        await tab_to(page, control)
    await tab_to(page, link)
    # a refresh while a case link has the focus keeps the focus there
    await escalated_to_street_a(world)
    await page.keyboard.press("Shift+Tab")
    await tab_to(page, "#queue-refresh")
    await page.keyboard.press("Enter")
    await tab_to(page, link)
    await page.evaluate("window.gridgovRefreshQueue()")
    await page.wait_for_function("document.getElementById('queue-status').textContent !== ''")
    assert await page.evaluate("s => document.activeElement.matches(s)", link)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(rf"/console/cases/{case['id']}$"))
    await tab_to(page, "#do-claim")
    await page.keyboard.press("Enter")
    await page.locator("#action-done").wait_for()
    assert await page.locator("#claimed-by").inner_text() == "street_a_staff"
    await tab_to(page, "#logout")


async def test_an_unknown_console_page_is_a_404_inside_the_header(page, world):
    await sign_in(page)
    answer = await page.goto("/console/no-such-page")
    assert answer.status == 404
    assert "未找到" in await page.locator("main").inner_text()
    assert world.actors["street_a_staff"].name in await page.locator("header").inner_text()
    await accessible(page)
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作队列").click()
    await page.wait_for_url(re.compile(r"/console/queue"))
    other = await report(world, "grid_worker_b", grid="grid_b1_1")
    refused = await page.goto(f"/console/cases/{other['id']}")
    assert refused.status == 404
    await page.locator("#logout").click()
    await page.wait_for_url(re.compile(r"/console/login"))
