"""The one error family every door (HTTP, mini-program, bots) maps to its own answer.

A domain raises ``DomainError(ErrorCode.X, **data)``; HTTP renders it as
``{code, message, data}`` with the message in the caller's language, bots render the same
``code`` as chat text. Messages live in :mod:`backend.i18n`, keyed by code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # generic
    VALIDATION = "validation_error"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    RATE_LIMITED = "rate_limited"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INTERNAL = "internal_error"
    UNAVAILABLE = "service_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    # auth
    BAD_CREDENTIALS = "bad_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    TOKEN_INVALID = "token_invalid"
    PASSWORD_TOO_WEAK = "password_too_weak"
    # org tree
    UNIT_CODE_INVALID = "unit_code_invalid"
    UNIT_PARENT_INVALID = "unit_parent_invalid"
    UNIT_CODE_TAKEN = "unit_code_taken"
    UNIT_HAS_CHILDREN = "unit_has_children"
    BOUNDARY_INVALID = "boundary_invalid"
    POINT_OUTSIDE_AREA = "point_outside_area"
    COORDINATES_INVALID = "coordinates_invalid"
    UNIT_IN_USE = "unit_in_use"
    CENTER_EXISTS = "center_exists"
    DEPARTMENT_CODE_TAKEN = "department_code_taken"
    # people
    PHONE_INVALID = "phone_invalid"
    ID_NUMBER_INVALID = "id_number_invalid"
    AREA_INVALID = "area_invalid"
    HOUSE_UNIT_TAKEN = "house_unit_taken"
    HOUSE_UNIT_NOT_EMPTY = "house_unit_not_empty"
    HOUSEHOLD_NOT_EMPTY = "household_not_empty"
    CREDIT_CODE_INVALID = "credit_code_invalid"
    RESIDENT_DUPLICATE = "resident_duplicate"
    ERASURE_UNCONFIRMED = "erasure_unconfirmed"
    USERNAME_TAKEN = "username_taken"
    ROLE_SCOPE_INVALID = "role_scope_invalid"
    PARTY_PARENT_INVALID = "party_parent_invalid"
    # cases
    CASE_ACTION_INVALID = "case_action_invalid"
    CASE_ACTION_FORBIDDEN = "case_action_forbidden"
    CASE_NOT_ASSIGNEE = "case_not_assignee"
    CASE_VERIFIER_IS_HANDLER = "case_verifier_is_handler"
    CASE_LEVEL_INVALID = "case_level_invalid"
    CASE_CHANGED = "case_changed"
    CATEGORY_CODE_TAKEN = "category_code_taken"
    CATEGORY_INACTIVE = "category_inactive"
    CASE_LOCATION_MISSING = "case_location_missing"
    CASE_ALREADY_CLAIMED = "case_already_claimed"
    CASE_MERGE_INVALID = "case_merge_invalid"
    CASE_RATING_INVALID = "case_rating_invalid"
    # media
    MEDIA_EMPTY = "media_empty"
    MEDIA_TOO_LARGE = "media_too_large"
    MEDIA_TOO_MANY_PIXELS = "media_too_many_pixels"
    MEDIA_UNSUPPORTED = "media_unsupported_format"
    MEDIA_CORRUPT = "media_corrupt"
    MEDIA_TOO_MANY_PHOTOS = "media_too_many_photos"
    MEDIA_STORAGE_UNAVAILABLE = "media_storage_unavailable"
    MEDIA_STORAGE_FULL = "media_storage_full"
    MEDIA_LINK_INVALID = "media_link_invalid"
    # consultations
    MATTER_PHASE_INVALID = "matter_phase_invalid"
    MATTER_WINDOW_INVALID = "matter_window_invalid"
    ROLL_INCOMPLETE = "roll_incomplete"
    VOTING_NOT_OPEN = "voting_not_open"
    VOTER_NOT_ELIGIBLE = "voter_not_eligible"
    VOTER_AMBIGUOUS = "voter_ambiguous"
    BALLOT_ALREADY_CAST = "ballot_already_cast"
    BALLOT_INVALID = "ballot_invalid"
    RECEIPT_UNKNOWN = "receipt_unknown"
    DISCUSSION_CLOSED = "discussion_closed"
    # mini-program
    MP_WX_CODE_INVALID = "mp_wx_code_invalid"
    MP_WECHAT_UNAVAILABLE = "mp_wechat_unavailable"
    MP_NOT_BOUND = "mp_not_bound"
    MP_ALREADY_BOUND = "mp_already_bound"
    MP_BINDING_CODE_INVALID = "mp_binding_code_invalid"
    MP_BINDING_NAME_MISMATCH = "mp_binding_name_mismatch"
    MP_REQUEST_DECIDED = "mp_request_decided"
    # bots
    BOT_LINK_CODE_INVALID = "bot_link_code_invalid"
    BOT_NOT_LINKED = "bot_not_linked"


STATUS: dict[ErrorCode, int] = {
    ErrorCode.MEDIA_TOO_LARGE: 413,
    ErrorCode.MEDIA_TOO_MANY_PIXELS: 422,
    ErrorCode.MEDIA_UNSUPPORTED: 415,
    ErrorCode.MEDIA_CORRUPT: 422,
    ErrorCode.MEDIA_TOO_MANY_PHOTOS: 409,
    ErrorCode.MEDIA_STORAGE_UNAVAILABLE: 503,
    ErrorCode.MEDIA_STORAGE_FULL: 507,
    ErrorCode.MEDIA_LINK_INVALID: 403,
    ErrorCode.VALIDATION: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.VALUE_OUT_OF_RANGE: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.BAD_CREDENTIALS: 401,
    ErrorCode.ACCOUNT_DISABLED: 403,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.UNIT_CODE_TAKEN: 409,
    ErrorCode.UNIT_HAS_CHILDREN: 409,
    ErrorCode.HOUSE_UNIT_TAKEN: 409,
    ErrorCode.HOUSE_UNIT_NOT_EMPTY: 409,
    ErrorCode.HOUSEHOLD_NOT_EMPTY: 409,
    ErrorCode.RESIDENT_DUPLICATE: 409,
    ErrorCode.ERASURE_UNCONFIRMED: 400,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.POINT_OUTSIDE_AREA: 422,
    ErrorCode.CASE_ACTION_INVALID: 409,
    ErrorCode.CASE_ACTION_FORBIDDEN: 403,
    ErrorCode.CASE_NOT_ASSIGNEE: 403,
    ErrorCode.CASE_VERIFIER_IS_HANDLER: 403,
    ErrorCode.CASE_LEVEL_INVALID: 409,
    ErrorCode.CASE_CHANGED: 409,
    ErrorCode.CATEGORY_CODE_TAKEN: 409,
    ErrorCode.CATEGORY_INACTIVE: 422,
    ErrorCode.CASE_LOCATION_MISSING: 422,
    ErrorCode.CASE_ALREADY_CLAIMED: 409,
    ErrorCode.CASE_MERGE_INVALID: 409,
    ErrorCode.CASE_RATING_INVALID: 422,
    ErrorCode.UNIT_IN_USE: 409,
    ErrorCode.CENTER_EXISTS: 409,
    ErrorCode.DEPARTMENT_CODE_TAKEN: 409,
    ErrorCode.MATTER_PHASE_INVALID: 409,
    ErrorCode.MATTER_WINDOW_INVALID: 409,
    ErrorCode.ROLL_INCOMPLETE: 409,
    ErrorCode.VOTING_NOT_OPEN: 409,
    ErrorCode.VOTER_NOT_ELIGIBLE: 403,
    ErrorCode.VOTER_AMBIGUOUS: 409,
    ErrorCode.BALLOT_ALREADY_CAST: 409,
    ErrorCode.BALLOT_INVALID: 422,
    ErrorCode.RECEIPT_UNKNOWN: 404,
    ErrorCode.DISCUSSION_CLOSED: 409,
    ErrorCode.MP_WX_CODE_INVALID: 401,
    ErrorCode.MP_WECHAT_UNAVAILABLE: 502,
    ErrorCode.MP_NOT_BOUND: 403,
    ErrorCode.MP_ALREADY_BOUND: 409,
    ErrorCode.MP_BINDING_CODE_INVALID: 400,
    ErrorCode.MP_BINDING_NAME_MISMATCH: 422,
    ErrorCode.MP_REQUEST_DECIDED: 409,
    ErrorCode.BOT_LINK_CODE_INVALID: 422,
    ErrorCode.BOT_NOT_LINKED: 403,
}


class DomainError(Exception):
    """A refusal with a stable code; ``data`` fills the message template and reaches clients."""

    def __init__(self, code: ErrorCode, /, **data: Any) -> None:
        self.code = code
        self.data = data
        super().__init__(f"{code}: {data}" if data else str(code))

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)


def not_found(kind: str, ident: object) -> DomainError:
    """The same answer for "does not exist" and "outside your scope", so scope never leaks."""
    return DomainError(ErrorCode.NOT_FOUND, kind=kind, id=str(ident))


def forbidden(action: str) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, action=action)


def invalid(field: str, reason: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, field=field, reason=reason)
