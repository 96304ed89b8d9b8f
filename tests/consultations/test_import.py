"""Paper-form CSV imports: checking, preview, confirmation, the Celery task, duplicates
and the stale-batch sweeper, through the services and through the pages."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cities.models import AuditAction, AuditEvent, Theme
from consultations import csv_import, selectors, services, tasks
from consultations.models import ImportBatch, ImportStatus, Testimony
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import curl, messages_of
from tests.factories import ConsultationFactory, ImportBatchFactory, seeded_theme

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
GOOD_EN = (DATA / "import_good_en.csv").read_bytes()
GOOD_ES = (DATA / "import_good_es.csv").read_bytes()
BAD_EN = (DATA / "import_bad_en.csv").read_bytes()


def _upload(data: bytes, name: str = "paper-forms.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _check(world, data: bytes, **kwargs) -> services.ImportCheck:
    return services.import_check(
        actor=world.a.organizer,
        city=world.a.city,
        cycle=world.cycle,
        upload=_upload(data),
        **kwargs,
    )


def _import(world, committed, data: bytes) -> ImportBatch:
    """Check, confirm and (eagerly) run an import, as the organizer of city A."""
    check = _check(world, data)
    assert check.batch is not None, check.errors or check.file_error
    committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    check.batch.refresh_from_db()
    return check.batch


# --------------------------------------------------------------------------- parsing


def test_the_template_has_english_and_spanish_headers():
    en = csv_import.template_csv("en").decode("utf-8-sig").strip()
    es = csv_import.template_csv("es").decode("utf-8-sig").strip()
    assert en.startswith("testimony,themes,describes,consent,")
    assert es.startswith("testimonio,temas,describe,consentimiento,")
    assert len(en.split(",")) == len(es.split(",")) == len(csv_import.COLUMNS)


def test_an_english_file_is_read_with_its_values(world):
    check = _check(world, GOOD_EN)
    assert check.errors == []
    rows = selectors.import_preview_rows(batch=check.batch)
    first, second, third = (row.fields for row in rows)
    assert first["consent_level"] == "anonymous"
    assert first["occurred_on"] == datetime.date(2026, 3, 14)
    assert first["speaker_name"] == "Dana Whitfield"
    assert first["rights"] == ["ICCPR art. 17"]
    assert first["age_band"] == "25_34"
    assert second["occurred_on"] == datetime.date(2026, 3, 2)  # US month/day order
    assert second["nature"] == "positive"
    assert second["consent_method"] == "verbal"
    assert third["nature"] == "both"
    assert third["consent_method"] == "written"  # empty means written
    assert third["source"] == "paper_form"  # empty means paper form
    assert rows[0].theme_ids == [seeded_theme("housing").pk, seeded_theme("health").pk]


def test_a_spanish_file_is_read_with_spanish_values_and_dates(world):
    check = _check(world, GOOD_ES)
    assert check.errors == [] and check.file_error == ""
    first, second = (row.fields for row in selectors.import_preview_rows(batch=check.batch))
    assert first["nature"] == "problem"
    assert first["consent_level"] == "anonymous"
    assert first["occurred_on"] == datetime.date(2026, 3, 14)  # day/month order
    assert first["source"] == "interview"
    assert first["language"] == "es"  # the headers' language by default
    assert second["nature"] == "positive"
    assert second["consent_level"] == "internal"
    assert second["consent_method"] == "written"
    assert second["age_band"] == "65_plus"


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_stored(world, new_private_files):
    check = _check(world, BAD_EN)
    assert check.batch is None
    found = {(error.line, error.column) for error in check.errors}
    assert found == {
        (2, "testimony"),  # missing narrative
        (3, "themes"),  # unknown theme
        (4, "consent"),  # not a consent value
        (5, "date"),  # not a date
        (6, "date"),  # in the future
        (7, "area"),  # a street address
    }
    assert not ImportBatch.objects.exists()
    assert not Testimony.objects.exists()
    assert new_private_files() == set()


def test_a_semicolon_separated_spreadsheet_export_is_read(world):
    # Spreadsheet programs in Spanish-speaking locales save CSV with ";" between cells.
    data = (
        "testimonio;temas;describe;consentimiento;fecha\n"
        '"Subieron el alquiler, otra vez.";"vivienda y personas sin hogar; salud";ambos;anónima;02/03/2026\n'
    ).encode()
    check = _check(world, data)
    assert check.errors == [] and check.file_error == ""
    (row,) = selectors.import_preview_rows(batch=check.batch)
    assert row.fields["narrative"] == "Subieron el alquiler, otra vez."
    assert row.fields["nature"] == "both"
    assert row.fields["consent_level"] == "anonymous"
    assert row.fields["occurred_on"] == datetime.date(2026, 3, 2)
    assert row.theme_ids == [seeded_theme("housing").pk, seeded_theme("health").pk]


def test_a_file_with_unknown_columns_is_refused_as_a_whole(world):
    check = _check(
        world,
        b"testimony,themes,describes,consent,favourite colour\nx,housing,problem,internal,red\n",
    )
    assert "favourite colour" in check.file_error
    assert check.batch is None
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(world):
    check = _check(
        world,
        "testimonio,temas,describe,consentimiento\nAquí,salud,problema,interno\n".encode("latin-1"),
    )
    assert "UTF-8" in check.file_error
    assert not ImportBatch.objects.exists()


def test_a_utf16_spreadsheet_export_is_refused_with_advice(world):
    check = _check(
        world,
        "testimony,themes,describes,consent\nRent.,housing,problem,internal\n".encode("utf-16"),
    )
    assert "UTF-8" in check.file_error
    assert not ImportBatch.objects.exists()


def test_a_row_with_a_nul_character_is_reported_at_the_check(world):
    check = _check(
        world, b'testimony,themes,describes,consent\n"Rent\x00 up.",housing,problem,internal\n'
    )
    assert check.batch is None
    assert check.errors or check.file_error
    assert not ImportBatch.objects.exists()


def test_a_retired_theme_is_not_a_theme_in_use(world):
    Theme.objects.filter(slug="housing").update(is_active=False)
    check = _check(world, GOOD_EN)
    assert check.batch is None
    assert {(e.line, e.column) for e in check.errors} == {(2, "themes")}


# --------------------------------------------------------------------------- importing


def test_confirming_imports_every_row_with_its_themes_and_audit(world, committed):
    batch = _import(world, committed, GOOD_EN)
    assert batch.status == ImportStatus.DONE
    assert (batch.row_count, batch.imported_rows, batch.duplicate_rows) == (3, 3, 0)
    testimonies = list(Testimony.objects.filter(import_batch=batch).order_by("import_row"))
    assert [t.import_row for t in testimonies] == [2, 3, 4]
    first = testimonies[0]
    assert first.city == world.a.city
    assert first.cycle == world.cycle
    assert first.recorded_by == world.a.organizer
    assert first.consent_recorded_by == world.a.organizer
    assert first.speaker_contact == "dana.w@example.org"
    assert len(first.fingerprint) == 64
    assert {t.slug for t in first.themes.all()} == {"housing", "health"}
    assert all(t.fingerprint for t in testimonies)
    assert len({t.fingerprint for t in testimonies}) == 3
    actions = list(
        AuditEvent.objects.filter(target_id=str(batch.uuid))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.IMPORT_UPLOADED,
        AuditAction.IMPORT_CONFIRMED,
        AuditAction.IMPORT_FINISHED,
    ]
    finished = AuditEvent.objects.get(action=AuditAction.IMPORT_FINISHED)
    assert finished.details == {"imported": 3, "skipped_duplicates": 0}


def test_an_import_can_be_tied_to_a_consultation(world, committed, consultation):
    check = _check(world, GOOD_ES, consultation=consultation)
    committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    assert set(Testimony.objects.values_list("consultation", flat=True)) == {consultation.pk}


def test_an_import_refuses_another_citys_consultation(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _check(world, GOOD_EN, consultation=ConsultationFactory(city=world.b.city))
    assert not ImportBatch.objects.exists()


def test_the_task_is_queued_with_the_batch_id_only(world, committed):
    check = _check(world, GOOD_EN)
    with mock.patch.object(tasks.testimony_import_run, "apply_async") as apply_async:
        committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    apply_async.assert_called_once()
    assert apply_async.call_args.kwargs == {"args": (check.batch.pk,)}
    check.batch.refresh_from_db()
    assert check.batch.status == ImportStatus.QUEUED
    assert not Testimony.objects.exists()


def test_nothing_is_queued_before_the_commit(world):
    check = _check(world, GOOD_EN)
    with mock.patch.object(tasks.testimony_import_run, "apply_async") as apply_async:
        services.import_confirm(actor=world.a.organizer, batch=check.batch)
    apply_async.assert_not_called()


def test_the_task_is_idempotent(world, committed):
    check = _check(world, GOOD_EN)
    with mock.patch.object(tasks.testimony_import_run, "apply_async"):
        committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    assert services.import_run(batch_id=check.batch.pk) is True
    assert services.import_run(batch_id=check.batch.pk) is False
    assert tasks.testimony_import_run(check.batch.pk) is False
    assert Testimony.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_FINISHED).count() == 1
    check.batch.refresh_from_db()
    assert check.batch.attempts == 1


@pytest.mark.parametrize(
    "status",
    [ImportStatus.PREVIEW, ImportStatus.RUNNING, ImportStatus.DISCARDED, ImportStatus.DONE],
)
def test_a_batch_that_is_not_queued_is_not_claimed(world, status):
    check = _check(world, GOOD_EN)
    ImportBatch.objects.filter(pk=check.batch.pk).update(status=status)
    assert services.import_run(batch_id=check.batch.pk) is False
    assert not Testimony.objects.exists()
    check.batch.refresh_from_db()
    assert check.batch.status == status
    assert check.batch.attempts == 0


def test_a_theme_retired_after_the_preview_fails_the_whole_batch(world, committed):
    check = _check(world, GOOD_EN)
    Theme.objects.filter(slug="policing").update(is_active=False)
    committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    check.batch.refresh_from_db()
    assert check.batch.status == ImportStatus.FAILED
    assert "Line 4" in check.batch.error
    assert not Testimony.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_FAILED).exists()


def test_the_same_file_again_after_import_is_a_duplicate(world, committed):
    first = _import(world, committed, GOOD_EN)
    with pytest.raises(services.DuplicateImport) as exc:
        _check(world, GOOD_EN)
    assert exc.value.batch == first
    assert ImportBatch.objects.count() == 1
    assert Testimony.objects.count() == 3


def test_the_same_file_in_another_city_is_not_a_duplicate(world, committed):
    _import(world, committed, GOOD_EN)
    check = services.import_check(
        actor=world.b.organizer, city=world.b.city, cycle=world.cycle, upload=_upload(GOOD_EN)
    )
    assert check.batch is not None
    assert check.batch.duplicate_rows == 0


def test_re_uploading_a_file_waiting_for_confirmation_returns_the_same_batch(world):
    first = _check(world, GOOD_EN).batch
    again = _check(world, GOOD_EN).batch
    assert again == first
    assert ImportBatch.objects.count() == 1


def test_rows_already_imported_are_skipped_in_a_modified_file(world, committed):
    _import(world, committed, GOOD_EN)
    extended = (
        GOOD_EN
        + b'"The bus stop has no shelter or bench for elders.",poverty,problem,internal,,,,,,,,,,,\n'
    )
    check = _check(world, extended)
    assert check.batch.row_count == 4
    assert check.batch.duplicate_rows == 3
    committed(services.import_confirm, actor=world.a.organizer, batch=check.batch)
    check.batch.refresh_from_db()
    assert check.batch.status == ImportStatus.DONE
    assert (check.batch.imported_rows, check.batch.duplicate_rows) == (1, 3)
    assert Testimony.objects.count() == 4
    assert Testimony.objects.filter(import_batch=check.batch).get().import_row == 5


def test_a_row_repeated_within_one_file_is_imported_once(world, committed):
    line = b'"Same words twice.",housing,problem,internal,2026-01-05,Eastside\n'
    data = b"testimony,themes,describes,consent,date,area\n" + line + line
    batch = _import(world, committed, data)
    assert (batch.row_count, batch.duplicate_rows, batch.imported_rows) == (2, 1, 1)
    assert Testimony.objects.count() == 1


def test_discarding_a_preview_deletes_its_file_and_imports_nothing(
    world, committed, new_private_files
):
    check = _check(world, GOOD_EN)
    assert len(new_private_files()) == 1
    committed(services.import_discard, actor=world.a.organizer, batch=check.batch)
    check.batch.refresh_from_db()
    assert check.batch.status == ImportStatus.DISCARDED
    assert new_private_files() == set()
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_DISCARDED).exists()
    # A discarded file may be uploaded again.
    assert _check(world, GOOD_EN).batch != check.batch


def test_a_larger_import_completes(world, committed):
    header = b"testimony,themes,describes,consent,date,area\n"
    rows = b"".join(
        f'"Resident {n} says the rent rose by {n % 40 + 5} percent.",housing;work,problem,internal,2026-0{n % 9 + 1}-1{n % 9},Ward {n % 12}\n'.encode()
        for n in range(2000)
    )
    batch = _import(world, committed, header + rows)
    assert batch.status == ImportStatus.DONE
    assert (batch.row_count, batch.processed_rows, batch.imported_rows) == (2000, 2000, 2000)
    assert batch.percent == 100
    assert Testimony.objects.filter(import_batch=batch).count() == 2000
    assert Testimony.themes.through.objects.filter(testimony__import_batch=batch).count() == 4000


def test_no_testimony_text_reaches_the_logs_or_the_task(world, committed, caplog):
    caplog.set_level(logging.DEBUG)
    with mock.patch.object(
        tasks.testimony_import_run, "apply_async", wraps=tasks.testimony_import_run.apply_async
    ) as apply_async:
        _import(world, committed, GOOD_EN)
    assert Testimony.objects.count() == 3
    sent = repr(apply_async.call_args)
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in ("landlord kept our deposit", "Dana Whitfield", "dana.w@example.org"):
        assert secret not in logged
        assert secret not in sent


# --------------------------------------------------------------------------- the sweeper


def test_a_lost_queued_batch_is_handed_back_for_publishing(world):
    batch = ImportBatchFactory(city=world.a.city, status=ImportStatus.QUEUED)
    fresh = ImportBatchFactory(city=world.a.city, status=ImportStatus.QUEUED)
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert services.imports_requeue_stale() == [batch.pk]
    fresh.refresh_from_db()
    assert fresh.status == ImportStatus.QUEUED


def test_a_batch_whose_worker_died_is_queued_again(world):
    batch = ImportBatchFactory(city=world.a.city, status=ImportStatus.RUNNING, attempts=1)
    running = ImportBatchFactory(city=world.a.city, status=ImportStatus.RUNNING, attempts=1)
    ImportBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    ImportBatch.objects.filter(pk=running.pk).update(started_at=timezone.now())
    assert services.imports_requeue_stale() == [batch.pk]
    batch.refresh_from_db()
    running.refresh_from_db()
    assert batch.status == ImportStatus.QUEUED
    assert running.status == ImportStatus.RUNNING


def test_a_batch_that_died_too_often_fails(world):
    batch = ImportBatchFactory(
        city=world.a.city,
        status=ImportStatus.RUNNING,
        attempts=services.imports.MAX_IMPORT_ATTEMPTS,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert services.imports_requeue_stale() == []
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.error


def test_the_requeue_task_publishes_each_stale_batch_then_the_import_runs(world):
    check = _check(world, GOOD_EN)
    ImportBatch.objects.filter(pk=check.batch.pk).update(
        status=ImportStatus.QUEUED, updated_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    with mock.patch.object(tasks.testimony_import_run, "apply_async") as apply_async:
        assert tasks.testimony_imports_requeue() == 1
    assert apply_async.call_args.kwargs == {"args": (check.batch.pk,)}
    # Eagerly, for real this time: the sweeper's publish leads to a finished import.
    assert tasks.testimony_imports_requeue() == 1
    check.batch.refresh_from_db()
    assert check.batch.status == ImportStatus.DONE
    assert Testimony.objects.count() == 3


# --------------------------------------------------------------------------- the pages

READ_MATRIX = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 403,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 403,
}


def _expect(response, expected) -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected


@pytest.mark.authz(
    "consultations:import_start", "consultations:import_template", "consultations:import_detail"
)
@pytest.mark.parametrize("role", ROLES)
def test_import_pages_are_for_organizers_and_leads(world, login, role):
    batch = _check(world, GOOD_EN).batch
    client = login(user_for(world, role))
    for url in (
        curl("import_start", world.a.city),
        curl("import_template", world.a.city),
        curl("import_detail", world.a.city, batch_uuid=batch.uuid),
    ):
        _expect(client.get(url), READ_MATRIX[role])


@pytest.mark.authz("consultations:import_confirm", "consultations:import_discard")
@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer", "other_lead", "coordinator"])
def test_import_posts_by_anyone_else_change_nothing(world, login, role):
    batch = _check(world, GOOD_EN).batch
    client = login(user_for(world, role))
    for name in ("import_confirm", "import_discard"):
        response = client.post(curl(name, world.a.city, batch_uuid=batch.uuid))
        _expect(response, READ_MATRIX[role])
    response = client.post(curl("import_start", world.a.city), {"file": _upload(GOOD_ES)})
    _expect(response, READ_MATRIX[role])
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW
    assert ImportBatch.objects.count() == 1
    assert not Testimony.objects.exists()


def test_another_citys_batch_is_404(world, login):
    theirs = ImportBatchFactory(city=world.b.city)
    client = login(world.a.lead)
    assert (
        client.get(curl("import_detail", world.a.city, batch_uuid=theirs.uuid)).status_code == 404
    )
    for name in ("import_confirm", "import_discard"):
        assert client.post(curl(name, world.a.city, batch_uuid=theirs.uuid)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.PREVIEW


def test_confirm_and_discard_are_post_only(world, login):
    batch = _check(world, GOOD_EN).batch
    client = login(world.a.organizer)
    for name in ("import_confirm", "import_discard"):
        assert client.get(curl(name, world.a.city, batch_uuid=batch.uuid)).status_code == 405
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW


@pytest.mark.parametrize(
    ("lang", "header", "filename"),
    [
        ("en", "testimony,themes,describes,consent", "testimony-template.csv"),
        ("es", "testimonio,temas,describe,consentimiento", "testimonios-plantilla.csv"),
    ],
)
def test_the_template_downloads_in_english_and_spanish(world, login, lang, header, filename):
    response = login(world.a.organizer).get(curl("import_template", world.a.city), {"lang": lang})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.content.decode("utf-8-sig").startswith(header)


def test_uploading_a_good_file_shows_the_preview(world, login):
    client = login(world.a.organizer)
    response = client.post(curl("import_start", world.a.city), {"file": _upload(GOOD_ES)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == curl("import_detail", world.a.city, batch_uuid=batch.uuid)
    assert batch.status == ImportStatus.PREVIEW
    assert batch.uploaded_by == world.a.organizer
    assert not Testimony.objects.exists()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert len(preview.context["preview"]) == 2
    assert "Nos desalojaron sin aviso" in preview.content.decode()


def test_uploading_a_bad_file_lists_the_errors_row_by_row_then_a_fixed_file_works(
    world, login, new_private_files
):
    client = login(world.a.organizer)
    response = client.post(curl("import_start", world.a.city), {"file": _upload(BAD_EN)})
    assert response.status_code == 422
    assert [e.line for e in response.context["row_errors"]] == [2, 3, 4, 5, 6, 7]
    body = response.content.decode()
    assert "unicorns" in body
    assert "This date is in the future." in body
    assert not ImportBatch.objects.exists()
    assert not Testimony.objects.exists()
    assert new_private_files() == set()

    fixed = (
        BAD_EN.replace(
            b",housing,problem,anonymous,,\n",
            b'"The heat was off all winter.",housing,problem,anonymous,,\n',
            1,
        )
        .replace(b"unicorns", b"housing")
        .replace(b",maybe,", b",anonymous,")
        .replace(b"31/31/2026", b"2026-01-31")
        .replace(b"2099-01-01", b"2026-02-01")
        .replace(b'"1423 N. Elm Street, Apt 4B"', b"Northside")
    )
    response = client.post(curl("import_start", world.a.city), {"file": _upload(fixed)})
    assert response.status_code == 302
    assert ImportBatch.objects.get().row_count == 7


def test_another_citys_consultation_cant_be_chosen_for_an_import(world, login):
    theirs = ConsultationFactory(city=world.b.city)
    response = login(world.a.organizer).post(
        curl("import_start", world.a.city), {"file": _upload(GOOD_EN), "consultation": theirs.pk}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["consultation"]
    assert not ImportBatch.objects.exists()


def test_a_file_error_is_shown_with_422(world, login):
    response = login(world.a.organizer).post(
        curl("import_start", world.a.city), {"file": _upload(b"testimony,themes\n")}
    )
    assert response.status_code == 422
    assert response.context["file_error"]
    assert not ImportBatch.objects.exists()


def test_confirming_on_the_page_imports_the_rows(world, login, committed):
    batch = _check(world, GOOD_EN).batch
    response = committed(
        login(world.a.organizer).post, curl("import_confirm", world.a.city, batch_uuid=batch.uuid)
    )
    assert response.status_code == 302
    assert response["Location"] == curl("import_detail", world.a.city, batch_uuid=batch.uuid)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Testimony.objects.filter(recorded_by=world.a.organizer).count() == 3
    done = login(world.a.organizer).get(response["Location"])
    assert done.status_code == 200
    assert done.context["preview"] == []


def test_confirming_twice_imports_once(world, login, committed):
    batch = _check(world, GOOD_EN).batch
    client = login(world.a.lead)
    url = curl("import_confirm", world.a.city, batch_uuid=batch.uuid)
    committed(client.post, url)
    committed(client.post, url)
    assert Testimony.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_CONFIRMED).count() == 1


def test_the_same_file_after_import_is_refused_with_409(world, login, committed):
    first = _import(world, committed, GOOD_EN)
    response = login(world.a.lead).post(
        curl("import_start", world.a.city), {"file": _upload(GOOD_EN, name="again.csv")}
    )
    assert response.status_code == 409
    assert response.context["duplicate"] == first
    assert "This file was already imported" in response.content.decode()
    assert ImportBatch.objects.count() == 1
    assert Testimony.objects.count() == 3


def test_confirming_a_second_preview_of_an_imported_file_is_refused_cleanly(
    world, login, committed, consultation
):
    plain = _check(world, GOOD_EN).batch
    tied = _check(world, GOOD_EN, consultation=consultation).batch
    assert plain != tied
    client = login(world.a.organizer)
    committed(client.post, curl("import_confirm", world.a.city, batch_uuid=plain.uuid))
    response = committed(client.post, curl("import_confirm", world.a.city, batch_uuid=tied.uuid))
    assert response.status_code == 302
    assert messages_of(response)
    tied.refresh_from_db()
    assert tied.status == ImportStatus.PREVIEW
    assert Testimony.objects.count() == 3


def test_discarding_on_the_page(world, login, committed, new_private_files):
    batch = _check(world, GOOD_EN).batch
    response = committed(
        login(world.a.organizer).post, curl("import_discard", world.a.city, batch_uuid=batch.uuid)
    )
    assert response.status_code == 302
    assert response["Location"] == curl("import_start", world.a.city)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    assert new_private_files() == set()


def test_an_oversized_import_gets_413_before_anything_is_read(world, login):
    from django.conf import settings

    response = login(world.a.organizer).post(
        curl("import_start", world.a.city),
        {"file": _upload(GOOD_EN)},
        CONTENT_LENGTH=str(settings.IMPORT_MAX_BYTES + 65 * 1024),
    )
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()
