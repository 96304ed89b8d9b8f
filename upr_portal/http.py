"""Request helpers shared by views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme

# Room for the form's other fields and the multipart boundaries around the file.
_ENVELOPE = 64 * 1024


def _too_large(request: HttpRequest, max_bytes: int) -> HttpResponse:
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request,
        "413.html",
        {"limit": filesizeformat(max_bytes), "back_url": referer if safe else "/"},
        status=413,
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestSizeLimitMiddleware:
    """Refuse any request body over `settings.MAX_REQUEST_BYTES` with a 413 page, before
    anything (the CSRF check included) reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:

        self.get_response = get_response
        self.max_bytes: int = settings.MAX_REQUEST_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _content_length(request) > self.max_bytes + _ENVELOPE:
            return _too_large(request, self.max_bytes)
        return self.get_response(request)


def upload_limit(
    max_bytes: int,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer 413 with a clear page when a POST body is larger than `max_bytes`.

    A tighter, per-view limit under the middleware's global one. The check reads only
    the Content-Length header.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and _content_length(request) > max_bytes + _ENVELOPE:
                return _too_large(request, max_bytes)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting exactly `TRUSTED_PROXY_COUNT` proxies' X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
