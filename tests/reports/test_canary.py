"""Canaries: unique strings planted wherever a report must never look (unredacted
narratives, speakers' names and contacts, internal-only, unreviewed and withdrawn
testimony, other cities' testimony, survey free text), cited every way the services allow
and some ways they don't, then run through the whole pipeline. No canary, and no user's
email, may appear in any PDF or DOCX the portal produces, or in their metadata."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field

import docx
import pypdf
import pytest

from accounts.models import User
from consultations import services as consultation_services
from consultations.models import ConsentLevel, QuestionKind, ReviewStatus, SurveyStatus
from reports import selectors, services
from reports.models import (
    Citation,
    CitationKind,
    DocumentKind,
    Publication,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
    ReportSection,
    ReportStatus,
    SectionKind,
)
from reports.services import SectionChange
from tests.factories import (
    CitationFactory,
    QuotableTestimonyFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    choice,
)

pytestmark = pytest.mark.django_db

CLEAN_QUOTES = (
    "The landlord ignored every repair request we made.",
    "Our street floods every spring and nobody comes.",
)


def _canary(name: str) -> str:
    return f"canary{name}{uuid.uuid4().hex[:10]}"


@dataclass
class Planted:
    canaries: dict[str, str] = field(default_factory=dict)

    def add(self, name: str) -> str:
        self.canaries[name] = _canary(name)
        return self.canaries[name]


def _read(fieldfile) -> bytes:
    with fieldfile.open("rb") as fh:
        return fh.read()


def _squash(text: str) -> str:
    """Text without whitespace, so a canary broken across lines is still found."""
    return "".join(text.split())


def _secrets(planted: Planted) -> dict[str, str]:
    emails = {f"email:{e}": e for e in User.objects.values_list("email", flat=True)}
    return {**planted.canaries, **emails}


def _assert_clean_pdf(content: bytes, planted: Planted, where: str) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    metadata = " ".join(f"{k}={v}" for k, v in (reader.metadata or {}).items())
    for name, secret in _secrets(planted).items():
        assert secret not in text and _squash(secret) not in _squash(text), f"{name} in {where}"
        assert secret not in metadata, f"{name} in the metadata of {where}"
    return text


def _assert_clean_docx(content: bytes, planted: Planted, where: str) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    text = "\n".join(parts)
    props = document.core_properties
    metadata = " ".join(
        str(getattr(props, name) or "")
        for name in (
            "author",
            "last_modified_by",
            "comments",
            "keywords",
            "subject",
            "category",
            "title",
        )
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        raw = b"".join(archive.read(member) for member in archive.namelist())
    for name, secret in _secrets(planted).items():
        assert secret not in text, f"{name} in {where}"
        assert secret not in metadata, f"{name} in the properties of {where}"
        assert secret.encode() not in raw, f"{name} somewhere inside {where}"
    return text


def _plant(world, planted: Planted) -> dict[str, object]:
    """Evidence in city A (and one testimony in city B), each hiding a canary."""
    a = world.a.city
    return {
        # Quotable, with a clean redacted quote; the narrative is the unredacted story.
        "narrative": QuotableTestimonyFactory(
            city=a,
            narrative=f"I live at 14 Oak Road and {planted.add('narrative')} told me so.",
            redacted_quote=CLEAN_QUOTES[0],
        ),
        # Quotable under anonymous consent: the name and contact are restricted.
        "speaker": QuotableTestimonyFactory(
            city=a,
            narrative="The street floods every spring.",
            redacted_quote=CLEAN_QUOTES[1],
            speaker_name=planted.add("speakername"),
            speaker_contact=planted.add("speakercontact"),
            summary=planted.add("summary"),
            consent_level=ConsentLevel.ANONYMOUS,
        ),
        "internal": QuotableTestimonyFactory(
            city=a,
            consent_level=ConsentLevel.INTERNAL,
            narrative=planted.add("internalnarrative"),
            redacted_quote=f"{planted.add('internalquote')} is a long internal-only quote.",
        ),
        "draft": QuotableTestimonyFactory(
            city=a,
            review_status=ReviewStatus.DRAFT,
            reviewed_at=None,
            redacted_quote=f"{planted.add('draftquote')} waits for review, a long quote.",
        ),
        # Quotable when cited; consent is withdrawn afterwards.
        "withdrawn": QuotableTestimonyFactory(
            city=a, redacted_quote=f"{planted.add('withdrawnquote')} said a long quote."
        ),
        # Quotable when cited; its quote is then edited, which sends it back to review.
        "requeued": QuotableTestimonyFactory(
            city=a, redacted_quote="An old reviewed quote about the buses."
        ),
        "other_city": QuotableTestimonyFactory(
            city=world.b.city,
            redacted_quote=f"{planted.add('othercity')} from another city, a long quote.",
        ),
    }


def _free_text_survey(world, planted: Planted):
    survey = SurveyFactory(city=world.a.city, status=SurveyStatus.OPEN)
    free = SurveyQuestionFactory(survey=survey, kind=QuestionKind.LONG_TEXT)
    short = SurveyQuestionFactory(survey=survey, kind=QuestionKind.SHORT_TEXT)
    rent = SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.SINGLE,
        options=[choice("a", "Too high"), choice("b", "Fine")],
    )
    for n in range(8):
        SurveyResponseFactory(
            survey=survey,
            answers={
                str(free.uuid): f"My neighbour {planted.add(f'freetext{n}')} at 3 Elm St.",
                str(short.uuid): planted.add(f"shorttext{n}"),
                str(rent.uuid): "a" if n < 6 else "b",
            },
        )
    return free, short, rent


def _append(report, actor, kind, tokens: list[str]) -> None:
    section = ReportSection.objects.get(report=report, kind=kind)
    body = section.body.rstrip() + "\n\n" + "\n\n".join(tokens) + "\n"
    services.sections_save(
        actor=actor,
        report=report,
        changes=[SectionChange(str(section.uuid), body, section.version)],
    )


def _cite_everything(world, report, evidence, questions) -> None:
    """Draft from evidence, then cite every planted source: through the service where it
    allows, and as raw Citation rows where it refuses (the renderer must check again)."""
    lead = world.a.lead
    services.draft_from_evidence(actor=lead, report=report)
    problems = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    for name in ("narrative", "speaker", "withdrawn", "requeued"):
        services.citation_add(
            actor=lead,
            report=report,
            section=problems,
            kind=CitationKind.QUOTE,
            testimony=evidence[name],
            append=True,
        )
    free, short, rent = questions
    # The service refuses figures on free-text questions: plant them as raw rows.
    figures = [
        CitationFactory(section=problems, kind=kind, question=question, option_key=key)
        for question in (free, short)
        for kind, key in ((CitationKind.CHART, ""), (CitationKind.STATISTIC, "a"))
    ]
    _append(report, lead, SectionKind.PROBLEMS, [str(c) for c in figures])
    services.citation_add(
        actor=lead,
        report=report,
        section=problems,
        kind=CitationKind.CHART,
        question=rent,
        append=True,
    )
    refused = [
        CitationFactory(section=problems, kind=CitationKind.QUOTE, testimony=evidence[name])
        for name in ("internal", "draft", "other_city")
    ]
    _append(report, lead, SectionKind.PROBLEMS, [str(c) for c in refused])
    # After citing: a withdrawn consent, and a quote edited (back to review).
    consultation_services.testimony_withdraw_consent(actor=lead, testimony=evidence["withdrawn"])
    consultation_services.testimony_redact(
        actor=lead,
        testimony=evidence["requeued"],
        redacted_quote=f"{world.planted.add('requeuedquote')} a new quote not yet reviewed.",
    )


@pytest.fixture
def planted_world(world):
    world.planted = Planted()
    world.evidence = _plant(world, world.planted)
    world.questions = _free_text_survey(world, world.planted)
    return world


def _approve(world, committed, report) -> None:
    draft = committed(services.render_request, actor=world.a.lead, report=report)
    draft.refresh_from_db()
    assert draft.status == RenderStatus.DONE, draft.error
    assert services.approval_blocker(report=report) == ""
    committed(services.report_approve, actor=world.a.lead, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_no_canary_reaches_any_local_report_pdf(planted_world, committed):
    world = planted_world
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    _cite_everything(world, report, world.evidence, world.questions)
    states = selectors.citation_states(
        report=report, sections=selectors.section_list(report=report)
    )
    blocked = {s.citation.testimony_id or s.citation.question_id for s in states if not s.ok}
    assert {world.evidence[n].pk for n in ("internal", "draft", "other_city")} <= blocked
    assert {world.evidence[n].pk for n in ("withdrawn", "requeued")} <= blocked

    _approve(world, committed, report)
    first = services.report_publish(actor=world.a.lead, report=report)
    # A second version, so that every published PDF is checked, not only the latest.
    _append(report, world.a.lead, SectionKind.RECOMMENDATIONS, ["A second version."])
    _approve(world, committed, report)
    second = services.report_publish(actor=world.a.lead, report=report)

    publications = list(Publication.objects.filter(report=report))
    assert {p.pk for p in publications} == {first.pk, second.pk}
    texts = [
        _assert_clean_pdf(_read(p.file), world.planted, f"publication v{p.version}")
        for p in publications
    ]
    for job in RenderJob.objects.filter(report=report).exclude(file=""):
        _assert_clean_pdf(_read(job.file), world.planted, f"render job {job.pk}")
    # Positive controls: quoting works, so the absences above mean something.
    for text in texts:
        squashed = _squash(text)
        for quote in CLEAN_QUOTES:
            assert _squash(quote) in squashed
        assert "a resident of the East Side" in text
        assert "Too high" in text  # the legitimate chart


def test_no_canary_reaches_the_national_compilation(planted_world, committed):
    world = planted_world
    summary = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    _cite_everything(world, summary, world.evidence, world.questions)
    _approve(world, committed, summary)
    services.summary_submit(actor=world.a.lead, report=summary)
    assert Report.objects.get(pk=summary.pk).status == ReportStatus.SUBMITTED

    compilation = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)

    jobs = {j.kind: j for j in RenderJob.objects.filter(compilation=compilation)}
    for job in jobs.values():
        assert job.status == RenderStatus.DONE, job.error
    pdf_text = _assert_clean_pdf(
        _read(jobs[RenderKind.NATIONAL_PDF].file), world.planted, "the national PDF"
    )
    docx_text = _assert_clean_docx(
        _read(jobs[RenderKind.NATIONAL_DOCX].file), world.planted, "the national DOCX"
    )
    for job in RenderJob.objects.filter(report=summary).exclude(file=""):
        _assert_clean_pdf(_read(job.file), world.planted, f"summary render {job.pk}")
    # Positive controls.
    assert "Alphaville, Oregon" in pdf_text and "Alphaville, Oregon" in docx_text
    assert CLEAN_QUOTES[0] in docx_text or CLEAN_QUOTES[1] in docx_text
    assert Citation.objects.filter(report=summary).count() >= 10


def test_the_canaries_are_really_planted(planted_world):
    """Guard against a vacuous pass: every canary is stored where it was meant to be."""
    world = planted_world
    evidence = world.evidence
    canaries = world.planted.canaries
    assert canaries["narrative"] in evidence["narrative"].narrative
    assert evidence["speaker"].speaker_name == canaries["speakername"]
    assert evidence["speaker"].speaker_contact == canaries["speakercontact"]
    assert canaries["internalquote"] in evidence["internal"].redacted_quote
    assert not evidence["internal"].is_quotable()
    assert not evidence["draft"].is_quotable()
    assert evidence["other_city"].city != world.a.city
