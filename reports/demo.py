"""Demo reports: Mesa Verde has submitted its summary, so a coordinator can compile the
national report at once; Harbor Falls has not started, so a newcomer can walk the whole
flow there (draft from evidence, cite, render, approve, submit, publish). Idempotent."""

from __future__ import annotations

from cities.models import City, ReviewCycle
from consultations.selectors import testimony_list_citable
from reports import markdown, services
from reports.models import CitationKind, DocumentKind, RenderJob, Report, SectionKind


def _render_now(job: RenderJob) -> RenderJob:
    # The seed runs before any worker: render in this process. The task queued on commit
    # then finds the job done and does nothing.
    services.render_run(job_id=job.pk, task_id="")
    job.refresh_from_db()
    return job


def seed_reports(*, cycle: ReviewCycle, cities: dict[str, City]) -> None:
    from accounts.models import User
    from upr_portal.lib.demo import DEMO_DOMAIN

    city = cities["mesa-verde-nm"]
    if Report.objects.filter(city=city, cycle=cycle, kind=DocumentKind.SUMMARY).exists():
        return
    lead = User.objects.get(email=f"mesa-lead@{DEMO_DOMAIN}")
    report = services.report_start(
        actor=lead, city=city, cycle=cycle, kind=DocumentKind.SUMMARY, language="en"
    )
    sections = {s.kind: s for s in report.sections.all()}
    quote = testimony_list_citable(city=city).first()
    token = ""
    if quote is not None:
        citation = services.citation_add(
            actor=lead,
            report=report,
            section=sections[SectionKind.PROBLEMS],
            kind=CitationKind.QUOTE,
            testimony=quote,
        )
        token = markdown.citation_token(citation.code)
    texts = {
        SectionKind.CONTEXT: sections[SectionKind.CONTEXT].body
        + "\n\nWe met in community centres and chapter houses, in English, Spanish and Diné.",
        SectionKind.PROBLEMS: (
            "## Water, sanitation and environment\n\n"
            "Families in Valle Norte have drunk well water with arsenic for years, and the "
            "cost of bottled water falls on the households least able to pay.\n\n"
            f"{token}\n\n"
            "## Health\n\n"
            "Residents link the water to kidney disease and say the county clinic has no "
            "interpreter for Diné speakers."
        ),
        SectionKind.POSITIVES: (
            "## Water, sanitation and environment\n\n"
            "The tribal utility authority has started testing every community well twice a year."
        ),
        SectionKind.RECOMMENDATIONS: (
            "## Water, sanitation and environment\n\n"
            "- Connect Valle Norte to the treated water system by the end of next year, "
            "with quarterly public progress reports."
        ),
    }
    services.sections_save(
        actor=lead,
        report=report,
        changes=[
            services.SectionChange(
                section_uuid=str(sections[kind].uuid), body=body, version=sections[kind].version
            )
            for kind, body in texts.items()
        ],
    )
    _render_now(services.render_request(actor=lead, report=report))
    _render_now(services.report_approve(actor=lead, report=report))
    services.summary_submit(actor=lead, report=report)
