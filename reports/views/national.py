"""National coordinators: the cycle dashboard, reopening submissions, the compilation."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.models import AuditAction, ReviewCycle
from cities.permissions import Capability, national_capability_required
from cities.services import audit_record
from reports import selectors, services
from reports.forms import CompileForm, ReopenForm
from reports.models import ReportStatus
from upr_portal.lib.csvsafe import csv_safe


def _cycle_or_none(request: HttpRequest) -> ReviewCycle | None:
    uuid = request.GET.get("cycle") or request.POST.get("cycle")
    if uuid:
        return city_selectors.cycle_get(cycle_uuid=uuid)
    return city_selectors.cycle_get_current()


def _cycle(request: HttpRequest) -> ReviewCycle:
    cycle = _cycle_or_none(request)
    if cycle is None:
        raise Http404
    return cycle


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every city's summary for the cycle: status, evidence counts, last activity, and
    the countdown to the deadline."""
    cycle = _cycle_or_none(request)
    if cycle is None:
        return render(request, "reports/national/no_cycle.html")
    today = timezone.localdate()
    rows = selectors.national_dashboard(cycle=cycle, today=today)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return render(
        request,
        "reports/national/dashboard.html",
        {
            "cycle": cycle,
            "cycles": city_selectors.cycle_list(),
            "rows": rows,
            "status_counts": counts,
            "days_left": (cycle.local_report_due - today).days,
            "compile_form": CompileForm(),
            "compilations": selectors.compilation_list(cycle=cycle)[:10],
            "submitted": sum(
                1 for r in rows if r.summary and r.summary.status == ReportStatus.SUBMITTED
            ),
        },
    )


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_http_methods(["GET", "POST"])
def summary_reopen(request: HttpRequest, report_uuid: str) -> HttpResponse:
    """Send a submitted summary back to its city, with a reason the team sees."""
    report = selectors.summary_get_national(report_uuid=report_uuid)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.summary_reopen(
                actor=request.user,  # type: ignore[arg-type]
                report=report,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(city)s's summary is reopened for changes.") % {"city": report.city.name},
            )
            return redirect(f"{_dashboard_url()}?cycle={report.cycle.uuid}")
    return render(
        request,
        "reports/national/reopen.html",
        {"report": report, "form": form},
        status=422 if form.errors else 200,
    )


def _dashboard_url() -> str:
    return reverse("national_reports:dashboard")


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_POST
def compile_start(request: HttpRequest) -> HttpResponse:
    cycle = _cycle(request)
    form = CompileForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language for the report."))
        return redirect(f"{_dashboard_url()}?cycle={cycle.uuid}")
    try:
        compilation = services.compilation_start(
            actor=request.user,  # type: ignore[arg-type]
            cycle=cycle,
            language=form.cleaned_data["language"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{_dashboard_url()}?cycle={cycle.uuid}")
    return redirect("national_reports:compilation", compilation_uuid=compilation.uuid)


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def compilation_detail(request: HttpRequest, compilation_uuid: str) -> HttpResponse:
    """The compilation's PDF and DOCX jobs, polled by htmx until both are done."""
    compilation = selectors.compilation_get(compilation_uuid=compilation_uuid)
    jobs = list(compilation.render_jobs.order_by("kind"))
    template = "reports/national/compilation.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#jobs"
    return render(request, template, {"compilation": compilation, "jobs": jobs})


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def compilation_download(
    request: HttpRequest, compilation_uuid: str, job_uuid: str
) -> FileResponse:
    compilation = selectors.compilation_get(compilation_uuid=compilation_uuid)
    job = selectors.compilation_job_get(compilation=compilation, job_uuid=job_uuid)
    if not job.is_done:
        raise Http404
    extension = "pdf" if job.is_pdf else "docx"
    content_type = (
        "application/pdf"
        if job.is_pdf
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"national-report-cycle-{compilation.cycle.number}-{compilation.created_at:%Y%m%d-%H%M}.{extension}"
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


@national_capability_required(Capability.MANAGE_NATIONAL)
@require_GET
def counts_export(request: HttpRequest) -> HttpResponse:
    """Testimonies and survey responses per city and theme: counts only, no text."""
    cycle = _cycle(request)
    rows = selectors.national_city_theme_rows(cycle=cycle)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-counts-cycle-{cycle.number}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("City"), _("State"), _("Theme"), _("Testimonies"), _("Survey responses")])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.NATIONAL_EXPORTED,
        target=cycle,
        target_label=str(cycle),
        details={"rows": len(rows)},
    )
    return response
