"""The recommendations import service: check (preview), apply, discard, on the real UN files.

The parser itself is tested in test_upr_import.py; these tests pin what the service writes:
recommendation rows, theme mappings and themes, the import row, and audit events.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError

from accountability import selectors, services, upr_import
from accountability.models import (
    ImportStatus,
    Recommendation,
    RecommendationImport,
    ThemeMapping,
)
from accountability.theme_seeds import SEED_MAPPINGS
from cities.models import AuditEvent, ReviewCycle, Theme
from tests.factories import CoordinatorFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "accountability" / "data"
CYCLE1_NAME = "us-upr-cycle1-2010-uprinfo.csv"
CYCLE3_NAME = "us-upr-cycle3-2020.csv"
CYCLE1_BYTES = (DATA / CYCLE1_NAME).read_bytes()
CYCLE3_BYTES = (DATA / CYCLE3_NAME).read_bytes()

# Source themes the seeds map to no portal theme on purpose (13 in each file).
CYCLE3_THEMES = upr_import.parse(CYCLE3_BYTES).themes()
CYCLE1_THEMES = upr_import.parse(CYCLE1_BYTES).themes()
CYCLE3_EMPTY_SEEDS = {t for t in CYCLE3_THEMES if not SEED_MAPPINGS["uhri_list"].get(t)}
CYCLE1_EMPTY_SEEDS = {t for t in CYCLE1_THEMES if not SEED_MAPPINGS["upr_info"].get(t)}

CORE = SearchQuery("core", config="english")

IMPORT_ACTIONS = (
    "recommendations.checked",
    "recommendations.imported",
    "recommendations.discarded",
)


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


def _cycle(number: int) -> ReviewCycle:
    return ReviewCycle.objects.filter(number=number).first() or ReviewCycleFactory(number=number)


@pytest.fixture
def cycle1() -> ReviewCycle:
    return _cycle(1)


@pytest.fixture
def cycle3() -> ReviewCycle:
    return _cycle(3)


def check(actor, cycle, content: bytes, filename: str = CYCLE3_NAME, **kwargs):
    return services.recommendations_check(
        actor=actor, cycle=cycle, filename=filename, content=content, **kwargs
    )


def imported(actor, cycle, content: bytes, filename: str = CYCLE3_NAME):
    batch = check(actor, cycle, content, filename)
    return services.recommendations_apply(actor=actor, batch=batch)


def snapshot(cycle: ReviewCycle) -> dict:
    """Every recommendation of the cycle: what must not move when nothing changed."""
    return {
        r.uuid: (
            r.updated_at,
            r.import_batch_id,
            frozenset(t.slug for t in r.themes.all()),
        )
        for r in Recommendation.objects.filter(cycle=cycle).prefetch_related("themes")
    }


def by_paragraph(cycle: ReviewCycle, paragraph: str) -> Recommendation:
    return Recommendation.objects.get(cycle=cycle, paragraph=paragraph)


# --------------------------------------------------------------------------- check


def test_check_writes_the_import_row_and_no_recommendation(coordinator, cycle3):
    batch = check(coordinator, cycle3, CYCLE3_BYTES)

    assert Recommendation.objects.count() == 0
    assert ThemeMapping.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW
    assert batch.format == "uhri_list"
    assert batch.cycle == cycle3
    assert batch.filename == CYCLE3_NAME
    assert batch.source_document == CYCLE3_NAME  # no session: the filename stands in
    assert bytes(batch.content) == CYCLE3_BYTES
    assert len(batch.sha256) == 64
    assert batch.row_count == 347
    assert batch.uploaded_by == coordinator
    assert batch.applied_at is None and batch.applied_by is None
    summary = dict(batch.summary)
    assert len(summary.pop("themes")) == 43
    assert set(summary.pop("unmapped_themes")) == CYCLE3_EMPTY_SEEDS
    assert summary == {
        "rows": 347,
        "recommendations": 347,
        "new": 347,
        "changed": 0,
        "unchanged": 0,
        "merged_rows": 0,
        "normalised": 61,
        "errors": 0,
        "state_under_review": "",
    }


def test_check_cycle1_counts_merged_rows_and_names_the_session(coordinator, cycle1):
    batch = check(coordinator, cycle1, CYCLE1_BYTES, CYCLE1_NAME)

    assert Recommendation.objects.count() == 0
    assert batch.format == "upr_info"
    assert batch.source_document == "UPR Info database export, session 9"
    summary = dict(batch.summary)
    assert len(summary.pop("themes")) == 44
    assert set(summary.pop("unmapped_themes")) == CYCLE1_EMPTY_SEEDS
    assert summary == {
        "rows": 280,
        "recommendations": 269,
        "new": 269,
        "changed": 0,
        "unchanged": 0,
        "merged_rows": 11,
        "normalised": 368,
        "errors": 0,
        "state_under_review": "United States",
    }
    assert Counter(n["kind"] for n in batch.notes) == {"normalised": 368, "merged": 11}


def test_check_notes_report_the_defective_rows(coordinator, cycle3):
    batch = check(coordinator, cycle3, CYCLE3_BYTES)
    notes = batch.notes

    assert len(notes) == 61
    assert all(set(n) == {"line", "kind", "field", "value", "message"} for n in notes)
    # A piece of text in the state field (26.91).
    [fragment] = [n for n in notes if n["line"] == 92]
    assert (fragment["kind"], fragment["field"], fragment["value"]) == (
        "normalised",
        "recommending_state",
        "the Paris Principles",
    )
    # The truncated state (26.161).
    [truncated] = [n for n in notes if n["line"] == 162]
    assert (truncated["field"], truncated["value"]) == (
        "recommending_state",
        "Bolivarian Republic of",
    )
    # The empty state named at the end of the text (26.347).
    empty = [(n["field"], n["value"]) for n in notes if n["line"] == 348]
    assert empty == [("recommending_state", ""), ("text", "(Nicaragua).")]


def test_an_explicit_source_document_is_kept(coordinator, cycle3):
    batch = check(coordinator, cycle3, CYCLE3_BYTES, source_document="  A/HRC/46/15  ")
    services.recommendations_apply(actor=coordinator, batch=batch)

    assert batch.source_document == "A/HRC/46/15"
    assert set(Recommendation.objects.values_list("source_document", flat=True)) == {"A/HRC/46/15"}


# --------------------------------------------------------------------------- apply


def test_apply_cycle3_writes_every_recommendation(coordinator, cycle3):
    batch = imported(coordinator, cycle3, CYCLE3_BYTES)

    recs = Recommendation.objects.filter(cycle=cycle3)
    assert recs.count() == 347
    assert dict(Counter(recs.values_list("response", flat=True))) == {
        "supported": 263,
        "noted": 67,
        "partially_supported": 17,
    }
    assert set(recs.values_list("source_format", flat=True)) == {"uhri_list"}
    assert set(recs.values_list("import_batch", flat=True)) == {batch.id}
    assert sorted(recs.values_list("position", flat=True)) == list(range(1, 348))
    assert all(key == paragraph for key, paragraph in recs.values_list("key", "paragraph"))
    assert by_paragraph(cycle3, "26.49").states == [
        "Switzerland",
        "Rwanda",
        "Bahamas",
        "Luxembourg",
        "Mali",
        "Morocco",
    ]
    assert by_paragraph(cycle3, "26.91").states == ["Philippines"]
    last = by_paragraph(cycle3, "26.347")
    assert last.states == ["Nicaragua"]
    assert "(Nicaragua)" not in last.text
    assert by_paragraph(cycle3, "26.161").states == [
        "Venezuela (Bolivarian Republic of)",
        "Nicaragua",
    ]

    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.applied_by == coordinator
    assert batch.applied_at is not None
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["kept"]) == (
        347,
        0,
        0,
    )


def test_apply_cycle1_merges_joint_recommendations(coordinator, cycle1):
    imported(coordinator, cycle1, CYCLE1_BYTES, CYCLE1_NAME)

    recs = Recommendation.objects.filter(cycle=cycle1)
    assert recs.count() == 269
    assert dict(Counter(recs.values_list("response", flat=True))) == {
        "supported": 177,
        "noted": 92,
    }
    cedaw = recs.get(text="Ratify CEDAW")
    assert cedaw.states == [
        "Democratic People’s Republic of Korea",
        "Ghana",
        "Netherlands (Kingdom of the)",
        "New Zealand",
    ]
    assert cedaw.paragraph == ""
    assert cedaw.key.startswith("text:")
    assert cedaw.action_category == 5
    assert cedaw.source_themes == ["International instruments", "Women's rights"]
    assert set(cedaw.themes.values_list("slug", flat=True)) == {"gender-equality"}
    assert cedaw.source_document == "UPR Info database export, session 9"


def test_both_files_live_side_by_side_in_their_cycles(coordinator, cycle1, cycle3):
    imported(coordinator, cycle1, CYCLE1_BYTES, CYCLE1_NAME)
    imported(coordinator, cycle3, CYCLE3_BYTES)

    assert Recommendation.objects.filter(cycle=cycle1).count() == 269
    assert Recommendation.objects.filter(cycle=cycle3).count() == 347
    assert Recommendation.objects.count() == 616
    assert ThemeMapping.objects.filter(vocabulary="upr_info").count() == 44
    assert ThemeMapping.objects.filter(vocabulary="uhri_list").count() == 43
    assert selectors.theme_mapping_unmapped_count() == len(CYCLE1_EMPTY_SEEDS) + len(
        CYCLE3_EMPTY_SEEDS
    )


@pytest.mark.parametrize(
    ("number", "content", "filename", "count"),
    [(1, CYCLE1_BYTES, CYCLE1_NAME, 269), (3, CYCLE3_BYTES, CYCLE3_NAME, 347)],
    ids=["cycle1", "cycle3"],
)
def test_importing_the_same_file_again_changes_nothing(
    coordinator, number, content, filename, count
):
    cycle = _cycle(number)
    first = imported(coordinator, cycle, content, filename)
    before = snapshot(cycle)
    mappings_before = set(ThemeMapping.objects.values_list("uuid", "updated_at", "not_applicable"))
    assert len(before) == count

    second = check(coordinator, cycle, content, filename)
    assert (
        second.summary["new"],
        second.summary["changed"],
        second.summary["unchanged"],
    ) == (0, 0, count)
    assert second.summary["unmapped_themes"] == []  # met before: no longer "new"
    services.recommendations_apply(actor=coordinator, batch=second)

    assert snapshot(cycle) == before
    assert {batch_id for _at, batch_id, _themes in before.values()} == {first.id}
    assert Recommendation.objects.count() == count
    assert set(ThemeMapping.objects.values_list("uuid", "updated_at", "not_applicable")) == (
        mappings_before
    )
    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED
    assert (second.summary["created"], second.summary["updated"], second.summary["kept"]) == (
        0,
        0,
        count,
    )


def test_a_changed_text_updates_that_recommendation_only(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)
    before = snapshot(cycle3)
    target = by_paragraph(cycle3, "26.1")
    old = b"Consider ratifying all remaining human rights conventions"
    new = b"Consider ratifying all remaining core human rights conventions"
    assert CYCLE3_BYTES.count(old) == 1
    changed_file = CYCLE3_BYTES.replace(old, new)

    batch = check(coordinator, cycle3, changed_file)
    assert (batch.summary["new"], batch.summary["changed"], batch.summary["unchanged"]) == (
        0,
        1,
        346,
    )
    assert by_paragraph(cycle3, "26.1").text == old.decode()  # the check wrote nothing
    assert not Recommendation.objects.filter(uuid=target.uuid, search_document=CORE).exists()

    services.recommendations_apply(actor=coordinator, batch=batch)

    updated = by_paragraph(cycle3, "26.1")
    assert updated.uuid == target.uuid
    assert updated.text == new.decode()
    assert updated.import_batch_id == batch.id
    assert updated.updated_at > target.updated_at
    after = snapshot(cycle3)
    assert {u for u in after if after[u] != before[u]} == {target.uuid}
    assert Recommendation.objects.count() == 347
    # The search document follows the text.
    assert Recommendation.objects.filter(uuid=target.uuid, search_document=CORE).exists()
    batch.refresh_from_db()
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["kept"]) == (
        0,
        1,
        346,
    )


def test_the_same_file_under_another_name_changes_nothing(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)
    before = snapshot(cycle3)

    batch = check(coordinator, cycle3, CYCLE3_BYTES, "us-upr-cycle3-2020 (1).csv")

    assert (batch.summary["changed"], batch.summary["unchanged"]) == (0, 347)
    services.recommendations_apply(actor=coordinator, batch=batch)
    assert snapshot(cycle3) == before


def test_a_batch_cannot_be_applied_twice(coordinator, cycle3):
    batch = imported(coordinator, cycle3, CYCLE3_BYTES)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="already been imported or discarded"):
        services.recommendations_apply(actor=coordinator, batch=batch)

    assert Recommendation.objects.count() == 347
    assert AuditEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="recommendations.imported").count() == 1


def test_discard_keeps_the_row_without_its_content(coordinator, cycle3):
    batch = check(coordinator, cycle3, CYCLE3_BYTES)

    services.recommendations_discard(actor=coordinator, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    assert bytes(batch.content) == b""
    assert Recommendation.objects.count() == 0
    assert ThemeMapping.objects.count() == 0
    event = AuditEvent.objects.get(action="recommendations.discarded")
    assert (event.actor, event.target_id, event.target_label) == (
        coordinator,
        str(batch.uuid),
        CYCLE3_NAME,
    )
    with pytest.raises(ValidationError):
        services.recommendations_apply(actor=coordinator, batch=batch)
    with pytest.raises(ValidationError):
        services.recommendations_discard(actor=coordinator, batch=batch)
    assert Recommendation.objects.count() == 0


def test_an_applied_batch_cannot_be_discarded(coordinator, cycle3):
    batch = imported(coordinator, cycle3, CYCLE3_BYTES)

    with pytest.raises(ValidationError):
        services.recommendations_discard(actor=coordinator, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert bytes(batch.content) == CYCLE3_BYTES
    assert not AuditEvent.objects.filter(action="recommendations.discarded").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,email\nAna,ana@example.org\n", "doesn't match a UPR recommendations file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL characters"),
        (b"paragraph,recommending_state,position,theme,text\n", "no recommendations"),
        (b"x" * (upr_import.MAX_BYTES + 1), "larger than 5 MB"),
    ],
    ids=["empty", "other-csv", "png", "header-only", "too-large"],
)
def test_an_unreadable_file_is_refused_and_writes_nothing(coordinator, cycle3, content, message):
    with pytest.raises(ValidationError, match=message):
        check(coordinator, cycle3, content, "garbage.csv")

    assert RecommendationImport.objects.count() == 0
    assert Recommendation.objects.count() == 0
    assert ThemeMapping.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=IMPORT_ACTIONS).exists()


def test_audit_events_carry_counts_and_no_file_content(coordinator, cycle3):
    batch = check(coordinator, cycle3, CYCLE3_BYTES)
    checked = AuditEvent.objects.get(action="recommendations.checked")
    services.recommendations_apply(actor=coordinator, batch=batch)
    applied = AuditEvent.objects.get(action="recommendations.imported")

    for event in (checked, applied):
        assert event.actor == coordinator
        assert event.city is None  # national
        assert event.target_type == "recommendationimport"
        assert event.target_id == str(batch.uuid)
        assert event.target_label == CYCLE3_NAME
    assert checked.details == {"cycle": 3, "rows": 347, "errors": 0}
    assert applied.details == {
        "cycle": 3,
        "created": 347,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
    }
    dumped = json.dumps([checked.details, applied.details, checked.target_label])
    for rec in Recommendation.objects.all():
        assert rec.text[:40] not in dumped
    assert "Switzerland" not in dumped
    assert "26.49" not in dumped


# --------------------------------------------------------------------------- themes


def _expected_slugs(fmt: str, source_themes: list[str]) -> set[str]:
    return {slug for t in source_themes for slug in SEED_MAPPINGS[fmt].get(t, [])}


@pytest.mark.parametrize(
    ("number", "content", "filename", "fmt", "themes"),
    [
        (1, CYCLE1_BYTES, CYCLE1_NAME, "upr_info", CYCLE1_THEMES),
        (3, CYCLE3_BYTES, CYCLE3_NAME, "uhri_list", CYCLE3_THEMES),
    ],
    ids=["cycle1", "cycle3"],
)
def test_import_themes_recommendations_through_the_seeds(
    coordinator, number, content, filename, fmt, themes
):
    cycle = _cycle(number)
    imported(coordinator, cycle, content, filename)

    mappings = {m.source_theme: m for m in ThemeMapping.objects.prefetch_related("themes")}
    assert set(mappings) == set(themes)
    for source_theme, mapping in mappings.items():
        assert mapping.vocabulary == fmt
        assert not mapping.not_applicable
        assert {t.slug for t in mapping.themes.all()} == set(SEED_MAPPINGS[fmt][source_theme])

    recs = list(Recommendation.objects.filter(cycle=cycle).prefetch_related("themes"))
    themed = 0
    for rec in recs:
        expected = _expected_slugs(fmt, rec.source_themes)
        assert {t.slug for t in rec.themes.all()} == expected, rec.label
        themed += bool(expected)
    assert 0 < themed < len(recs)  # some carry only intentionally-unmapped themes


def test_specific_recommendations_get_the_expected_portal_themes(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)

    def slugs(paragraph: str) -> set[str]:
        return set(by_paragraph(cycle3, paragraph).themes.values_list("slug", flat=True))

    assert slugs("26.1") == set()  # ratification only: no local counterpart
    assert slugs("26.142") == {"racial-discrimination"}
    assert {"racial-discrimination", "gender-equality", "lgbtq"} <= slugs("26.114")
    housing = Theme.objects.get(slug="housing")
    assert Recommendation.objects.filter(themes=housing).exists()


def test_intentionally_empty_seeds_are_listed_as_unmapped(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)

    assert len(CYCLE3_EMPTY_SEEDS) == 13
    assert selectors.theme_mapping_unmapped_count() == 13
    rows = selectors.theme_mapping_rows()
    assert len(rows) == 43
    unmapped = [r for r in rows if r.is_unmapped]
    assert {r.mapping.source_theme for r in unmapped} == CYCLE3_EMPTY_SEEDS
    assert rows[:13] == unmapped  # unmapped ones first
    counts = Counter(t for r in Recommendation.objects.all() for t in r.source_themes)
    for row in rows:
        assert row.recommendations == counts[row.mapping.source_theme]
        assert {t.slug for t in row.themes} == set(
            SEED_MAPPINGS["uhri_list"][row.mapping.source_theme]
        )


def test_a_theme_unknown_to_the_seeds_gets_an_empty_mapping(coordinator, cycle3):
    content = (
        b"paragraph,recommending_state,position,theme,text\n"
        b"26.1,Ghana,supported,Brand new theme,Fund local human rights commissions\n"
        b"26.2,Chile,noted,Right to adequate housing,End homelessness\n"
    )

    batch = check(coordinator, cycle3, content, "small.csv")
    assert batch.summary["unmapped_themes"] == ["Brand new theme"]
    services.recommendations_apply(actor=coordinator, batch=batch)

    new_theme = ThemeMapping.objects.get(vocabulary="uhri_list", source_theme="Brand new theme")
    assert not new_theme.themes.exists()
    assert not by_paragraph(cycle3, "26.1").themes.exists()
    assert set(by_paragraph(cycle3, "26.2").themes.values_list("slug", flat=True)) == {"housing"}
    assert selectors.theme_mapping_unmapped_count() == 1


def test_a_later_import_keeps_the_coordinators_mapping_decisions(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)
    business = ThemeMapping.objects.get(source_theme="Business & Human Rights")
    work = Theme.objects.get(slug="work")
    services.theme_mapping_update(
        actor=coordinator, mapping=business, themes=[work], not_applicable=False
    )
    carrying = set(
        Recommendation.objects.filter(source_themes__contains=["Business & Human Rights"])
    )
    assert carrying
    before = snapshot(cycle3)

    imported(coordinator, cycle3, CYCLE3_BYTES)

    assert list(business.themes.all()) == [work]
    for rec in carrying:
        assert "work" in set(rec.themes.values_list("slug", flat=True))
    assert snapshot(cycle3) == before


# --------------------------------------------------------------------------- labels


def test_recommendations_without_paragraphs_have_labels_that_tell_them_apart(coordinator, cycle1):
    """The 2010 export has no paragraph numbers: each label names its place in the file
    and its (first) recommending state, so plans, suggestions and citations differ."""
    imported(coordinator, cycle1, CYCLE1_BYTES, CYCLE1_NAME)
    rows = list(Recommendation.objects.filter(cycle=cycle1).order_by("position"))
    labels = [r.label for r in rows]
    assert len(set(labels)) == len(rows) == 269
    first = rows[0]
    assert first.label == f"Recommendation no. 1, cycle 1 ({first.states[0]})"


def test_a_recommendation_with_a_paragraph_is_labelled_by_it(coordinator, cycle3):
    imported(coordinator, cycle3, CYCLE3_BYTES)
    assert by_paragraph(cycle3, "26.142").label == "Recommendation 26.142"
