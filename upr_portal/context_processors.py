from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: the user's role for the navigation."""
    user = getattr(request, "user", None)
    return {
        "is_coordinator": bool(getattr(user, "is_national_coordinator", False)),
    }
