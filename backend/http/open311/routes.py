"""GeoReport v2 routes under ``/open311/v2/``. Reads show published cases only (those that
came in through Open311, see :mod:`grid.cases.services.public`); reports go through
``report_case`` like every other channel's, as an ``external`` reporter per API client."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery

from backend import clock
from backend.errors import DomainError
from backend.http.open311 import mapping
from backend.http.open311.render import Open311Error, answer, error_answer, split_format
from backend.i18n import translate
from backend.open311_clients import (
    Contact,
    case_of_token,
    client_for_key,
    record_request,
    requests_of_cases,
)
from grid.actors import SYSTEM
from grid.cases.services.access import Reporter
from grid.cases.services.categories import all_categories
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.services.public import PublicFilter, public_cases
from grid.cases.tables import Channel, ReporterKind
from media.services.photos import upload_photo

PUBLISHED = (Channel.open311,)
WINDOW = timedelta(days=90)
MAX_IDS = 1000
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00Z"


def _fmt_of(request: Request[Any, Any, Any]) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def _open311_error(request: Request[Any, Any, Any], exc: Open311Error) -> Response[Any]:
    exc.fmt = _fmt_of(request)
    return error_answer(exc)


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A refusal of the cases domain: 403 stays 403, 404 stays 404 on reads; every other
    refusal of a report is a bad request (400) in the spec's terms."""
    if exc.status == 403 or (exc.status == 404 and request.method == "GET"):
        status = exc.status
    elif exc.status >= 500:
        status = exc.status  # e.g. media storage unavailable (503): the client may retry
    else:
        status = 400
    text = translate(exc.code, "en", exc.data)
    return error_answer(Open311Error(status, f"{exc.code}: {text}", _fmt_of(request)))


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (bad parameter, body too large, wrong method) in the spec's
    shape; their status is kept."""
    return error_answer(Open311Error(exc.status_code, str(exc.detail), _fmt_of(request)))


def _out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A value past what the database holds (see ``backend.http.errors``), in the spec's shape."""
    del exc
    return error_answer(Open311Error(400, "a value is out of range", _fmt_of(request)))


def _moment(raw: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(start_raw: str, end_raw: str) -> tuple[datetime, datetime]:
    start = _moment(start_raw, "start_date") if start_raw else None
    end = _moment(end_raw, "end_date") if end_raw else None
    if start is None and end is None:
        end = clock.now()
    try:
        if start is None:
            assert end is not None
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
    except OverflowError:
        raise Open311Error(400, "start_date or end_date is out of range") from None
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
    return start, end


async def _names() -> dict[str, str]:
    return {c.code: c.name for c in (await all_categories()).values()}


async def _requests(spec: PublicFilter, extended: bool) -> list[dict[str, Any]]:
    cases = await public_cases(spec)
    extras = await requests_of_cases([c.id for c in cases])
    names = await _names()
    return [
        mapping.service_request(
            c,
            names,
            mapping.Extras(
                extras.get(c.id, {}).get("token", ""), extras.get(c.id, {}).get("media_url", "")
            ),
            extended=extended,
        )
        for c in cases
    ]


def _flag(raw: str) -> bool:
    return raw.lower() in ("1", "true")


def _extended(request: Request[Any, Any, Any]) -> bool:
    return _flag(request.query_params.get("extensions", ""))


@dataclass(frozen=True)
class Query:
    """``GET requests`` filters, each a comma-delimited list as the spec has them."""

    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""


def _is_id(raw: str) -> bool:
    """ASCII digits that fit a BIGINT (``"²".isdigit()`` is true, ``int("²")`` fails)."""
    return raw.isascii() and raw.isdigit() and len(raw) < 18


def _list(raw: str) -> list[str]:
    return [v.strip() for v in raw.split(",") if v.strip()]


async def _search(query: Query, fmt: str, extended: bool) -> Response[Any]:
    ids_raw = _list(query.service_request_id)
    if ids_raw:  # the spec: a list of ids overrides every other filter
        if len(ids_raw) > MAX_IDS or not all(_is_id(v) for v in ids_raw):
            raise Open311Error(
                400, f"service_request_id must be a comma-separated list of at most {MAX_IDS} ids"
            )
        spec = PublicFilter(PUBLISHED, case_ids=[int(v) for v in ids_raw])
    else:
        start, end = _window(query.start_date, query.end_date)
        try:
            states = mapping.states_for(_list(query.status))
        except ValueError as exc:
            raise Open311Error(400, f"unknown status: {exc}") from None
        codes = _list(query.service_code)
        spec = PublicFilter(
            PUBLISHED, category_codes=codes or None, start=start, end=end, states=states
        )
    return answer(fmt, "service_requests", await _requests(spec, extended))


def _client_id(device_id: str, client_token: str) -> str:
    """Idempotency key: device id + the client's own token; a new one per POST without it."""
    if not client_token:
        return uuid.uuid4().hex
    key = f"{device_id}:{client_token}" if device_id else client_token
    return key if len(key) <= 64 else hashlib.sha256(key.encode("utf-8")).hexdigest()


def _float(form: Any, name: str) -> float | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a number")
    return value


def _media_url(raw: str) -> str:
    """Kept as a reference and never fetched by gridgov (no server-side request forgery)."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise Open311Error(400, "media_url is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(raw) > 2000:
        raise Open311Error(400, "media_url must be an http(s) URL of at most 2000 characters")
    return raw


class Open311Controller(Controller):
    path = "/open311/v2"
    tags = ["open311"]
    security = []
    exception_handlers = {
        Open311Error: _open311_error,
        DomainError: _domain_error,
        HTTPException: _http_error,
        OverflowError: _out_of_range,
        asyncpg.exceptions.DataError: _out_of_range,
    }

    @get("/{name:str}", summary="Open311: discovery, services or requests (.json / .xml)")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        service_request_id: FromQuery[str] = "",
        service_code: FromQuery[str] = "",
        start_date: FromQuery[str] = "",
        end_date: FromQuery[str] = "",
        status: FromQuery[str] = "",
        extensions: FromQuery[str] = "",
    ) -> Response[Any]:
        stem, fmt = split_format(name)
        if stem == "discovery":
            url = str(request.base_url).rstrip("/") + "/open311/v2"
            body = {
                "changeset": CHANGESET,
                "contact": "",
                "key_service": "API keys are issued by the administrators of this site",
                "endpoints": [
                    {
                        "specification": SPEC,
                        "url": url,
                        "changeset": CHANGESET,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
            return answer(fmt, "discovery", body)
        if stem == "services":
            categories = (await all_categories()).values()
            groups = {c.id: c.name for c in categories if c.parent_id is None}
            services = [
                mapping.service(c, groups)
                for c in sorted(categories, key=lambda c: c.code)
                if c.parent_id is not None and c.active
            ]
            return answer(fmt, "services", services)
        if stem == "requests":
            query = Query(service_request_id, service_code, start_date, end_date, status)
            return await _search(query, fmt, _flag(extensions))
        raise Open311Error(404, f"unknown resource: {stem}")

    @get("/services/{name:str}", summary="Open311: a service definition (attributes)")
    async def definition(self, name: FromPath[str]) -> Response[Any]:
        code, fmt = split_format(name)
        known = {c.code for c in (await all_categories()).values() if c.parent_id and c.active}
        if code not in known:
            raise Open311Error(404, f"no service {code}")
        body = {"service_code": code, "attributes": mapping.attributes_of(code)}
        return answer(fmt, "service_definition", body)

    @get("/requests/{name:str}", summary="Open311: one service request")
    async def one(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
        ident, fmt = split_format(name)
        if not _is_id(ident):
            raise Open311Error(404, f"no service request {ident}")
        found = await _requests(PublicFilter(PUBLISHED, case_ids=[int(ident)]), _extended(request))
        if not found:
            raise Open311Error(404, f"no service request {ident}")
        return answer(fmt, "service_requests", found)

    @get("/tokens/{name:str}", summary="Open311: the service request id of a token")
    async def token(self, name: FromPath[str]) -> Response[Any]:
        token, fmt = split_format(name)
        case_id = await case_of_token(token[:36])
        if case_id is None:
            raise Open311Error(404, "no request with this token")
        body = [{"token": token, "service_request_id": str(case_id)}]
        return answer(fmt, "service_requests", body)

    @post("/{name:str}", summary="Open311: submit a service request (form-encoded or multipart)")
    async def submit(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
        stem, fmt = split_format(name)
        if stem != "requests":
            raise Open311Error(404, f"unknown resource: {stem}")
        form = await request.form()
        client = await client_for_key(str(form.get("api_key") or ""))
        if client is None:
            raise Open311Error(403, "api_key is missing, unknown or revoked")
        code = str(form.get("service_code") or "").strip()
        categories = {c.code: c for c in (await all_categories()).values() if c.parent_id}
        category = categories.get(code)
        if category is None or not category.active:
            raise Open311Error(400, "service_code is missing or unknown")
        lat, lon = _float(form, "lat"), _float(form, "long")
        address = str(form.get("address_string") or "").strip()
        if (lat is None or lon is None) and not address:
            raise Open311Error(400, "give lat and long, or address_string")
        given = {
            k[len("attribute[") : -1]: str(v)
            for k, v in form.items()
            if k.startswith("attribute[") and k.endswith("]")
        }
        try:
            attributes = mapping.check_attributes(code, given)
        except ValueError as exc:
            raise Open311Error(400, str(exc)) from None
        media_url = _media_url(str(form.get("media_url") or ""))
        settings = request.app.state.settings
        photo_ids = []
        upload = form.get("media")
        if isinstance(upload, UploadFile):
            data = await upload.read()
            photo = await upload_photo(SYSTEM, data, upload.filename, settings=settings)
            photo_ids.append(photo.id)
        text = {k: str(form.get(k) or "").strip()[:200] for k in Contact.__dataclass_fields__}
        contact = Contact(**text)
        description = str(form.get("description") or "").strip() or category.name
        draft = ReportDraft(
            category_id=category.id,
            description=description[:2000],
            client_id=_client_id(contact.device_id, str(form.get("client_token") or "").strip()),
            channel=Channel.open311,
            lon=lon if lat is not None else None,
            lat=lat if lon is not None else None,
            address=address[:200],
            photo_ids=photo_ids,
        )
        reporter = Reporter(ReporterKind.external, f"open311:{client.id}", client.name)
        result = await report_case(reporter, draft, settings=settings)
        case_id = int(result.case["id"])
        token = await record_request(
            client, case_id, attributes=attributes, media_url=media_url, contact=contact
        )
        body = [
            {
                "service_request_id": str(case_id),
                "token": token,
                "service_notice": "",
                "account_id": "",
            }
        ]
        return answer(fmt, "service_requests", body, 201 if result.created else 200)
