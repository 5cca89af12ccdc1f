"""Which roles may do what, in one table. Scope (which subtree) is checked by ``Actor.may``.

Reading is broader than changing: center staff and leaders oversee, the people who work with
residents every day (grid workers, grid leaders, community staff) maintain their records and
are the only ones who may reveal a full phone or ID number — each such read is logged.
"""

from __future__ import annotations

from enum import StrEnum

from grid.tables import Role

R = Role
CENTERS = frozenset({R.street_center_staff, R.district_center_staff, R.city_center_staff})
FRONTLINE = frozenset({R.grid_worker, R.grid_leader, R.community_staff})
EVERY_ROLE = frozenset(Role)


class Action(StrEnum):
    unit_read = "unit.read"
    unit_manage = "unit.manage"
    department_manage = "department.manage"
    resident_read = "resident.read"
    resident_manage = "resident.manage"
    pii_reveal = "pii.reveal"
    personal_data = "personal_data.handle"
    staff_read = "staff.read"
    staff_manage = "staff.manage"
    party_read = "party.read"
    party_manage = "party.manage"
    media_upload = "media.upload"
    media_read = "media.read"
    kpi_read = "kpi.read"
    matter_read = "matter.read"
    matter_manage = "matter.manage"
    ballot_enter = "ballot.enter"
    comment_moderate = "comment.moderate"
    case_read = "case.read"
    case_report = "case.report"
    category_manage = "category.manage"
    calendar_manage = "calendar.manage"
    open311_manage = "open311.manage"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.unit_read: EVERY_ROLE,
    Action.unit_manage: frozenset({R.admin}),
    Action.department_manage: frozenset({R.admin}),
    Action.resident_read: FRONTLINE | CENTERS | {R.admin},
    Action.resident_manage: FRONTLINE | {R.admin},
    Action.pii_reveal: FRONTLINE,
    # Export and erasure on a resident's request (PIPL): the community that holds the
    # register, and admins; each one is recorded (grid/services/personal_data.py).
    Action.personal_data: frozenset({R.community_staff, R.admin}),
    Action.staff_read: frozenset({R.grid_leader, R.community_staff, R.admin}) | CENTERS,
    Action.staff_manage: frozenset({R.admin}),
    Action.party_read: FRONTLINE | CENTERS | {R.admin},
    Action.party_manage: frozenset({R.community_staff, R.street_center_staff, R.admin}),
    # Photos follow their owner object (media registry); these two cover upload and the
    # fallback "staff whose scope covers the photo's unit" until an owner domain decides.
    Action.media_upload: EVERY_ROLE,
    Action.media_read: EVERY_ROLE,
    # KPIs are for those who oversee a subtree; grid workers are measured, not measuring.
    Action.kpi_read: frozenset({R.grid_leader, R.community_staff, R.admin}) | CENTERS,
    # Consultations: the community (and the street above it) runs them; frontline staff
    # collect and enter paper ballots; moderation stays with those who run the matter.
    Action.matter_read: FRONTLINE | CENTERS | {R.admin},
    Action.matter_manage: frozenset({R.community_staff, R.street_center_staff, R.admin}),
    Action.ballot_enter: FRONTLINE | {R.admin},
    Action.comment_moderate: frozenset({R.community_staff, R.street_center_staff, R.admin}),
    # Cases: what a role may do to a case is the state machine's ROLE_MAP (grid/cases/states.py);
    # these cover reading (scope) and reporting, and the admin tables behind deadlines.
    Action.case_read: EVERY_ROLE,
    Action.case_report: EVERY_ROLE,
    Action.category_manage: frozenset({R.admin}),
    Action.calendar_manage: frozenset({R.admin}),
    Action.open311_manage: frozenset({R.admin}),
}


def roles_for(action: Action) -> frozenset[Role]:
    return PERMISSIONS[action]
