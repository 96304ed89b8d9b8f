"""Build what a PDF or DOCX shows, from the database, at the moment of rendering.

This is the only place a citation becomes text, and it goes through
`selectors.citation_problem`: a quote is shown only while its testimony is reviewed,
consented and redacted, and only its redacted quote, attributed as the consent allows.
Survey figures are the public, small-count-suppressed ones.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.html import format_html, linebreaks
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cities.models import ReviewCycle, Theme
from consultations.models import Survey
from consultations.selectors import (
    question_list,
    suppress_small_counts,
    survey_option_source,
    survey_results,
)
from consultations.selectors.surveys import QuestionResult
from reports import markdown
from reports.documents import (
    CityContribution,
    CountRow,
    NationalDocument,
    PrintDocument,
    PrintSection,
    ThemeBlock,
)
from reports.models import (
    Citation,
    CitationKind,
    Report,
    ReportSection,
    ReportStatus,
    SectionKind,
)
from reports.selectors import (
    citation_list,
    citation_problem,
    national_theme_counts,
    section_list,
    submitted_summaries,
)

SMALL = 5


def city_label(city: object) -> str:
    return f"{city.name}, {city.state}"  # type: ignore[attr-defined]


def cycle_label(cycle: ReviewCycle) -> str:
    return _("%(state)s, UPR cycle %(number)s") % {
        "state": cycle.state_under_review,
        "number": cycle.number,
    }


def count_text(n: int) -> str:
    return _("fewer than 5") if n < SMALL else number_format(n)


# --------------------------------------------------------------------------- citations


class CitationRenderer:
    """Resolves a report's citation codes to HTML (for PDFs) or Markdown (for DOCX).

    Survey results are computed once per survey per render.
    """

    def __init__(self, citations: Iterable[Citation], language: str) -> None:
        self.by_code = {c.code: c for c in citations}
        self.language = language
        self._results: dict[int, dict[int, QuestionResult]] = {}
        self._supports: dict[int, list[Any]] | None = None

    def _supported(self, citation: Citation) -> str:
        """The sentence naming the UN recommendations the team confirmed for the quoted
        testimony (#6), e.g. "This testimony supports Recommendation 26.142 (United States:
        Supported)."; empty when there are none."""
        if self._supports is None:
            from accountability.selectors import confirmed_links_for_testimonies

            self._supports = confirmed_links_for_testimonies(
                testimony_ids={
                    c.testimony_id
                    for c in self.by_code.values()
                    if c.kind == CitationKind.QUOTE and c.testimony_id is not None
                }
            )
        recommendations = self._supports.get(citation.testimony_id or 0, [])
        if not recommendations:
            return ""
        items = "; ".join(
            _("%(label)s (%(state)s: %(response)s)")
            % {
                "label": r.label,
                "state": r.cycle.state_under_review,
                "response": r.get_response_display(),
            }
            for r in recommendations
        )
        return _("This testimony supports %(items)s.") % {"items": items}

    def _result(self, citation: Citation) -> QuestionResult | None:
        question = citation.question
        if question is None:
            return None
        survey: Survey = question.survey
        if survey.pk not in self._results:
            questions = question_list(survey=survey)
            source = survey_option_source(
                city=survey.city, questions=questions, include_retired=True
            )
            public = suppress_small_counts(
                survey_results(
                    survey=survey, questions=questions, source=source, language=self.language
                )
            )
            self._results[survey.pk] = {r.question.pk: r for r in public.questions}
        result = self._results[survey.pk].get(question.pk)
        if result is None or result.suppressed or not result.answered:
            return None
        return result

    def _usable(self, code: str) -> Citation | None:
        citation = self.by_code.get(code)
        if citation is None or citation_problem(citation):
            return None
        return citation

    def _statistic_sentence(self, citation: Citation, result: QuestionResult) -> str | None:
        row = next((r for r in result.rows if r.key == citation.option_key), None)
        if row is None:
            return None
        values = {
            "option": row.label,
            "question": result.label,
            "answered": number_format(result.answered or 0),
            "survey": citation.question.survey.display_title(self.language),  # type: ignore[union-attr]
        }
        if row.suppressed:
            # Hidden because it is under 5, or so that another small count can't be worked
            # out from it: either way no figure, and no claim about its size.
            return (
                _(
                    "The number who chose “%(option)s” is withheld to protect privacy "
                    "(%(answered)s people answered “%(question)s”; survey: %(survey)s)."
                )
                % values
            )
        values["percent"] = number_format(row.percent or 0, decimal_pos=0)
        return (
            _(
                "%(percent)s%% of the %(answered)s people who answered “%(question)s” chose "
                "“%(option)s” (survey: %(survey)s)."
            )
            % values
        )

    def html(self, code: str) -> str:
        citation = self._usable(code)
        if citation is None:
            return ""
        if citation.kind == CitationKind.QUOTE:
            testimony = citation.testimony
            # linebreaks() escapes the quote and returns plain str; the print stylesheet
            # puts the dash before the attribution.
            quote = format_html(
                '<blockquote class="citation">{}<footer>{}</footer></blockquote>',
                SafeString(linebreaks(testimony.redacted_quote.strip(), autoescape=True)),  # type: ignore[union-attr]  # linebreaks escapes  # nosec B703
                testimony.attribution(),  # type: ignore[union-attr]
            )
            supported = self._supported(citation)
            if supported:
                quote += format_html('<p class="citation-supports">{}</p>', supported)
            return quote
        result = self._result(citation)
        if result is None:
            return ""
        if citation.kind == CitationKind.STATISTIC:
            sentence = self._statistic_sentence(citation, result)
            return format_html('<p class="statistic">{}</p>', sentence) if sentence else ""
        survey = citation.question.survey  # type: ignore[union-attr]
        chart = render_to_string(
            "includes/bar_chart.html",
            {"rows": result.rows, "title": result.label, "chart_id": citation.code},
        )
        return format_html(
            '<div class="chart">{}<p class="chart-source">{}</p></div>',
            SafeString(chart),  # a rendered (autoescaped) template  # nosec B703
            _("Survey: %(survey)s. %(answered)s people answered this question.")
            % {
                "survey": survey.display_title(self.language),
                "answered": number_format(result.answered or 0),
            },
        )

    def markdown(self, code: str) -> str:
        """Plain Markdown for the DOCX (and the word count of the national report)."""
        citation = self._usable(code)
        if citation is None:
            return ""
        if citation.kind == CitationKind.QUOTE:
            testimony = citation.testimony
            quote = "\n> ".join(testimony.redacted_quote.strip().splitlines())  # type: ignore[union-attr]
            supported = self._supported(citation)
            tail = f"\n{supported}\n" if supported else ""
            return f"\n> {quote}\n>\n> — {testimony.attribution()}\n{tail}"  # type: ignore[union-attr]
        result = self._result(citation)
        if result is None:
            return ""
        if citation.kind == CitationKind.STATISTIC:
            return self._statistic_sentence(citation, result) or ""
        lines = [f"**{result.label}**", ""]
        for row in result.rows:
            value = (
                _("fewer than 5")
                if row.suppressed
                else f"{row.count} ({number_format(row.percent or 0, decimal_pos=0)}%)"
            )
            lines.append(f"- {row.label}: {value}")
        return "\n" + "\n".join(lines) + "\n"

    def resolve_markdown(self, text: str) -> str:
        return markdown.CITATION_TOKEN_RE.sub(lambda m: self.markdown(m.group(1)), text)


# --------------------------------------------------------------------------- city documents


def section_heading(section: ReportSection) -> str:
    return str(SectionKind(section.kind).label)


def print_document(*, report: Report, final: bool) -> PrintDocument:
    """The report as it would print now. `final` drops the DRAFT watermark (approved only)."""
    with translation.override(report.language):
        sections = section_list(report=report)
        renderer = CitationRenderer(citation_list(report=report), report.language)
        printed = [
            PrintSection(
                heading=section_heading(s),
                html=markdown.to_html(s.body, citation_html=renderer.html),
            )
            for s in sections
            if s.body.strip()
        ]
        city = city_label(report.city)
        kind = str(report.get_kind_display())
        return PrintDocument(
            title=_("%(city)s: %(document)s") % {"city": city, "document": kind.lower()},
            city_label=city,
            cycle_label=cycle_label(report.cycle),
            kind_label=kind,
            date=timezone.localdate(),
            is_draft=not (final and report.status != ReportStatus.DRAFTING),
            language=report.language,
            sections=printed,
        )


def print_html(document: PrintDocument | NationalDocument, template: str) -> str:
    with translation.override(document.language):
        return render_to_string(template, {"doc": document})


# Bump when a print layout changes, so finished PDFs of unchanged text are made again.
LAYOUT_VERSION = "1"


def input_hash(document: PrintDocument | NationalDocument, template: str) -> str:
    """sha256 of everything that decides the output except the printed date, so the same
    text and evidence reuse yesterday's PDF."""
    undated = dataclasses.replace(document, date=datetime.date.min)
    payload = f"{LAYOUT_VERSION}|{template}|{undated!r}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- national


@dataclass
class _Block:
    heading: str
    order: tuple[int, int, str]
    contributions: list[CityContribution] = field(default_factory=list)


def _theme_lookup() -> dict[str, Theme]:
    lookup: dict[str, Theme] = {}
    for theme in Theme.objects.all():
        for name in (theme.name_en, theme.name_es, theme.slug):
            lookup[name.strip().casefold()] = theme
    return lookup


# Text under no theme heading is filed under its section, around the theme blocks.
_SECTION_ORDER: dict[str, int] = {
    SectionKind.CONTEXT: 0,
    SectionKind.PROBLEMS: 1,
    SectionKind.POSITIVES: 2,
    SectionKind.RECOMMENDATIONS: 3,
}


def national_document(*, cycle: ReviewCycle, language: str) -> NationalDocument:
    """Merge the submitted summaries by theme, each city's paragraphs attributed to it,
    with a cross-city table of counts per theme and the list of participating cities."""
    with translation.override(language):
        themes = _theme_lookup()
        blocks: dict[str, _Block] = {}
        cities: list[str] = []
        words = 0
        summaries = list(submitted_summaries(cycle=cycle))
        citations: dict[int, list[Citation]] = {}
        for citation in Citation.objects.filter(report__in=summaries).select_related(
            "testimony", "question", "question__survey", "question__survey__city"
        ):
            citations.setdefault(citation.report_id, []).append(citation)
        for summary in summaries:
            label = city_label(summary.city)
            cities.append(label)
            renderer = CitationRenderer(citations.get(summary.pk, []), language)
            per_block: dict[str, list[str]] = {}
            for section in summary.sections.all():
                for part in markdown.split_by_headings(section.body):
                    theme = themes.get(part.heading.casefold()) if part.heading else None
                    if theme is not None:
                        key = f"theme:{theme.pk}"
                        order = (1, theme.sort_order, theme.name)
                        heading = theme.name
                        text = part.markdown
                    else:
                        rank = _SECTION_ORDER.get(section.kind, 4)
                        key = f"section:{section.kind}"
                        order = (0 if rank == 0 else 2, rank, "")
                        heading = str(SectionKind(section.kind).label)
                        text = (
                            f"**{part.heading}**\n\n{part.markdown}"
                            if part.heading
                            else part.markdown
                        )
                    if not text.strip():
                        continue
                    blocks.setdefault(key, _Block(heading, order))
                    per_block.setdefault(key, []).append(renderer.resolve_markdown(text))
            for key, texts in per_block.items():
                body = "\n\n".join(texts)
                words += markdown.word_count(body)
                blocks[key].contributions.append(
                    CityContribution(city_label=label, markdown=body, html=markdown.to_html(body))
                )
        counts = national_theme_counts(cycle=cycle, city_ids=[s.city_id for s in summaries])
        introduction = _(
            "This report compiles the summaries that %(count)s human rights cities submitted for "
            "the Universal Periodic Review of the %(state)s. Under each theme, each city's "
            "findings are given in its own words and attributed to it."
        ) % {"count": len(summaries), "state": cycle.state_under_review}
        words += markdown.word_count(introduction)
        return NationalDocument(
            title=_("Human rights cities' shadow report: %(cycle)s") % {"cycle": cycle.title},
            cycle_label=cycle_label(cycle),
            date=timezone.localdate(),
            language=language,
            introduction=introduction,
            blocks=[
                ThemeBlock(heading=b.heading, contributions=b.contributions)
                for b in sorted(blocks.values(), key=lambda b: b.order)
            ],
            count_rows=[
                CountRow(
                    theme=c.theme.name,
                    cities=number_format(c.cities),
                    testimonies=count_text(c.testimonies),
                    responses=count_text(c.responses),
                )
                for c in counts
            ],
            cities=cities,
            word_count=words,
            word_limit=cycle.national_word_limit,
        )
