"""A city's report and summary: editor, evidence panel, history, PDFs and decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.models import AuditAction
from cities.permissions import Capability, CityAccess, city_capability_required
from cities.services import audit_record
from reports import markdown, selectors, services
from reports.forms import (
    CitationForm,
    ConfirmForm,
    EvidenceFilterForm,
    ReportStartForm,
    SectionsForm,
)
from reports.models import (
    ACTIVE_RENDER_STATUSES,
    PAGE_LIMITS,
    CitationKind,
    DocumentKind,
    RenderJob,
    Report,
    ReportSection,
    ReportStatus,
)


def _report_redirect(report: Report) -> HttpResponse:
    return redirect("reports:detail", city_uuid=report.city.uuid, report_uuid=report.uuid)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def report_index(request: HttpRequest, access: CityAccess) -> HttpResponse:
    """The current cycle's report and summary, started or not."""
    cycle = city_selectors.cycle_get_current()
    documents = (
        selectors.report_list_for_city(city=access.city, cycle=cycle) if cycle is not None else {}
    )
    rows = [
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "report": report,
            "pages": PAGE_LIMITS[kind],
            "form": ReportStartForm(initial={"kind": kind}),
        }
        for kind, report in documents.items()
    ]
    return render(
        request,
        "reports/index.html",
        {"access": access, "city": access.city, "cycle": cycle, "rows": rows},
    )


@city_capability_required(Capability.EDIT_REPORTS)
@require_POST
def report_start(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = city_selectors.cycle_get_current()
    form = ReportStartForm(request.POST)
    if cycle is None:
        messages.error(
            request, _("There is no current review cycle yet. Ask a national coordinator.")
        )
        return redirect("reports:index", city_uuid=access.city.uuid)
    if not form.is_valid():
        messages.error(request, _("Choose a document and a language."))
        return redirect("reports:index", city_uuid=access.city.uuid)
    report = services.report_start(
        actor=request.user,  # type: ignore[arg-type]
        city=access.city,
        cycle=cycle,
        kind=form.cleaned_data["kind"],
        language=form.cleaned_data["language"],
    )
    return _report_redirect(report)


def _can_edit(access: CityAccess, report: Report) -> bool:
    return access.can(Capability.EDIT_REPORTS) and not report.is_locked


def _detail_context(
    request: HttpRequest,
    access: CityAccess,
    report: Report,
    form: SectionsForm | None = None,
) -> dict[str, object]:
    sections = selectors.section_list(report=report)
    can_edit = _can_edit(access, report)
    if form is None and can_edit:
        form = SectionsForm(sections=sections)
    # The PDF of the text as it stands, if one exists (it may be an older, reused one).
    _document, digest = services.report_input(report=report, final=False)
    latest_job = selectors.render_job_done_for_hash(
        report=report, input_hash=digest
    ) or selectors.render_job_latest(report=report, final=False)
    final_job = selectors.render_job_latest(report=report, final=True)
    word_counts = {s.pk: markdown.word_count(s.body) for s in sections}
    return {
        "access": access,
        "city": access.city,
        "report": report,
        "sections": [(s, word_counts[s.pk]) for s in sections],
        "word_total": sum(word_counts.values()),
        "word_target_total": sum(s.word_target for s in sections),
        "form": form,
        # A refused save shows the editor again with the typed text and the reason, even
        # when the report was submitted in the meantime.
        "can_edit": can_edit or form is not None,
        "can_decide": access.can(Capability.PUBLISH),
        "citations": selectors.citation_states(report=report, sections=sections),
        "latest_job": latest_job,
        "final_job": final_job,
        "approval_blocker": (
            services.approval_blocker(report=report, digest=digest)
            if report.status == ReportStatus.DRAFTING
            else ""
        ),
        "publications": (
            selectors.publication_list_for_report(report=report)
            if report.kind == DocumentKind.REPORT
            else []
        ),
        "themes": city_selectors.theme_list(active_only=True),
        "page_limits": report.page_limits,
    }


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def report_detail(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """The editor (for organizers and the lead) or a read-only view, with the evidence
    panel, the citations and their warnings, the PDF and the decisions."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    return render(request, "reports/detail.html", _detail_context(request, access, report))


@city_capability_required(Capability.EDIT_REPORTS)
@require_POST
def report_save(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """Save the sections. An htmx autosave gets a small status back; a conflict or an
    error keeps the typed text on the page."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    sections = selectors.section_list(report=report)
    form = SectionsForm(request.POST, sections=sections)
    autosave = bool(request.htmx) and request.POST.get("autosave") == "1"  # type: ignore[attr-defined]
    saved: list[ReportSection] = []
    status = 200
    if not form.is_valid():
        status = 422
    else:
        try:
            saved = services.sections_save(
                actor=request.user,  # type: ignore[arg-type]
                report=report,
                changes=form.changes(),
                autosave=autosave,
            )
        except services.EditConflict as exc:
            add_service_errors(form, exc)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
    if request.htmx:  # type: ignore[attr-defined]
        fresh = {s.uuid.hex: s.version for s in selectors.section_list(report=report)}
        response = render(
            request,
            "reports/detail.html#save-status",
            {
                "form": form,
                "saved": saved,
                "versions": fresh,
                "report": report,
                "city": access.city,
                "autosave": autosave,
            },
        )
        # htmx swaps error responses too (see static/js/reports.js), so the message shows.
        response.status_code = status
        return response
    if status != 200:
        report.refresh_from_db()
        return render(
            request,
            "reports/detail.html",
            _detail_context(request, access, report, form=form),
            status=status,
        )
    if saved:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing had changed."))
    return _report_redirect(report)


@city_capability_required(Capability.EDIT_REPORTS)
@require_http_methods(["GET", "POST"])
def report_draft(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """Draft from evidence, after a confirmation: current text goes to the history."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    form = ConfirmForm(request.POST or None)
    form.helper.inputs[0].value = _("Draft from evidence")
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_from_evidence(actor=request.user, report=report)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _(
                    "Drafted from the evidence. Edit the text: the earlier version is in the history."
                ),
            )
        return _report_redirect(report)
    sections = selectors.section_list(report=report)
    return render(
        request,
        "reports/draft_confirm.html",
        {
            "access": access,
            "city": access.city,
            "report": report,
            "form": form,
            "has_text": any(s.body.strip() for s in sections),
            "themes": selectors.theme_evidence(city=access.city, cycle=report.cycle),
        },
    )


@city_capability_required(Capability.EDIT_REPORTS)
@require_GET
def evidence_panel(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """Quotable testimony (reviewed, consented, redacted) and survey questions to cite,
    filtered by theme. An htmx request gets the panel only."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    form = EvidenceFilterForm(request.GET or None)
    theme = None
    if form.is_valid() and form.cleaned_data.get("theme"):
        try:
            theme = city_selectors.theme_get(theme_uuid=form.cleaned_data["theme"])
        except Http404:
            theme = None
    testimonies = selectors.evidence_testimony(city=access.city, cycle=report.cycle, theme=theme)
    questions = selectors.evidence_questions(
        city=access.city, cycle=report.cycle, language=report.language
    )
    template = "reports/evidence.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#panel"
    return render(
        request,
        template,
        {
            "access": access,
            "city": access.city,
            "report": report,
            "filter_form": form,
            "theme": theme,
            "themes": city_selectors.theme_list(active_only=True),
            "testimonies": testimonies,
            "questions": questions,
            "sections": selectors.section_list(report=report),
        },
    )


@city_capability_required(Capability.EDIT_REPORTS)
@require_POST
def citation_add(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """Cite a testimony or a survey question. With htmx the token comes back for the
    editor to insert at the cursor; without JavaScript it is appended to the section."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    form = CitationForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request, "reports/evidence.html#cite-result", {"error": message}, status=422
            )
        messages.error(request, message)
        return _report_redirect(report)
    data = form.cleaned_data
    section = selectors.section_get_for_report(report=report, section_uuid=data["section"])
    testimony = question = None
    if data["kind"] == CitationKind.QUOTE:
        testimony = selectors.citable_testimony_get(
            city=access.city, cycle=report.cycle, testimony_uuid=data["testimony"]
        )
    else:
        question = selectors.citable_question_get(city=access.city, question_uuid=data["question"])
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    try:
        citation = services.citation_add(
            actor=request.user,  # type: ignore[arg-type]
            report=report,
            section=section,
            kind=data["kind"],
            testimony=testimony,
            question=question,
            option_key=data.get("option_key") or "",
            append=not htmx,
        )
    except ValidationError as exc:
        if htmx:
            return render(
                request,
                "reports/evidence.html#cite-result",
                {"error": " ".join(exc.messages)},
                status=422,
            )
        messages.error(request, " ".join(exc.messages))
        return _report_redirect(report)
    if htmx:
        return render(
            request,
            "reports/evidence.html#cite-result",
            {
                "citation": citation,
                "token": markdown.citation_token(citation.code),
                "section": section,
            },
        )
    messages.success(
        request,
        _("Citation added at the end of “%(section)s”.") % {"section": section.get_kind_display()},
    )
    return _report_redirect(report)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def report_history(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    from django.core.paginator import Paginator

    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    page = Paginator(selectors.revision_list(report=report), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/history.html",
        {"access": access, "city": access.city, "report": report, "page": page},
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def revision_detail(
    request: HttpRequest, access: CityAccess, report_uuid: str, revision_uuid: str
) -> HttpResponse:
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    revision = selectors.revision_get_for_report(report=report, revision_uuid=revision_uuid)
    return render(
        request,
        "reports/revision.html",
        {
            "access": access,
            "city": access.city,
            "report": report,
            "revision": revision,
            "diff": selectors.revision_diff(revision=revision),
            "can_restore": _can_edit(access, report),
        },
    )


@city_capability_required(Capability.EDIT_REPORTS)
@require_POST
def revision_restore(
    request: HttpRequest, access: CityAccess, report_uuid: str, revision_uuid: str
) -> HttpResponse:
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    revision = selectors.revision_get_for_report(report=report, revision_uuid=revision_uuid)
    try:
        services.revision_restore(actor=request.user, report=report, revision=revision)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Revision %(n)s restored as the current text.") % {"n": revision.number}
        )
    return _report_redirect(report)


# --------------------------------------------------------------------------- PDFs


@city_capability_required(Capability.EDIT_REPORTS)
@require_POST
def render_request(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    """Ask for a PDF. Nothing renders here: a job row is queued for the worker."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    job = services.render_request(actor=request.user, report=report)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        response = _job_partial(request, access, report, job)
        if not job.is_active:
            # A reused, finished PDF: the approval panel depends on it, so reload the page.
            response["HX-Refresh"] = "true"
        return response
    return _report_redirect(report)


def _job_partial(
    request: HttpRequest, access: CityAccess, report: Report, job: RenderJob
) -> HttpResponse:
    return render(
        request,
        "reports/detail.html#render-job",
        {"access": access, "city": access.city, "report": report, "latest_job": job},
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def render_job_status(
    request: HttpRequest, access: CityAccess, report_uuid: str, job_uuid: str
) -> HttpResponse:
    """A job's progress: polled by htmx while it is queued or rendering."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    job = selectors.render_job_get_for_report(report=report, job_uuid=job_uuid)
    if request.htmx:  # type: ignore[attr-defined]
        response = _job_partial(request, access, report, job)
        if job.is_done and request.GET.get("was") in ACTIVE_RENDER_STATUSES:
            # The page's approval panel depends on the finished PDF: reload it once.
            response["HX-Refresh"] = "true"
        return response
    return _report_redirect(report)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def render_job_download(
    request: HttpRequest, access: CityAccess, report_uuid: str, job_uuid: str
) -> FileResponse:
    """The team's copy of a rendered PDF (drafts included). Audited."""
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    job = selectors.render_job_get_for_report(report=report, job_uuid=job_uuid)
    if not job.is_done:
        raise Http404
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.REPORT_DOWNLOADED,
        city=access.city,
        target=report,
        target_label=str(report.get_kind_display()),
    )
    suffix = "" if job.is_final else "-draft"
    name = f"{access.city.slug}-{report.kind}{suffix}.pdf"
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


# --------------------------------------------------------------------------- decisions


def _decision(
    request: HttpRequest,
    access: CityAccess,
    report_uuid: str,
    *,
    action: str,
) -> HttpResponse:
    report = selectors.report_get_for_city(city=access.city, report_uuid=report_uuid)
    if action == "submit" and report.kind != DocumentKind.SUMMARY:
        raise Http404
    if action == "publish" and report.kind != DocumentKind.REPORT:
        raise Http404
    form = ConfirmForm(request.POST or None)
    labels = {
        "approve": _("Approve"),
        "submit": _("Submit to the national report"),
        "publish": _("Publish on the city page"),
    }
    form.helper.inputs[0].value = labels[action]
    if request.method == "POST" and form.is_valid():
        try:
            if action == "approve":
                services.report_approve(actor=request.user, report=report)  # type: ignore[arg-type]
                messages.success(
                    request, _("Approved. The final PDF, without the DRAFT mark, is being made.")
                )
            elif action == "submit":
                submitted = services.summary_submit(actor=request.user, report=report)  # type: ignore[arg-type]
                if submitted.submitted_late:
                    messages.warning(
                        request,
                        _("Submitted after the deadline: it is accepted and marked late."),
                    )
                else:
                    messages.success(request, _("Submitted to the national coordinators."))
            else:
                publication = services.report_publish(actor=request.user, report=report)  # type: ignore[arg-type]
                messages.success(
                    request,
                    _("Published as version %(n)s on the city's public page.")
                    % {"n": publication.version},
                )
            return _report_redirect(report)
        except services.FinalNotReady as exc:
            services.render_request(actor=None, report=report, final=True)
            add_service_errors(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
    blocker = services.approval_blocker(report=report) if action == "approve" else ""
    return render(
        request,
        "reports/decision.html",
        {
            "access": access,
            "city": access.city,
            "report": report,
            "form": form,
            "action": action,
            "blocker": blocker,
            "latest_job": selectors.render_job_latest(report=report, final=action != "approve"),
            "deadline": report.cycle.local_report_due,
        },
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.PUBLISH)
@require_http_methods(["GET", "POST"])
def report_approve(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    return _decision(request, access, report_uuid, action="approve")


@city_capability_required(Capability.PUBLISH)
@require_http_methods(["GET", "POST"])
def summary_submit(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    return _decision(request, access, report_uuid, action="submit")


@city_capability_required(Capability.PUBLISH)
@require_http_methods(["GET", "POST"])
def report_publish(request: HttpRequest, access: CityAccess, report_uuid: str) -> HttpResponse:
    return _decision(request, access, report_uuid, action="publish")
