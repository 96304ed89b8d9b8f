"""factory_boy factories. Build worlds from these, never from JSON fixtures."""

from __future__ import annotations

import datetime
import hashlib
import uuid

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
    Neighborhood,
    Participation,
    ReviewCycle,
    Role,
    Theme,
)
from cities.tokens import new_nonce
from consultations.models import (
    OPTION_KINDS,
    Consultation,
    ConsultationKind,
    ConsultationStatus,
    ImportBatch,
    ImportStatus,
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)

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


def current_cycle_for(city: City) -> ReviewCycle:
    """The city's current cycle; a new one when there is none (standalone factories)."""
    cycle = ReviewCycle.objects.filter(participations__city=city, is_current=True).first()
    return cycle or ReviewCycle.objects.filter(is_current=True).first() or ReviewCycleFactory()


def seeded_theme(slug: str = "housing") -> Theme:
    """A theme from the seeded national taxonomy (cities/migrations/0004_seed_themes)."""
    return Theme.objects.get(slug=slug)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    title = factory.Sequence(lambda n: f"Community conversation {n}")
    kind = ConsultationKind.COMMUNITY_CONVERSATION
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    place = "Public library, room 2"
    status = ConsultationStatus.HELD
    is_public = False
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.themes.set(extracted)


class TestimonyFactory(factory.django.DjangoModelFactory):
    """A testimony in a city, logged by `recorded_by`, tagged with seeded themes
    (housing unless `themes=[...]` is given)."""

    __test__ = False  # not a pytest test class, despite the name

    class Meta:
        model = Testimony
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    narrative = factory.Sequence(lambda n: f"Resident statement number {n} about the rent.")
    nature = "problem"
    source = "event"
    consent_method = "verbal"
    recorded_by = factory.SubFactory(UserFactory)
    consent_recorded_by = factory.SelfAttribute("recorded_by")

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        self.themes.set(extracted if extracted is not None else [seeded_theme()])


class ImportBatchFactory(factory.django.DjangoModelFactory):
    """A batch row with a small stored file. Real imports go through the services."""

    class Meta:
        model = ImportBatch

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    file = factory.django.FileField(
        filename="batch.csv",
        data=b"testimony,themes,describes,consent\nThe bus never comes.,housing,problem,internal\n",
    )
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"batch {n}".encode()).hexdigest())
    status = ImportStatus.PREVIEW
    row_count = 1


# --------------------------------------------------------------------------- surveys


def texts(en: str, es: str | None = None) -> dict[str, str]:
    """A survey text in English and Spanish (the Spanish made up when not given)."""
    return {"en": en, "es": es if es is not None else f"{en} (es)"}


def choice(key: str, en: str, es: str | None = None) -> dict[str, object]:
    """One option of a single or multiple choice question, with a fixed key."""
    return {"key": key, "label": texts(en, es)}


class SurveyFactory(factory.django.DjangoModelFactory):
    """A draft survey with every English and Spanish text (no questions)."""

    class Meta:
        model = Survey

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    title = factory.Sequence(lambda n: texts(f"Neighborhood survey {n}", f"Encuesta {n}"))
    introduction = factory.LazyFunction(
        lambda: texts("Tell us about your street.", "Cuéntenos sobre su calle.")
    )
    consent_statement = factory.LazyFunction(
        lambda: texts("Your answers are kept by the city team.", "El equipo guarda sus respuestas.")
    )
    status = SurveyStatus.DRAFT


def _next_position(survey: Survey) -> int:
    return SurveyQuestion.objects.filter(survey=survey).count() + 1


class SurveyQuestionFactory(factory.django.DjangoModelFactory):
    """A question at the end of its survey. Single and multiple choice get two options
    (keys "a" and "b") unless `options=[...]` is given."""

    class Meta:
        model = SurveyQuestion

    survey = factory.SubFactory(SurveyFactory)
    city = factory.SelfAttribute("survey.city")
    position = factory.LazyAttribute(lambda o: _next_position(o.survey))
    kind = QuestionKind.SHORT_TEXT
    required = False
    label = factory.LazyAttribute(
        lambda o: texts(f"Question about {o.kind}", f"Pregunta sobre {o.kind}")
    )
    options = factory.LazyAttribute(
        lambda o: (
            [choice("a", "First option", "Primera opción"), choice("b", "Second", "Segunda")]
            if o.kind in OPTION_KINDS
            else []
        )
    )


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """A stored response, as the public form would have saved it (no checks run)."""

    class Meta:
        model = SurveyResponse

    survey = factory.SubFactory(SurveyFactory)
    city = factory.SelfAttribute("survey.city")
    submission_id = factory.LazyFunction(uuid.uuid4)
    language = "en"
    answers = factory.LazyFunction(dict)


class NeighborhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighborhood

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")
    sort_order = factory.Sequence(lambda n: n)


# --------------------------------------------------------------------------- reports


class QuotableTestimonyFactory(TestimonyFactory):
    """A testimony a report may quote: reviewed, anonymous consent, a redacted quote and
    an area for the attribution."""

    review_status = "reviewed"
    reviewed_at = factory.LazyFunction(timezone.now)
    consent_level = "anonymous"
    redacted_quote = factory.Sequence(lambda n: f"The rent went up again this year, case {n}.")
    area = "the East Side"


class ReportFactory(factory.django.DjangoModelFactory):
    """A report row with no sections (use `reports.services.report_start` for a real one)."""

    class Meta:
        model = "reports.Report"

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    kind = "report"


def _section_position(kind: str) -> int:
    from reports.models import SECTION_ORDER

    return list(SECTION_ORDER).index(kind)


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.ReportSection"

    report = factory.SubFactory(ReportFactory)
    city = factory.SelfAttribute("report.city")
    kind = "context"
    position = factory.LazyAttribute(lambda o: _section_position(o.kind))


class CitationFactory(factory.django.DjangoModelFactory):
    """A citation row written directly (no checks): pass `testimony=` for a quote, or
    `kind=` and `question=` for a survey figure."""

    class Meta:
        model = "reports.Citation"

    section = factory.SubFactory(ReportSectionFactory)
    report = factory.SelfAttribute("section.report")
    city = factory.SelfAttribute("report.city")
    code = factory.Sequence(lambda n: f"{0xC0DE0000 + n:08x}")
    kind = "quote"


class RenderJobFactory(factory.django.DjangoModelFactory):
    """A render job row for a report (queued unless told otherwise)."""

    class Meta:
        model = "reports.RenderJob"

    report = factory.SubFactory(ReportFactory)
    city = factory.SelfAttribute("report.city")
    kind = factory.LazyAttribute(lambda o: "summary" if o.report.kind == "summary" else "report")
    status = "queued"
    updated_at = factory.LazyFunction(timezone.now)


# --------------------------------------------------------------------------- accountability


def _recommendation_key() -> str:
    return f"text:{uuid.uuid4().hex}"


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A UN recommendation in a cycle (a past cycle 3 unless given), themed housing
    unless `themes=[...]` is given. Real ones come in through the import services."""

    class Meta:
        model = "accountability.Recommendation"
        skip_postgeneration_save = True

    cycle = factory.LazyFunction(
        lambda: ReviewCycle.objects.filter(number=3).first() or ReviewCycleFactory(number=3)
    )
    key = factory.LazyFunction(_recommendation_key)
    paragraph = factory.Sequence(lambda n: f"26.{n + 1}")
    text = factory.Sequence(lambda n: f"Guarantee the right to adequate housing, number {n}")
    states = factory.LazyFunction(lambda: ["Brazil"])
    response = "supported"
    source_format = "uhri_list"
    source_themes = factory.LazyFunction(lambda: ["Right to adequate housing"])
    source_document = "A/HRC/46/15"
    position = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        self.themes.set(extracted if extracted is not None else [seeded_theme()])


class LocalRecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accountability.LocalRecommendation"
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    cycle = factory.LazyAttribute(lambda o: current_cycle_for(o.city))
    text = factory.Sequence(lambda n: f"Fund the tenants' right-to-counsel programme ({n})")
    sort_order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        self.themes.set(extracted if extracted is not None else [])


class ActionPlanFactory(factory.django.DjangoModelFactory):
    """A city's plan on a UN recommendation (pass `local_recommendation=` and
    `recommendation=None` for one of its own)."""

    class Meta:
        model = "accountability.ActionPlan"

    city = factory.SubFactory(CityFactory)
    recommendation = factory.SubFactory(RecommendationFactory)
    summary = "Housing is the first concern residents raised."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accountability.Action"

    plan = factory.SubFactory(ActionPlanFactory)
    city = factory.SelfAttribute("plan.city")
    description = factory.Sequence(lambda n: f"Adopt a right-to-counsel ordinance ({n})")
    responsible = "Department of Housing"
    target = "Every tenant facing eviction has a lawyer"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    status = "in_progress"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accountability.Indicator"

    action = factory.SubFactory(ActionFactory)
    city = factory.SelfAttribute("action.city")
    name = "Tenants represented in eviction court"
    unit = "%"
    baseline = 10
    target_value = 90
    data_source = "Housing court annual statistics"


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accountability.ProgressUpdate"

    action = factory.SubFactory(ActionFactory)
    city = factory.SelfAttribute("action.city")
    reported_on = factory.LazyFunction(timezone.localdate)
    text = "The council held a first hearing."


class ResponseLinkFactory(factory.django.DjangoModelFactory):
    """A usable link (expires in 30 days). Get its URL with
    `reverse("official_respond", args=[link.uuid, accountability.tokens.response_token(link)])`."""

    class Meta:
        model = "accountability.ResponseLink"

    plan = factory.SubFactory(ActionPlanFactory)
    city = factory.SelfAttribute("plan.city")
    official_name = "Jordan Official"
    official_title = "Director of Housing"
    token_nonce = factory.LazyFunction(new_nonce)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class OfficialResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accountability.OfficialResponse"

    link = factory.SubFactory(ResponseLinkFactory)
    city = factory.SelfAttribute("link.city")
    plan = factory.SelfAttribute("link.plan")
    kind = "commitment"
    text = "We commit to funding right to counsel in the next budget."
    official_name = factory.SelfAttribute("link.official_name")
    official_title = factory.SelfAttribute("link.official_title")
