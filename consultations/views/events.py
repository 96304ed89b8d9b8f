"""Consultation events: list, create, view, edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.permissions import Capability, CityAccess, city_capability_required
from consultations import selectors, services
from consultations.forms import ConsultationForm


@city_capability_required(Capability.VIEW_EVIDENCE)
def consultation_list(request: HttpRequest, access: CityAccess) -> HttpResponse:
    page = Paginator(selectors.consultation_list_for_city(city=access.city), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "consultations/consultation_list.html",
        {"access": access, "city": access.city, "page": page},
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
def consultation_create(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = city_selectors.cycle_get_current()
    form = ConsultationForm(request.POST or None)
    if cycle is None:
        messages.error(
            request, _("There is no current review cycle yet. Ask a national coordinator.")
        )
        return redirect("consultations:consultation_list", city_uuid=access.city.uuid)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user,  # type: ignore[arg-type]
                city=access.city,
                cycle=cycle,
                themes=form.cleaned_data["themes"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The consultation was saved."))
            return redirect(
                "consultations:consultation_detail",
                city_uuid=access.city.uuid,
                consultation_uuid=consultation.uuid,
            )
    return render(
        request,
        "consultations/consultation_form.html",
        {"access": access, "city": access.city, "form": form, "title": _("New consultation")},
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
def consultation_detail(
    request: HttpRequest, access: CityAccess, consultation_uuid: str
) -> HttpResponse:
    consultation = selectors.consultation_get_for_city(
        city=access.city, consultation_uuid=consultation_uuid
    )
    testimonies = selectors.testimony_list_for_city(
        city=access.city,
        filters=selectors.TestimonyFilters(consultation=str(consultation.uuid)),
    )
    page = Paginator(testimonies, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/consultation_detail.html",
        {
            "access": access,
            "city": access.city,
            "consultation": consultation,
            "page": page,
            "can_edit": access.can(Capability.EDIT_EVIDENCE),
        },
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
def consultation_edit(
    request: HttpRequest, access: CityAccess, consultation_uuid: str
) -> HttpResponse:
    consultation = selectors.consultation_get_for_city(
        city=access.city, consultation_uuid=consultation_uuid
    )
    form = ConsultationForm(request.POST or None, instance=consultation)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(
                actor=request.user,  # type: ignore[arg-type]
                consultation=consultation,
                themes=form.cleaned_data["themes"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The consultation was updated."))
            return redirect(
                "consultations:consultation_detail",
                city_uuid=access.city.uuid,
                consultation_uuid=consultation.uuid,
            )
    return render(
        request,
        "consultations/consultation_form.html",
        {
            "access": access,
            "city": access.city,
            "form": form,
            "consultation": consultation,
            "title": _("Edit consultation"),
        },
        status=422 if form.errors else 200,
    )
