"""National coordinators' recommendation pages (`national_recommendations:*`) through
HTTP, with the two real files in accountability/data: coordinators only; upload, the
row-by-row preview (nothing imported yet), apply once, discard; unreadable and oversized
files; and the theme mapping, whose edits re-theme the recommendations."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accountability import upr_import
from accountability.models import (
    ImportStatus,
    Recommendation,
    RecommendationImport,
    ThemeMapping,
)
from cities.models import AuditAction, AuditEvent
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import ReviewCycleFactory, seeded_theme

pytestmark = pytest.mark.django_db

NATIONAL = {
    "anonymous": "login",
    "outsider": 403,
    "viewer": 403,
    "organizer": 403,
    "lead": 403,
    "other_lead": 403,
    "coordinator": 200,
}
CONFIRM = {"submit": "Confirm"}
DATA = Path(__file__).resolve().parents[2] / "accountability" / "data"
CYCLE1 = DATA / "us-upr-cycle1-2010-uprinfo.csv"
CYCLE3 = DATA / "us-upr-cycle3-2020.csv"


# --------------------------------------------------------------------------- helpers


def nurl(name: str, **kwargs) -> str:
    return reverse(f"national_recommendations:{name}", kwargs=kwargs or None)


def expect(response, expected, url: str = "") -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, url


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def csv_file(path: Path | str, content: bytes | None = None) -> SimpleUploadedFile:
    path = Path(path)
    return SimpleUploadedFile(
        path.name, path.read_bytes() if content is None else content, content_type="text/csv"
    )


def upload(client, cycle, path: Path | str, content: bytes | None = None, source: str = ""):
    return client.post(
        nurl("import_start"),
        {"cycle": cycle.pk, "file": csv_file(path, content), "source_document": source},
    )


def row_of(page: str, needle: str) -> str:
    """The table row of a page that contains `needle`."""
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if needle in r]
    assert rows, f"no row with {needle!r}"
    return rows[0]


def unmapped_section(page: str) -> str:
    return page.split('id="unmapped-heading"')[1].split("</section>")[0]


def line_cell(row: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()


@pytest.fixture
def cycles(world):
    """The past cycles the two real files belong to (the world's current one is 4)."""
    return ReviewCycleFactory(number=1), ReviewCycleFactory(number=3)


@pytest.fixture
def coordinator(world, login):
    return login(world.coordinator)


@pytest.fixture
def preview3(world, cycles) -> RecommendationImport:
    """The cycle 3 file, checked and waiting for confirmation."""
    from accountability import services

    return services.recommendations_check(
        actor=world.coordinator,
        cycle=cycles[1],
        filename=CYCLE3.name,
        content=CYCLE3.read_bytes(),
    )


@pytest.fixture
def applied3(world, preview3) -> RecommendationImport:
    from accountability import services

    return services.recommendations_apply(actor=world.coordinator, batch=preview3)


# --------------------------------------------------------------------------- role matrix


@pytest.mark.authz(
    "national_recommendations:import_start",
    "national_recommendations:import",
    "national_recommendations:mapping",
    "national_recommendations:mapping_edit",
)
@pytest.mark.parametrize("role", ROLES)
def test_national_pages_are_for_coordinators_only(world, login, applied3, role):
    mapping = ThemeMapping.objects.first()
    client = login(user_for(world, role))
    for url in (
        nurl("import_start"),
        nurl("import", import_uuid=applied3.uuid),
        nurl("mapping"),
        nurl("mapping_edit", mapping_uuid=mapping.uuid),
    ):
        expect(client.get(url), NATIONAL[role], url)


@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_upload(world, login, cycles, role):
    client = login(user_for(world, role))
    response = upload(client, cycles[1], CYCLE3)
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    assert RecommendationImport.objects.exists() is (expected == 200)
    assert not Recommendation.objects.exists()


@pytest.mark.authz("national_recommendations:import_apply")
@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_apply(world, login, preview3, role):
    client = login(user_for(world, role))
    events = AuditEvent.objects.count()
    response = client.post(nurl("import_apply", import_uuid=preview3.uuid), CONFIRM)
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    preview3.refresh_from_db()
    if expected != 200:
        assert preview3.status == ImportStatus.PREVIEW
        assert not Recommendation.objects.exists()
        assert AuditEvent.objects.count() == events
        return
    assert preview3.status == ImportStatus.APPLIED
    assert preview3.applied_by == world.coordinator
    assert Recommendation.objects.count() == 347


@pytest.mark.authz("national_recommendations:import_discard")
@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_discard(world, login, preview3, role):
    client = login(user_for(world, role))
    response = client.post(nurl("import_discard", import_uuid=preview3.uuid), CONFIRM)
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    preview3.refresh_from_db()
    assert (preview3.status == ImportStatus.DISCARDED) is (expected == 200)
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_change_a_mapping(world, login, applied3, role):
    mapping = ThemeMapping.objects.get(source_theme="Business & Human Rights")
    client = login(user_for(world, role))
    response = client.post(
        nurl("mapping_edit", mapping_uuid=mapping.uuid), {"themes": [seeded_theme("work").pk]}
    )
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    assert mapping.themes.exists() is (expected == 200)
    assert AuditEvent.objects.filter(action=AuditAction.THEME_MAPPING_UPDATED).exists() is (
        expected == 200
    )


def test_each_route_refuses_the_wrong_verb(world, coordinator, preview3):
    mapping = ThemeMapping.objects.create(vocabulary="uhri_list", source_theme="Something")
    for url in (
        nurl("import_apply", import_uuid=preview3.uuid),
        nurl("import_discard", import_uuid=preview3.uuid),
    ):
        assert coordinator.get(url).status_code == 405, url
    for url in (nurl("import", import_uuid=preview3.uuid), nurl("mapping")):
        assert coordinator.post(url, CONFIRM).status_code == 405, url
    for url in (nurl("import_start"), nurl("mapping_edit", mapping_uuid=mapping.uuid)):
        assert coordinator.put(url).status_code == 405, url
    preview3.refresh_from_db()
    assert preview3.status == ImportStatus.PREVIEW


def test_unknown_imports_and_mappings_are_404(world, coordinator):
    import uuid

    missing = uuid.uuid4()
    assert coordinator.get(nurl("import", import_uuid=missing)).status_code == 404
    assert coordinator.post(nurl("import_apply", import_uuid=missing)).status_code == 404
    assert coordinator.post(nurl("import_discard", import_uuid=missing)).status_code == 404
    assert coordinator.get(nurl("mapping_edit", mapping_uuid=missing)).status_code == 404


# --------------------------------------------------------------------------- upload and preview


def test_the_cycle_3_file_is_checked_row_by_row_before_anything_is_imported(
    world, coordinator, cycles
):
    assert coordinator.get(nurl("import_start")).status_code == 200
    response = upload(coordinator, cycles[1], CYCLE3)
    batch = RecommendationImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == nurl("import", import_uuid=batch.uuid)
    assert (batch.status, batch.cycle, batch.format, batch.filename) == (
        ImportStatus.PREVIEW,
        cycles[1],
        "uhri_list",
        CYCLE3.name,
    )
    assert batch.uploaded_by == world.coordinator
    assert bytes(batch.content) == CYCLE3.read_bytes()
    assert (batch.summary["rows"], batch.summary["recommendations"], batch.summary["new"]) == (
        347,
        347,
        347,
    )
    assert not Recommendation.objects.exists()
    assert not ThemeMapping.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.RECOMMENDATIONS_CHECKED)
    assert event.details == {"cycle": 3, "rows": 347, "errors": 0}

    page = text(coordinator.get(response["Location"]))
    assert "Check before importing" in page
    assert "Import 347 recommendations" in page
    assert nurl("import_apply", import_uuid=batch.uuid) in page
    assert nurl("import_discard", import_uuid=batch.uuid) in page
    # 26.91's state field holds a fragment of text: reported on its line of the file.
    line = next(
        n
        for n, row in enumerate(CYCLE3.read_text().splitlines(), start=1)
        if row.startswith("26.91,")
    )
    assert line == 92
    row = row_of(page, "the Paris Principles")
    assert line_cell(row) == "92"
    assert "recommending_state" in row
    [note] = [n for n in batch.notes if n["line"] == 92]
    assert note["message"] in row
    # The empty state of 26.347 (its last line) is filled from the text.
    assert line_cell(row_of(page, "(Nicaragua).")) == "348"
    assert not Recommendation.objects.exists()  # looking changes nothing


def test_the_cycle_1_preview_shows_the_merged_rows(world, coordinator, cycles):
    response = upload(coordinator, cycles[0], CYCLE1)
    batch = RecommendationImport.objects.get()
    assert batch.format == "upr_info"
    assert (batch.summary["rows"], batch.summary["recommendations"]) == (280, 269)
    assert batch.summary["merged_rows"] == 11
    page = text(coordinator.get(response["Location"]))
    assert "Import 269 recommendations" in page
    merged = row_of(page, "Same text as line 39")
    assert line_cell(merged) == "40"
    assert "UPR Info database export, session 9" in page  # the source named for it
    assert not Recommendation.objects.exists()


def test_applying_imports_once_and_discarding_imports_nothing(world, coordinator, cycles):
    upload(coordinator, cycles[1], CYCLE3)
    batch = RecommendationImport.objects.get()
    response = coordinator.post(nurl("import_apply", import_uuid=batch.uuid), CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == nurl("import", import_uuid=batch.uuid)
    assert messages_of(response) == ["Imported: 347 new, 0 updated, 0 unchanged recommendations."]
    assert Recommendation.objects.filter(cycle=cycles[1]).count() == 347
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and batch.applied_by == world.coordinator
    rec = Recommendation.objects.get(cycle=cycles[1], paragraph="26.91")
    assert rec.states == ["Philippines"] and rec.import_batch == batch
    event = AuditEvent.objects.get(action=AuditAction.RECOMMENDATIONS_IMPORTED)
    assert event.details["created"] == 347 and event.actor == world.coordinator
    page = text(coordinator.get(response["Location"]))
    assert "Import 347 recommendations" not in page
    assert nurl("import_apply", import_uuid=batch.uuid) not in page

    # A second confirmation is refused and changes nothing.
    response = coordinator.post(nurl("import_apply", import_uuid=batch.uuid), CONFIRM)
    assert response.status_code == 302
    assert messages_of(response)[-1] == "This file has already been imported or discarded."
    assert Recommendation.objects.count() == 347
    assert AuditEvent.objects.filter(action=AuditAction.RECOMMENDATIONS_IMPORTED).count() == 1

    # The cycle 1 file goes to its own cycle.
    upload(coordinator, cycles[0], CYCLE1)
    first = RecommendationImport.objects.get(cycle=cycles[0])
    coordinator.post(nurl("import_apply", import_uuid=first.uuid), CONFIRM)
    assert Recommendation.objects.filter(cycle=cycles[0]).count() == 269
    assert Recommendation.objects.count() == 269 + 347

    # The same file again: nothing new, and discarding it imports nothing.
    upload(coordinator, cycles[1], CYCLE3)
    again = RecommendationImport.objects.filter(cycle=cycles[1]).first()
    assert again.status == ImportStatus.PREVIEW
    assert (again.summary["new"], again.summary["unchanged"]) == (0, 347)
    response = coordinator.post(nurl("import_discard", import_uuid=again.uuid), CONFIRM)
    assert response["Location"] == nurl("import_start")
    assert messages_of(response)[-1] == "The file was discarded. Nothing was imported."
    again.refresh_from_db()
    assert again.status == ImportStatus.DISCARDED and bytes(again.content) == b""
    response = coordinator.post(nurl("import_apply", import_uuid=again.uuid), CONFIRM)
    assert messages_of(response)[-1] == "This file has already been imported or discarded."
    response = coordinator.post(nurl("import_discard", import_uuid=again.uuid), CONFIRM)
    assert messages_of(response)[-1] == "This file has already been imported or discarded."
    assert Recommendation.objects.count() == 269 + 347
    assert AuditEvent.objects.filter(action=AuditAction.RECOMMENDATIONS_DISCARDED).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "notes.csv",
            b"name,email\nAda,ada@example.org\n",
            "The first row doesn't match a UPR recommendations file.",
        ),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "The file contains NUL characters, so it isn't plain CSV text.",
        ),
        (
            "header-only.csv",
            b"paragraph,recommending_state,position,theme,text\n",
            "The file has a header but no recommendations.",
        ),
        ("blank.csv", b"  \n\n", "The file is empty."),
    ],
    ids=["other-columns", "binary", "header-only", "blank"],
)
def test_an_unreadable_file_is_refused_with_a_clear_error(
    world, coordinator, cycles, name, content, message
):
    response = upload(coordinator, cycles[1], name, content)
    assert response.status_code == 422
    assert message in text(response)
    assert message in " ".join(response.context["form"].non_field_errors())
    assert not RecommendationImport.objects.exists()
    assert not Recommendation.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RECOMMENDATIONS_CHECKED).exists()


def test_an_upload_without_a_cycle_or_file_is_422(world, coordinator, cycles):
    response = coordinator.post(nurl("import_start"), {"file": csv_file(CYCLE3)})
    assert response.status_code == 422
    assert "cycle" in response.context["form"].errors
    response = coordinator.post(nurl("import_start"), {"cycle": cycles[1].pk})
    assert response.status_code == 422
    assert "file" in response.context["form"].errors
    assert not RecommendationImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, coordinator, cycles):
    big = CYCLE3.read_bytes()
    big += b"\n" * (upr_import.MAX_BYTES + 1 - len(big))
    response = upload(coordinator, cycles[1], "big.csv", big)
    assert response.status_code == 422
    assert "The file is larger than 5 MB." in text(response)
    assert response.context["form"].errors["file"] == ["The file is larger than 5 MB."]
    assert not RecommendationImport.objects.exists()
    # Far over it, the request is refused before it is read.
    response = coordinator.post(
        nurl("import_start"),
        {"cycle": cycles[1].pk, "file": csv_file(CYCLE3)},
        CONTENT_LENGTH=str(upr_import.MAX_BYTES + 65 * 1024),
    )
    assert response.status_code == 413
    assert not RecommendationImport.objects.exists()


# --------------------------------------------------------------------------- theme mapping


def test_the_mapping_lists_unmapped_themes_first_and_an_edit_rethemes(world, coordinator, applied3):
    page = text(coordinator.get(nurl("mapping")))
    unmapped = ThemeMapping.objects.filter(themes__isnull=True, not_applicable=False)
    assert unmapped.exists()
    business = ThemeMapping.objects.get(source_theme="Business & Human Rights")
    assert business in unmapped
    edit_url = nurl("mapping_edit", mapping_uuid=business.uuid)
    # Listed on its own at the top, with how many recommendations carry it.
    assert edit_url in unmapped_section(page)
    mapped = ThemeMapping.objects.exclude(pk__in=unmapped).first()
    assert nurl("mapping_edit", mapping_uuid=mapped.uuid) not in unmapped_section(page)
    assert "Not mapped" in row_of(page, "Business & Human Rights</th>")

    carrying = Recommendation.objects.filter(source_themes__contains=["Business & Human Rights"])
    assert carrying.exists()
    assert not any(r.themes.exists() for r in carrying)
    form = text(coordinator.get(edit_url))
    assert "Business & Human Rights" in form
    work = seeded_theme("work")
    response = coordinator.post(edit_url, {"themes": [work.pk]})
    assert response.status_code == 302
    assert response["Location"] == nurl("mapping")
    assert messages_of(response) == [
        "Mapping saved: the recommendations with this theme are updated."
    ]
    assert list(business.themes.all()) == [work]
    assert all(work in r.themes.all() for r in carrying)
    event = AuditEvent.objects.get(action=AuditAction.THEME_MAPPING_UPDATED)
    assert event.details["after"] == ["work"] and event.actor == world.coordinator
    # Marking it "no portal theme applies" removes the themes again.
    response = coordinator.post(edit_url, {"not_applicable": "on"})
    business.refresh_from_db()
    assert business.not_applicable and not business.themes.exists()
    assert not any(r.themes.exists() for r in carrying)
    page = text(coordinator.get(nurl("mapping")))
    assert edit_url not in unmapped_section(page)
    assert "None applies" in row_of(page, "Business & Human Rights</th>")


def test_an_unknown_theme_in_a_mapping_is_422(world, coordinator, applied3):
    mapping = ThemeMapping.objects.get(source_theme="Business & Human Rights")
    response = coordinator.post(
        nurl("mapping_edit", mapping_uuid=mapping.uuid), {"themes": ["999999"]}
    )
    assert response.status_code == 422
    assert "themes" in response.context["form"].errors
    assert not mapping.themes.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.THEME_MAPPING_UPDATED).exists()
