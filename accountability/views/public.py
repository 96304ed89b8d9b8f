"""Public pages: the recommendations database, the national comparison, the handout,
and the official's response page (no account, through a single-purpose link)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accountability import selectors, services
from accountability.forms import OfficialResponseForm, RecommendationFilterForm
from accountability.services.handout import HANDOUT_LANGUAGES
from cities import selectors as city_selectors
from upr_portal.http import client_ip
from upr_portal.lib import ratelimit

PAGE_SIZE = 25


@require_GET
def recommendation_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the UN's recommendations, with counts per theme and response."""
    form = RecommendationFilterForm(
        request.GET or None, options=selectors.recommendation_filter_options()
    )
    filters = form.filters()
    qs = selectors.recommendation_search(filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/public/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "facets": selectors.recommendation_facets(qs=qs),
        },
    )


@require_GET
def recommendation_detail(request: HttpRequest, recommendation_uuid: str) -> HttpResponse:
    recommendation = selectors.recommendation_get_public(recommendation_uuid=recommendation_uuid)
    return render(
        request,
        "accountability/public/detail.html",
        {
            "recommendation": recommendation,
            "activity": selectors.recommendation_city_activity(recommendation=recommendation),
            "min_count": selectors.PUBLIC_MIN_COUNT,
        },
    )


@require_GET
def comparison(request: HttpRequest) -> HttpResponse:
    """Per theme: which cities have plans and how far their actions are (no JS needed)."""
    return render(
        request,
        "accountability/public/comparison.html",
        {"rows": selectors.national_comparison()},
    )


@require_GET
def handout_download(request: HttpRequest, slug: str, language: str) -> FileResponse:
    """The one-page handout for community meetings, in English or Spanish."""
    if language not in HANDOUT_LANGUAGES:
        raise Http404
    city = city_selectors.city_get_public(slug=slug)
    entry = services.handout_get_or_render(city=city, language=language)
    response = FileResponse(
        entry.file.open("rb"),
        as_attachment=True,
        filename=f"{city.slug}-un-recommendations-{language}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "public, max-age=600"
    return response


def _limited(request: HttpRequest, link_uuid: str) -> bool:
    verdict = ratelimit.hit(
        redis_url=settings.RATE_LIMIT_REDIS_URL,
        scope=f"respond:{link_uuid}",
        key=client_ip(request),
        secret=str(settings.SECRET_KEY),
        limit=settings.RESPONSE_LINK_RATE_LIMIT,
        window_seconds=settings.RESPONSE_LINK_RATE_LIMIT_WINDOW,
    )
    return verdict is ratelimit.Verdict.LIMITED


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: keep it out of Referer headers, caches and search engines.
    # strict-origin sends the origin alone, never the path; not no-referrer, under which
    # browsers send `Origin: null` with the form's POST and the CSRF check refuses it.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, link_uuid: str, token: str) -> HttpResponse:
    """The official's page: the one plan or action the link is for, and a form to
    respond. It shows nothing else and logs no one in. Rate limited per address."""
    if _limited(request, link_uuid):
        response = render(request, "accountability/public/respond_limited.html", status=429)
        return _no_referrer(response)
    link = selectors.response_link_get_by_token(link_uuid=link_uuid, token=token)
    if not link.is_usable():
        response = render(
            request,
            "accountability/public/respond_closed.html",
            {"link": link, "city": link.city},
            status=410,
        )
        return _no_referrer(response)
    form = OfficialResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.official_respond(
                link=link, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
            )
        except services.LinkUnusable:
            return redirect("official_respond", link_uuid=link.uuid, token=token)
        response = render(
            request,
            "accountability/public/respond_thanks.html",
            {"link": link, "city": link.city},
        )
        return _no_referrer(response)
    response = render(
        request,
        "accountability/public/respond.html",
        {
            "link": link,
            "city": link.city,
            "plan": link.plan,
            "action": link.action,
            "form": form,
            "title": _("Respond on behalf of your office"),
        },
        status=422 if request.method == "POST" else 200,
    )
    return _no_referrer(response)
