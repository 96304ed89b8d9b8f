"""Audit log-ins. allauth's signal is the only hook for every log-in path (password, MFA)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from cities.services import login_record

    login_record(user=user)
