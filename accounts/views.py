"""allauth's log-in view, answering 429 once failed attempts are throttled."""

from __future__ import annotations

from typing import Any

from allauth.account.views import LoginView
from django.http import HttpResponse


class ThrottledLoginView(LoginView):
    """allauth re-shows the form when `login_failed` is exceeded; say so with 429 too,
    so scripts and monitoring see throttling (the Django admin logs in here as well)."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)
        codes = {error.code for error in form.non_field_errors().as_data()}
        if "too_many_login_attempts" in codes:
            response.status_code = 429
        return response


login = ThrottledLoginView.as_view()
