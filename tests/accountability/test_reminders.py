"""Due-soon and overdue reminder emails about actions, and the beat task that sends them."""

from __future__ import annotations

import contextlib
import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from accountability import services, tasks
from accountability.models import ActionReminder, ActionStatus
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    MembershipFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 10)


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def send(offset: int = 0) -> int:
    return services.action_reminders_send(today=day(offset))


@pytest.fixture
def plan(world):
    return ActionPlanFactory(
        city=world.a.city, recommendation=RecommendationFactory(paragraph="26.7")
    )


@pytest.fixture
def action(plan):
    return ActionFactory(
        plan=plan,
        description="Adopt a right-to-counsel ordinance",
        responsible="Department of Housing",
        due_on=day(5),
        status=ActionStatus.IN_PROGRESS,
    )


def team_a(world) -> list[str]:
    return sorted([world.a.lead.email, world.a.organizer.email])


def test_settings():
    assert settings.ACTION_DUE_SOON_DAYS == 7


def test_an_action_due_soon_emails_the_lead_and_organizers_once(world, action, mailoutbox):
    assert send() == 2

    [mail] = mailoutbox
    assert sorted(mail.to) == team_a(world)
    assert (
        mail.subject
        == f"Alphaville: an action is due on {day(5).isoformat()} (Recommendation 26.7)"
    )
    assert "Adopt a right-to-counsel ordinance" in mail.body
    assert "Responsible: Department of Housing" in mail.body
    assert "in 5 days" in mail.body
    everyone = set(mail.to) | set(mail.cc) | set(mail.bcc)
    for user in (
        world.a.viewer,
        world.a.outsider,
        world.b.lead,
        world.b.organizer,
        world.coordinator,
    ):
        assert user.email not in everyone
    [reminder] = ActionReminder.objects.all()
    assert (
        reminder.action,
        reminder.city,
        reminder.kind,
        reminder.due_on,
        reminder.recipients,
    ) == (
        action,
        world.a.city,
        "due_soon",
        day(5),
        2,
    )

    assert send() == 0
    assert send(1) == 0  # still due soon, same due date: already reminded
    assert len(mailoutbox) == 1
    assert ActionReminder.objects.count() == 1


def test_every_organizer_is_emailed_but_not_inactive_ones(world, action, mailoutbox):
    second = MembershipFactory(city=world.a.city, role="organizer").user
    gone = MembershipFactory(city=world.a.city, role="organizer").user
    gone.is_active = False
    gone.save()

    assert send() == 3

    assert sorted(mailoutbox[0].to) == sorted([*team_a(world), second.email])


@pytest.mark.parametrize(
    ("days_before", "kind"),
    [(8, None), (7, "due_soon"), (1, "due_soon"), (0, "due_soon"), (-1, "overdue")],
)
def test_the_reminder_window(world, action, mailoutbox, days_before, kind):
    sent = services.action_reminders_send(
        today=action.due_on - datetime.timedelta(days=days_before)
    )

    assert sent == (2 if kind else 0)
    assert len(mailoutbox) == (1 if kind else 0)
    assert list(ActionReminder.objects.values_list("kind", flat=True)) == ([kind] if kind else [])


def test_an_overdue_action_gets_one_overdue_email(world, action, mailoutbox):
    send()  # due soon
    mailoutbox.clear()

    assert send(6) == 2  # the day after the due date

    [mail] = mailoutbox
    assert sorted(mail.to) == team_a(world)
    assert mail.subject == "Alphaville: an action is overdue (Recommendation 26.7)"
    assert "was due on " + day(5).isoformat() in mail.body
    assert "overdue on the public scorecard" in mail.body
    assert set(ActionReminder.objects.values_list("kind", flat=True)) == {"due_soon", "overdue"}

    assert send(7) == 0
    assert send(40) == 0
    assert len(mailoutbox) == 1


def test_an_action_due_today_is_due_soon_not_overdue(world, action, mailoutbox):
    assert send(5) == 2

    assert "due on" in mailoutbox[0].subject
    assert ActionReminder.objects.get().kind == "due_soon"


def test_a_long_overdue_action_gets_only_the_overdue_email(world, action, mailoutbox):
    assert send(30) == 2

    [mail] = mailoutbox
    assert "overdue" in mail.subject
    assert ActionReminder.objects.get().kind == "overdue"


@pytest.mark.parametrize("offset", [0, 6])
def test_a_completed_action_gets_no_reminder(world, action, mailoutbox, offset):
    action.status = ActionStatus.COMPLETED
    action.save()

    assert send(offset) == 0

    assert mailoutbox == []
    assert not ActionReminder.objects.exists()


def test_an_action_due_later_gets_nothing_yet(world, action, mailoutbox):
    assert send(-3) == 0  # due in 8 days

    assert mailoutbox == []


def test_moving_the_due_date_arms_the_reminders_again(world, action, mailoutbox):
    send()
    action.due_on = day(3)
    action.save()

    assert send() == 2

    assert len(mailoutbox) == 2
    assert day(3).isoformat() in mailoutbox[1].subject
    assert set(ActionReminder.objects.values_list("due_on", flat=True)) == {day(5), day(3)}
    assert send() == 0


def test_each_city_hears_about_its_own_actions(world, action, mailoutbox):
    other = ActionFactory(
        plan=ActionPlanFactory(city=world.b.city), due_on=day(2), status=ActionStatus.NOT_STARTED
    )

    assert send() == 4

    by_recipients = {tuple(sorted(m.to)): m.subject for m in mailoutbox}
    assert set(by_recipients) == {
        tuple(team_a(world)),
        tuple(sorted([world.b.lead.email, world.b.organizer.email])),
    }
    assert by_recipients[tuple(team_a(world))].startswith("Alphaville:")
    assert ActionReminder.objects.get(action=other).city == world.b.city


def test_a_city_without_lead_or_organizers_is_skipped_without_a_record(world, mailoutbox):
    lonely = ActionPlanFactory()  # a city with no team
    ActionFactory(plan=lonely, due_on=day(1))

    assert send() == 0

    assert mailoutbox == []
    assert not ActionReminder.objects.exists()


def test_reminders_are_in_the_default_language(world, action, mailoutbox):
    from django.utils import translation

    with translation.override("es"):
        send()

    assert mailoutbox[0].subject.startswith("Alphaville: an action is due on")


def test_a_failed_send_is_retried_on_the_next_run(world, action, mailoutbox, monkeypatch):
    from accountability.services import officials

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(officials, "send_mail", broken)
    assert send() == 0  # logged, not raised: the other reminders still go
    assert not ActionReminder.objects.exists()

    monkeypatch.undo()
    assert send() == 2
    assert len(mailoutbox) == 1


def test_one_failing_email_does_not_stop_the_other_cities_reminders(
    world, plan, mailoutbox, monkeypatch
):
    from accountability.services import officials

    ActionFactory(plan=plan, due_on=day(1))
    ActionFactory(plan=ActionPlanFactory(city=world.b.city), due_on=day(2))
    real_send_mail = officials.send_mail

    def refuse_city_a(subject, body, sender, recipients, **kwargs):
        if world.a.lead.email in recipients:
            raise ConnectionRefusedError("recipient refused")
        return real_send_mail(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(officials, "send_mail", refuse_city_a)

    with contextlib.suppress(ConnectionRefusedError):
        send()

    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Betatown"]


# --------------------------------------------------------------------------- task


def test_the_task_sends_todays_reminders(world, plan, mailoutbox):
    ActionFactory(plan=plan, due_on=timezone.localdate() + datetime.timedelta(days=5))

    tasks.action_reminders_send.delay()

    [mail] = mailoutbox
    assert sorted(mail.to) == team_a(world)
    assert ActionReminder.objects.count() == 1
    tasks.action_reminders_send.delay()
    assert len(mailoutbox) == 1


def test_the_task_is_scheduled_daily():
    from upr_portal.celery import app

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accountability.tasks.action_reminders_send" in names
    assert "accountability.tasks.action_reminders_send" in app.tasks
