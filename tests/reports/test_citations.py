"""Citations: what may be cited (`services.citation_add`), what the next render will do with
each one (`selectors.citation_problem`, `citation_states`), and how the renderer turns
them into text (`printing.CitationRenderer`): redacted quotes with the attribution consent
allows, survey figures with small counts suppressed."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations import services as consultation_services
from consultations.models import ConsentLevel, QuestionKind, ReviewStatus, SurveyStatus
from reports import markdown, printing, selectors, services
from reports.models import (
    Citation,
    CitationKind,
    DocumentKind,
    RenderStatus,
    ReportSection,
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
    texts,
)

pytestmark = pytest.mark.django_db

QUOTE = "The heating broke in January and the landlord never came."
NARRATIVE = "Maria Lopez at 12 Elm Street told us the heating broke; call her on 555-0101."


def _pdf_text(fieldfile) -> str:
    with fieldfile.open("rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
        return "\n".join(page.extract_text() for page in reader.pages)


def _report(world, kind=DocumentKind.REPORT, team=None):
    team = team or world.a
    return services.report_start(actor=team.lead, city=team.city, cycle=world.cycle, kind=kind)


def _section(report, kind=SectionKind.PROBLEMS) -> ReportSection:
    return ReportSection.objects.get(report=report, kind=kind)


def _testimony(world, team=None, **fields):
    team = team or world.a
    values = {
        "city": team.city,
        "narrative": NARRATIVE,
        "redacted_quote": QUOTE,
        "area": "the East Side",
        "speaker_name": "Maria Lopez",
        "speaker_contact": "maria@example.org",
        **fields,
    }
    return QuotableTestimonyFactory(**values)


def _cite(world, report, testimony, *, append=True, section=None):
    return services.citation_add(
        actor=world.a.organizer,
        report=report,
        section=section or _section(report),
        kind=CitationKind.QUOTE,
        testimony=testimony,
        append=append,
    )


def _renderer(report) -> printing.CitationRenderer:
    return printing.CitationRenderer(selectors.citation_list(report=report), report.language)


def _printed(report, final=False) -> str:
    document = printing.print_document(report=report, final=final)
    return "\n".join(str(s.html) for s in document.sections)


# --------------------------------------------------------------------------- citation_add


def test_citing_a_quotable_testimony_records_a_citation(world):
    report = _report(world)
    testimony = _testimony(world)
    section = _section(report)

    citation = _cite(world, report, testimony, append=False)

    citation.refresh_from_db()
    assert citation.report == report
    assert citation.section == section
    assert citation.city == world.a.city
    assert citation.kind == CitationKind.QUOTE
    assert citation.testimony == testimony
    assert citation.question is None
    assert citation.created_by == world.a.organizer
    assert len(citation.code) == 8 and int(citation.code, 16) >= 0
    assert str(citation) == f"[[cite:{citation.code}]]"
    section.refresh_from_db()
    assert section.body == ""  # without `append`, the editor inserts the token itself
    event = AuditEvent.objects.get(action=AuditAction.REPORT_CITATION_ADDED)
    assert event.details == {"section": "problems", "code": citation.code}
    assert QUOTE not in str(event.details) and QUOTE not in event.target_label


def test_citing_with_append_adds_the_token_to_the_section_as_a_revision(world):
    report = _report(world)
    section = _section(report)
    services.sections_save(
        actor=world.a.organizer,
        report=report,
        changes=[SectionChange(str(section.uuid), "Residents said:", section.version)],
    )

    citation = _cite(world, report, _testimony(world))

    section.refresh_from_db()
    assert section.body == f"Residents said:\n\n[[cite:{citation.code}]]\n"
    assert section.version == 2
    assert section.revisions.order_by("-number").first().note == "Citation inserted"


def test_every_citation_of_a_report_gets_its_own_code(world):
    report = _report(world)
    codes = {_cite(world, report, _testimony(world), append=False).code for _ in range(5)}
    assert len(codes) == 5


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"review_status": ReviewStatus.DRAFT, "reviewed_at": None}, id="draft"),
        pytest.param({"consent_level": ConsentLevel.INTERNAL}, id="internal-only"),
        pytest.param({"consent_withdrawn_at": timezone.now}, id="withdrawn"),
        pytest.param({"redacted_quote": ""}, id="no-redacted-quote"),
        pytest.param({"redacted_quote": "   "}, id="blank-redacted-quote"),
    ],
)
def test_citing_an_unquotable_testimony_is_refused(world, fields):
    fields = {k: (v() if callable(v) else v) for k, v in fields.items()}
    report = _report(world)
    testimony = _testimony(world, **fields)
    with pytest.raises(ValidationError):
        _cite(world, report, testimony)
    assert not Citation.objects.exists()
    assert _section(report).body == ""


def test_citing_another_citys_testimony_is_refused(world):
    report = _report(world)
    foreign = _testimony(world, team=world.b)
    with pytest.raises(ValidationError):
        _cite(world, report, foreign)
    assert not Citation.objects.exists()


def test_a_quote_citation_needs_a_testimony(world):
    report = _report(world)
    with pytest.raises(ValidationError):
        services.citation_add(
            actor=world.a.lead, report=report, section=_section(report), kind=CitationKind.QUOTE
        )


def test_an_unknown_kind_of_citation_is_refused(world):
    report = _report(world)
    with pytest.raises(ValidationError):
        services.citation_add(
            actor=world.a.lead,
            report=report,
            section=_section(report),
            kind="rumour",
            testimony=_testimony(world),
        )
    assert not Citation.objects.exists()


# --------------------------------------------------------------------------- problems


def test_a_quotable_citation_has_no_problem(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world))
    assert selectors.citation_problem(citation) == ""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"consent_withdrawn_at": "now"},
            "Consent was withdrawn. The quote is left out of the report.",
        ),
        (
            {"review_status": ReviewStatus.DRAFT},
            "The testimony is not reviewed. The quote is left out until it is.",
        ),
        (
            {"consent_level": ConsentLevel.INTERNAL},
            "The consent no longer allows a quote. The quote is left out.",
        ),
        (
            {"redacted_quote": ""},
            "The testimony has no redacted quote. The quote is left out.",
        ),
    ],
)
def test_a_citation_shows_a_problem_once_its_testimony_stops_being_quotable(world, change, problem):
    report = _report(world)
    testimony = _testimony(world)
    _cite(world, report, testimony)
    change = {k: (timezone.now() if v == "now" else v) for k, v in change.items()}
    type(testimony).objects.filter(pk=testimony.pk).update(**change)

    citation = Citation.objects.select_related("testimony").get(report=report)
    assert selectors.citation_problem(citation) == problem
    sections = selectors.section_list(report=report)
    [state] = selectors.citation_states(report=report, sections=sections)
    assert state.citation == citation
    assert state.in_text
    assert state.problem == problem
    assert not state.ok


def test_a_citation_row_pointing_at_another_citys_testimony_has_a_problem(world):
    report = _report(world)
    citation = CitationFactory(section=_section(report), testimony=_testimony(world, team=world.b))
    assert selectors.citation_problem(citation) == "The testimony no longer exists."
    assert _renderer(report).html(citation.code) == ""


def test_citation_states_tell_which_citations_are_in_the_text(world):
    report = _report(world)
    used = _cite(world, report, _testimony(world))
    unused = _cite(world, report, _testimony(world), append=False)
    states = {
        s.citation.code: s
        for s in selectors.citation_states(
            report=report, sections=selectors.section_list(report=report)
        )
    }
    assert states[used.code].in_text and states[used.code].ok
    assert not states[unused.code].in_text and states[unused.code].ok


# --------------------------------------------------------------------------- quotes


def test_a_quote_renders_the_redacted_quote_and_never_the_narrative(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world))

    html = _renderer(report).html(citation.code)

    assert QUOTE in html
    assert "Maria" not in html
    assert "Elm Street" not in html
    assert "555-0101" not in html
    assert "maria@example.org" not in html
    assert html.startswith('<blockquote class="citation">')
    assert "<footer>a resident of the East Side</footer>" in html
    printed = _printed(report)
    assert QUOTE in printed
    assert "[[cite:" not in printed
    assert "Maria" not in printed


def test_a_named_consent_attributes_the_quote_to_the_speaker(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world, consent_level=ConsentLevel.NAMED))
    html = _renderer(report).html(citation.code)
    assert "<footer>Maria Lopez</footer>" in html
    assert "maria@example.org" not in html
    assert "East Side" not in html


@pytest.mark.parametrize(
    ("fields", "attribution"),
    [
        ({"consent_level": ConsentLevel.NAMED, "speaker_name": ""}, "a resident of the East Side"),
        ({"area": ""}, "a resident"),
        ({"area": "", "speaker_name": ""}, "a resident"),
    ],
)
def test_the_attribution_falls_back_to_the_area_or_a_resident(world, fields, attribution):
    report = _report(world)
    citation = _cite(world, report, _testimony(world, **fields))
    assert f"<footer>{attribution}</footer>" in _renderer(report).html(citation.code)


def test_a_quote_is_escaped_not_interpreted(world):
    report = _report(world)
    citation = _cite(
        world, report, _testimony(world, redacted_quote="<script>alert(1)</script> & more")
    )
    html = _renderer(report).html(citation.code)
    assert "<script" not in html
    assert "alert(1)" in html


QUOTE_RENDER_BUG = (
    "BUG: CitationRenderer.html passes django.utils.html.linebreaks(...), which returns a "
    "plain str (not SafeString), to format_html, which escapes it a second time: every "
    "quote prints as literal '<p>…</p>' text, and an apostrophe as '&#x27;'."
)


def test_a_quote_is_printed_as_paragraphs_not_as_escaped_markup(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world, redacted_quote="It's cold.\n\nVery cold."))
    html = _renderer(report).html(citation.code)
    assert "&lt;p&gt;" not in html
    assert "<p>It&#x27;s cold.</p>" in html
    assert "<p>Very cold.</p>" in html


def test_the_markdown_form_of_a_quote_is_a_blockquote_with_its_attribution(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world, redacted_quote="First line.\nSecond line."))
    assert _renderer(report).markdown(citation.code) == (
        "\n> First line.\n> Second line.\n>\n> — a resident of the East Side\n"
    )
    assert (
        _renderer(report)
        .resolve_markdown(f"Said: [[cite:{citation.code}]]")
        .startswith("Said: \n> First line.")
    )


def test_an_unknown_code_renders_nothing(world):
    report = _report(world)
    assert _renderer(report).html("deadbeef") == ""
    assert _renderer(report).markdown("deadbeef") == ""


def test_a_withdrawn_consent_leaves_the_quote_out_of_the_next_print(world):
    report = _report(world)
    testimony = _testimony(world)
    _cite(world, report, testimony)
    assert QUOTE in _printed(report)

    consultation_services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)

    printed = _printed(report)
    assert QUOTE not in printed
    assert "a resident of the East Side" not in printed


def test_an_unreviewed_testimony_leaves_the_quote_out_of_the_next_print(world):
    report = _report(world)
    testimony = _testimony(world)
    _cite(world, report, testimony)
    type(testimony).objects.filter(pk=testimony.pk).update(review_status=ReviewStatus.DRAFT)
    assert QUOTE not in _printed(report)


def test_a_real_render_after_withdrawal_leaves_the_quote_out(world, committed):
    report = _report(world)
    testimony = _testimony(world)
    _cite(world, report, testimony)
    before = committed(services.render_request, actor=world.a.lead, report=report)
    before.refresh_from_db()
    assert before.status == RenderStatus.DONE, before.error
    assert "The heating broke in January" in _pdf_text(before.file)

    consultation_services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    after = committed(services.render_request, actor=world.a.lead, report=report)

    after.refresh_from_db()
    assert after.pk != before.pk  # the evidence changed, so the input did
    assert after.status == RenderStatus.DONE, after.error
    text = _pdf_text(after.file)
    assert "heating" not in text
    assert "East Side" not in text
    assert "Maria" not in text


# --------------------------------------------------------------------------- survey figures


def _survey(world, counts: dict[str, int], *, team=None):
    team = team or world.a
    survey = SurveyFactory(
        city=team.city, status=SurveyStatus.OPEN, title=texts("Housing survey", "Encuesta")
    )
    question = SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.SINGLE,
        label=texts("How is your rent?", "¿Cómo es su alquiler?"),
        options=[choice("a", "Too high"), choice("b", "About right"), choice("c", "Low")],
    )
    for key, n in counts.items():
        for _ in range(n):
            SurveyResponseFactory(survey=survey, answers={str(question.uuid): key})
    return survey, question


def _figure(world, report, question, kind, option_key=""):
    return services.citation_add(
        actor=world.a.organizer,
        report=report,
        section=_section(report),
        kind=kind,
        question=question,
        option_key=option_key,
        append=True,
    )


def test_a_statistic_quotes_a_share_of_the_people_who_answered(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12, "b": 4, "c": 4})
    citation = _figure(world, report, question, CitationKind.STATISTIC, "a")

    citation.refresh_from_db()
    assert citation.question == question
    assert citation.testimony is None
    assert citation.option_key == "a"
    html = _renderer(report).html(citation.code)
    assert html == (
        '<p class="statistic">60% of the 20 people who answered “How is your rent?” chose '
        "“Too high” (survey: Housing survey).</p>"
    )


def test_a_statistic_on_a_small_count_is_withheld(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12, "b": 4, "c": 4})
    citation = _figure(world, report, question, CitationKind.STATISTIC, "b")
    text = _renderer(report).markdown(citation.code)
    assert text == (
        "The number who chose “About right” is withheld to protect privacy (20 people "
        "answered “How is your rent?”; survey: Housing survey)."
    )
    assert "4" not in text
    assert "20%" not in text


def test_a_figure_from_fewer_than_5_answers_renders_nothing(world):
    report = _report(world)
    _, question = _survey(world, {"a": 3, "b": 1})
    statistic = _figure(world, report, question, CitationKind.STATISTIC, "a")
    chart = _figure(world, report, question, CitationKind.CHART)
    renderer = _renderer(report)
    assert renderer.html(statistic.code) == ""
    assert renderer.html(chart.code) == ""
    assert renderer.markdown(chart.code) == ""


def test_a_chart_shows_public_counts_with_small_ones_suppressed(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12, "b": 4, "c": 4})
    citation = _figure(world, report, question, CitationKind.CHART)

    html = _renderer(report).html(citation.code)

    assert html.startswith('<div class="chart">')
    assert "How is your rent?" in html
    assert "12 (60%)" in html
    assert html.count("fewer than 5") == 2
    assert "4 (20%)" not in html
    assert "Survey: Housing survey. 20 people answered this question." in html
    assert _renderer(report).markdown(citation.code) == (
        "\n**How is your rent?**\n\n- Too high: 12 (60%)\n- About right: fewer than 5\n"
        "- Low: fewer than 5\n"
    )


def test_a_single_small_count_also_hides_the_next_smallest(world):
    """Otherwise the hidden count could be worked out from the total."""
    report = _report(world)
    _, question = _survey(world, {"a": 10, "b": 6, "c": 2})
    statistic = _figure(world, report, question, CitationKind.STATISTIC, "b")
    text = _renderer(report).markdown(statistic.code)
    assert "is withheld to protect privacy (18 people answered" in text
    assert "fewer than 5" not in text.lower()  # 6 is not fewer than 5: claim nothing
    assert "6" not in text.replace("18", "")
    assert "%" not in text


def test_a_statistic_needs_an_answer_to_quote(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12})
    with pytest.raises(ValidationError):
        _figure(world, report, question, CitationKind.STATISTIC, "")
    assert not Citation.objects.exists()


def test_a_chart_has_no_option_key(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12})
    citation = _figure(world, report, question, CitationKind.CHART, option_key="a")
    citation.refresh_from_db()
    assert citation.option_key == ""


def test_citing_another_citys_question_is_refused(world):
    report = _report(world)
    _, question = _survey(world, {"a": 12}, team=world.b)
    for kind, key in ((CitationKind.CHART, ""), (CitationKind.STATISTIC, "a")):
        with pytest.raises(ValidationError):
            _figure(world, report, question, kind, key)
    with pytest.raises(ValidationError):
        services.citation_add(
            actor=world.a.lead, report=report, section=_section(report), kind=CitationKind.CHART
        )
    assert not Citation.objects.exists()


def test_a_free_text_question_is_never_charted(world):
    report = _report(world)
    survey = SurveyFactory(city=world.a.city, status=SurveyStatus.OPEN)
    question = SurveyQuestionFactory(survey=survey, kind=QuestionKind.LONG_TEXT)
    for n in range(6):
        SurveyResponseFactory(survey=survey, answers={str(question.uuid): f"Free text {n}"})
    citation = CitationFactory(section=_section(report), kind=CitationKind.CHART, question=question)
    assert selectors.citation_problem(citation) == "Only choice questions can be charted."
    assert _renderer(report).html(citation.code) == ""


def test_figures_are_computed_once_per_survey_per_render(world, django_assert_max_num_queries):
    report = _report(world)
    _, question = _survey(world, {"a": 12, "b": 4, "c": 4})
    codes = [
        _figure(world, report, question, CitationKind.STATISTIC, key).code for key in "abc"
    ] + [_figure(world, report, question, CitationKind.CHART).code]
    renderer = _renderer(report)
    renderer.html(codes[0])  # loads the survey's results
    with django_assert_max_num_queries(0):
        for code in codes:
            assert renderer.html(code)


def test_citation_tokens_in_text_are_found_by_citation_codes(world):
    report = _report(world)
    citation = _cite(world, report, _testimony(world))
    assert markdown.citation_codes(_section(report).body) == [citation.code]


def test_the_evidence_panel_offers_choice_questions_of_surveys_with_responses(world):
    _, rent = _survey(world, {"a": 2})  # uncapped: response_count stays 0
    text_question = SurveyQuestionFactory(survey=rent.survey, kind=QuestionKind.LONG_TEXT)
    unanswered = SurveyQuestionFactory(
        survey=SurveyFactory(city=world.a.city, status=SurveyStatus.OPEN),
        kind=QuestionKind.SINGLE,
    )
    _, foreign = _survey(world, {"a": 3}, team=world.b)

    offered = selectors.evidence_questions(city=world.a.city, cycle=world.cycle, language="en")

    assert [e.question for e in offered] == [rent]
    [item] = offered
    assert item.survey == rent.survey
    assert item.label == "How is your rent?"
    assert item.options == [("a", "Too high"), ("b", "About right"), ("c", "Low")]
    assert text_question not in [e.question for e in offered]
    assert unanswered not in [e.question for e in offered]
    assert foreign not in [e.question for e in offered]
