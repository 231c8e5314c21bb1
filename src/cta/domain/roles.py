"""Who may do what on a node: roles and the permissions each one holds.

Data protection after the GDPR and the EES Regulation (EU) 2017/2226 Art. 9: each authority sees
only what its task needs. Analysts see aggregates, never a person; auditors see the audit log,
never the records themselves.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Permission", "Role", "allows"]


class Role(StrEnum):
    BORDER_OFFICER = "border_officer"
    CONSULAR_OFFICER = "consular_officer"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"
    CARRIER = "carrier"  # an airline, bus or rail operator: OK / NOT OK before boarding


class Permission(StrEnum):
    CHECK = "check"  # run a border check
    RECORD_CROSSING = "record_crossing"  # record entries, exits and refusals
    READ_PERSON = "read_person"  # traveller file, stay status
    ISSUE_PERMIT = "issue_permit"  # visas and authorisations
    READ_AGGREGATES = "read_aggregates"  # statistics, counts of overstayers
    LIST_OVERSTAYERS = "list_overstayers"  # the persons themselves
    READ_AUDIT = "read_audit"
    EXPORT_PERSON = "export_person"  # subject-access export
    PURGE = "purge"  # retention
    IMPORT = "import"  # bulk import of crossings
    SCREEN = "screen"  # screen a traveller against the alerts, outside a check
    DECIDE_ALERT_HIT = "decide_alert_hit"  # confirm or dismiss a hit
    READ_ALERTS = "read_alerts"
    MANAGE_ALERTS = "manage_alerts"  # create, change, withdraw, import alerts
    DECIDE_APPLICATION = "decide_application"  # the consular queue of applications
    CARRIER_CHECK = "carrier_check"  # ask OK / NOT OK for a manifest; reads no file
    MANAGE_INTERNAL_CHECKS = "manage_internal_checks"  # declare, prolong, end a reintroduction


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.BORDER_OFFICER: frozenset(
        {
            Permission.CHECK,
            Permission.RECORD_CROSSING,
            Permission.READ_PERSON,
            Permission.LIST_OVERSTAYERS,
            Permission.SCREEN,
            Permission.DECIDE_ALERT_HIT,
            Permission.READ_ALERTS,
        }
    ),
    Role.CONSULAR_OFFICER: frozenset(
        {Permission.READ_PERSON, Permission.ISSUE_PERMIT, Permission.CHECK, Permission.SCREEN,
         Permission.DECIDE_ALERT_HIT, Permission.READ_ALERTS, Permission.DECIDE_APPLICATION}
    ),
    Role.ANALYST: frozenset({Permission.READ_AGGREGATES}),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
    Role.ADMIN: frozenset(
        {
            Permission.EXPORT_PERSON,
            Permission.PURGE,
            Permission.IMPORT,
            Permission.READ_PERSON,
            Permission.READ_AGGREGATES,
            Permission.LIST_OVERSTAYERS,
            Permission.READ_ALERTS,
            Permission.MANAGE_ALERTS,
            Permission.MANAGE_INTERNAL_CHECKS,
        }
    ),
    Role.CARRIER: frozenset({Permission.CARRIER_CHECK}),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether a role holds a permission."""
    return permission in _GRANTS[role]
