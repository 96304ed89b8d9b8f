"""City pages behind log-in: the role matrix, 404 across cities, and what each write does."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cities.models import AuditAction, AuditEvent, Invitation, InvitationStatus, Membership, Role
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

# role → expected status for GET, against city A
READ_MATRIX = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
MANAGE_MATRIX = {**READ_MATRIX, "viewer": 403, "organizer": 403}


def _check(response, expected) -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected


@pytest.mark.authz("cities:dashboard")
@pytest.mark.parametrize("role", ROLES)
def test_dashboard_lists_only_my_cities(world, login, role):
    client = login(user_for(world, role))
    response = client.get(reverse("cities:dashboard"))
    if role == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    names = {m.city.name for m in response.context["memberships"]}
    expected = {
        "outsider": set(),
        "viewer": {"Alphaville"},
        "organizer": {"Alphaville"},
        "lead": {"Alphaville"},
        "other_lead": {"Betatown"},
        "coordinator": set(),
    }[role]
    assert names == expected


@pytest.mark.authz("cities:city", "cities:team")
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["cities:city", "cities:team"])
def test_city_read_pages_follow_the_role_matrix(world, login, role, route):
    response = login(user_for(world, role)).get(reverse(route, args=[world.a.city.uuid]))
    _check(response, READ_MATRIX[role])


@pytest.mark.authz("cities:activity")
@pytest.mark.parametrize("role", ROLES)
def test_activity_is_for_leads_and_coordinators(world, login, role):
    response = login(user_for(world, role)).get(
        reverse("cities:activity", args=[world.a.city.uuid])
    )
    _check(response, MANAGE_MATRIX[role])


def test_activity_shows_only_this_citys_events(world, login):
    AuditEvent.objects.create(
        city=world.a.city, action=AuditAction.CITY_UPDATED, target_label="mine"
    )
    AuditEvent.objects.create(
        city=world.b.city, action=AuditAction.CITY_UPDATED, target_label="theirs"
    )
    response = login(world.a.lead).get(reverse("cities:activity", args=[world.a.city.uuid]))
    labels = [event.target_label for event in response.context["page"]]
    assert "mine" in labels
    assert "theirs" not in labels


def test_a_missing_city_is_404(world, login):
    import uuid

    response = login(world.coordinator).get(reverse("cities:city", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_team_page_lists_pending_invitations_only_for_managers(world, login):
    InvitationFactory(city=world.a.city, email="pending@example.org")
    assert (
        b"pending@example.org"
        in login(world.a.lead).get(reverse("cities:team", args=[world.a.city.uuid])).content
    )
    assert (
        b"pending@example.org"
        not in login(world.a.viewer).get(reverse("cities:team", args=[world.a.city.uuid])).content
    )


def test_team_page_query_count_does_not_grow_with_the_team(
    world, login, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    client = login(world.a.lead)
    url = reverse("cities:team", args=[world.a.city.uuid])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for _ in range(15):
        MembershipFactory(city=world.a.city)
        InvitationFactory(city=world.a.city)
    with django_assert_max_num_queries(20) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


class TestInvite:
    url_name = "cities:invite"

    @pytest.mark.authz("cities:invite")
    @pytest.mark.parametrize("role", ROLES)
    def test_get_follows_the_manage_matrix(self, world, login, role):
        response = login(user_for(world, role)).get(
            reverse(self.url_name, args=[world.a.city.uuid])
        )
        _check(response, MANAGE_MATRIX[role])

    @pytest.mark.parametrize("role", ["viewer", "organizer", "outsider", "other_lead"])
    def test_post_by_the_wrong_people_changes_nothing(self, world, login, role):
        response = login(user_for(world, role)).post(
            reverse(self.url_name, args=[world.a.city.uuid]),
            {"email": "x@example.org", "role": "viewer"},
        )
        assert response.status_code == MANAGE_MATRIX[role]
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_a_lead_invites_to_their_city(self, world, login, committed):
        response = committed(
            login(world.a.lead).post,
            reverse(self.url_name, args=[world.a.city.uuid]),
            {"email": "new@example.org", "role": "organizer"},
        )
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert (invitation.city, invitation.role, invitation.invited_by) == (
            world.a.city,
            Role.ORGANIZER,
            world.a.lead,
        )
        assert mail.outbox[0].to == ["new@example.org"]

    def test_bad_input_keeps_what_was_typed(self, world, login):
        response = login(world.a.lead).post(
            reverse(self.url_name, args=[world.a.city.uuid]),
            {"email": "not-an-email", "role": "organizer"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
        assert b'value="not-an-email"' in response.content
        assert not Invitation.objects.exists()

    def test_a_lead_cannot_invite_a_coordinator(self, world, login):
        response = login(world.a.lead).post(
            reverse(self.url_name, args=[world.a.city.uuid]),
            {"email": "new@example.org", "role": "national_coordinator"},
        )
        assert response.status_code == 200
        assert not Invitation.objects.exists()


class TestMembershipRole:
    def _url(self, world, membership):
        return reverse("cities:membership_role", args=[world.a.city.uuid, membership.uuid])

    @pytest.mark.authz("cities:membership_role")
    @pytest.mark.parametrize("role", ROLES)
    def test_post_follows_the_manage_matrix(self, world, login, role):
        membership = Membership.objects.get(user=world.a.viewer)
        response = login(user_for(world, role)).post(
            self._url(world, membership), {"role": "organizer"}
        )
        membership.refresh_from_db()
        if MANAGE_MATRIX[role] == 200:
            assert response.status_code == 302
            assert membership.role == Role.ORGANIZER
        else:
            _check(response, MANAGE_MATRIX[role])
            assert membership.role == Role.VIEWER

    def test_get_is_not_allowed(self, world, login):
        membership = Membership.objects.get(user=world.a.viewer)
        assert login(world.a.lead).get(self._url(world, membership)).status_code == 405

    def test_another_citys_member_is_404(self, world, login):
        foreign = Membership.objects.get(user=world.b.viewer)
        response = login(world.a.lead).post(
            reverse("cities:membership_role", args=[world.a.city.uuid, foreign.uuid]),
            {"role": "city_lead"},
        )
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.role == Role.VIEWER

    def test_htmx_gets_the_row_back(self, world, login):
        membership = Membership.objects.get(user=world.a.viewer)
        response = login(world.a.lead).post(
            self._url(world, membership), {"role": "organizer"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert f'id="member-{membership.uuid}"'.encode() in response.content
        assert b"<html" not in response.content

    def test_demoting_the_last_lead_is_refused_with_a_message(self, world, login):
        membership = Membership.objects.get(user=world.a.lead)
        response = login(world.a.lead).post(
            self._url(world, membership), {"role": "viewer"}, follow=True
        )
        assert "only city lead" in response.content.decode()
        membership.refresh_from_db()
        assert membership.role == Role.CITY_LEAD


class TestMembershipRemove:
    @pytest.mark.authz("cities:membership_remove")
    @pytest.mark.parametrize("role", ROLES)
    def test_get_confirms_and_post_removes_per_the_matrix(self, world, login, role):
        membership = Membership.objects.get(user=world.a.viewer)
        url = reverse("cities:membership_remove", args=[world.a.city.uuid, membership.uuid])
        client = login(user_for(world, role))
        _check(client.get(url), MANAGE_MATRIX[role])
        assert Membership.objects.filter(pk=membership.pk).exists()  # GET never removes
        response = client.post(url)
        if MANAGE_MATRIX[role] == 200:
            assert response.status_code == 302
            assert not Membership.objects.filter(pk=membership.pk).exists()
        else:
            _check(response, MANAGE_MATRIX[role])
            assert Membership.objects.filter(pk=membership.pk).exists()

    def test_another_citys_member_is_404(self, world, login):
        foreign = Membership.objects.get(user=world.b.viewer)
        url = reverse("cities:membership_remove", args=[world.a.city.uuid, foreign.uuid])
        assert login(world.a.lead).post(url).status_code == 404
        assert Membership.objects.filter(pk=foreign.pk).exists()

    def test_removing_the_last_lead_is_refused(self, world, login):
        membership = Membership.objects.get(user=world.a.lead)
        url = reverse("cities:membership_remove", args=[world.a.city.uuid, membership.uuid])
        response = login(world.coordinator).post(url, follow=True)
        assert "only city lead" in response.content.decode()
        assert Membership.objects.filter(pk=membership.pk).exists()


class TestInvitationActions:
    @pytest.mark.authz("cities:invitation_resend", "cities:invitation_revoke")
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("action", ["invitation_resend", "invitation_revoke"])
    def test_they_follow_the_manage_matrix(self, world, login, committed, role, action):
        invitation = InvitationFactory(city=world.a.city)
        url = reverse(f"cities:{action}", args=[world.a.city.uuid, invitation.uuid])
        client = login(user_for(world, role))
        _check(client.get(url), MANAGE_MATRIX[role])
        response = committed(client.post, url)
        invitation.refresh_from_db()
        if MANAGE_MATRIX[role] == 200:
            assert response.status_code == 302
            if action == "invitation_revoke":
                assert invitation.status == InvitationStatus.REVOKED
            else:
                assert len(mail.outbox) == 1
        else:
            _check(response, MANAGE_MATRIX[role])
            assert invitation.status == InvitationStatus.PENDING
            assert mail.outbox == []

    @pytest.mark.parametrize("action", ["invitation_resend", "invitation_revoke"])
    def test_another_citys_invitation_is_404(self, world, login, action):
        foreign = InvitationFactory(city=world.b.city)
        url = reverse(f"cities:{action}", args=[world.a.city.uuid, foreign.uuid])
        assert login(world.a.lead).post(url).status_code == 404
        foreign.refresh_from_db()
        assert foreign.status == InvitationStatus.PENDING
