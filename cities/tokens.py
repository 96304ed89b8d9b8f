"""Invitation link tokens: an HMAC of the invitation's uuid and nonce under SECRET_KEY."""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from cities.models import Invitation

_SALT = "cities.invitation"


def new_nonce() -> str:
    return secrets.token_hex(16)


def invitation_token(invitation: Invitation) -> str:
    return salted_hmac(
        _SALT, f"{invitation.uuid}:{invitation.token_nonce}", algorithm="sha256"
    ).hexdigest()


def invitation_token_matches(invitation: Invitation, token: str) -> bool:
    return constant_time_compare(invitation_token(invitation), token)
