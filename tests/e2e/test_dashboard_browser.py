"""The KPI dashboard and the admin site in headless Chromium against a real ``gridgov serve``.

Street A's center staff open the dashboard from the navigation: the figures on the page are
the KPI service's, the map's grids carry the grid-load service's counts, the page passes the
axe-core smoke check, and a screenshot lands in tests/artifacts/. A root admin opens
piccolo-admin under /console/admin; street staff are refused there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from backend import clock
from grid.cases.calendar import TZ
from grid.cases.grid_load import grid_load
from grid.cases.kpis import unit_kpis
from grid.cases.services.triage import file_case
from grid.cases.tables import Case
from tests.browser import ARTIFACTS
from tests.cases_support import report
from tests.e2e import test_console_browser as console_browser
from tests.e2e.test_console_browser import accessible, sign_in

# The console's browser fixtures (one real server and one Chromium per module), shared.
server = console_browser.server
browser = console_browser.browser
page = console_browser.page

RATES = ("completion", "on_time", "resolved_in_grid", "satisfaction", "rework", "worker_activity")


async def _street_a_cases(world: Any) -> None:
    """Two filed, open cases in grid A1-1 (its leader files them), one past its deadline."""
    first = await report(world, "grid_worker_a", grid="grid_a1_1")
    late = await report(world, "grid_worker_a", grid="grid_a1_1")
    for case in (first, late):
        await file_case(world.actors["grid_leader_a"], case["id"])
    await Case.update({Case.deadline_at: clock.now() - timedelta(hours=2)}).where(
        Case.id == late["id"]
    )


async def test_street_staff_read_the_dashboard_the_kpi_service_computes(page, world):
    await _street_a_cases(world)
    await sign_in(page, "street_a_staff")
    await page.get_by_role("link", name="考核看板").click()
    await page.wait_for_url(re.compile(r"/console/dashboard"))
    await page.locator("#kpis").wait_for()

    actor = world.actors["street_a_staff"]
    today = clock.now().astimezone(TZ).date()
    want = await unit_kpis(
        actor, world.units["street_a"], today.replace(day=1), today + timedelta(days=1)
    )
    assert want.filed >= 2
    for key in ("filed", "voided", "deferred", "due"):
        shown = await page.locator(f'[data-kpi="{key}"]').get_attribute("data-value")
        assert shown == str(getattr(want, key)), key
    for key in RATES:
        shown = await page.locator(f'[data-kpi="{key}"]').get_attribute("data-value")
        figure = getattr(want, key).percent
        assert shown == ("" if figure is None else str(figure)), key
    assert (await page.locator("#kpis").inner_text()).count("%") >= 1

    load = await grid_load(actor, world.units["street_a"])
    paths = page.locator("svg.grid-map path")
    assert await paths.count() == len(load.grids) == 2
    for grid in load.grids:
        drawn = page.locator(f'svg.grid-map path[data-code="{grid.code}"]')
        assert await drawn.get_attribute("data-open") == str(grid.open)
        assert await drawn.get_attribute("data-overdue") == str(grid.overdue)
    assert sum(g.overdue for g in load.grids) >= 1
    assert await page.locator("svg.chart polyline").count() == 3
    assert await page.locator("#ranking tbody tr").count() == 1  # community A1

    await accessible(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-dashboard.png"), full_page=True)

    async with page.expect_download() as download:
        await page.get_by_role("link", name="Excel 工作簿（两张表）").click()
    assert (await download.value).suggested_filename.startswith("kpi-500103001000-")


async def test_dashboard_of_another_street_is_not_found(page, world):
    await sign_in(page, "street_a_staff")
    answer = await page.goto(f"/console/dashboard?unit_id={world.units['street_b']}")
    assert answer.status == 404
    await accessible(page)


async def test_root_admin_opens_the_admin_site_and_street_staff_are_refused(page, world):
    await sign_in(page, "admin")
    await page.get_by_role("link", name="基础数据管理").click()
    await page.wait_for_url(re.compile(r"/console/admin/"))
    await page.get_by_role("link", name="Case Category").click()
    await page.get_by_text("暴露垃圾").first.wait_for()  # rows read through the gate
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-admin.png"))

    await page.context.clear_cookies()  # the admin site is another app: leave by forgetting
    await sign_in(page, "street_a_staff")
    assert await page.get_by_role("link", name="基础数据管理").count() == 0
    answer = await page.goto("/console/admin/")
    assert answer.status == 403
    assert "暴露垃圾" not in await page.content()
