"""Response link tokens: an HMAC of the link's uuid and nonce under SECRET_KEY.

The token is never stored; the link page shows it to the team again when needed, and a
new nonce (a new link) is the only way to change it.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from accountability.models import ResponseLink

_SALT = "accountability.response_link"


def new_nonce() -> str:
    return secrets.token_hex(16)


def response_token(link: ResponseLink) -> str:
    return salted_hmac(_SALT, f"{link.uuid}:{link.token_nonce}", algorithm="sha256").hexdigest()


def response_token_matches(link: ResponseLink, token: str) -> bool:
    return constant_time_compare(response_token(link), token)
