"""Roles, permissions (`scope:resource:action`) and which role holds which: one table.

A staff route declares the one permission it needs; a route that declares none is
refused to everybody (see guards.py).
"""

from enum import StrEnum


class Role(StrEnum):
    secretariat = "secretariat"
    panel_member = "panel_member"
    panel_chair = "panel_chair"
    admin = "admin"


class Permission(StrEnum):
    staff_home_view = "staff:home:view"
    staff_accounts_view = "staff:accounts:view"
    audit_events_read = "audit:events:read"
    accessions_applications_review = "accessions:applications:review"
    accessions_signatories_view = "accessions:signatories:view"
    accessions_signatories_mark = "accessions:signatories:mark"  # the persecuted mark
    # Ending a suspension early, a held withdrawal: a suspension or a revocation itself
    # comes only from a case (a final decision, or the chair and a second member).
    accessions_signatories_decide = "accessions:signatories:decide"
    cases_cases_view = "cases:cases:view"  # the dashboard: references, stages, deadlines
    cases_cases_acknowledge = "cases:cases:acknowledge"
    cases_panel_assign = "cases:panel:assign"
    # Sit on a panel: confirm or recuse; once confirmed, read the file and act in it.
    cases_panel_sit = "cases:panel:sit"
    cases_interests_declare = "cases:interests:declare"
    cases_decisions_publish = "cases:decisions:publish"  # publish, or defer the text
    cases_interim_propose = "cases:interim:propose"
    cases_calendar_manage = "cases:calendar:manage"  # one's own deadline feed


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.secretariat: frozenset({Permission.staff_home_view,
                                 Permission.accessions_applications_review,
                                 Permission.accessions_signatories_view,
                                 Permission.accessions_signatories_mark,
                                 Permission.cases_cases_view,
                                 Permission.cases_cases_acknowledge,
                                 Permission.cases_calendar_manage}),
    Role.panel_member: frozenset({Permission.staff_home_view,
                                  Permission.accessions_signatories_view,
                                  Permission.accessions_signatories_decide,
                                  Permission.cases_cases_view,
                                  Permission.cases_panel_sit,
                                  Permission.cases_interests_declare,
                                  Permission.cases_calendar_manage}),
    Role.panel_chair: frozenset({Permission.staff_home_view,
                                 Permission.accessions_signatories_view,
                                 Permission.accessions_signatories_decide,
                                 Permission.cases_cases_view,
                                 Permission.cases_cases_acknowledge,
                                 Permission.cases_panel_assign,
                                 Permission.cases_panel_sit,
                                 Permission.cases_interests_declare,
                                 Permission.cases_decisions_publish,
                                 Permission.cases_interim_propose,
                                 Permission.cases_calendar_manage}),
    Role.admin: frozenset({
        Permission.staff_home_view,
        Permission.staff_accounts_view,
        Permission.audit_events_read,
    }),
}


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    return frozenset().union(*(ROLE_PERMISSIONS[role] for role in roles))


def parse_roles(stored: str) -> frozenset[Role]:
    return frozenset(Role(value) for value in stored.split(",") if value)


def store_roles(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))
