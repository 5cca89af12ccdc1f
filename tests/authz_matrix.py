"""Expected answer class of every route for every persona, keyed by (METHOD, path template).

Classes: ``ok`` (allowed: anything but 401/403/5xx — the body or state may still be refused),
``401`` (must sign in), ``denied`` (a 4xx other than 401: 403 for a role, 404 outside scope;
never a 2xx), ``any`` (public or role-dependent: only "no 5xx and no street-A data leaked"),
``session`` (the console's cookie door: a bearer token is no session, so a page answers a
303 to the sign-in page and a POST 403 for its missing CSRF token; never a 2xx).
A route missing here fails tests/e2e/test_authorization_matrix.py, so each new route gets a
deliberate entry. Non-GET routes are called only for personas that must be refused, so the
fixture objects are never changed by the personas who may change them.
"""

from __future__ import annotations

PERSONAS = (
    "anonymous",
    "resident_a",
    "resident_b",
    "grid_worker_a",
    "street_a_staff",
    "street_b_staff",
    "department_handler",
    "admin",
)

Expect = dict[str, str]


def _row(**per: str) -> Expect:
    return {p: per.get(p, "any") for p in PERSONAS}


def public(reason: str) -> Expect:
    """Open to everyone; ``reason`` says why (kept for the reader and the docs)."""
    assert reason
    return _row()


def signed_only(reason: str) -> Expect:
    """Served only with a valid signature in the query: the matrix asks without one."""
    assert reason
    return {p: "denied" for p in PERSONAS}


# Staff API on a street-A object: residents' mini-program tokens are not staff tokens.
STAFF_A = _row(
    anonymous="401",
    resident_a="401",
    resident_b="401",
    street_a_staff="ok",
    admin="ok",
    street_b_staff="denied",
)
# Staff API on a street-A object that only managers may touch (grid workers refused).
STAFF_A_MANAGE = {**STAFF_A, "grid_worker_a": "denied"}
# Staff API without a street-A object in the path: lists and creations scoped by the actor.
STAFF_ANY = _row(anonymous="401", resident_a="401", resident_b="401")
# Admin-only configuration.
ADMIN_ONLY = _row(
    anonymous="401",
    resident_a="401",
    resident_b="401",
    grid_worker_a="denied",
    street_b_staff="denied",
    admin="ok",
)
# A resident's personal data (PIPL export and erasure): community staff of the resident's
# community and admins only; street center staff, grid workers and departments are refused.
PERSONAL_DATA = {**ADMIN_ONLY, "street_a_staff": "denied", "department_handler": "denied"}
# Mini-program routes of a signed-in WeChat user (staff console tokens are not sessions).
_MP_SESSION = dict(
    anonymous="401",
    grid_worker_a="401",
    street_a_staff="401",
    street_b_staff="401",
    department_handler="401",
    admin="401",
)
MP_ANY = _row(**_MP_SESSION)
# Mini-program resident route on resident A's own object.
MP_A = _row(**_MP_SESSION, resident_a="ok", resident_b="denied")
# Mini-program worker route: residents are not bound staff.
MP_WORKER = _row(**_MP_SESSION, resident_a="denied", resident_b="denied")

# The console (/console): a cookie session, which none of the matrix's personas hold.
CONSOLE = {p: "session" for p in PERSONAS}

SIGNED_URL = "signed media URL: the HMAC signature in the query is the credential"
OPEN311 = "Open311 GeoReport v2: public reads; writes check the client's api_key"
SCHEMA = "OpenAPI document and its viewers"

MATRIX: dict[tuple[str, str], Expect] = {
    ("GET", "/healthz"): public("liveness probe"),
    ("GET", "/readyz"): public("readiness probe"),
    ("GET", "/metrics"): public("Prometheus scrape, bound to the private network in deployment"),
    ("POST", "/api/v1/auth/password"): STAFF_ANY,
    ("POST", "/api/v1/auth/login"): public("sign-in"),
    ("POST", "/api/v1/auth/logout"): STAFF_ANY,
    ("GET", "/api/v1/auth/me"): STAFF_ANY,
    ("POST", "/api/v1/units"): STAFF_ANY,
    ("GET", "/api/v1/units"): STAFF_ANY,
    ("DELETE", "/api/v1/units/{unit_id:int}"): STAFF_A_MANAGE,
    ("GET", "/api/v1/units/{unit_id:int}"): STAFF_A,
    ("PATCH", "/api/v1/units/{unit_id:int}"): STAFF_A_MANAGE,
    ("GET", "/api/v1/units/lookup"): STAFF_ANY,
    ("GET", "/api/v1/units/tree"): STAFF_ANY,
    ("POST", "/api/v1/centers"): STAFF_ANY,
    ("GET", "/api/v1/centers"): STAFF_ANY,
    ("PATCH", "/api/v1/centers/{center_id:int}"): STAFF_A_MANAGE,
    ("GET", "/api/v1/centers/{center_id:int}"): STAFF_A,
    ("DELETE", "/api/v1/centers/{center_id:int}"): STAFF_A_MANAGE,
    ("POST", "/api/v1/departments"): STAFF_ANY,
    ("GET", "/api/v1/departments"): STAFF_ANY,
    ("DELETE", "/api/v1/departments/{department_id:int}"): STAFF_ANY,
    ("GET", "/api/v1/departments/{department_id:int}"): STAFF_ANY,
    ("PATCH", "/api/v1/departments/{department_id:int}"): STAFF_ANY,
    ("GET", "/api/v1/house-units"): STAFF_ANY,
    ("POST", "/api/v1/house-units"): STAFF_ANY,
    ("DELETE", "/api/v1/house-units/{house_unit_id:int}"): STAFF_A,
    ("GET", "/api/v1/house-units/{house_unit_id:int}"): STAFF_A,
    ("PATCH", "/api/v1/house-units/{house_unit_id:int}"): STAFF_A,
    ("POST", "/api/v1/house-units/{house_unit_id:int}/owners/reveal"): STAFF_A,
    ("PUT", "/api/v1/house-units/{house_unit_id:int}/owners"): STAFF_A,
    ("POST", "/api/v1/households"): STAFF_ANY,
    ("GET", "/api/v1/households"): STAFF_ANY,
    ("GET", "/api/v1/households/{household_id:int}"): STAFF_A,
    ("PATCH", "/api/v1/households/{household_id:int}"): STAFF_A,
    ("DELETE", "/api/v1/households/{household_id:int}"): STAFF_A,
    ("GET", "/api/v1/households/{household_id:int}/members"): STAFF_A,
    ("POST", "/api/v1/residents"): STAFF_ANY,
    ("GET", "/api/v1/residents"): STAFF_ANY,
    ("DELETE", "/api/v1/residents/{resident_id:int}"): STAFF_A,
    ("GET", "/api/v1/residents/{resident_id:int}"): STAFF_A,
    ("PATCH", "/api/v1/residents/{resident_id:int}"): STAFF_A,
    ("POST", "/api/v1/residents/{resident_id:int}/reveal"): STAFF_A,
    ("POST", "/api/v1/residents/search"): STAFF_ANY,
    ("POST", "/api/v1/residents/{resident_id:int}/data-export"): PERSONAL_DATA,
    ("POST", "/api/v1/residents/{resident_id:int}/data-erasure"): PERSONAL_DATA,
    # No request recorded yet for the fixture resident: 404 even for an admin.
    ("GET", "/api/v1/residents/{resident_id:int}/data-requests"): {**PERSONAL_DATA, "admin": "any"},
    ("GET", "/api/v1/staff"): STAFF_ANY,
    ("POST", "/api/v1/staff"): STAFF_ANY,
    ("PATCH", "/api/v1/staff/{staff_id:int}"): STAFF_A_MANAGE,
    ("GET", "/api/v1/staff/{staff_id:int}"): STAFF_A,
    ("POST", "/api/v1/staff/{staff_id:int}/password"): STAFF_A_MANAGE,
    ("POST", "/api/v1/party-orgs/{org_id:int}/members"): STAFF_A,
    ("GET", "/api/v1/party-orgs/{org_id:int}/members"): STAFF_A,
    ("POST", "/api/v1/party-orgs"): STAFF_ANY,
    ("GET", "/api/v1/party-orgs"): STAFF_ANY,
    ("GET", "/api/v1/party-orgs/{org_id:int}"): STAFF_A,
    ("DELETE", "/api/v1/party-orgs/{org_id:int}/members/{member_id:int}"): STAFF_A,
    ("GET", "/api/v1/units/{unit_id:int}/kpis/children"): STAFF_A,
    ("GET", "/api/v1/units/{unit_id:int}/kpis/daily"): STAFF_A,
    ("GET", "/api/v1/units/{unit_id:int}/kpis/export.csv"): STAFF_A,
    ("GET", "/api/v1/units/{unit_id:int}/kpis/export.xlsx"): STAFF_A,
    ("GET", "/api/v1/units/{unit_id:int}/kpis"): STAFF_A,
    ("GET", "/api/v1/media/photos/{photo_id:int}"): STAFF_A,
    ("POST", "/api/v1/media/photos"): STAFF_ANY,
    ("GET", "/api/v1/media/objects/{key:path}"): signed_only(SIGNED_URL),
    ("GET", "/api/v1/matters/{matter_id:int}/ballot-list"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/chain"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/close-voting"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/comments"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/comments"): STAFF_A,
    ("GET", "/api/v1/matters"): STAFF_ANY,
    ("POST", "/api/v1/matters"): STAFF_ANY,
    ("GET", "/api/v1/matters/{matter_id:int}"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/open-discussion"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/open-voting"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/paper-ballots"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/publish"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/publish-result"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/receipts/{receipt:str}"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/revise"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/roll"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/suggestions"): STAFF_A,
    ("GET", "/api/v1/matters/{matter_id:int}/versions"): STAFF_A,
    ("POST", "/api/v1/matters/{matter_id:int}/withdraw"): STAFF_A,
    ("POST", "/api/v1/comments/{comment_id:int}/hide"): STAFF_A,
    ("POST", "/api/v1/comments/{comment_id:int}/like"): STAFF_A,
    ("GET", "/api/v1/cases/mine"): STAFF_ANY,
    ("POST", "/api/v1/cases"): STAFF_ANY,
    ("GET", "/api/v1/cases/{case_id:int}"): STAFF_A,
    ("GET", "/api/v1/cases/{case_id:int}/duplicates"): STAFF_A,
    **{
        ("POST", f"/api/v1/cases/{{case_id:int}}/{verb}"): STAFF_A
        for verb in (
            "claim",
            "close",
            "confirm",
            "dispatch",
            "escalate",
            "evaluate",
            "file",
            "handle",
            "merge",
            "reject",
            "rework",
            "send-down",
            "start",
            "verify",
        )
    },
    ("POST", "/api/v1/triage/bulk"): STAFF_ANY,
    ("GET", "/api/v1/triage/queues/{queue:str}"): STAFF_ANY,
    ("GET", "/api/v1/categories"): STAFF_ANY,
    ("POST", "/api/v1/categories"): ADMIN_ONLY,
    ("POST", "/api/v1/categories/{category_id:int}/deactivate"): ADMIN_ONLY,
    ("PATCH", "/api/v1/categories/{category_id:int}"): ADMIN_ONLY,
    ("GET", "/api/v1/calendar/holidays"): STAFF_ANY,
    ("PUT", "/api/v1/calendar/holidays/{day:date}"): ADMIN_ONLY,
    ("DELETE", "/api/v1/calendar/holidays/{day:date}"): ADMIN_ONLY,
    ("GET", "/api/v1/notifications"): STAFF_ANY,
    ("POST", "/api/v1/notifications/{notification_id:int}/read"): STAFF_ANY,
    ("POST", "/mp/v1/bind/resident"): MP_ANY,
    ("POST", "/mp/v1/bind/staff"): MP_ANY,
    ("POST", "/mp/v1/auth/login"): public("WeChat sign-in with a one-time js_code"),
    ("POST", "/mp/v1/auth/logout"): MP_ANY,
    ("GET", "/mp/v1/me"): MP_ANY,
    # Always about the caller themselves; only staff tokens and anonymous are refused here.
    ("POST", "/mp/v1/me/data/export"): MP_ANY,
    ("POST", "/mp/v1/me/data/erase"): MP_ANY,
    ("GET", "/mp/v1/bind/requests"): MP_ANY,
    ("POST", "/mp/v1/bind/requests"): MP_ANY,
    ("GET", "/mp/v1/categories"): MP_ANY,
    ("POST", "/mp/v1/reports/{case_id:int}/confirm"): MP_A,
    ("POST", "/mp/v1/reports"): MP_ANY,
    ("GET", "/mp/v1/reports"): MP_ANY,
    ("GET", "/mp/v1/notifications"): MP_ANY,
    ("POST", "/mp/v1/reports/{case_id:int}/rate"): MP_A,
    ("POST", "/mp/v1/notifications/{notification_id:int}/read"): MP_ANY,
    ("POST", "/mp/v1/reports/{case_id:int}/reject"): MP_A,
    ("GET", "/mp/v1/reports/{case_id:int}"): MP_A,
    ("POST", "/mp/v1/photos"): MP_ANY,
    ("POST", "/mp/v1/matters/{matter_id:int}/comments"): MP_A,
    ("GET", "/mp/v1/matters/{matter_id:int}/comments"): MP_A,
    ("GET", "/mp/v1/matters/{matter_id:int}"): MP_A,
    ("GET", "/mp/v1/matters"): MP_ANY,
    ("GET", "/mp/v1/matters/{matter_id:int}/my-ballot"): MP_A,
    ("GET", "/mp/v1/matters/{matter_id:int}/result"): MP_A,
    ("GET", "/mp/v1/matters/{matter_id:int}/receipts/{receipt:str}"): MP_A,
    ("GET", "/mp/v1/matters/{matter_id:int}/versions"): MP_A,
    ("POST", "/mp/v1/matters/{matter_id:int}/ballot"): MP_A,
    ("GET", "/mp/v1/worker/cases/{case_id:int}"): MP_WORKER,
    ("POST", "/mp/v1/worker/cases/{case_id:int}/escalate"): MP_WORKER,
    ("POST", "/mp/v1/worker/cases/{case_id:int}/handle"): MP_WORKER,
    ("GET", "/mp/v1/worker/kpis"): MP_WORKER,
    ("GET", "/mp/v1/worker/patrols"): MP_WORKER,
    ("POST", "/mp/v1/worker/patrols"): MP_WORKER,
    ("POST", "/mp/v1/worker/cases/{case_id:int}/notes"): MP_WORKER,
    ("GET", "/mp/v1/worker/notifications"): MP_WORKER,
    ("GET", "/mp/v1/worker/queue"): MP_WORKER,
    ("POST", "/mp/v1/worker/cases/{case_id:int}/start"): MP_WORKER,
    ("GET", "/mp/v1/worker/to-verify"): MP_WORKER,
    ("POST", "/mp/v1/worker/photos"): MP_WORKER,
    ("POST", "/mp/v1/worker/cases/{case_id:int}/verify"): MP_WORKER,
    ("POST", "/api/v1/mp/binding-requests/{request_id:int}/approve"): STAFF_ANY,
    ("POST", "/api/v1/mp/binding-requests/{request_id:int}/deny"): STAFF_ANY,
    ("GET", "/api/v1/mp/binding-requests"): STAFF_ANY,
    ("POST", "/api/v1/mp/binding-codes"): STAFF_ANY,
    ("POST", "/api/v1/mp/staff-codes"): STAFF_ANY,
    ("POST", "/api/v1/bots/link-codes"): STAFF_ANY,
    ("POST", "/api/v1/bots/telegram/webhook"): public("Telegram webhook: secret-token header"),
    ("GET", "/api/v1/bots/wechat"): public("WeChat server check: signature in the query"),
    ("POST", "/api/v1/bots/wechat"): public("WeChat messages: signature in the query"),
    ("GET", "/open311/v2/services/{name:str}"): public(OPEN311),
    ("GET", "/open311/v2/{name:str}"): public(OPEN311),
    ("POST", "/open311/v2/{name:str}"): public(OPEN311),
    ("GET", "/open311/v2/requests/{name:str}"): public(OPEN311),
    ("GET", "/open311/v2/tokens/{name:str}"): public(OPEN311),
    ("GET", "/api/v1/open311/clients"): STAFF_ANY,
    ("POST", "/api/v1/open311/clients"): STAFF_ANY,
    ("POST", "/api/v1/open311/clients/{client_id:int}/revoke"): STAFF_ANY,
    ("GET", "/console"): public("redirects to the queue, which asks for a session"),
    ("GET", "/console/login"): public("console sign-in form"),
    ("POST", "/console/login"): CONSOLE,
    ("POST", "/console/logout"): CONSOLE,
    ("POST", "/console/language"): CONSOLE,
    ("GET", "/console/queue"): CONSOLE,
    ("GET", "/console/queue/rows"): CONSOLE,
    ("GET", "/console/cases/{case_id:int}"): CONSOLE,
    ("POST", "/console/cases/{case_id:int}/{action:str}"): CONSOLE,
    ("GET", "/console/static/{file_path:path}"): public("the console's CSS and JS"),
    ("GET", "/schema"): public(SCHEMA),
    ("GET", "/schema/swagger"): public(SCHEMA),
    ("GET", "/schema/scalar"): public(SCHEMA),
    ("GET", "/schema/{path:str}"): public(SCHEMA),
    ("GET", "/schema/openapi.json"): public(SCHEMA),
    ("GET", "/schema/oauth2-redirect.html"): public(SCHEMA),
    # piccolo-admin for root admins; the personas by cookie: tests/e2e/test_console_admin_http.py
    ("GET", "/console/admin"): CONSOLE,
    ("GET", "/console/dashboard"): CONSOLE,
    ("GET", "/console/dashboard/export.csv"): CONSOLE,
    ("GET", "/console/dashboard/export.xlsx"): CONSOLE,
}
