"""Schemathesis over the whole OpenAPI document (Open311 aside: its spec's error arrays have
their own fuzz test), against a running ``gridgov serve`` on the test database, signed in as a
grid worker and as a department handler: no answer is a 5xx, and every 4xx is the API's
``{code, message, data}`` error.

The personas sign in afresh here, so a fuzzed logout ends only this test's sessions; they are
personas with little write power, so fuzzed writes cannot disturb the shared test world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as given_settings
from schemathesis.checks import not_a_server_error

from backend.app import create_app
from backend.config import Settings, load_settings
from tests.fake_wechat import APPID, SECRET, FakeWeChat
from tests.personas import PASSWORD
from tests.servers import free_port, gridgov_serve, serve_env

FUZZED_PERSONAS = ("grid_worker_a", "department_handler")
SCHEMA = schemathesis.openapi.from_dict(
    create_app(load_settings({})).openapi_schema.to_schema()
).exclude(path_regex="^/open311/")


@pytest.fixture(scope="module")
def server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, fake_wechat: FakeWeChat
) -> Iterator[str]:
    """The mini-program is wired to the fake WeChat server, so a fuzzed sign-in code meets a
    real (fake) code check rather than a missing configuration."""
    var = tmp_path_factory.mktemp("fuzz-server")
    env = serve_env(
        var,
        settings.database_url,
        GRIDGOV_ENV="dev",
        GRIDGOV_PII_KEY=settings.pii_key,
        GRIDGOV_SECRET_KEY=settings.secret_key,
        GRIDGOV_WECHAT_MP_APPID=APPID,
        GRIDGOV_WECHAT_MP_SECRET=SECRET,
        GRIDGOV_WECHAT_API_URL=fake_wechat.url,
    )
    port = free_port()
    with gridgov_serve(env, port, "--no-migrate", log=var / "serve.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def sessions(server: str, world: Any) -> dict[str, dict[str, str]]:
    headers = {}
    for persona in FUZZED_PERSONAS:
        answer = httpx.post(
            f"{server}/api/v1/auth/login",
            json={"username": f"t_{persona}", "password": PASSWORD},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        headers[persona] = {"Authorization": f"Bearer {answer.json()['token']}"}
    return headers


def error_shape_problem(response: Any) -> str | None:
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} without a JSON body: {response.text[:120]!r}"
    if not (isinstance(body, dict) and {"code", "message", "data"} <= body.keys()):
        return f"{response.status_code} body is not {{code, message, data}}: {body!r:.160}"
    return None


@pytest.mark.parametrize("persona", FUZZED_PERSONAS)
@SCHEMA.parametrize()
@given_settings(
    max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_fuzzed_requests_get_no_server_error_and_errors_keep_their_shape(
    case: Any, persona: str, server: str, sessions: dict[str, dict[str, str]]
) -> None:
    response = case.call(base_url=server, headers=sessions[persona], timeout=10)
    case.validate_response(response, checks=[not_a_server_error])
    problem = error_shape_problem(response)
    assert problem is None, f"{case.method} {case.formatted_path}: {problem}"
