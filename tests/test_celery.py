"""The Celery wiring, end to end: a real worker consuming from the real Redis broker."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from cities import services
from cities.models import EmailStatus, Invitation, Role
from upr_portal.celery import app


@pytest.fixture
def real_worker(settings):
    """A worker thread on the real broker; tasks are no longer run eagerly."""
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_an_invitation_email_is_sent_by_a_real_worker(world, real_worker):
    invitation = services.invitation_create(
        invited_by=world.a.lead, email="queued@example.org", role=Role.VIEWER, city=world.a.city
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.email_status == EmailStatus.SENT:
            break
        time.sleep(0.1)
    assert invitation.email_status == EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [["queued@example.org"]]
    assert Invitation.objects.get(pk=invitation.pk).email_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_paper_form_import_is_run_by_a_real_worker(world, real_worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultations import services as consultation_services
    from consultations.models import ImportStatus, Testimony

    csv_file = SimpleUploadedFile(
        "forms.csv",
        b"testimony,themes,describes,consent\nThe clinic closed.,health,problem,anonymous\n",
    )
    check = consultation_services.import_check(
        actor=world.a.organizer, city=world.a.city, cycle=world.cycle, upload=csv_file
    )
    assert check.batch is not None
    consultation_services.import_confirm(actor=world.a.organizer, batch=check.batch)
    batch = check.batch
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == ImportStatus.DONE:
            break
        time.sleep(0.1)
    assert batch.status == ImportStatus.DONE
    assert Testimony.objects.filter(import_batch=batch, city=world.a.city).count() == 1


def test_task_messages_carry_ids_only():
    from cities.tasks import invitation_send_email

    sig = invitation_send_email.s(42)
    assert sig.args == (42,)


def test_celery_is_configured_for_redelivery_safety():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit
