"""One walk through the whole pipeline at the service level (the detailed tests live
beside it): start, draft from evidence, render, approve, publish, submit."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.utils import timezone

from reports import services
from reports.models import DocumentKind, RenderStatus, ReportStatus
from tests.factories import TestimonyFactory

pytestmark = pytest.mark.django_db(transaction=False)


def _pdf_text(fieldfile) -> str:
    with fieldfile.open("rb") as fh:
        return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(fh.read())).pages)


def _quotable(city, **kwargs):
    return TestimonyFactory(
        city=city,
        review_status="reviewed",
        reviewed_at=timezone.now(),
        consent_level="anonymous",
        redacted_quote=kwargs.pop("quote", "The rent doubled and nobody answered our calls."),
        area="the East Side",
        **kwargs,
    )


def test_a_report_goes_from_evidence_to_a_published_pdf(world, committed):
    _quotable(world.a.city)
    lead = world.a.lead
    report = services.report_start(
        actor=lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    services.draft_from_evidence(actor=lead, report=report)
    job = committed(services.render_request, actor=lead, report=report)
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE, job.error
    assert job.page_count and job.page_count >= 1
    text = _pdf_text(job.file)
    assert "The rent doubled" in text
    assert "a resident of the East Side" in text
    assert "DRAFT" in text
    committed(services.report_approve, actor=lead, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    publication = services.report_publish(actor=lead, report=report)
    assert publication.version == 1
    final_text = _pdf_text(publication.file)
    assert "DRAFT" not in final_text
