"""factory_boy factories. Build worlds from these, never from JSON fixtures."""

from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from cities.models import (
    AuditEvent,
    City,
    Invitation,
    InvitationRole,
    Membership,
    Participation,
    ReviewCycle,
    Role,
)
from cities.tokens import new_nonce

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CoordinatorFactory(UserFactory):
    is_national_coordinator = True


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCycle

    state_under_review = "United States"
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"United States — cycle {o.number}")
    consultations_open = datetime.date(2026, 3, 1)
    local_report_due = datetime.date(2027, 9, 15)
    national_compilation_due = datetime.date(2027, 10, 15)
    review_session = datetime.date(2028, 5, 8)
    recommendations_released = datetime.date(2028, 7, 1)
    is_current = False


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"Testville {n}")
    state = "Oregon"
    slug = factory.Sequence(lambda n: f"testville-{n}")
    public_description = "A test city."


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    city = factory.SubFactory(CityFactory)
    cycle = factory.SubFactory(ReviewCycleFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    city = factory.SubFactory(CityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ORGANIZER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    city = factory.SubFactory(CityFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = InvitationRole.ORGANIZER
    token_nonce = factory.LazyFunction(new_nonce)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    action = "login"
    target_label = "something"
