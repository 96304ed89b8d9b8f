"""The national console: cities, cycles, coordinators and the national activity log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cities import selectors, services
from cities.forms import (
    CityForm,
    CycleCreateForm,
    CycleForm,
    NationalInviteForm,
    ThemeForm,
    add_service_errors,
)
from cities.models import ReviewCycle
from cities.permissions import Capability, national_capability_required

national_required = national_capability_required(Capability.MANAGE_NATIONAL)


@national_required
def console(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    cities = selectors.city_list_national()
    if query:
        cities = cities.filter(name__icontains=query)
    page = Paginator(cities, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "cities/national/console.html",
        {
            "page": page,
            "query": query,
            "cycle": selectors.cycle_get_current(),
            "coordinators": selectors.coordinator_list(),
            "national_invitations": selectors.invitation_list_pending_national(),
        },
    )


@national_required
def city_create(request: HttpRequest) -> HttpResponse:
    form = CityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            city = services.city_create(
                actor=request.user,  # type: ignore[arg-type]
                **{name: form.cleaned_data[name] for name in services.CITY_EDITABLE},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(city)s was added. Now invite its city lead.") % {"city": city}
            )
            return redirect(f"{reverse('national:invite')}?city={city.uuid}&role=city_lead")
    return render(request, "cities/national/form.html", {"form": form, "title": _("Add a city")})


@national_required
def city_edit(request: HttpRequest, city_uuid: str) -> HttpResponse:
    city = selectors.city_get_for_coordinator(city_uuid=city_uuid)
    initial = {name: getattr(city, name) for name in services.CITY_EDITABLE}
    form = CityForm(request.POST or None, initial=initial, instance=city)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CITY_EDITABLE}
        data["slug"] = data["slug"] or city.slug
        try:
            services.city_update(actor=request.user, city=city, **data)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(city)s was updated.") % {"city": city})
            return redirect("national:console")
    return render(
        request,
        "cities/national/form.html",
        {"form": form, "title": _("Edit %(city)s") % {"city": city}},
    )


@national_required
def invite(request: HttpRequest) -> HttpResponse:
    initial = {"role": request.GET.get("role", "city_lead")}
    if request.GET.get("city"):
        initial["city"] = request.GET["city"]
    form = NationalInviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                invited_by=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                city=form.cleaned_data["city"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("national:console")
    return render(
        request, "cities/national/form.html", {"form": form, "title": _("Invite someone")}
    )


@national_required
def invitation_revoke(request: HttpRequest, invitation_uuid: str) -> HttpResponse:
    invitation = selectors.invitation_get_for_city(city=None, invitation_uuid=invitation_uuid)
    if request.method == "POST":
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
            )
        return redirect("national:console")
    return render(
        request,
        "cities/app/confirm.html",
        {
            "title": _("Revoke the invitation to %(email)s?") % {"email": invitation.email},
            "body": _("The link in their email will stop working."),
            "confirm_label": _("Revoke invitation"),
            "danger": True,
            "cancel_url": reverse("national:console"),
        },
    )


@national_required
def cycles(request: HttpRequest) -> HttpResponse:
    return render(request, "cities/national/cycles.html", {"cycles": selectors.cycle_list()})


@national_required
def cycle_create(request: HttpRequest) -> HttpResponse:
    form = CycleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(
                actor=request.user,  # type: ignore[arg-type]
                make_current=form.cleaned_data["make_current"],
                **{name: form.cleaned_data[name] for name in services.CYCLE_EDITABLE},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(cycle)s was created.") % {"cycle": cycle})
            return redirect("national:cycles")
    return render(
        request,
        "cities/national/form.html",
        {"form": form, "title": _("New review cycle"), "back_url": reverse("national:cycles")},
    )


@national_required
def cycle_edit(request: HttpRequest, cycle_uuid: str) -> HttpResponse:
    cycle = selectors.cycle_get(cycle_uuid=cycle_uuid)
    initial = {name: getattr(cycle, name) for name in services.CYCLE_EDITABLE}
    form = CycleForm(request.POST or None, initial=initial, instance=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(
                actor=request.user,  # type: ignore[arg-type]
                cycle=cycle,
                **{name: form.cleaned_data[name] for name in services.CYCLE_EDITABLE},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(cycle)s was updated.") % {"cycle": cycle})
            return redirect("national:cycles")
    return render(
        request,
        "cities/national/form.html",
        {
            "form": form,
            "title": _("Edit %(cycle)s") % {"cycle": cycle},
            "back_url": reverse("national:cycles"),
        },
    )


@national_required
def cycle_make_current(request: HttpRequest, cycle_uuid: str) -> HttpResponse:
    cycle: ReviewCycle = selectors.cycle_get(cycle_uuid=cycle_uuid)
    if request.method == "POST":
        services.cycle_make_current(actor=request.user, cycle=cycle)  # type: ignore[arg-type]
        messages.success(request, _("%(cycle)s is now the current cycle.") % {"cycle": cycle})
        return redirect("national:cycles")
    return render(
        request,
        "cities/app/confirm.html",
        {
            "title": _("Make %(cycle)s the current cycle?") % {"cycle": cycle},
            "body": _(
                "The public timeline and every city's deadlines will follow this cycle, and "
                "every city joins it."
            ),
            "confirm_label": _("Make current"),
            "cancel_url": reverse("national:cycles"),
        },
    )


@national_required
def activity(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.audit_list_national(), 50).get_page(request.GET.get("page"))
    return render(request, "cities/national/activity.html", {"page": page})


@national_required
def themes(request: HttpRequest) -> HttpResponse:
    return render(request, "cities/national/themes.html", {"themes": selectors.theme_list()})


def _theme_form_page(request: HttpRequest, form: ThemeForm, title: str) -> HttpResponse:
    return render(
        request,
        "cities/national/form.html",
        {"form": form, "title": title, "back_url": reverse("national:themes")},
    )


@national_required
def theme_create(request: HttpRequest) -> HttpResponse:
    form = ThemeForm(request.POST or None, initial={"sort_order": 100, "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(
                actor=request.user,  # type: ignore[arg-type]
                **{name: form.cleaned_data[name] for name in services.THEME_EDITABLE},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The theme “%(theme)s” was added.") % {"theme": theme})
            return redirect("national:themes")
    return _theme_form_page(request, form, _("New theme"))


@national_required
def theme_edit(request: HttpRequest, theme_uuid: str) -> HttpResponse:
    theme = selectors.theme_get(theme_uuid=theme_uuid)
    initial = {name: getattr(theme, name) for name in services.THEME_EDITABLE}
    initial["instruments"] = "\n".join(theme.instruments)
    form = ThemeForm(request.POST or None, initial=initial, instance=theme)
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_update(
                actor=request.user,  # type: ignore[arg-type]
                theme=theme,
                **{name: form.cleaned_data[name] for name in services.THEME_EDITABLE},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The theme “%(theme)s” was updated.") % {"theme": theme})
            return redirect("national:themes")
    return _theme_form_page(request, form, _("Edit %(theme)s") % {"theme": theme.name})
