"""Reads for reports, already scoped to one city (or, for coordinators, the whole cycle)."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cities.models import City, Participation, ReviewCycle, Theme
from cities.selectors import _as_uuid
from consultations import survey_logic
from consultations.models import (
    CHOICE_KINDS,
    ConsentLevel,
    Consultation,
    ConsultationStatus,
    QuestionKind,
    ReviewStatus,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)
from consultations.selectors import survey_option_source, testimony_list_citable
from reports import markdown
from reports.models import (
    Citation,
    CitationKind,
    DocumentKind,
    NationalCompilation,
    Publication,
    RenderJob,
    RenderStatus,
    Report,
    ReportSection,
    ReportStatus,
    Revision,
)

# --------------------------------------------------------------------------- reports


def report_list_for_city(*, city: City, cycle: ReviewCycle) -> dict[str, Report | None]:
    """The cycle's two documents for a city, by kind (None where not started)."""
    found = {r.kind: r for r in Report.objects.filter(city=city, cycle=cycle)}
    return {kind: found.get(kind) for kind in DocumentKind.values}


def report_get_for_city(*, city: City, report_uuid: object) -> Report:
    """A city's report; 404 for a missing or foreign one alike."""
    try:
        return Report.objects.select_related("city", "cycle").get(
            city=city, uuid=_as_uuid(report_uuid)
        )
    except Report.DoesNotExist:
        raise Http404 from None


def section_list(*, report: Report) -> list[ReportSection]:
    sections = list(ReportSection.objects.filter(report=report).order_by("position"))
    for section in sections:
        section.report = report  # word_target reads the report's kind: no query per section
    return sections


def section_get_for_report(*, report: Report, section_uuid: object) -> ReportSection:
    try:
        section = ReportSection.objects.get(report=report, uuid=_as_uuid(section_uuid))
    except ReportSection.DoesNotExist:
        raise Http404 from None
    section.report = report
    return section


# --------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class CitationState:
    """A citation with what the next render will do with it."""

    citation: Citation
    in_text: bool
    problem: str  # "" when it will render; otherwise why it is left out

    @property
    def ok(self) -> bool:
        return not self.problem


def citation_problem(citation: Citation) -> str:
    """Why a citation can't render now ("" when it can). Re-checked at every render."""
    from django.utils.translation import gettext as _

    if citation.kind == CitationKind.QUOTE:
        t = citation.testimony
        if t is None or t.city_id != citation.city_id:
            return _("The testimony no longer exists.")
        if t.consent_withdrawn_at is not None:
            return _("Consent was withdrawn. The quote is left out of the report.")
        if t.review_status != ReviewStatus.REVIEWED:
            return _("The testimony is not reviewed. The quote is left out until it is.")
        if t.consent_level not in (ConsentLevel.ANONYMOUS, ConsentLevel.NAMED):
            return _("The consent no longer allows a quote. The quote is left out.")
        if not t.redacted_quote.strip():
            return _("The testimony has no redacted quote. The quote is left out.")
        return ""
    q = citation.question
    if q is None or q.city_id != citation.city_id:
        return _("The survey question no longer exists.")
    if q.kind not in CHOICE_KINDS:
        return _("Only choice questions can be charted.")
    return ""


def citation_list(*, report: Report) -> QuerySet[Citation]:
    return Citation.objects.filter(report=report).select_related(
        "testimony", "question", "question__survey", "section"
    )


def citation_states(*, report: Report, sections: list[ReportSection]) -> list[CitationState]:
    used: set[str] = set()
    for section in sections:
        used.update(markdown.citation_codes(section.body))
    return [
        CitationState(citation=c, in_text=c.code in used, problem=citation_problem(c))
        for c in citation_list(report=report)
    ]


# --------------------------------------------------------------------------- evidence panel


@dataclass(frozen=True)
class EvidenceQuestion:
    question: SurveyQuestion
    survey: Survey
    label: str
    options: list[tuple[str, str]]  # (key, label), for a statistic on one answer


def evidence_testimony(
    *, city: City, cycle: ReviewCycle, theme: Theme | None, limit: int = 20
) -> list[Testimony]:
    """The cycle's quotable testimony only: reviewed, consented, redacted. Newest first."""
    qs = testimony_list_citable(city=city).filter(cycle=cycle)
    if theme is not None:
        qs = qs.filter(themes=theme)
    return list(qs.order_by("-reviewed_at", "-id")[:limit])


def evidence_questions(*, city: City, cycle: ReviewCycle, language: str) -> list[EvidenceQuestion]:
    """Choice questions of the city's surveys that have responses, to chart or quote."""
    queryset = (
        SurveyQuestion.objects.filter(
            city=city,
            survey__cycle=cycle,
            survey__in=SurveyResponse.objects.filter(city=city).values("survey"),
            kind__in=list(CHOICE_KINDS - {QuestionKind.QUOTE_CONSENT}),
        )
        .select_related("survey")
        .order_by("survey__created_at", "position")
    )
    questions = list(queryset)
    source = survey_option_source(city=city, questions=questions, include_retired=False)
    return [
        EvidenceQuestion(
            q,
            q.survey,
            q.display_label(language),
            survey_logic.question_options(q, language, source),
        )
        for q in questions
    ]


def citable_testimony_get(*, city: City, cycle: ReviewCycle, testimony_uuid: object) -> Testimony:
    try:
        citable = testimony_list_citable(city=city).filter(cycle=cycle)
        return citable.get(uuid=_as_uuid(testimony_uuid))
    except Testimony.DoesNotExist:
        raise Http404 from None


def citable_question_get(*, city: City, question_uuid: object) -> SurveyQuestion:
    try:
        return SurveyQuestion.objects.select_related("survey").get(
            city=city,
            uuid=_as_uuid(question_uuid),
            kind__in=list(CHOICE_KINDS - {QuestionKind.QUOTE_CONSENT}),
        )
    except SurveyQuestion.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class CityFacts:
    consultations_held: int
    participants: int
    testimonies: int
    surveys: int
    survey_responses: int


def city_facts(*, city: City, cycle: ReviewCycle) -> CityFacts:
    """The numbers behind "context and method": consented testimony only."""
    events = Consultation.objects.filter(
        city=city, cycle=cycle, status=ConsultationStatus.HELD
    ).aggregate(n=Count("id"), people=Coalesce(Sum("attendance"), 0))
    surveys = Survey.objects.filter(city=city, cycle=cycle).exclude(status=SurveyStatus.DRAFT)
    survey_totals = {
        "n": surveys.count(),
        # `response_count` is kept only for surveys with a response limit: count the rows.
        "responses": SurveyResponse.objects.filter(city=city, survey__cycle=cycle).count(),
    }
    testimonies = Testimony.objects.filter(
        city=city, cycle=cycle, consent_withdrawn_at__isnull=True
    ).count()
    return CityFacts(
        consultations_held=events["n"],
        participants=events["people"],
        testimonies=testimonies,
        surveys=survey_totals["n"],
        survey_responses=survey_totals["responses"],
    )


@dataclass(frozen=True)
class ThemeEvidence:
    theme: Theme
    testimonies: int  # countable (consent not withdrawn)
    problems: int
    positives: int


def theme_evidence(*, city: City, cycle: ReviewCycle) -> list[ThemeEvidence]:
    """Themes by the amount of evidence, most first (for the draft from evidence)."""
    through = Testimony.themes.through
    rows = (
        through.objects.filter(
            testimony__city=city,
            testimony__cycle=cycle,
            testimony__consent_withdrawn_at__isnull=True,
        )
        .values("theme_id")
        .annotate(
            n=Count("id"),
            problems=Count("id", filter=Q(testimony__nature__in=["problem", "both"])),
            positives=Count("id", filter=Q(testimony__nature__in=["positive", "both"])),
        )
    )
    by_id = {r["theme_id"]: r for r in rows}
    themes = Theme.objects.filter(pk__in=by_id)
    out = [
        ThemeEvidence(t, by_id[t.pk]["n"], by_id[t.pk]["problems"], by_id[t.pk]["positives"])
        for t in themes
    ]
    return sorted(out, key=lambda e: (-e.testimonies, e.theme.sort_order, e.theme.name_en))


# --------------------------------------------------------------------------- revisions


def revision_list(*, report: Report) -> QuerySet[Revision]:
    return Revision.objects.filter(report=report).select_related("author", "section")


def revision_get_for_report(*, report: Report, revision_uuid: object) -> Revision:
    try:
        return Revision.objects.select_related("author", "section").get(
            report=report, uuid=_as_uuid(revision_uuid)
        )
    except Revision.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class DiffLine:
    op: str  # "add", "remove", "same"
    text: str


def revision_diff(*, revision: Revision) -> list[DiffLine]:
    """Line diff of a revision against the one before it in the same section."""
    previous = (
        Revision.objects.filter(section_id=revision.section_id, number__lt=revision.number)
        .order_by("-number")
        .values_list("body", flat=True)
        .first()
    ) or ""
    lines: list[DiffLine] = []
    for line in difflib.ndiff(previous.splitlines(), revision.body.splitlines()):
        code, text = line[:2], line[2:]
        if code == "+ ":
            lines.append(DiffLine("add", text))
        elif code == "- ":
            lines.append(DiffLine("remove", text))
        elif code == "  ":
            lines.append(DiffLine("same", text))
    return lines


# --------------------------------------------------------------------------- render jobs


def render_job_get_for_report(*, report: Report, job_uuid: object) -> RenderJob:
    try:
        job = RenderJob.objects.get(report=report, uuid=_as_uuid(job_uuid))
    except RenderJob.DoesNotExist:
        raise Http404 from None
    job.report = report
    return job


def render_job_latest(*, report: Report, final: bool | None = None) -> RenderJob | None:
    qs = RenderJob.objects.filter(report=report)
    if final is not None:
        qs = qs.filter(is_final=final)
    job = qs.order_by("-created_at", "-id").first()
    if job is not None:
        job.report = report
    return job


def render_job_done_for_hash(*, report: Report, input_hash: str) -> RenderJob | None:
    job = (
        RenderJob.objects.filter(report=report, input_hash=input_hash, status=RenderStatus.DONE)
        .exclude(file="")
        .order_by("-finished_at", "-id")
        .first()
    )
    if job is not None:
        job.report = report
    return job


# --------------------------------------------------------------------------- publications


def publication_list_for_report(*, report: Report) -> QuerySet[Publication]:
    return Publication.objects.filter(report=report).select_related("published_by")


def publication_list_public(*, city: City) -> list[Publication]:
    """Every published version of the city's local reports, newest cycle and version first."""
    return list(
        Publication.objects.filter(city=city)
        .select_related("report__cycle", "city")
        .order_by("-report__cycle__number", "-version")
    )


def publication_get_public(*, city: City, publication_uuid: object) -> Publication:
    try:
        return Publication.objects.select_related("city", "report__cycle").get(
            city=city, uuid=_as_uuid(publication_uuid)
        )
    except Publication.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- national


class DashboardStatus:
    NOT_STARTED = "not_started"
    DRAFTING = "drafting"
    RENDERED = "rendered"
    SUBMITTED = "submitted"
    LATE = "late"


@dataclass
class DashboardRow:
    city: City
    summary: Report | None
    status: str
    consultations: int
    testimonies: int
    responses: int
    last_activity: datetime.datetime | None


def _count_per_city(rows: QuerySet[Any]) -> Coalesce:
    """The number of `rows` of the outer query's city, as a subquery (0 when none)."""
    return Coalesce(
        Subquery(
            rows.filter(city=OuterRef("pk"))
            .order_by()
            .values("city")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        Value(0),
    )


def national_dashboard(
    *, cycle: ReviewCycle, today: datetime.date | None = None
) -> list[DashboardRow]:
    """Every participating city with its summary's state and evidence counts, in a fixed
    number of queries (counts are SQL subqueries, not loops over rows)."""
    today = today or timezone.localdate()
    cities = (
        City.objects.filter(pk__in=Participation.objects.filter(cycle=cycle).values("city"))
        .annotate(
            n_consultations=_count_per_city(
                Consultation.objects.filter(cycle=cycle, status=ConsultationStatus.HELD)
            ),
            n_testimonies=_count_per_city(
                Testimony.objects.filter(cycle=cycle, consent_withdrawn_at__isnull=True)
            ),
            n_responses=_count_per_city(SurveyResponse.objects.filter(survey__cycle=cycle)),
            last_revision=Subquery(
                Revision.objects.filter(city=OuterRef("pk"), report__cycle=cycle)
                .order_by()
                .values("city")
                .annotate(t=Max("created_at"))
                .values("t")[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(cycle=cycle, kind=DocumentKind.SUMMARY).annotate(
                    n_revisions=Count("revisions", distinct=True),
                    n_done=Count(
                        "render_jobs",
                        filter=Q(render_jobs__status=RenderStatus.DONE),
                        distinct=True,
                    ),
                ),
                to_attr="summaries",
            )
        )
        .order_by("name")
    )
    rows = []
    for city in cities:
        summary = city.summaries[0] if city.summaries else None
        last = city.last_revision
        if summary is not None and (last is None or summary.updated_at > last):
            last = summary.updated_at
        rows.append(
            DashboardRow(
                city=city,
                summary=summary,
                status=summary_status(summary, cycle=cycle, today=today),
                consultations=city.n_consultations,
                testimonies=city.n_testimonies,
                responses=city.n_responses,
                last_activity=last,
            )
        )
    return rows


def summary_status(summary: Report | None, *, cycle: ReviewCycle, today: datetime.date) -> str:
    if summary is not None and summary.status == ReportStatus.SUBMITTED:
        return DashboardStatus.LATE if summary.submitted_late else DashboardStatus.SUBMITTED
    if today > cycle.local_report_due:
        return DashboardStatus.LATE
    if summary is None or not getattr(summary, "n_revisions", 0):
        return DashboardStatus.NOT_STARTED
    if getattr(summary, "n_done", 0):
        return DashboardStatus.RENDERED
    return DashboardStatus.DRAFTING


def summary_get_national(*, report_uuid: object) -> Report:
    """Any city's summary, for national coordinators; 404 when missing."""
    try:
        return Report.objects.select_related("city", "cycle").get(
            uuid=_as_uuid(report_uuid), kind=DocumentKind.SUMMARY
        )
    except Report.DoesNotExist:
        raise Http404 from None


def submitted_summaries(*, cycle: ReviewCycle) -> QuerySet[Report]:
    return (
        Report.objects.filter(cycle=cycle, kind=DocumentKind.SUMMARY, status=ReportStatus.SUBMITTED)
        .select_related("city")
        .prefetch_related(Prefetch("sections", queryset=ReportSection.objects.order_by("position")))
        .order_by("city__name", "city__state")
    )


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    cities: int
    testimonies: int
    responses: int


def national_theme_counts(
    *, cycle: ReviewCycle, city_ids: list[int] | None = None
) -> list[ThemeCount]:
    """Per theme, across cities: testimonies (consent not withdrawn), cities with any, and
    survey responses that chose the theme. One GROUP BY each, whatever the number of rows."""
    through = Testimony.themes.through
    t_filter = Q(testimony__cycle=cycle, testimony__consent_withdrawn_at__isnull=True)
    if city_ids is not None:
        t_filter &= Q(testimony__city_id__in=city_ids)
    testimony_rows = {
        r["theme_id"]: r
        for r in through.objects.filter(t_filter)
        .values("theme_id")
        .annotate(n=Count("id"), cities=Count("testimony__city_id", distinct=True))
    }
    responses = theme_response_counts(cycle=cycle, city_ids=city_ids)
    per_theme: dict[str, int] = {}
    for (_city_id, slug), n in responses.items():
        per_theme[slug] = per_theme.get(slug, 0) + n
    out = []
    for theme in Theme.objects.all():
        row = testimony_rows.get(theme.pk)
        n_resp = per_theme.get(theme.slug, 0)
        if row is None and not n_resp:
            continue
        out.append(
            ThemeCount(
                theme=theme,
                cities=row["cities"] if row else 0,
                testimonies=row["n"] if row else 0,
                responses=n_resp,
            )
        )
    return out


def theme_response_counts(
    *, cycle: ReviewCycle, city_ids: list[int] | None = None
) -> dict[tuple[int, str], int]:
    """(city id, theme slug) → survey responses that picked the theme, counted in SQL."""
    from django.db import connection

    response_table = SurveyResponse._meta.db_table
    question_table = SurveyQuestion._meta.db_table
    survey_table = Survey._meta.db_table
    params: list[Any] = [str(QuestionKind.THEME), cycle.pk]
    city_clause = ""
    if city_ids is not None:
        city_clause = "AND r.city_id = ANY(%s)"
        params.append(list(city_ids))
    sql = f"""
        SELECT r.city_id, theme.slug, COUNT(DISTINCT r.id)
        FROM {response_table} r
        JOIN {survey_table} s ON s.id = r.survey_id
        JOIN {question_table} q ON q.survey_id = r.survey_id AND q.kind = %s
        CROSS JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(r.answers -> q.uuid::text) = 'array'
                 THEN r.answers -> q.uuid::text ELSE '[]'::jsonb END
        ) AS theme(slug)
        WHERE s.cycle_id = %s {city_clause}
        GROUP BY r.city_id, theme.slug
    """  # noqa: S608 - table names come from the models, values are parameters  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(city_id, slug): n for city_id, slug, n in cursor.fetchall()}


def national_city_theme_rows(*, cycle: ReviewCycle) -> list[tuple[str, str, str, int, int]]:
    """(city, state, theme, testimonies, responses) for the CSV export: counts, no text."""
    through = Testimony.themes.through
    testimonies = {
        (r["testimony__city_id"], r["theme_id"]): r["n"]
        for r in through.objects.filter(
            testimony__cycle=cycle, testimony__consent_withdrawn_at__isnull=True
        )
        .values("testimony__city_id", "theme_id")
        .annotate(n=Count("id"))
    }
    responses = theme_response_counts(cycle=cycle)
    themes = list(Theme.objects.all())
    cities = City.objects.filter(
        pk__in=Participation.objects.filter(cycle=cycle).values("city")
    ).order_by("name", "state")
    rows = []
    for city in cities:
        for theme in themes:
            n_t = testimonies.get((city.pk, theme.pk), 0)
            n_r = responses.get((city.pk, theme.slug), 0)
            if n_t or n_r:
                rows.append((city.name, city.state, theme.name, n_t, n_r))
    return rows


def compilation_list(*, cycle: ReviewCycle) -> QuerySet[NationalCompilation]:
    return NationalCompilation.objects.filter(cycle=cycle).select_related("created_by")


def compilation_get(*, compilation_uuid: object) -> NationalCompilation:
    try:
        return NationalCompilation.objects.select_related("cycle", "created_by").get(
            uuid=_as_uuid(compilation_uuid)
        )
    except NationalCompilation.DoesNotExist:
        raise Http404 from None


def compilation_job_get(*, compilation: NationalCompilation, job_uuid: object) -> RenderJob:
    try:
        return RenderJob.objects.get(compilation=compilation, uuid=_as_uuid(job_uuid))
    except RenderJob.DoesNotExist:
        raise Http404 from None
