"""The console over plain HTTP (no browser): session cookie, CSRF, scope, escaping.

The browser walk-through is tests/e2e/test_console_browser.py; these are the fast checks
of the same door's rules."""

from __future__ import annotations

import re

import httpx
import pytest

from backend.app import create_app
from tests.cases_support import report
from tests.console_support import console_sign_in, csrf_of, escalated_to_street_a

HOSTILE = "<script>alert(1)</script> ' OR 1=1 -- <img src=x onerror=alert(2)>"


@pytest.fixture
async def browser_client(settings):
    """A client that keeps cookies, like a browser, on the test's own event loop."""
    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_console_page_without_a_session_redirects_to_sign_in(browser_client):
    answer = await browser_client.get("/console/queue?queue=open")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/queue%3Fqueue%3Dopen"


async def test_a_bearer_token_is_not_a_console_session(browser_client, world):
    answer = await browser_client.get("/console/queue", headers=world.headers("street_a_staff"))
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]


async def test_sign_in_sets_an_httponly_lax_session_cookie(browser_client, world):
    form = await browser_client.get("/console/login")
    answer = await browser_client.post(
        "/console/login",
        data={
            "username": "t_street_a_staff",
            "password": "Passw0rd-test",
            "_csrf": csrf_of(form.text),
        },
    )
    assert form.headers["content-type"].startswith("text/html")
    cookie = answer.headers["set-cookie"].lower()
    assert "gridgov_console=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/console" in cookie


async def test_a_wrong_password_is_refused_in_chinese(browser_client, world):
    form = await browser_client.get("/console/login")
    answer = await browser_client.post(
        "/console/login",
        data={"username": "t_street_a_staff", "password": "nope", "_csrf": csrf_of(form.text)},
    )
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text


async def test_a_post_without_the_csrf_token_is_refused(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    case = await escalated_to_street_a(world)
    url = f"/console/cases/{case['id']}/claim"
    missing = await browser_client.post(url, data={"version": str(case["version"])})
    forged = await browser_client.post(url, data={"_csrf": "forged", "version": "0"})
    assert missing.status_code == 403 and forged.status_code == 403
    assert "CSRF" in missing.text
    login = await browser_client.post(
        "/console/login", data={"username": "t_street_a_staff", "password": "Passw0rd-test"}
    )
    assert login.status_code == 403


async def test_the_json_api_with_a_bearer_token_needs_no_csrf_token(client, world):
    case = await escalated_to_street_a(world)
    answer = await client.post(
        f"/api/v1/cases/{case['id']}/claim", json={}, headers=world.headers("street_a_staff")
    )
    assert answer.status_code == 200, answer.text


async def test_claim_file_and_dispatch_take_the_case_out_of_the_escalated_queue(
    browser_client, world
):
    token = await console_sign_in(browser_client, "street_a_staff")
    case = await escalated_to_street_a(world)
    queue = await browser_client.get("/console/queue?queue=escalated")
    assert f'data-case-id="{case["id"]}"' in queue.text
    url = f"/console/cases/{case['id']}"
    for action, extra in (
        ("claim", {}),
        ("file", {}),
        ("dispatch", {"target": f"department:{world.department_id}"}),
    ):
        page = await browser_client.get(url)
        assert f'id="form-{action}"' in page.text, action
        answer = await browser_client.post(
            f"{url}/{action}", data={"_csrf": token, "version": "", **extra}
        )
        assert answer.status_code == 303, answer.text
    page = await browser_client.get(url)
    assert "已派遣" in page.text and "派遣" in page.text
    queue = await browser_client.get("/console/queue?queue=escalated")
    assert f'data-case-id="{case["id"]}"' not in queue.text


async def test_a_refused_action_is_explained_on_the_case_page(browser_client, world):
    token = await console_sign_in(browser_client, "street_a_staff")
    case = await escalated_to_street_a(world)
    answer = await browser_client.post(
        f"/console/cases/{case['id']}/reject", data={"_csrf": token, "reason": ""}
    )
    assert 400 <= answer.status_code < 500
    assert 'id="action-error"' in answer.text


async def test_another_streets_case_is_not_found_and_shows_no_data(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    other = await report(world, "grid_worker_b", grid="grid_b1_1")
    answer = await browser_client.get(f"/console/cases/{other['id']}")
    assert answer.status_code == 404
    assert other["description"] not in answer.text and "未找到" in answer.text


async def test_hostile_case_text_is_rendered_escaped(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    case = await escalated_to_street_a(world, description=HOSTILE)
    page = await browser_client.get(f"/console/cases/{case['id']}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&#39; OR 1=1 --" in page.text and "<img src=x" not in page.text
    queue = await browser_client.get("/console/queue?queue=escalated")
    assert "<script>alert(1)</script>" not in queue.text


async def test_the_rows_fragment_answers_304_while_nothing_changed(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    first = await browser_client.get("/console/queue/rows?queue=escalated")
    etag = first.headers["etag"]
    again = await browser_client.get(
        "/console/queue/rows?queue=escalated", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    case = await escalated_to_street_a(world)
    changed = await browser_client.get(
        "/console/queue/rows?queue=escalated", headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and f'data-case-id="{case["id"]}"' in changed.text


async def test_after_logout_the_session_is_refused(browser_client, world):
    token = await console_sign_in(browser_client, "street_a_staff")
    cookie = browser_client.cookies.get("gridgov_console")
    out = await browser_client.post("/console/logout", data={"_csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    browser_client.cookies.set("gridgov_console", cookie, path="/console")
    again = await browser_client.get("/console/queue")
    assert again.status_code == 303 and "/console/login" in again.headers["location"]


async def test_the_language_switch_turns_the_console_english_and_back(browser_client, world):
    token = await console_sign_in(browser_client, "street_a_staff")
    chinese = await browser_client.get("/console/queue")
    assert 'lang="zh-CN"' in chinese.text and "工作队列" in chinese.text
    switched = await browser_client.post(
        "/console/language", data={"_csrf": token, "to": "en", "next": "/console/queue"}
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/console/queue"
    english = await browser_client.get("/console/queue")
    assert '<html lang="en">' in english.text and "Work queue" in english.text
    await browser_client.post("/console/language", data={"_csrf": token, "to": "zh-CN"})
    assert "工作队列" in (await browser_client.get("/console/queue")).text


async def test_sign_in_never_redirects_off_the_console(browser_client, world):
    form = await browser_client.get("/console/login?next=//evil.example/x")
    answer = await browser_client.post(
        "/console/login",
        data={
            "username": "t_street_a_staff",
            "password": "Passw0rd-test",
            "next": "https://evil.example/",
            "_csrf": csrf_of(form.text),
        },
    )
    assert answer.headers["location"] == "/console/queue"


async def test_a_grid_worker_sees_only_the_open_and_overdue_queues(browser_client, world):
    await console_sign_in(browser_client, "grid_worker_a")
    page = await browser_client.get("/console/queue")
    assert "queue=open" in page.text and "queue=escalated" not in page.text
    refused = await browser_client.get("/console/queue?queue=escalated")
    assert refused.status_code == 200 and "queue=escalated" not in refused.text


async def test_queue_filters_narrow_the_rows(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    case = await escalated_to_street_a(world)
    base = "/console/queue?queue=escalated"
    marker = f'data-case-id="{case["id"]}"'
    assert marker in (await browser_client.get(f"{base}&level=street&channel=console")).text
    assert marker not in (await browser_client.get(f"{base}&level=grid")).text
    assert marker not in (await browser_client.get(f"{base}&channel=wechat")).text
    assert marker not in (await browser_client.get(f"{base}&light=red")).text
    bad = await browser_client.get(f"{base}&light=purple")
    assert bad.status_code == 400 and "输入有误" in bad.text


async def test_the_console_root_leads_to_the_queue_and_serves_its_stylesheet(browser_client):
    for root in ("/console", "/console/"):
        answer = await browser_client.get(root)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/queue"
    css = await browser_client.get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


BADGE = re.compile(r'data-queue-count="(\w+)">(\d+)<')


def badges(html: str) -> dict[str, int]:
    return {queue: int(n) for queue, n in BADGE.findall(html)}


async def test_tab_badges_count_what_each_queue_lists_and_follow_the_polling(
    browser_client, client, world
):
    await console_sign_in(browser_client, "street_a_staff")
    page = await browser_client.get("/console/queue?queue=overdue")
    shown = badges(page.text)
    assert set(shown) == {"escalated", "new", "overdue", "open"}
    for queue, n in shown.items():
        api = await client.get(
            f"/api/v1/triage/queues/{queue}", headers=world.headers("street_a_staff")
        )
        assert api.json()["total"] == n, queue
    etag = (await browser_client.get("/console/queue/rows?queue=overdue")).headers["etag"]
    await escalated_to_street_a(world)  # escalated and open grow; the overdue rows do not
    polled = await browser_client.get(
        "/console/queue/rows?queue=overdue", headers={"If-None-Match": etag}
    )
    assert polled.status_code == 200
    counts = dict(pair.split("=") for pair in polled.headers["x-queue-counts"].split(","))
    assert int(counts["escalated"]) == shown["escalated"] + 1
    assert int(counts["open"]) == shown["open"] + 1
    assert int(counts["overdue"]) == shown["overdue"]


async def test_a_grid_worker_gets_badges_only_for_the_queues_they_have(browser_client, world):
    await console_sign_in(browser_client, "grid_worker_a")
    page = await browser_client.get("/console/queue")
    assert set(badges(page.text)) == {"overdue", "open"}


def assert_inside_the_header(html: str, name: str) -> None:
    assert name in html, "the signed-in user's name"
    assert 'id="logout"' in html and 'href="/console/queue"' in html
    assert '<nav aria-label="主导航">' in html


async def test_an_unknown_console_path_is_a_chinese_html_404_inside_the_header(
    browser_client, client, world
):
    anonymous = await browser_client.get("/console/no-such-page")
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"].startswith("text/html")
    assert "未找到" in anonymous.text and 'id="logout"' not in anonymous.text
    await console_sign_in(browser_client, "street_a_staff")
    for path in ("/console/no-such-page", "/console/cases/12/deep/path", "/console/cases/x"):
        answer = await browser_client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert "未找到" in answer.text, path
        assert_inside_the_header(answer.text, world.actors["street_a_staff"].name)
    api = await client.get("/api/v1/no-such-thing", headers=world.headers("street_a_staff"))
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
    assert set(api.json()) == {"code", "message", "data"}


async def test_refusal_pages_keep_the_header_with_name_menu_and_logout(browser_client, world):
    await console_sign_in(browser_client, "street_a_staff")
    name = world.actors["street_a_staff"].name
    other = await report(world, "grid_worker_b", grid="grid_b1_1")
    not_found = await browser_client.get(f"/console/cases/{other['id']}")
    assert not_found.status_code == 404
    assert_inside_the_header(not_found.text, name)
    case = await escalated_to_street_a(world)
    no_csrf = await browser_client.post(f"/console/cases/{case['id']}/claim", data={})
    assert no_csrf.status_code == 403
    assert_inside_the_header(no_csrf.text, name)
    bad_filter = await browser_client.get("/console/queue?queue=open&light=purple")
    assert bad_filter.status_code == 400
    assert_inside_the_header(bad_filter.text, name)
