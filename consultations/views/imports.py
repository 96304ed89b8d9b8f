"""Paper-form imports: template download, upload and check, preview, confirm, progress."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cities import selectors as city_selectors
from cities.permissions import Capability, CityAccess, city_capability_required
from consultations import csv_import, selectors, services
from consultations.forms import ImportUploadForm
from consultations.models import ImportStatus
from upr_portal.http import upload_limit


def _start_context(
    access: CityAccess, form: ImportUploadForm, **extra: object
) -> dict[str, object]:
    return {
        "access": access,
        "city": access.city,
        "form": form,
        "columns": csv_import.COLUMNS,
        "themes": city_selectors.theme_list(active_only=True),
        "batches": selectors.import_list_for_city(city=access.city)[:10],
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "cycle": city_selectors.cycle_get_current(),
        **extra,
    }


@city_capability_required(Capability.EDIT_EVIDENCE)
@upload_limit(settings.IMPORT_MAX_BYTES)
def import_start(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """Upload a CSV. It is checked at once: errors come back row by row and nothing is
    stored; a clean file goes to a preview page to be confirmed."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, city=access.city)
    cycle = city_selectors.cycle_get_current()
    if request.method == "POST" and form.is_valid():
        if cycle is None:
            form.add_error(
                None, _("There is no current review cycle yet. Ask a national coordinator.")
            )
        else:
            try:
                check = services.import_check(
                    actor=request.user,  # type: ignore[arg-type]
                    city=access.city,
                    cycle=cycle,
                    upload=form.cleaned_data["file"],
                    consultation=form.cleaned_data["consultation"],
                )
            except services.DuplicateImport as dup:
                return render(
                    request,
                    "consultations/import_start.html",
                    _start_context(access, form, duplicate=dup.batch),
                    status=409,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if check.batch is not None:
                    return redirect(
                        "consultations:import_detail",
                        city_uuid=access.city.uuid,
                        batch_uuid=check.batch.uuid,
                    )
                return render(
                    request,
                    "consultations/import_start.html",
                    _start_context(
                        access, form, row_errors=check.errors, file_error=check.file_error
                    ),
                    status=422,
                )
    return render(
        request,
        "consultations/import_start.html",
        _start_context(access, form),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def import_template(request: HttpRequest, access: CityAccess) -> HttpResponse:
    language = "es" if request.GET.get("lang") == "es" else "en"
    response = HttpResponse(
        csv_import.template_csv(language), content_type="text/csv; charset=utf-8"
    )
    name = "testimonios-plantilla.csv" if language == "es" else "testimony-template.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def import_detail(request: HttpRequest, access: CityAccess, batch_uuid: str) -> HttpResponse:
    """A batch: its preview before confirmation, its progress, or its result."""
    batch = selectors.import_get_for_city(city=access.city, batch_uuid=batch_uuid)
    preview = (
        selectors.import_preview_rows(batch=batch) if batch.status == ImportStatus.PREVIEW else []
    )
    template = "consultations/import_detail.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#progress"
    return render(
        request,
        template,
        {"access": access, "city": access.city, "batch": batch, "preview": preview},
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def import_confirm(request: HttpRequest, access: CityAccess, batch_uuid: str) -> HttpResponse:
    batch = selectors.import_get_for_city(city=access.city, batch_uuid=batch_uuid)
    try:
        services.import_confirm(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(
        "consultations:import_detail", city_uuid=access.city.uuid, batch_uuid=batch.uuid
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def import_discard(request: HttpRequest, access: CityAccess, batch_uuid: str) -> HttpResponse:
    batch = selectors.import_get_for_city(city=access.city, batch_uuid=batch_uuid)
    try:
        services.import_discard(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(
            "consultations:import_detail", city_uuid=access.city.uuid, batch_uuid=batch.uuid
        )
    messages.success(request, _("The file was discarded. Nothing was imported."))
    return redirect("consultations:import_start", city_uuid=access.city.uuid)
