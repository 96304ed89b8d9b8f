"""The `import_recommendations` command, and a report quote saying which UN
recommendation its testimony supports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accountability import services
from accountability.models import ImportStatus, LinkStatus, Recommendation, RecommendationImport
from reports import printing, selectors
from reports import services as report_services
from reports.models import CitationKind, DocumentKind, ReportSection, SectionKind
from tests.factories import QuotableTestimonyFactory, RecommendationFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "accountability" / "data"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_recommendations", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file_and_a_second_run_changes_nothing(world):
    ReviewCycleFactory(number=3)
    path = str(DATA / "us-upr-cycle3-2020.csv")
    args = (path, "--cycle", "3", "--as", world.coordinator.email)

    first = _run(*args)
    assert Recommendation.objects.filter(cycle__number=3).count() == 347
    assert "347 new" in first
    assert "line 92: normalised" in first  # 26.91: the text fragment in its state field
    stamps = dict(Recommendation.objects.values_list("uuid", "updated_at"))

    second = _run(*args)
    assert "0 new, 0 updated, 347 unchanged" in second
    assert dict(Recommendation.objects.values_list("uuid", "updated_at")) == stamps


def test_a_dry_run_writes_no_recommendation(world):
    ReviewCycleFactory(number=1)
    out = _run(
        str(DATA / "us-upr-cycle1-2010-uprinfo.csv"),
        "--cycle",
        "1",
        "--as",
        world.coordinator.email,
        "--dry-run",
    )
    assert "280 rows → 269 recommendations" in out
    assert "Dry run" in out
    assert not Recommendation.objects.exists()
    assert RecommendationImport.objects.get().status == ImportStatus.DISCARDED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cycle", "9"), "No cycle 9"),
        (("--cycle", "3", "--as", "nobody@example.org"), "not an active national coordinator"),
    ],
)
def test_the_command_refuses_a_missing_cycle_or_a_non_coordinator(world, args, message):
    ReviewCycleFactory(number=3)
    base = [str(DATA / "us-upr-cycle3-2020.csv")]
    if "--as" not in args:
        args = (*args, "--as", world.coordinator.email)
    with pytest.raises(CommandError, match=message):
        _run(*base, *args)
    assert not Recommendation.objects.exists()


def test_the_command_refuses_an_organizer(world):
    ReviewCycleFactory(number=3)
    with pytest.raises(CommandError, match="not an active national coordinator"):
        _run(str(DATA / "us-upr-cycle3-2020.csv"), "--cycle", "3", "--as", world.a.lead.email)


def test_a_garbage_file_is_a_clear_error(world, tmp_path):
    ReviewCycleFactory(number=3)
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(CommandError):
        _run(str(path), "--cycle", "3", "--as", world.coordinator.email)
    assert not RecommendationImport.objects.exists()


# --------------------------------------------------------------------------- report quotes


def _quoted_report(world):
    testimony = QuotableTestimonyFactory(
        city=world.a.city, redacted_quote="The police stopped us for no reason."
    )
    report = report_services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    citation = report_services.citation_add(
        actor=world.a.organizer,
        report=report,
        section=ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS),
        kind=CitationKind.QUOTE,
        testimony=testimony,
        append=True,
    )
    return testimony, report, citation


def test_a_quote_says_which_confirmed_un_recommendation_it_supports(world):
    testimony, report, citation = _quoted_report(world)
    recommendation = RecommendationFactory(paragraph="26.142", response="supported")
    services.evidence_link_decide(
        actor=world.a.organizer,
        recommendation=recommendation,
        status=LinkStatus.CONFIRMED,
        testimony=testimony,
    )
    renderer = printing.CitationRenderer(selectors.citation_list(report=report), "en")

    html = renderer.html(citation.code)
    markdown = renderer.markdown(citation.code)

    sentence = "This testimony supports Recommendation 26.142 (United States: Supported)."
    assert sentence in html
    assert sentence in markdown


def test_a_dismissed_link_says_nothing(world):
    testimony, report, citation = _quoted_report(world)
    services.evidence_link_decide(
        actor=world.a.organizer,
        recommendation=RecommendationFactory(paragraph="26.142"),
        status=LinkStatus.DISMISSED,
        testimony=testimony,
    )
    renderer = printing.CitationRenderer(selectors.citation_list(report=report), "en")
    assert "supports" not in renderer.html(citation.code)
