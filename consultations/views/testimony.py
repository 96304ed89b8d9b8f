"""Testimony: list and search, log, view, edit, restricted details, redaction, review,
consent withdrawal, attachments, export, and the national cross-city search."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.permissions import (
    Capability,
    CityAccess,
    can_see_restricted,
    city_capability_required,
    national_capability_required,
)
from consultations import redaction, selectors, services
from consultations.forms import (
    AttachmentForm,
    RedactionForm,
    TestimonyFilterForm,
    TestimonyForm,
    WithdrawConsentForm,
)
from consultations.models import ConsentLevel, Testimony
from consultations.services.attachments import MAX_ATTACHMENTS_PER_TESTIMONY
from upr_portal.http import upload_limit

PAGE_SIZE = 50


def _restricted_allowed(request: HttpRequest, access: CityAccess, testimony: Testimony) -> bool:
    return can_see_restricted(
        access, user_id=request.user.pk or 0, recorded_by_id=testimony.recorded_by_id
    )


def _detail_url(access: CityAccess, testimony: Testimony) -> str:
    return reverse(
        "consultations:testimony_detail",
        kwargs={"city_uuid": access.city.uuid, "testimony_uuid": testimony.uuid},
    )


@never_cache
@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def testimony_list(request: HttpRequest, access: CityAccess) -> HttpResponse:
    filter_form = TestimonyFilterForm(request.GET or None, city=access.city)
    filters = filter_form.filters()
    page = Paginator(
        selectors.testimony_list_for_city(city=access.city, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    template = "consultations/testimony_list.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    return render(
        request,
        template,
        {
            "access": access,
            "city": access.city,
            "page": page,
            "filter_form": filter_form,
            "filters": filters,
            "can_edit": access.can(Capability.EDIT_EVIDENCE),
        },
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def testimony_export(request: HttpRequest, access: CityAccess) -> HttpResponse:
    filters = TestimonyFilterForm(request.GET or None, city=access.city).filters()
    body = services.testimony_export_csv(
        actor=request.user,  # type: ignore[arg-type]
        city=access.city,
        testimonies=selectors.testimony_list_for_city(city=access.city, filters=filters),
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{access.city.slug}-testimony-{stamp}.csv"'
    )
    return response


@city_capability_required(Capability.EDIT_EVIDENCE)
def testimony_create(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = city_selectors.cycle_get_current()
    if cycle is None:
        messages.error(
            request, _("There is no current review cycle yet. Ask a national coordinator.")
        )
        return redirect("consultations:testimony_list", city_uuid=access.city.uuid)
    initial: dict[str, object] = {"consent_level": ConsentLevel.INTERNAL}
    if consultation_uuid := request.GET.get("consultation"):
        initial["consultation"] = selectors.consultation_get_for_city(
            city=access.city, consultation_uuid=consultation_uuid
        )
        initial["source"] = "event"
    form = TestimonyForm(request.POST or None, city=access.city, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            testimony = services.testimony_create(
                actor=request.user,  # type: ignore[arg-type]
                city=access.city,
                cycle=cycle,
                themes=form.cleaned_data["themes"],
                submission_id=form.cleaned_data.get("submission_id"),
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Testimony %(ref)s was saved.") % {"ref": testimony.short_ref},
            )
            if "add_another" in request.POST:
                # Logging several testimonies from one event: back to an empty form for it.
                query = (
                    f"?consultation={testimony.consultation.uuid}" if testimony.consultation else ""
                )
                return redirect(request.path + query)
            return redirect(_detail_url(access, testimony))
    return render(
        request,
        "consultations/testimony_form.html",
        {"access": access, "city": access.city, "form": form, "title": _("Log testimony")},
        status=422 if form.errors else 200,
    )


@never_cache
@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def testimony_detail(request: HttpRequest, access: CityAccess, testimony_uuid: str) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    return render(
        request,
        "consultations/testimony_detail.html",
        {
            "access": access,
            "city": access.city,
            "testimony": testimony,
            "themes": list(testimony.themes.all()),
            "attachments": list(testimony.attachments.all()),
            "can_edit": access.can(Capability.EDIT_EVIDENCE) and not testimony.is_withdrawn,
            "can_review": access.can(Capability.REVIEW_EVIDENCE) and not testimony.is_withdrawn,
            "can_download": access.can(Capability.EDIT_EVIDENCE),
            "can_see_restricted": _restricted_allowed(request, access, testimony),
            "attachment_form": AttachmentForm(),
            "attachment_limit": settings.ATTACHMENT_MAX_BYTES,
            "attachment_max_count": MAX_ATTACHMENTS_PER_TESTIMONY,
        },
    )


@never_cache
@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def testimony_restricted(
    request: HttpRequest, access: CityAccess, testimony_uuid: str
) -> HttpResponse:
    """Show the speaker's name and contact to whoever may see them. Audited every time."""
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    restricted = services.testimony_reveal_restricted(
        actor=request.user,  # type: ignore[arg-type]
        access=access,
        testimony=testimony,
    )
    context = {"access": access, "city": access.city, "testimony": testimony, **restricted}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "consultations/testimony_detail.html#restricted", context)
    return render(request, "consultations/testimony_restricted.html", context)


@never_cache
@city_capability_required(Capability.EDIT_EVIDENCE)
def testimony_edit(request: HttpRequest, access: CityAccess, testimony_uuid: str) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    if testimony.is_withdrawn:
        messages.error(
            request, _("Consent for this testimony was withdrawn. It can no longer be changed.")
        )
        return redirect(_detail_url(access, testimony))
    show_restricted = _restricted_allowed(request, access, testimony)
    form = TestimonyForm(
        request.POST or None, city=access.city, instance=testimony, show_restricted=show_restricted
    )
    if (
        request.method == "GET"
        and show_restricted
        and (testimony.speaker_name or testimony.speaker_contact)
    ):
        # The form shows the restricted values: that is a view, and it is audited.
        services.testimony_reveal_restricted(
            actor=request.user,  # type: ignore[arg-type]
            access=access,
            testimony=testimony,
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.testimony_update(
                actor=request.user,  # type: ignore[arg-type]
                testimony=testimony,
                themes=form.cleaned_data["themes"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The testimony was updated."))
            return redirect(_detail_url(access, testimony))
    return render(
        request,
        "consultations/testimony_form.html",
        {
            "access": access,
            "city": access.city,
            "form": form,
            "testimony": testimony,
            "title": _("Edit testimony %(ref)s") % {"ref": testimony.short_ref},
        },
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
def testimony_redact(request: HttpRequest, access: CityAccess, testimony_uuid: str) -> HttpResponse:
    """Prepare the redacted quote. "Suggest" fills it from the narrative with emails,
    phones, addresses and marked names replaced; "Save" stores what the organizer wrote."""
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    if testimony.is_withdrawn or testimony.consent_level == ConsentLevel.INTERNAL:
        messages.error(
            request,
            _("Consent for this testimony was withdrawn. It can no longer be changed.")
            if testimony.is_withdrawn
            else _(
                "Consent is “internal only”: this testimony can't be quoted, so it needs no quote."
            ),
        )
        return redirect(_detail_url(access, testimony))
    suggestion = None
    status = 200
    # The speaker's name is always suggested for redaction, even to organizers who may not
    # see it: protecting the speaker matters more than hiding that a guess was right.
    speaker = [testimony.speaker_name]
    if request.method == "POST":
        form = RedactionForm(request.POST)
        form.is_valid()
        if "suggest" in request.POST:
            source = form.cleaned_data.get("redacted_quote") or testimony.narrative
            suggestion = redaction.suggest(source, names=[*form.name_list(), *speaker])
            form = RedactionForm(
                initial={
                    "names": form.cleaned_data.get("names", ""),
                    "redacted_quote": suggestion.text,
                }
            )
        else:
            try:
                services.testimony_redact(
                    actor=request.user,  # type: ignore[arg-type]
                    testimony=testimony,
                    redacted_quote=form.cleaned_data.get("redacted_quote", ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                messages.success(request, _("The redacted quote was saved."))
                return redirect(_detail_url(access, testimony))
    else:
        if testimony.redacted_quote:
            form = RedactionForm(initial={"redacted_quote": testimony.redacted_quote})
        else:
            suggestion = redaction.suggest(testimony.narrative, names=speaker)
            form = RedactionForm(initial={"redacted_quote": suggestion.text})
    template = "consultations/testimony_redact.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#redaction-form"
    return render(
        request,
        template,
        {
            "access": access,
            "city": access.city,
            "testimony": testimony,
            "form": form,
            "suggestion": suggestion,
        },
        status=status,
    )


@city_capability_required(Capability.REVIEW_EVIDENCE)
@require_POST
def testimony_review(request: HttpRequest, access: CityAccess, testimony_uuid: str) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    try:
        services.testimony_review(actor=request.user, testimony=testimony)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Testimony %(ref)s is reviewed.") % {"ref": testimony.short_ref}
        )
    return redirect(_detail_url(access, testimony))


@city_capability_required(Capability.EDIT_EVIDENCE)
def testimony_withdraw(
    request: HttpRequest, access: CityAccess, testimony_uuid: str
) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    if testimony.is_withdrawn:
        messages.info(request, _("Consent for this testimony was already withdrawn."))
        return redirect(_detail_url(access, testimony))
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.testimony_withdraw_consent(
                actor=request.user,  # type: ignore[arg-type]
                testimony=testimony,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Consent was withdrawn. This testimony will not appear in any report or export."),
            )
            return redirect(_detail_url(access, testimony))
    return render(
        request,
        "consultations/testimony_withdraw.html",
        {"access": access, "city": access.city, "testimony": testimony, "form": form},
        status=422 if form.errors else 200,
    )


# --------------------------------------------------------------------------- attachments


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
@upload_limit(settings.ATTACHMENT_MAX_BYTES)
def attachment_upload(
    request: HttpRequest, access: CityAccess, testimony_uuid: str
) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            attachment = services.attachment_add(
                actor=request.user,  # type: ignore[arg-type]
                testimony=testimony,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The %(kind)s was attached.") % {"kind": attachment.get_kind_display().lower()},
            )
    return redirect(_detail_url(access, testimony) + "#attachments")


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def attachment_download(
    request: HttpRequest, access: CityAccess, testimony_uuid: str, attachment_uuid: str
) -> HttpResponseBase:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    attachment = selectors.attachment_get_for_city(
        city=access.city, testimony=testimony, attachment_uuid=attachment_uuid
    )
    handle = services.attachment_open(actor=request.user, attachment=attachment)  # type: ignore[arg-type]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.download_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@city_capability_required(Capability.EDIT_EVIDENCE)
def attachment_delete(
    request: HttpRequest, access: CityAccess, testimony_uuid: str, attachment_uuid: str
) -> HttpResponse:
    testimony = selectors.testimony_get_for_city(city=access.city, testimony_uuid=testimony_uuid)
    attachment = selectors.attachment_get_for_city(
        city=access.city, testimony=testimony, attachment_uuid=attachment_uuid
    )
    if request.method == "POST":
        services.attachment_delete(actor=request.user, attachment=attachment)  # type: ignore[arg-type]
        messages.success(request, _("The attachment was deleted."))
        return redirect(_detail_url(access, testimony) + "#attachments")
    return render(
        request,
        "cities/app/confirm.html",
        {
            "city": access.city,
            "title": _("Delete this attachment?"),
            "body": _(
                "The %(kind)s will be deleted for good. The activity log keeps a record that "
                "it existed and who deleted it."
            )
            % {"kind": attachment.get_kind_display().lower()},
            "confirm_label": _("Delete attachment"),
            "danger": True,
            "cancel_url": _detail_url(access, testimony),
        },
    )


# --------------------------------------------------------------------------- national


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def national_list(request: HttpRequest) -> HttpResponse:
    """Search testimony across every city. Restricted fields are never loaded here."""
    filter_form = TestimonyFilterForm(request.GET or None)
    filters = filter_form.filters()
    page = Paginator(selectors.testimony_list_national(filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "consultations/national_testimony.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, {"page": page, "filter_form": filter_form, "filters": filters})
