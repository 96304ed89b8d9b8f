"""Send coordinators and city leads to MFA enrolment before they reach any portal page."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from cities.permissions import user_requires_mfa

# Pages someone who still has to enrol may reach: enrolment itself, logging out, the
# public site, and the language switch. Everything under /app/ and the admin needs MFA.
PROTECTED_PREFIXES = ("/app/", "/admin/")


class MfaEnrolmentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_enrol(request):
            target = reverse("mfa_activate_totp")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or not request.path.startswith(PROTECTED_PREFIXES):
            return False
        if not user_requires_mfa(user):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
