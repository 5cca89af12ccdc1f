"""Open311 against a running ``gridgov serve`` on the test database: the read side through
the ``georeport`` client from PyPI in JSON and XML, checked against the JSON Schemas in
tests/open311_schemas/, and schemathesis fuzzing the Open311 routes for server errors."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from georeport import GeoReport
from hypothesis import HealthCheck
from hypothesis import settings as given_settings
from schemathesis.checks import not_a_server_error

from backend.app import create_app
from backend.config import Settings, load_settings
from tests.cases_support import POINTS
from tests.open311_support import check, new_key
from tests.servers import GRIDGOV, serve_env, serving_test_database

SCHEMA = schemathesis.openapi.from_dict(
    create_app(load_settings({})).openapi_schema.to_schema()
).include(path_regex="^/open311/")


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_test_database(settings, tmp_path_factory.mktemp("open311-server")) as url:
        yield url


@pytest.fixture(scope="module")
async def posted(server: str, world: Any) -> dict[str, Any]:
    """One request submitted over HTTP to the running server (httpx)."""
    key = await new_key("georeport test")
    lon, lat = POINTS["grid_a1_2"]
    async with httpx.AsyncClient(base_url=server) as http:
        response = await http.post(
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": "0201",
                "lat": str(lat),
                "long": str(lon),
                "description": "消防通道被一辆车堵住",
                "attribute[blocking]": "yes",
                "email": "li@example.com",
                "address_string": "幸福路 8 号",
            },
        )
    assert response.status_code == 201, response.text
    return check("post_response", response.json())[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_lists_services_and_their_definitions(server: str, fmt: str) -> None:
    client = GeoReport(f"{server}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"0101", "0201"} <= codes
    if fmt == "json":
        check("services", services)
    parking = next(s for s in services if s["service_code"] == "0201")
    assert parking["service_name"] == "机动车乱停放" and parking["group"]
    definition = client.get_service_definition("0201")
    if fmt == "json":
        check("service_definition", definition)
        assert [a["code"] for a in definition["attributes"]] == ["plate", "blocking"]
    else:
        attributes = definition["attributes"]["attribute"]
        assert [a["code"] for a in attributes] == ["plate", "blocking"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_follows_a_submitted_request(
    server: str, posted: dict[str, Any], fmt: str
) -> None:
    client = GeoReport(f"{server}/open311/v2", output_format=fmt)
    rid = posted["service_request_id"]
    one = client.get_service_request(rid)
    listed = client.get_service_requests(service_code="0201", status="open")
    if fmt == "json":
        check("service_requests", [one])
        check("service_requests", listed)
    else:
        listed = listed if isinstance(listed, list) else [listed]
    assert one["service_request_id"] == rid and one["status"] == "open"
    assert one["service_code"] == "0201" and one["address"] == "幸福路 8 号"
    assert one["agency_responsible"] and one["expected_datetime"]
    assert rid in {r["service_request_id"] for r in listed}
    assert "li@example.com" not in str(one) + str(listed)


def test_a_token_names_its_request_on_the_running_server(
    server: str, posted: dict[str, Any]
) -> None:
    response = httpx.get(f"{server}/open311/v2/tokens/{posted['token']}.json")
    assert check("post_response", response.json()) == [
        {"token": posted["token"], "service_request_id": posted["service_request_id"]}
    ]


def test_discovery_validates(server: str) -> None:
    check("discovery", httpx.get(f"{server}/open311/v2/discovery.json").json())


@SCHEMA.parametrize()
@given_settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_fuzzed_open311_requests_get_no_server_error(case: Any, server: str) -> None:
    response = case.call(base_url=server, timeout=10)
    case.validate_response(response, checks=[not_a_server_error])


def test_schema_covers_the_open311_routes() -> None:
    operations = {
        (op.method.upper(), op.path) for op in (r.ok() for r in SCHEMA.get_all_operations())
    }
    assert ("POST", "/open311/v2/{name}") in operations
    assert ("GET", "/open311/v2/requests/{name}") in operations


def test_cli_issues_a_key_the_server_accepts(server: str, settings: Settings) -> None:
    env = serve_env(
        Path(settings.var_dir),
        settings.database_url,
        GRIDGOV_ENV="dev",
        GRIDGOV_PII_KEY=settings.pii_key,
    )
    done = subprocess.run(
        [GRIDGOV, "open311-key", "cli app"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().rsplit(" ", 1)[-1]
    lon, lat = POINTS["grid_a1_1"]
    response = httpx.post(
        f"{server}/open311/v2/requests.json",
        data={"api_key": key, "service_code": "0102", "lat": str(lat), "long": str(lon)},
    )
    assert response.status_code == 201, response.text
