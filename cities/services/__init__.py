"""Writes for cities, cycles, themes, teams, invitations and the audit trail.

Every function is keyword-only and atomic. Callers have already checked that the actor
may act (views do that through `cities.permissions`); services enforce the domain rules.
"""

from cities.services.audit import _apply_changes, audit_record
from cities.services.cities import CITY_EDITABLE, city_create, city_update
from cities.services.cycles import (
    CYCLE_EDITABLE,
    cycle_create,
    cycle_make_current,
    cycle_update,
)
from cities.services.invitations import (
    EmailDeliveryError,
    invitation_accept,
    invitation_create,
    invitation_deliver,
    invitation_email_claimable,
    invitation_link,
    invitation_resend,
    invitation_revoke,
    invitations_expire_due,
)
from cities.services.memberships import (
    login_record,
    membership_appoint,
    membership_change_role,
    membership_remove,
)
from cities.services.themes import THEME_EDITABLE, theme_create, theme_update

__all__ = [
    "CITY_EDITABLE",
    "CYCLE_EDITABLE",
    "THEME_EDITABLE",
    "EmailDeliveryError",
    "_apply_changes",
    "audit_record",
    "city_create",
    "city_update",
    "cycle_create",
    "cycle_make_current",
    "cycle_update",
    "invitation_accept",
    "invitation_create",
    "invitation_deliver",
    "invitation_email_claimable",
    "invitation_link",
    "invitation_resend",
    "invitation_revoke",
    "invitations_expire_due",
    "login_record",
    "membership_appoint",
    "membership_change_role",
    "membership_remove",
    "theme_create",
    "theme_update",
]
