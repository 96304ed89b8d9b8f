"""National coordinators: importing recommendation files and the theme mapping."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability import selectors, services, upr_import
from accountability.forms import ConfirmForm, RecommendationUploadForm, ThemeMappingForm
from accountability.models import ImportStatus
from cities.forms import add_service_errors
from cities.permissions import Capability, national_capability_required
from upr_portal.http import upload_limit


@national_capability_required(Capability.MANAGE_NATIONAL)
@upload_limit(upr_import.MAX_BYTES)
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a file and check it; nothing is imported until the preview is confirmed."""
    form = RecommendationUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.recommendations_check(
                actor=request.user,  # type: ignore[arg-type]
                cycle=form.cleaned_data["cycle"],
                filename=upload.name or "recommendations.csv",
                content=upload.read(),
                source_document=form.cleaned_data["source_document"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("national_recommendations:import", import_uuid=batch.uuid)
    return render(
        request,
        "accountability/national/import_start.html",
        {
            "form": form,
            "imports": selectors.import_list()[:20],
            "unmapped": selectors.theme_mapping_unmapped_count(),
        },
        status=422 if request.method == "POST" else 200,
    )


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def import_detail(request: HttpRequest, import_uuid: str) -> HttpResponse:
    """The check's findings row by row, and (while a preview) confirm or discard."""
    batch = selectors.import_get(import_uuid=import_uuid)
    notes = batch.notes
    return render(
        request,
        "accountability/national/import_detail.html",
        {
            "batch": batch,
            "summary": batch.summary,
            "errors": [n for n in notes if n["kind"] == "error"],
            "merged": [n for n in notes if n["kind"] == "merged"],
            "normalised": [n for n in notes if n["kind"] == "normalised"],
            "is_preview": batch.status == ImportStatus.PREVIEW,
            "form": ConfirmForm(),
        },
    )


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_POST
def import_apply(request: HttpRequest, import_uuid: str) -> HttpResponse:
    batch = selectors.import_get(import_uuid=import_uuid)
    try:
        batch = services.recommendations_apply(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        s = batch.summary
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s updated, %(kept)s unchanged recommendations.")
            % {"created": s["created"], "updated": s["updated"], "kept": s["kept"]},
        )
    return redirect("national_recommendations:import", import_uuid=batch.uuid)


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_POST
def import_discard(request: HttpRequest, import_uuid: str) -> HttpResponse:
    batch = selectors.import_get(import_uuid=import_uuid)
    try:
        services.recommendations_discard(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The file was discarded. Nothing was imported."))
    return redirect("national_recommendations:import_start")


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def mapping_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.theme_mapping_rows()
    return render(
        request,
        "accountability/national/mapping_list.html",
        {"rows": rows, "unmapped": [r for r in rows if r.is_unmapped]},
    )


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, mapping_uuid: str) -> HttpResponse:
    mapping = selectors.theme_mapping_get(mapping_uuid=mapping_uuid)
    form = ThemeMappingForm(
        request.POST or None,
        initial={"themes": list(mapping.themes.all()), "not_applicable": mapping.not_applicable},
    )
    if request.method == "POST" and form.is_valid():
        services.theme_mapping_update(
            actor=request.user,  # type: ignore[arg-type]
            mapping=mapping,
            themes=form.cleaned_data["themes"],
            not_applicable=form.cleaned_data["not_applicable"],
        )
        messages.success(
            request, _("Mapping saved: the recommendations with this theme are updated.")
        )
        return redirect("national_recommendations:mapping")
    return render(
        request,
        "accountability/national/mapping_edit.html",
        {"mapping": mapping, "form": form},
        status=422 if request.method == "POST" else 200,
    )
