from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from cities import services, tasks
from cities.models import (
    AuditAction,
    AuditEvent,
    EmailStatus,
    Invitation,
    InvitationRole,
    InvitationStatus,
    Membership,
    Participation,
    ReviewCycle,
    Role,
)
from cities.selectors import invitation_get_by_link
from cities.tokens import invitation_token
from tests.factories import CityFactory, InvitationFactory, MembershipFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db


def _link_in(message) -> tuple[str, str]:
    match = re.search(r"/invitations/([0-9a-f-]{36})/([0-9a-f]+)/", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


class TestInvitationCreate:
    def test_it_creates_a_pending_invitation_and_emails_a_working_link(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_create(
                invited_by=world.a.lead,
                email="New@Example.org",
                role=Role.ORGANIZER,
                city=world.a.city,
            )
        invitation.refresh_from_db()
        assert invitation.email == "new@example.org"
        assert invitation.status == InvitationStatus.PENDING
        assert invitation.email_status == EmailStatus.SENT
        assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["new@example.org"]
        uuid, token = _link_in(mail.outbox[0])
        assert invitation_get_by_link(invitation_uuid=uuid, token=token) == invitation
        assert AuditEvent.objects.filter(
            action=AuditAction.INVITATION_SENT, city=world.a.city, actor=world.a.lead
        ).exists()

    def test_the_email_does_not_go_out_before_commit(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.invitation_create(
                invited_by=world.a.lead, email="x@example.org", role=Role.VIEWER, city=world.a.city
            )
        assert len(callbacks) == 1
        assert mail.outbox == []

    def test_reinviting_replaces_the_pending_invitation_and_kills_the_old_link(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            first = services.invitation_create(
                invited_by=world.a.lead, email="x@example.org", role=Role.VIEWER, city=world.a.city
            )
        with django_capture_on_commit_callbacks(execute=True):
            second = services.invitation_create(
                invited_by=world.a.lead,
                email="x@example.org",
                role=Role.ORGANIZER,
                city=world.a.city,
            )
        first.refresh_from_db()
        assert first.status == InvitationStatus.REVOKED
        assert second.status == InvitationStatus.PENDING
        assert len(mail.outbox) == 2
        old_uuid, old_token = _link_in(mail.outbox[0])
        # The old link still resolves (so the page can explain) but is no longer usable.
        assert not invitation_get_by_link(invitation_uuid=old_uuid, token=old_token).is_usable()
        assert AuditEvent.objects.filter(action=AuditAction.INVITATION_RESENT).count() == 1

    def test_a_replaced_invitation_is_never_emailed(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_create(
                invited_by=world.a.lead, email="x@example.org", role=Role.VIEWER, city=world.a.city
            )
            services.invitation_create(
                invited_by=world.a.lead,
                email="x@example.org",
                role=Role.ORGANIZER,
                city=world.a.city,
            )
        assert len(mail.outbox) == 1
        assert "as organizer" in mail.outbox[0].body

    def test_it_refuses_someone_already_on_the_team(self, world):
        with pytest.raises(ValidationError) as exc:
            services.invitation_create(
                invited_by=world.a.lead,
                email=world.a.viewer.email,
                role=Role.ORGANIZER,
                city=world.a.city,
            )
        assert "already on the team" in str(exc.value)
        assert not Invitation.objects.exists()

    def test_coordinator_invitations_have_no_city(self, world):
        with pytest.raises(ValidationError):
            services.invitation_create(
                invited_by=world.coordinator,
                email="c@example.org",
                role=InvitationRole.NATIONAL_COORDINATOR,
                city=world.a.city,
            )
        invitation = services.invitation_create(
            invited_by=world.coordinator,
            email="c@example.org",
            role=InvitationRole.NATIONAL_COORDINATOR,
            city=None,
        )
        assert invitation.city is None

    def test_city_roles_need_a_city(self, world):
        with pytest.raises(ValidationError):
            services.invitation_create(
                invited_by=world.coordinator, email="c@example.org", role=Role.CITY_LEAD, city=None
            )


class TestInvitationAccept:
    def test_it_creates_a_verified_account_and_the_membership(self, world):
        invitation = InvitationFactory(
            city=world.a.city, role=Role.ORGANIZER, invited_by=world.a.lead
        )
        user = services.invitation_accept(
            invitation=invitation, password="a-long-enough-passphrase", full_name="Nia Ruiz"
        )
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.ACCEPTED
        assert invitation.accepted_by == user
        assert user.check_password("a-long-enough-passphrase")
        assert user.full_name == "Nia Ruiz"
        assert EmailAddress.objects.get(user=user).verified
        assert Membership.objects.get(user=user, city=world.a.city).role == Role.ORGANIZER
        actions = set(AuditEvent.objects.filter(city=world.a.city).values_list("action", flat=True))
        assert {AuditAction.MEMBERSHIP_CREATED, AuditAction.INVITATION_ACCEPTED} <= actions

    def test_a_link_works_only_once(self, world):
        invitation = InvitationFactory(city=world.a.city)
        services.invitation_accept(invitation=invitation, password="a-long-enough-passphrase")
        with pytest.raises(ValidationError):
            services.invitation_accept(invitation=invitation, password="a-long-enough-passphrase")
        assert User.objects.filter(email=invitation.email).count() == 1

    def test_an_expired_invitation_is_refused(self, world):
        invitation = InvitationFactory(
            city=world.a.city, expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        with pytest.raises(ValidationError, match="expired"):
            services.invitation_accept(invitation=invitation, password="a-long-enough-passphrase")
        assert not User.objects.filter(email=invitation.email).exists()

    def test_a_revoked_invitation_is_refused(self, world):
        invitation = InvitationFactory(city=world.a.city)
        services.invitation_revoke(actor=world.a.lead, invitation=invitation)
        with pytest.raises(ValidationError):
            services.invitation_accept(invitation=invitation, password="a-long-enough-passphrase")

    def test_an_existing_account_joins_another_city(self, world):
        invitation = InvitationFactory(
            city=world.b.city, email=world.a.organizer.email, role=Role.VIEWER
        )
        services.invitation_accept(invitation=invitation, user=world.a.organizer)
        assert Membership.objects.get(user=world.a.organizer, city=world.b.city).role == Role.VIEWER
        assert (
            Membership.objects.get(user=world.a.organizer, city=world.a.city).role == Role.ORGANIZER
        )

    def test_an_existing_account_must_log_in_instead_of_setting_a_password(self, world):
        invitation = InvitationFactory(city=world.b.city, email=world.a.organizer.email)
        with pytest.raises(ValidationError, match="Log in"):
            services.invitation_accept(invitation=invitation, password="a-long-enough-passphrase")

    def test_the_wrong_account_cannot_accept(self, world):
        invitation = InvitationFactory(city=world.b.city, email="someone@example.org")
        with pytest.raises(ValidationError):
            services.invitation_accept(invitation=invitation, user=world.a.organizer)
        assert not Membership.objects.filter(user=world.a.organizer, city=world.b.city).exists()

    def test_a_coordinator_invitation_grants_the_global_role(self, world):
        invitation = InvitationFactory(city=None, role=InvitationRole.NATIONAL_COORDINATOR)
        user = services.invitation_accept(
            invitation=invitation, password="a-long-enough-passphrase"
        )
        user.refresh_from_db()
        assert user.is_national_coordinator
        assert not user.is_superuser
        assert not Membership.objects.filter(user=user).exists()


class TestInvitationEmailDelivery:
    def test_the_email_is_in_english_with_a_spanish_copy(self, world):
        invitation = InvitationFactory(city=world.a.city, role=Role.ORGANIZER)
        services.invitation_deliver(invitation_id=invitation.pk)
        message = mail.outbox[0]
        english, spanish = message.body.split("-" * 20, 1)
        assert "has invited you to join the Alphaville, Oregon team" in english
        assert "Alphaville, Oregon" in spanish
        assert "invited" not in spanish
        assert "enlace" in spanish
        assert " / " in message.subject
        # Both halves carry the same single-use link.
        assert english.count("/invitations/") == spanish.count("/invitations/") == 1

    def test_delivering_twice_sends_once(self, world):
        invitation = InvitationFactory(city=world.a.city)
        assert services.invitation_deliver(invitation_id=invitation.pk) is True
        assert services.invitation_deliver(invitation_id=invitation.pk) is False
        invitation.refresh_from_db()
        assert len(mail.outbox) == 1
        assert invitation.email_status == EmailStatus.SENT
        assert invitation.email_attempts == 1

    def test_a_revoked_invitation_is_not_emailed(self, world):
        invitation = InvitationFactory(city=world.a.city, status=InvitationStatus.REVOKED)
        assert services.invitation_deliver(invitation_id=invitation.pk) is False
        assert mail.outbox == []

    def test_a_broker_outage_keeps_the_invitation_and_the_sweeper_sends_it_later(
        self, world, monkeypatch, django_capture_on_commit_callbacks
    ):
        from kombu.exceptions import OperationalError

        def broker_down(*args, **kwargs):
            raise OperationalError("Redis is down")

        monkeypatch.setattr(tasks.invitation_send_email, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_create(
                invited_by=world.a.lead, email="x@example.org", role=Role.VIEWER, city=world.a.city
            )
        invitation.refresh_from_db()
        assert invitation.email_status == EmailStatus.QUEUED
        assert mail.outbox == []

        monkeypatch.undo()
        # Not yet: the sweeper leaves freshly queued work alone for QUEUED_WORK_REQUEUE_AFTER.
        assert tasks.invitations_send_pending() == 0
        Invitation.objects.filter(pk=invitation.pk).update(
            updated_at=timezone.now() - datetime.timedelta(minutes=3)
        )
        assert tasks.invitations_send_pending() == 1
        invitation.refresh_from_db()
        assert invitation.email_status == EmailStatus.SENT
        assert len(mail.outbox) == 1

    def test_the_email_never_contains_the_token_of_another_invitation(self, world):
        one = InvitationFactory(city=world.a.city)
        other = InvitationFactory(city=world.a.city)
        services.invitation_deliver(invitation_id=one.pk)
        assert invitation_token(other) not in mail.outbox[0].body

    def test_expiry_marks_only_overdue_invitations(self, world):
        overdue = InvitationFactory(
            city=world.a.city, expires_at=timezone.now() - datetime.timedelta(hours=1)
        )
        fresh = InvitationFactory(city=world.a.city)
        assert services.invitations_expire_due() == 1
        overdue.refresh_from_db()
        fresh.refresh_from_db()
        assert overdue.status == InvitationStatus.EXPIRED
        assert fresh.status == InvitationStatus.PENDING

    def test_resend_rotates_the_link_and_revives_an_expired_invitation(
        self, world, django_capture_on_commit_callbacks
    ):
        invitation = InvitationFactory(
            city=world.a.city,
            status=InvitationStatus.EXPIRED,
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )
        old_token = invitation_token(invitation)
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_resend(actor=world.a.lead, invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING
        assert invitation.is_usable()
        assert invitation_token(invitation) != old_token
        assert len(mail.outbox) == 1


class TestMemberships:
    def test_the_last_lead_cannot_be_demoted(self, world):
        membership = Membership.objects.get(user=world.a.lead, city=world.a.city)
        with pytest.raises(ValidationError, match="only city lead"):
            services.membership_change_role(
                actor=world.a.lead, membership=membership, role=Role.VIEWER
            )
        membership.refresh_from_db()
        assert membership.role == Role.CITY_LEAD

    def test_the_last_lead_cannot_be_removed(self, world):
        membership = Membership.objects.get(user=world.a.lead, city=world.a.city)
        with pytest.raises(ValidationError):
            services.membership_remove(actor=world.coordinator, membership=membership)
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_a_lead_can_step_down_once_there_is_another(self, world):
        MembershipFactory(city=world.a.city, role=Role.CITY_LEAD)
        membership = Membership.objects.get(user=world.a.lead, city=world.a.city)
        services.membership_change_role(
            actor=world.a.lead, membership=membership, role=Role.ORGANIZER
        )
        membership.refresh_from_db()
        assert membership.role == Role.ORGANIZER
        event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_ROLE_CHANGED)
        assert event.details == {"from": "city_lead", "to": "organizer"}
        assert event.city == world.a.city

    def test_removing_a_member_is_audited(self, world):
        membership = Membership.objects.get(user=world.a.viewer, city=world.a.city)
        services.membership_remove(actor=world.a.lead, membership=membership)
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert AuditEvent.objects.filter(
            action=AuditAction.MEMBERSHIP_REMOVED,
            actor=world.a.lead,
            target_label=world.a.viewer.email,
        ).exists()


class TestCycles:
    def _dates(self, **overrides):
        dates = {
            "consultations_open": datetime.date(2030, 1, 1),
            "local_report_due": datetime.date(2030, 9, 15),
            "national_compilation_due": datetime.date(2030, 10, 15),
            "review_session": datetime.date(2031, 5, 1),
            "recommendations_released": datetime.date(2031, 7, 1),
        }
        return {**dates, **overrides}

    def test_there_is_exactly_one_current_cycle(self, world):
        new = services.cycle_create(
            actor=world.coordinator,
            state_under_review="United States",
            number=5,
            title="United States — 5th UPR cycle",
            make_current=True,
            **self._dates(),
        )
        assert list(ReviewCycle.objects.filter(is_current=True)) == [new]
        # Every city takes part in the new current cycle.
        assert Participation.objects.filter(cycle=new).count() == 2

    def test_the_first_cycle_becomes_current(self, db):
        actor = User.objects.create_user(email="c@example.org", is_national_coordinator=True)
        cycle = services.cycle_create(
            actor=actor,
            state_under_review="United States",
            number=1,
            title="First",
            **self._dates(),
        )
        assert cycle.is_current

    def test_dates_must_follow_the_cycle_order(self, world):
        with pytest.raises(ValidationError) as exc:
            services.cycle_create(
                actor=world.coordinator,
                state_under_review="United States",
                number=9,
                title="Backwards",
                **self._dates(local_report_due=datetime.date(2029, 9, 15)),
            )
        assert "local_report_due" in exc.value.message_dict
        assert not ReviewCycle.objects.filter(number=9).exists()

    def test_next_deadline_is_the_first_date_not_yet_past(self):
        cycle = ReviewCycleFactory.build()
        assert cycle.next_deadline(datetime.date(2027, 1, 1)) == (
            "Local report due",
            datetime.date(2027, 9, 15),
        )
        assert cycle.next_deadline(datetime.date(2029, 1, 1)) is None


class TestCities:
    def test_a_new_city_joins_the_current_cycle(self, world):
        city = services.city_create(actor=world.coordinator, name="Gammaburg", state="Ohio")
        assert city.slug == "gammaburg-ohio"
        assert list(city.cycles.all()) == [world.cycle]
        assert AuditEvent.objects.filter(action=AuditAction.CITY_CREATED, city=city).exists()

    def test_slugs_stay_unique(self, world):
        CityFactory(slug="gammaburg-ohio", name="Other", state="Ohio")
        city = services.city_create(actor=world.coordinator, name="Gammaburg", state="Ohio")
        assert city.slug == "gammaburg-ohio-2"


class TestBootstrapCommand:
    def test_it_invites_the_first_coordinator_and_prints_the_link(self, db, capsys):
        from django.core.management import call_command

        call_command("invite_coordinator", "First@Example.org")
        invitation = Invitation.objects.get()
        assert invitation.email == "first@example.org"
        assert invitation.role == InvitationRole.NATIONAL_COORDINATOR
        assert invitation.city is None and invitation.invited_by is None
        assert invitation_token(invitation) in capsys.readouterr().out

    def test_a_bad_address_is_a_clear_error(self, db):
        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError):
            call_command("invite_coordinator", "not-an-email")
        assert not Invitation.objects.exists()
