"""The route catalogue of the security suite: every URL route the resolver knows, how to
build its URL from the security world, which methods it serves, and what each role gets.

`test_route_matrix.test_the_catalogue_covers_every_route` fails when a route appears that
this catalogue does not describe (or when the catalogue names one that is gone), so the
matrix, the header checks and the CSRF checks always run over the whole site.

Outcomes are an HTTP status, `LOGIN` (302 to allauth's log-in page) or `ADMIN_LOGIN` (302
to the admin's log-in, which allauth then handles). The roles are those of
`tests.conftest.ROLES`, all played against city A.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accountability import services as accountability_services
from accountability.models import (
    Action,
    ActionPlan,
    EvidenceLink,
    Indicator,
    LinkStatus,
    LocalRecommendation,
    OfficialResponse,
    ProgressUpdate,
    Recommendation,
    RecommendationImport,
    ResponseLink,
    ThemeMapping,
)
from accountability.tokens import response_token
from accounts.models import User
from cities.models import Invitation, InvitationRole, Membership, ReviewCycle, Role, Theme
from cities.tokens import invitation_token
from consultations import services as consultation_services
from consultations.forms.public_survey import token_make
from consultations.models import (
    Attachment,
    Consultation,
    ImportBatch,
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)
from reports import services as report_services
from reports.models import (
    DocumentKind,
    NationalCompilation,
    Publication,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
    ReportSection,
    Revision,
    SectionKind,
)
from reports.services import SectionChange
from tests.conftest import ROLES, CityTeam, World, enrol_totp, seed_themes
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    CityFactory,
    ConsultationFactory,
    CoordinatorFactory,
    ImportBatchFactory,
    IndicatorFactory,
    InvitationFactory,
    LocalRecommendationFactory,
    MembershipFactory,
    OfficialResponseFactory,
    ParticipationFactory,
    RecommendationFactory,
    ResponseLinkFactory,
    ReviewCycleFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    TestimonyFactory,
    UserFactory,
    seeded_theme,
)

LOGIN = "login"
ADMIN_LOGIN = "admin_login"
type Outcome = int | str

FAKE_PDF = b"%PDF-1.4\n% a stand-in for a rendered PDF\n%%EOF\n"
EVIDENCE_PDF = b"%PDF-1.4\n% minutes of the council hearing\n%%EOF\n"
CONFIRM = {"submit": "Confirm"}


# --------------------------------------------------------------------------- the world


@dataclass
class Side:
    """One city's rows, one of each kind a URL can name."""

    team: CityTeam
    consultation: Consultation
    testimony: Testimony
    attachment: Attachment
    batch: ImportBatch
    survey: Survey
    question: SurveyQuestion
    draft: Survey
    draft_question: SurveyQuestion
    response: SurveyResponse
    report: Report
    summary: Report
    revision: Revision
    job: RenderJob
    publication: Publication
    plan: ActionPlan
    action: Action
    indicator: Indicator
    update: ProgressUpdate
    link: ResponseLink
    official_response: OfficialResponse
    local: LocalRecommendation
    evidence_link: EvidenceLink
    invitation: Invitation
    membership: Membership

    @property
    def city(self):
        return self.team.city


@dataclass
class National:
    """Rows of no city: the coordinators' pages and the public recommendation pages."""

    compilation: NationalCompilation
    compilation_job: RenderJob
    recommendation_import: RecommendationImport
    mapping: ThemeMapping
    invitation: Invitation
    theme: Theme
    recommendation: Recommendation
    cycle: ReviewCycle
    staff: User


@dataclass
class SecWorld:
    world: World
    a: Side
    b: Side
    national: National
    # A logged-in session per role, made once: a test sets the cookie instead of logging in.
    sessions: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "outsider": self.world.a.outsider,
            "viewer": self.world.a.viewer,
            "organizer": self.world.a.organizer,
            "lead": self.world.a.lead,
            "other_lead": self.world.b.lead,
            "coordinator": self.world.coordinator,
            "staff": self.national.staff,
        }[role]

    def client_as(self, client: Client, role: str) -> Client:
        """`client`, logged in as `role` (its session made when the world was built)."""
        client.cookies.clear()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _done_job(report: Report, *, final: bool) -> RenderJob:
    """A finished render of the report as it stands (a stand-in file, no WeasyPrint)."""
    _document, digest = report_services.report_input(report=report, final=final)
    now = timezone.now()
    job = RenderJob.objects.create(
        city=report.city,
        report=report,
        kind=RenderKind.SUMMARY if report.kind == DocumentKind.SUMMARY else RenderKind.REPORT,
        is_final=final,
        status=RenderStatus.DONE,
        input_hash=digest,
        page_count=2,
        size_bytes=len(FAKE_PDF),
        updated_at=now,
        started_at=now,
        finished_at=now,
    )
    job.file.save(f"{report.city.uuid}/{job.uuid}.pdf", ContentFile(FAKE_PDF))
    return job


def _team(cycle, name: str, slug: str) -> CityTeam:
    city = CityFactory(name=name, slug=slug)
    ParticipationFactory(city=city, cycle=cycle)
    return CityTeam(
        city=city,
        lead=MembershipFactory(city=city, role=Role.CITY_LEAD).user,
        organizer=MembershipFactory(city=city, role=Role.ORGANIZER).user,
        viewer=MembershipFactory(city=city, role=Role.VIEWER).user,
        outsider=UserFactory(),
    )


def _side(world: World, team: CityTeam, tag: str, *, handout: bool) -> Side:
    city = team.city
    consultation = ConsultationFactory(city=city, title=f"Housing conversation ({tag})")
    testimony = TestimonyFactory(
        city=city,
        consultation=consultation,
        recorded_by=team.organizer,
        narrative=f"The landlord raised the rent twice this year ({tag}).",
        speaker_name=f"Speaker {tag}",
        speaker_contact=f"speaker-{tag.lower()}@example.net",
        review_status="reviewed",
        reviewed_at=timezone.now(),
        consent_level="anonymous",
        redacted_quote=f"The rent went up twice this year ({tag}).",
        area="the East Side",
    )
    attachment = consultation_services.attachment_add(
        actor=team.organizer,
        testimony=testimony,
        upload=SimpleUploadedFile("photo.png", _png(), content_type="image/png"),
    )
    survey = SurveyFactory(city=city, status=SurveyStatus.OPEN)
    question = SurveyQuestionFactory(survey=survey, kind=QuestionKind.LONG_TEXT)
    response = SurveyResponseFactory(survey=survey, answers={str(question.uuid): "Fix the buses."})
    consultation_services.survey_summary_publish(actor=team.lead, survey=survey)
    # The survey builder's pages edit a draft (an open survey takes no new questions).
    draft = SurveyFactory(city=city)
    draft_question = SurveyQuestionFactory(survey=draft)

    report = report_services.report_start(
        actor=team.lead, city=city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    section = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    report_services.sections_save(
        actor=team.lead,
        report=report,
        changes=[SectionChange(str(section.uuid), f"Rents rose ({tag}).", section.version)],
    )
    _done_job(report, final=False)
    report_services.report_approve(actor=team.lead, report=report)
    report.refresh_from_db()
    job = _done_job(report, final=True)
    publication = report_services.report_publish(actor=team.lead, report=report)
    report.refresh_from_db()
    summary = report_services.report_start(
        actor=team.lead, city=city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )

    plan = ActionPlanFactory(
        city=city,
        recommendation=RecommendationFactory(text=f"Guarantee adequate housing ({tag})"),
        created_by=team.lead,
    )
    action = ActionFactory(plan=plan, created_by=team.organizer)
    indicator = IndicatorFactory(action=action)
    update = accountability_services.progress_add(
        actor=team.organizer,
        action=action,
        reported_on=timezone.localdate(),
        text="The council held a first hearing.",
        indicator=indicator,
        value=Decimal("20"),
        evidence_file=SimpleUploadedFile(
            "minutes.pdf", EVIDENCE_PDF, content_type="application/pdf"
        ),
    )
    local = LocalRecommendationFactory(city=city, created_by=team.organizer)
    evidence_link = accountability_services.evidence_link_decide(
        actor=team.organizer,
        recommendation=plan.recommendation,
        status=LinkStatus.CONFIRMED,
        testimony=testimony,
    )
    answered = ActionPlanFactory(city=city, recommendation=RecommendationFactory())
    official_response = OfficialResponseFactory(link=ResponseLinkFactory(plan=answered))
    if handout:  # rendered once here, not in every test that downloads it (~1 s each)
        accountability_services.handout_get_or_render(city=city, language="en")
    return Side(
        team=team,
        consultation=consultation,
        testimony=testimony,
        attachment=attachment,
        batch=ImportBatchFactory(city=city),
        survey=survey,
        question=question,
        response=response,
        draft=draft,
        draft_question=draft_question,
        report=report,
        summary=summary,
        revision=Revision.objects.filter(report=report).order_by("pk").first(),
        job=job,
        publication=publication,
        plan=plan,
        action=action,
        indicator=indicator,
        update=update,
        link=ResponseLinkFactory(plan=plan),
        official_response=official_response,
        local=local,
        evidence_link=evidence_link,
        invitation=InvitationFactory(city=city, role=InvitationRole.ORGANIZER),
        membership=Membership.objects.get(city=city, user=team.organizer),
    )


def _national(world: World) -> National:
    compilation = NationalCompilation.objects.create(
        cycle=world.cycle,
        language="en",
        city_count=1,
        word_limit=5630,
        created_by=world.coordinator,
    )
    job = RenderJob.objects.create(
        compilation=compilation,
        kind=RenderKind.NATIONAL_PDF,
        status=RenderStatus.DONE,
        updated_at=timezone.now(),
    )
    job.file.save(f"national/{job.uuid}.pdf", ContentFile(FAKE_PDF))
    past = ReviewCycle.objects.filter(number=3).first() or ReviewCycleFactory(number=3)
    recommendation_import = RecommendationImport.objects.create(
        cycle=past,
        format="uhri_list",
        filename="cycle3.csv",
        source_document="A/HRC/46/15",
        sha256="0" * 64,
        content=b"",
        uploaded_by=world.coordinator,
    )
    staff = UserFactory(is_staff=True, is_superuser=True)
    enrol_totp(staff)
    return National(
        compilation=compilation,
        compilation_job=job,
        recommendation_import=recommendation_import,
        mapping=ThemeMapping.objects.create(vocabulary="uhri_list", source_theme="Housing"),
        invitation=InvitationFactory(city=None, role=InvitationRole.NATIONAL_COORDINATOR),
        theme=seeded_theme("housing"),
        recommendation=RecommendationFactory(cycle=past),
        cycle=world.cycle,
        staff=staff,
    )


def build_world(*, handout: bool = False) -> SecWorld:
    """Two cities with a team each and one row of every kind per city, plus the national
    rows, and a session per role. Built once per test module (tests/security/conftest.py);
    `handout` renders city A's public handout ahead."""
    seed_themes()
    cycle = ReviewCycleFactory(is_current=True, number=4, title="United States — 4th UPR cycle")
    world = World(
        cycle=cycle,
        a=_team(cycle, "Alphaville", "alphaville"),
        b=_team(cycle, "Betatown", "betatown"),
        coordinator=CoordinatorFactory(),
    )
    for user in (world.coordinator, world.a.lead, world.b.lead):
        enrol_totp(user)
    sec = SecWorld(
        world=world,
        a=_side(world, world.a, "A", handout=handout),
        b=_side(world, world.b, "B", handout=False),
        national=_national(world),
    )
    for role in (*ROLES, "staff"):
        user = sec.user(role)
        if user is not None:
            client = Client()
            client.force_login(user)
            sec.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sec


# --------------------------------------------------------------------------- outcomes

PUBLIC: dict[str, Outcome] = dict.fromkeys(ROLES, 200)
INVALID: dict[str, Outcome] = dict.fromkeys(ROLES, 422)  # a public form posted empty
REDIRECT: dict[str, Outcome] = dict.fromkeys(ROLES, 302)
SIGNED_IN: dict[str, Outcome] = {**PUBLIC, "anonymous": LOGIN}
SIGNED_OUT: dict[str, Outcome] = {**REDIRECT, "anonymous": 200}
# An invitation link opens for whoever isn't logged in (they log in or sign up as the
# invitee); a logged-in user who isn't the invitee gets 403.
INVITEE: dict[str, Outcome] = {**dict.fromkeys(ROLES, 403), "anonymous": 200}
# VIEW_CITY / VIEW_TEAM / VIEW_EVIDENCE: the city's team and coordinators.
READ: dict[str, Outcome] = {
    "anonymous": LOGIN,
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
# EDIT_EVIDENCE / EDIT_REPORTS / EDIT_PLANS: organizers and the lead.
EDIT: dict[str, Outcome] = {**READ, "viewer": 403, "coordinator": 403}
# PUBLISH / REVIEW_EVIDENCE: the lead alone.
LEAD: dict[str, Outcome] = {**EDIT, "organizer": 403}
# MANAGE_TEAM / VIEW_AUDIT: the lead and coordinators.
MANAGE: dict[str, Outcome] = {**READ, "viewer": 403, "organizer": 403}
# MANAGE_NATIONAL: coordinators alone, 403 for everyone else who is logged in.
NATIONAL: dict[str, Outcome] = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": LOGIN,
    "coordinator": 200,
}


def allowed(outcomes: Mapping[str, Outcome]) -> list[str]:
    """The roles that get through the route's access check."""
    return [role for role, outcome in outcomes.items() if outcome not in (LOGIN, 403, 404)]


def granted(outcomes: Mapping[str, Outcome], status: Outcome) -> dict[str, Outcome]:
    """The same access, with the roles let through answered `status` instead of 200."""
    return {role: (status if outcome == 200 else outcome) for role, outcome in outcomes.items()}


# --------------------------------------------------------------------------- the catalogue

type Kwargs = Callable[[Side, National], dict[str, Any]]
type PostData = Callable[[Side, National], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """One URL route: how to build it, what it serves and what each role gets.

    `get` is the outcome of a GET per role. `post` (for routes that accept POST) is the
    outcome of an empty POST per role (a confirmation page's POST is its action). `data`
    is a POST that the route accepts, used to show a refused CSRF check is what stopped a
    request. `scope` is "city" (the URL names a city by uuid or slug), "national" or
    "global".
    """

    name: str
    kwargs: Kwargs
    get: dict[str, Outcome]
    post: dict[str, Outcome] | None = None
    data: PostData = field(default=lambda s, n: {})
    scope: str = "city"
    # Kwargs naming neither an object nor a city (a format, a language, a token).
    plain_kwargs: frozenset[str] = frozenset()
    # The view finds the row before it decides a 403, so another city's row is 404 even
    # for a role that would get 403 on its own city's row.
    finds_row_first: bool = False

    @property
    def accepts_post(self) -> bool:
        return self.post is not None

    @property
    def accepts_get(self) -> bool:
        return 405 not in self.get.values()

    def url(self, side: Side, national: National, *, city_of: Side | None = None) -> str:
        """The route's URL for `side`'s objects; `city_of` puts another city in the URL."""
        kwargs = self.kwargs(side, national)
        if city_of is not None:
            if "city_uuid" in kwargs:
                kwargs["city_uuid"] = city_of.city.uuid
            if "slug" in kwargs:
                kwargs["slug"] = city_of.city.slug
        return reverse(self.name, kwargs=kwargs)

    def object_kwargs(self, side: Side, national: National) -> set[str]:
        return set(self.kwargs(side, national)) - {"city_uuid", "slug"} - self.plain_kwargs

    def primary_method(self) -> str:
        return "GET" if self.accepts_get else "POST"

    def primary(self) -> dict[str, Outcome]:
        if self.accepts_get:
            return self.get
        assert self.post is not None
        return self.post


def _city(s: Side, n: National) -> dict[str, Any]:
    return {"city_uuid": s.city.uuid}


def _none(s: Side, n: National) -> dict[str, Any]:
    return {}


def _with(**build: Callable[[Side, National], Any]) -> Kwargs:
    def kwargs(s: Side, n: National) -> dict[str, Any]:
        return {"city_uuid": s.city.uuid, **{key: f(s, n) for key, f in build.items()}}

    return kwargs


def _national_with(**build: Callable[[Side, National], Any]) -> Kwargs:
    def kwargs(s: Side, n: National) -> dict[str, Any]:
        return {key: f(s, n) for key, f in build.items()}

    return kwargs


def _testimony(**more: Callable[[Side, National], Any]) -> Kwargs:
    return _with(testimony_uuid=lambda s, n: s.testimony.uuid, **more)


def _survey(**more: Callable[[Side, National], Any]) -> Kwargs:
    return _with(survey_uuid=lambda s, n: s.survey.uuid, **more)


def _draft(**more: Callable[[Side, National], Any]) -> Kwargs:
    return _with(survey_uuid=lambda s, n: s.draft.uuid, **more)


def _report(**more: Callable[[Side, National], Any]) -> Kwargs:
    return _with(report_uuid=lambda s, n: s.report.uuid, **more)


def _summary(s: Side, n: National) -> dict[str, Any]:
    return {"city_uuid": s.city.uuid, "report_uuid": s.summary.uuid}


_question = {"question_uuid": lambda s, n: s.question.uuid}
_draft_question = {"question_uuid": lambda s, n: s.draft_question.uuid}
_plan = _with(plan_uuid=lambda s, n: s.plan.uuid)
_action = _with(action_uuid=lambda s, n: s.action.uuid)
_indicator = _with(indicator_uuid=lambda s, n: s.indicator.uuid)
_local = _with(local_uuid=lambda s, n: s.local.uuid)
_batch = _with(batch_uuid=lambda s, n: s.batch.uuid)
_membership = _with(membership_uuid=lambda s, n: s.membership.uuid)
_invitation = _with(invitation_uuid=lambda s, n: s.invitation.uuid)


def _today(days: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _decide(s: Side, n: National) -> dict[str, Any]:
    return {"recommendation": str(n.recommendation.uuid), "decision": LinkStatus.CONFIRMED}


ROUTES: list[Route] = [
    # ---------------------------------------------------------------- public pages
    Route("home", _none, PUBLIC, scope="global"),
    Route("healthz", _none, PUBLIC, scope="global"),
    Route("public:directory", _none, PUBLIC, scope="global"),
    Route("public:city", lambda s, n: {"slug": s.city.slug}, PUBLIC),
    Route(
        "public:survey_summary",
        lambda s, n: {"slug": s.city.slug, "survey_uuid": s.survey.uuid},
        PUBLIC,
    ),
    Route(
        "public:report_download",
        lambda s, n: {"slug": s.city.slug, "publication_uuid": s.publication.uuid},
        PUBLIC,
    ),
    Route(
        "public:handout",
        lambda s, n: {"slug": s.city.slug, "language": "en"},
        PUBLIC,
        plain_kwargs=frozenset({"language"}),
    ),
    Route(
        "invitations:accept",
        lambda s, n: {
            "invitation_uuid": s.invitation.uuid,
            "token": invitation_token(s.invitation),
        },
        INVITEE,
        post=INVITEE,
        scope="global",
    ),
    Route(
        "survey_public:respond",
        lambda s, n: {"survey_uuid": s.survey.uuid},
        PUBLIC,
        post=INVALID,
        data=lambda s, n: {
            "token": token_make(s.survey),
            "language": "en",
            "website": "",
            "consent": "on",
            s.question.field_name: "Fix the buses.",
        },
        scope="global",
    ),
    Route(
        "survey_public:thanks", lambda s, n: {"survey_uuid": s.survey.uuid}, PUBLIC, scope="global"
    ),
    Route("recommendations:list", _none, PUBLIC, scope="global"),
    Route("recommendations:comparison", _none, PUBLIC, scope="global"),
    Route(
        "recommendations:detail",
        lambda s, n: {"recommendation_uuid": n.recommendation.uuid},
        PUBLIC,
        scope="global",
    ),
    Route(
        "official_respond",
        lambda s, n: {"link_uuid": s.link.uuid, "token": response_token(s.link)},
        PUBLIC,
        post=INVALID,
        data=lambda s, n: {"kind": "commitment", "text": "We will fund it."},
        scope="global",
    ),
    # ---------------------------------------------------------------- accounts, language, admin
    # Logged in, the log-in page sends you on; logged out, log-out does.
    Route("account_login", _none, SIGNED_OUT, post=SIGNED_OUT, scope="global"),
    Route("account_logout", _none, {**PUBLIC, "anonymous": 302}, post=REDIRECT, scope="global"),
    Route("account_reset_password", _none, PUBLIC, post=PUBLIC, scope="global"),
    Route(
        "set_language",
        _none,
        REDIRECT,
        post=REDIRECT,
        data=lambda s, n: {"language": "es", "next": "/"},
        scope="global",
    ),
    Route("admin:index", _none, dict.fromkeys(ROLES, ADMIN_LOGIN), scope="global"),
    # ---------------------------------------------------------------- city team
    Route("cities:dashboard", _none, SIGNED_IN, scope="global"),
    Route("cities:city", _city, READ),
    Route("cities:team", _city, READ),
    Route("cities:invite", _city, MANAGE, post=MANAGE),
    Route("cities:membership_role", _membership, granted(MANAGE, 405), post=granted(MANAGE, 302)),
    Route("cities:membership_remove", _membership, MANAGE, post=granted(MANAGE, 302)),
    Route("cities:invitation_resend", _invitation, MANAGE, post=granted(MANAGE, 302)),
    Route("cities:invitation_revoke", _invitation, MANAGE, post=granted(MANAGE, 302)),
    Route("cities:activity", _city, MANAGE),
    # ---------------------------------------------------------------- consultations and testimony
    Route("consultations:consultation_list", _city, READ),
    Route("consultations:consultation_create", _city, EDIT, post=EDIT),
    Route(
        "consultations:consultation_detail",
        _with(consultation_uuid=lambda s, n: s.consultation.uuid),
        READ,
    ),
    Route(
        "consultations:consultation_edit",
        _with(consultation_uuid=lambda s, n: s.consultation.uuid),
        EDIT,
        post=EDIT,
    ),
    Route("consultations:testimony_list", _city, READ),
    Route("consultations:testimony_export", _city, EDIT),
    Route("consultations:testimony_create", _city, EDIT, post=EDIT),
    Route("consultations:testimony_detail", _testimony(), READ),
    Route("consultations:testimony_edit", _testimony(), EDIT, post=EDIT),
    # The speaker's name and contact: the lead and the organizer who logged the testimony.
    Route("consultations:testimony_restricted", _testimony(), EDIT, finds_row_first=True),
    Route("consultations:testimony_redact", _testimony(), EDIT, post=granted(EDIT, 422)),
    Route(
        "consultations:testimony_review", _testimony(), granted(LEAD, 405), post=granted(LEAD, 302)
    ),
    Route("consultations:testimony_withdraw", _testimony(), EDIT, post=EDIT),
    Route(
        "consultations:attachment_upload", _testimony(), granted(EDIT, 405), post=granted(EDIT, 302)
    ),
    Route(
        "consultations:attachment_download",
        _testimony(attachment_uuid=lambda s, n: s.attachment.uuid),
        EDIT,
    ),
    Route(
        "consultations:attachment_delete",
        _testimony(attachment_uuid=lambda s, n: s.attachment.uuid),
        EDIT,
        post=granted(EDIT, 302),
    ),
    Route("consultations:import_start", _city, EDIT, post=EDIT),
    Route("consultations:import_template", _city, EDIT),
    Route("consultations:import_detail", _batch, EDIT),
    Route("consultations:import_confirm", _batch, granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("consultations:import_discard", _batch, granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("consultations:neighborhoods", _city, EDIT, post=EDIT),
    Route("consultations:survey_list", _city, READ),
    Route("consultations:survey_create", _city, EDIT, post=EDIT),
    Route("consultations:survey_detail", _survey(), READ),
    Route("consultations:survey_edit", _draft(), EDIT, post=EDIT),
    Route("consultations:survey_status", _survey(), granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("consultations:survey_copy", _survey(), granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("consultations:survey_delete", _draft(), EDIT, post=granted(EDIT, 302)),
    Route("consultations:survey_preview", _survey(), READ),
    Route(
        "consultations:survey_qr",
        _survey(fmt=lambda s, n: "svg"),
        READ,
        plain_kwargs=frozenset({"fmt"}),
    ),
    Route("consultations:question_create", _draft(), EDIT, post=EDIT),
    Route("consultations:question_edit", _draft(**_draft_question), EDIT, post=EDIT),
    Route(
        "consultations:question_delete", _draft(**_draft_question), EDIT, post=granted(EDIT, 302)
    ),
    Route(
        "consultations:question_move",
        _draft(**_draft_question),
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=lambda s, n: {"direction": "up"},
    ),
    Route("consultations:survey_results", _survey(), READ),
    Route("consultations:survey_answers", _survey(**_question), READ),
    Route("consultations:survey_export_csv", _survey(), EDIT),
    Route("consultations:survey_export_xlsx", _survey(), EDIT),
    Route(
        "consultations:answer_promote",
        _survey(response_uuid=lambda s, n: s.response.uuid, **_question),
        EDIT,
        post=EDIT,
    ),
    Route("consultations:survey_summary", _survey(), LEAD, post=LEAD),
    # ---------------------------------------------------------------- reports
    Route("reports:index", _city, READ),
    Route(
        "reports:start",
        _city,
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=lambda s, n: {"kind": DocumentKind.SUMMARY},
    ),
    Route("reports:detail", _report(), READ),
    Route("reports:save", _report(), granted(EDIT, 405), post=granted(EDIT, 422)),
    Route("reports:draft", _report(), EDIT, post=EDIT),
    Route("reports:evidence", _report(), EDIT),
    Route("reports:cite", _report(), granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("reports:history", _report(), READ),
    Route("reports:revision", _report(revision_uuid=lambda s, n: s.revision.uuid), READ),
    Route(
        "reports:restore",
        _report(revision_uuid=lambda s, n: s.revision.uuid),
        granted(EDIT, 405),
        post=granted(EDIT, 302),
    ),
    Route("reports:render", _report(), granted(EDIT, 405), post=granted(EDIT, 302)),
    # Without htmx, a job's status page sends you to the report.
    Route("reports:job", _report(job_uuid=lambda s, n: s.job.uuid), granted(READ, 302)),
    Route("reports:download", _report(job_uuid=lambda s, n: s.job.uuid), READ),
    Route("reports:approve", _report(), LEAD, post=LEAD),
    Route("reports:submit", _summary, LEAD, post=LEAD),
    Route("reports:publish", _report(), LEAD, post=LEAD),
    # ---------------------------------------------------------------- accountability
    Route("accountability:index", _city, READ),
    Route("accountability:browse", _city, READ),
    Route(
        "accountability:take_up",
        _city,
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=lambda s, n: {"recommendation": str(n.recommendation.uuid)},
    ),
    Route("accountability:plan", _plan, READ),
    Route(
        "accountability:plan_edit",
        _plan,
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=lambda s, n: {"summary": "Rewritten summary."},
    ),
    Route("accountability:plan_delete", _plan, EDIT, post=granted(EDIT, 302)),
    Route("accountability:action_create", _plan, EDIT, post=granted(EDIT, 422)),
    Route("accountability:link_create", _plan, granted(EDIT, 405), post=granted(EDIT, 422)),
    Route("accountability:action_edit", _action, EDIT, post=granted(EDIT, 422)),
    Route("accountability:action_delete", _action, EDIT, post=granted(EDIT, 302)),
    Route("accountability:indicator_create", _action, EDIT, post=granted(EDIT, 422)),
    Route("accountability:progress_add", _action, EDIT, post=granted(EDIT, 422)),
    Route("accountability:indicator_edit", _indicator, EDIT, post=granted(EDIT, 422)),
    Route("accountability:indicator_delete", _indicator, EDIT, post=granted(EDIT, 302)),
    Route("accountability:evidence_download", _with(update_uuid=lambda s, n: s.update.uuid), READ),
    Route(
        "accountability:link_revoke",
        _with(link_uuid=lambda s, n: s.link.uuid),
        EDIT,
        post=granted(EDIT, 302),
    ),
    Route(
        "accountability:response_hide",
        _with(response_uuid=lambda s, n: s.official_response.uuid),
        LEAD,
        post=granted(LEAD, 422),
        data=lambda s, n: {"reason": "Posted by mistake."},
    ),
    Route(
        "accountability:local_create",
        _city,
        EDIT,
        post=granted(EDIT, 422),
        data=lambda s, n: {"text": "Fund the buses."},
    ),
    Route("accountability:local_from_report", _city, granted(EDIT, 405), post=granted(EDIT, 302)),
    Route("accountability:local", _local, READ),
    Route(
        "accountability:local_edit",
        _local,
        EDIT,
        post=granted(EDIT, 422),
        data=lambda s, n: {"text": "Edited local recommendation"},
    ),
    Route("accountability:local_delete", _local, EDIT, post=granted(EDIT, 302)),
    Route(
        "accountability:local_decide",
        _local,
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=_decide,
    ),
    Route(
        "accountability:testimony_links",
        _with(testimony_uuid=lambda s, n: s.testimony.uuid),
        READ,
    ),
    Route(
        "accountability:testimony_decide",
        _with(testimony_uuid=lambda s, n: s.testimony.uuid),
        granted(EDIT, 405),
        post=granted(EDIT, 302),
        data=_decide,
    ),
    Route(
        "accountability:link_remove",
        _with(link_uuid=lambda s, n: s.evidence_link.uuid),
        granted(EDIT, 405),
        post=granted(EDIT, 302),
    ),
    # ---------------------------------------------------------------- national
    Route("national:console", _none, NATIONAL, scope="national"),
    Route("national:city_create", _none, NATIONAL, post=NATIONAL, scope="national"),
    Route(
        "national:city_edit",
        lambda s, n: {"city_uuid": s.city.uuid},
        NATIONAL,
        post=NATIONAL,
        scope="national",
    ),
    Route("national:invite", _none, NATIONAL, post=NATIONAL, scope="national"),
    Route(
        "national:invitation_revoke",
        _national_with(invitation_uuid=lambda s, n: n.invitation.uuid),
        NATIONAL,
        post=granted(NATIONAL, 302),
        scope="national",
    ),
    Route("national:cycles", _none, NATIONAL, scope="national"),
    Route("national:cycle_create", _none, NATIONAL, post=NATIONAL, scope="national"),
    Route(
        "national:cycle_edit",
        _national_with(cycle_uuid=lambda s, n: n.cycle.uuid),
        NATIONAL,
        post=NATIONAL,
        scope="national",
    ),
    Route(
        "national:cycle_make_current",
        _national_with(cycle_uuid=lambda s, n: n.cycle.uuid),
        NATIONAL,
        post=granted(NATIONAL, 302),
        scope="national",
    ),
    Route("national:themes", _none, NATIONAL, scope="national"),
    Route("national:theme_create", _none, NATIONAL, post=NATIONAL, scope="national"),
    Route(
        "national:theme_edit",
        _national_with(theme_uuid=lambda s, n: n.theme.uuid),
        NATIONAL,
        post=NATIONAL,
        scope="national",
    ),
    Route("national:testimony", _none, NATIONAL, scope="national"),
    Route("national:activity", _none, NATIONAL, scope="national"),
    Route("national_reports:dashboard", _none, NATIONAL, scope="national"),
    Route(
        "national_reports:reopen",
        _national_with(report_uuid=lambda s, n: s.summary.uuid),
        NATIONAL,
        post=NATIONAL,
        scope="national",
    ),
    Route(
        "national_reports:compile",
        _none,
        granted(NATIONAL, 405),
        post=granted(NATIONAL, 302),
        scope="national",
    ),
    Route(
        "national_reports:compilation",
        _national_with(compilation_uuid=lambda s, n: n.compilation.uuid),
        NATIONAL,
        scope="national",
    ),
    Route(
        "national_reports:compilation_download",
        _national_with(
            compilation_uuid=lambda s, n: n.compilation.uuid,
            job_uuid=lambda s, n: n.compilation_job.uuid,
        ),
        NATIONAL,
        scope="national",
    ),
    Route("national_reports:counts_export", _none, NATIONAL, scope="national"),
    Route(
        "national_recommendations:import_start",
        _none,
        NATIONAL,
        post=granted(NATIONAL, 422),
        scope="national",
    ),
    Route(
        "national_recommendations:import",
        _national_with(import_uuid=lambda s, n: n.recommendation_import.uuid),
        NATIONAL,
        scope="national",
    ),
    Route(
        "national_recommendations:import_apply",
        _national_with(import_uuid=lambda s, n: n.recommendation_import.uuid),
        granted(NATIONAL, 405),
        post=granted(NATIONAL, 302),
        scope="national",
    ),
    Route(
        "national_recommendations:import_discard",
        _national_with(import_uuid=lambda s, n: n.recommendation_import.uuid),
        granted(NATIONAL, 405),
        post=granted(NATIONAL, 302),
        scope="national",
    ),
    Route("national_recommendations:mapping", _none, NATIONAL, scope="national"),
    Route(
        "national_recommendations:mapping_edit",
        _national_with(mapping_uuid=lambda s, n: n.mapping.uuid),
        NATIONAL,
        post=granted(NATIONAL, 422),
        scope="national",
    ),
]

BY_NAME: dict[str, Route] = {route.name: route for route in ROUTES}

# Routes the matrix leaves out, each with why. Everything else the resolver knows must be
# in ROUTES.
EXCLUDED_NAMESPACES: dict[str, str] = {
    "admin": (
        "Django admin internals (model pages, log-in, log-out): staff only, behind "
        "`admin:index`'s check, which the matrix covers; the admin log-in goes through "
        "allauth (tests/accounts)."
    ),
}
EXCLUDED_PREFIXES: dict[str, str] = {
    "account_": (
        "allauth's own account pages (sign-up, e-mail, password change and set, "
        "confirmation keys): library views, public by design or guarded by allauth's "
        "login_required; the log-in, log-out and password-reset POSTs are in ROUTES."
    ),
    "mfa_": (
        "allauth MFA pages: guarded by allauth; MFA enrolment is enforced and tested in "
        "tests/accounts."
    ),
}
INCLUDED_DESPITE_PREFIX = {
    "account_login",
    "account_logout",
    "account_reset_password",
    "admin:index",
}


def resolver_routes() -> dict[str, str]:
    """Every named route the resolver knows, namespaced, with its pattern. Unnamed
    patterns are keyed by their pattern, so they can't slip past the catalogue."""
    found: dict[str, str] = {}

    def walk(patterns: list[URLPattern | URLResolver], namespace: str, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry.url_patterns, full, prefix + str(entry.pattern))
            else:
                pattern = prefix + str(entry.pattern)
                if entry.name:
                    found[f"{namespace}:{entry.name}" if namespace else entry.name] = pattern
                else:
                    found[f"<unnamed {namespace or '-'}> {pattern}"] = pattern

    walk(get_resolver().url_patterns, "", "/")
    return found


def excluded(name: str) -> bool:
    if name in INCLUDED_DESPITE_PREFIX:
        return False
    namespace = name.split(":", 1)[0] if ":" in name else ""
    if name.startswith("<unnamed "):
        namespace = name.split()[1].rstrip(">").split(":", 1)[0]
    return namespace in EXCLUDED_NAMESPACES or (
        not namespace and any(name.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
    )
