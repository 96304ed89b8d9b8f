"""Public pages: no login, no personal data."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cities import selectors


def home(request: HttpRequest) -> HttpResponse:
    cycle = selectors.cycle_get_current()
    today = timezone.localdate()
    next_deadline = cycle.next_deadline(today) if cycle else None
    return render(
        request,
        "cities/public/home.html",
        {
            "cycle": cycle,
            "today": today,
            "next_deadline": next_deadline,
            "days_left": (next_deadline[1] - today).days if next_deadline else None,
            "city_count": selectors.city_list_public().count(),
        },
    )


def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "").strip()[:60]
    cities = selectors.city_list_public(query=query, state=state)
    page = Paginator(cities, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cities/public/directory.html",
        {"page": page, "query": query, "state": state, "states": selectors.city_state_list()},
    )


def city_page(request: HttpRequest, slug: str) -> HttpResponse:
    from consultations.selectors import consultation_list_public, survey_list_public

    city = selectors.city_get_public(slug=slug)
    upcoming, held = consultation_list_public(city=city)
    open_surveys, survey_summaries = survey_list_public(city=city)
    from accountability.selectors import scorecard
    from reports.selectors import publication_list_public

    return render(
        request,
        "cities/public/city.html",
        {
            "city": city,
            "cycle": selectors.cycle_get_current(),
            "upcoming": upcoming,
            "held": held,
            "open_surveys": open_surveys,
            "survey_summaries": survey_summaries,
            "publications": publication_list_public(city=city),
            "scorecard": scorecard(city=city),
        },
    )
