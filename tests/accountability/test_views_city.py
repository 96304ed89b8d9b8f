"""A city team's accountability pages (`accountability:*`) through HTTP: the role matrix
for every route and verb, 404 across cities both ways, and what each write does to the
database and the audit trail: taking up recommendations, plans, actions, indicators,
progress with evidence files, links for officials, hiding a response, the city's own
recommendations, and linking testimony to UN recommendations (which never shows the
testimony's words or speaker)."""

from __future__ import annotations

import datetime
import html as html_lib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accountability import services
from accountability.models import (
    Action,
    ActionPlan,
    ActionStatus,
    EvidenceLink,
    Indicator,
    LinkStatus,
    LocalRecommendation,
    OfficialResponse,
    ProgressUpdate,
    Recommendation,
    ResponseLink,
)
from cities.models import AuditAction, AuditEvent, Role
from consultations.models import Testimony
from tests.conftest import ROLES, CityTeam, assert_login_redirect, user_for
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    IndicatorFactory,
    LocalRecommendationFactory,
    MembershipFactory,
    OfficialResponseFactory,
    RecommendationFactory,
    ReportFactory,
    ReportSectionFactory,
    ResponseLinkFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

READ = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
EDIT = {**READ, "viewer": 403, "coordinator": 403}
PUBLISH = {**EDIT, "organizer": 403}
HX = {"HTTP_HX_REQUEST": "true"}
CONFIRM = {"submit": "Confirm"}  # a browser always posts the button (and the CSRF token)

# Restricted testimony details: never on any accountability page.
NARRATIVE = "CANARY-NARRATIVE my landlord Mr. Pemberton at 12 Oak Street doubled the rent"
SPEAKER = "Canary Speakerton"
CONTACT = "canary.speaker@example.net"
EVIDENCE_PDF = b"%PDF-1.4\n% minutes of the council hearing\n%%EOF\n"
RESPOND_PATH = re.compile(r"(/respond/[0-9a-f-]{36}/[0-9a-f]{64}/)")


# --------------------------------------------------------------------------- helpers


def aurl(name: str, city, **kwargs) -> str:
    return reverse(f"accountability:{name}", kwargs={"city_uuid": city.uuid, **kwargs})


def expect(response, expected, url: str = "") -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, url


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def read_file(response) -> bytes:
    """A file response's bytes (the test client's iterator closes the file)."""
    return b"".join(response.streaming_content)


def events(action: str, **filters) -> int:
    return AuditEvent.objects.filter(action=action, **filters).count()


def private_files() -> set[str]:
    root = Path(storages["private"].location)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def upload(name: str, content: bytes = EVIDENCE_PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def action_data(**overrides) -> dict[str, str]:
    return {
        "description": "Publish police stop data every quarter",
        "responsible": "Police Commissioner",
        "target": "Four reports a year",
        "due_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "status": ActionStatus.NOT_STARTED,
        **overrides,
    }


def indicator_data(**overrides) -> dict[str, str]:
    return {
        "name": "Stop reports published",
        "unit": "reports",
        "baseline": "0",
        "target_value": "4",
        "data_source": "Police department website",
        **overrides,
    }


def progress_data(**overrides) -> dict[str, object]:
    return {
        "reported_on": timezone.localdate().isoformat(),
        "text": "The council approved the budget line.",
        "indicator": "",
        "value": "",
        "status": ActionStatus.IN_PROGRESS,
        "evidence_url": "",
        **overrides,
    }


def link_data(**overrides) -> dict[str, object]:
    return {
        "official_name": "Dana Director",
        "official_title": "Director of Housing",
        "action": "",
        "message": "Please tell residents what the department will do.",
        "valid_days": "14",
        **overrides,
    }


def state() -> tuple:
    """Everything a write here could change, to show a refused one changed nothing."""
    return (
        sorted(ActionPlan.objects.values_list("uuid", "summary")),
        sorted(Action.objects.values_list("uuid", "description", "status")),
        sorted(Indicator.objects.values_list("uuid", "name", "baseline", "target_value")),
        sorted(ProgressUpdate.objects.values_list("uuid", "value")),
        sorted(ResponseLink.objects.values_list("uuid", "revoked_at")),
        sorted(OfficialResponse.objects.values_list("uuid", "hidden_at")),
        sorted(LocalRecommendation.objects.values_list("uuid", "text")),
        sorted(EvidenceLink.objects.values_list("uuid", "status")),
        AuditEvent.objects.count(),
    )


@dataclass
class Things:
    """One city's accountability rows: a plan with an action, an indicator and a progress
    update carrying an evidence file; a link for an official; a second plan an official
    answered; one of the city's own recommendations; a testimony with restricted details
    linked to the plan's recommendation; and a UN recommendation nobody took up."""

    team: CityTeam
    plan: ActionPlan
    action: Action
    indicator: Indicator
    update: ProgressUpdate
    link: ResponseLink
    answered: ActionPlan
    response: OfficialResponse
    local: LocalRecommendation
    testimony: Testimony
    testimony_link: EvidenceLink
    local_link: EvidenceLink
    spare: Recommendation

    @property
    def city(self):
        return self.team.city


def build(team: CityTeam, tag: str) -> Things:
    city = team.city
    plan = ActionPlanFactory(
        city=city,
        recommendation=RecommendationFactory(text=f"Guarantee adequate housing for all ({tag})"),
        created_by=team.lead,
    )
    action = ActionFactory(
        plan=plan,
        description=f"Adopt a right-to-counsel ordinance ({tag})",
        created_by=team.organizer,
    )
    indicator = IndicatorFactory(action=action)
    update = services.progress_add(
        actor=team.organizer,
        action=action,
        reported_on=timezone.localdate(),
        text="The council held a first hearing.",
        indicator=indicator,
        value=Decimal("20"),
        evidence_file=upload("council-minutes.pdf"),
    )
    answered = ActionPlanFactory(
        city=city, recommendation=RecommendationFactory(), created_by=team.lead
    )
    response = OfficialResponseFactory(link=ResponseLinkFactory(plan=answered))
    local = LocalRecommendationFactory(
        city=city, text=f"Fund tenants' lawyers ({tag})", created_by=team.organizer
    )
    testimony = TestimonyFactory(
        city=city,
        recorded_by=team.organizer,
        narrative=NARRATIVE,
        summary="Rent doubled and repairs never came",
        speaker_name=SPEAKER,
        speaker_contact=CONTACT,
    )
    testimony_link = services.evidence_link_decide(
        actor=team.organizer,
        recommendation=plan.recommendation,
        status=LinkStatus.CONFIRMED,
        testimony=testimony,
    )
    local_link = services.evidence_link_decide(
        actor=team.organizer,
        recommendation=plan.recommendation,
        status=LinkStatus.CONFIRMED,
        local_recommendation=local,
    )
    return Things(
        team=team,
        plan=plan,
        action=action,
        indicator=indicator,
        update=update,
        link=ResponseLinkFactory(plan=plan, message="Tell residents about housing."),
        answered=answered,
        response=response,
        local=local,
        testimony=testimony,
        testimony_link=testimony_link,
        local_link=local_link,
        spare=RecommendationFactory(
            text=f"Ensure accountability for excessive use of force by police ({tag})",
            themes=[seeded_theme("policing")],
        ),
    )


@pytest.fixture
def mine(world) -> Things:
    return build(world.a, "A")


@pytest.fixture
def theirs(world) -> Things:
    return build(world.b, "B")


def object_urls(t: Things, city=None) -> dict[str, str]:
    """Every route that names one of `t`'s rows, under `city` (default: its own)."""
    city = city or t.city
    return {
        "plan": aurl("plan", city, plan_uuid=t.plan.uuid),
        "plan_edit": aurl("plan_edit", city, plan_uuid=t.plan.uuid),
        "plan_delete": aurl("plan_delete", city, plan_uuid=t.plan.uuid),
        "action_create": aurl("action_create", city, plan_uuid=t.plan.uuid),
        "link_create": aurl("link_create", city, plan_uuid=t.plan.uuid),
        "action_edit": aurl("action_edit", city, action_uuid=t.action.uuid),
        "action_delete": aurl("action_delete", city, action_uuid=t.action.uuid),
        "indicator_create": aurl("indicator_create", city, action_uuid=t.action.uuid),
        "progress_add": aurl("progress_add", city, action_uuid=t.action.uuid),
        "indicator_edit": aurl("indicator_edit", city, indicator_uuid=t.indicator.uuid),
        "indicator_delete": aurl("indicator_delete", city, indicator_uuid=t.indicator.uuid),
        "evidence_download": aurl("evidence_download", city, update_uuid=t.update.uuid),
        "link_revoke": aurl("link_revoke", city, link_uuid=t.link.uuid),
        "response_hide": aurl("response_hide", city, response_uuid=t.response.uuid),
        "local": aurl("local", city, local_uuid=t.local.uuid),
        "local_edit": aurl("local_edit", city, local_uuid=t.local.uuid),
        "local_delete": aurl("local_delete", city, local_uuid=t.local.uuid),
        "local_decide": aurl("local_decide", city, local_uuid=t.local.uuid),
        "testimony_links": aurl("testimony_links", city, testimony_uuid=t.testimony.uuid),
        "testimony_decide": aurl("testimony_decide", city, testimony_uuid=t.testimony.uuid),
        "link_remove": aurl("link_remove", city, link_uuid=t.testimony_link.uuid),
    }


def valid_post(name: str, t: Things) -> dict[str, object]:
    """Data a route accepts, so that a refusal is never a validation error."""
    decide = {"recommendation": str(t.spare.uuid), "decision": LinkStatus.CONFIRMED}
    return {
        "plan_edit": {"summary": "Rewritten summary."},
        "action_create": action_data(),
        "action_edit": action_data(description="Edited action"),
        "indicator_create": indicator_data(),
        "indicator_edit": indicator_data(name="Edited indicator"),
        "progress_add": progress_data(),
        "link_create": link_data(),
        "response_hide": {"reason": "Posted by mistake."},
        "local_edit": {"text": "Edited local recommendation"},
        "local_decide": decide,
        "testimony_decide": decide,
    }.get(name, CONFIRM)


GET_ONLY = ["plan", "evidence_download", "local", "testimony_links"]
POST_ONLY = ["plan_edit", "link_create", "local_decide", "testimony_decide", "link_remove"]
GET_AND_POST = [
    "plan_delete",
    "action_create",
    "action_edit",
    "action_delete",
    "indicator_create",
    "indicator_edit",
    "indicator_delete",
    "progress_add",
    "link_revoke",
    "response_hide",
    "local_edit",
    "local_delete",
]


# --------------------------------------------------------------------------- role matrix: reads


@pytest.mark.authz(
    "accountability:index",
    "accountability:browse",
    "accountability:plan",
    "accountability:local",
    "accountability:testimony_links",
    "accountability:evidence_download",
)
@pytest.mark.parametrize("role", ROLES)
def test_read_pages_follow_the_read_matrix(world, login, mine, role):
    client = login(user_for(world, role))
    urls = object_urls(mine)
    for url in (
        aurl("index", world.a.city),
        aurl("browse", world.a.city),
        urls["plan"],
        urls["local"],
        urls["testimony_links"],
    ):
        expect(client.get(url), READ[role], url)
    response = client.get(urls["evidence_download"])
    expect(response, READ[role])
    if READ[role] == 200:
        assert read_file(response) == EVIDENCE_PDF
    assert events(AuditAction.PROGRESS_EVIDENCE_DOWNLOADED) == (READ[role] == 200)


@pytest.mark.authz(
    "accountability:plan_delete",
    "accountability:action_create",
    "accountability:action_edit",
    "accountability:action_delete",
    "accountability:indicator_create",
    "accountability:indicator_edit",
    "accountability:indicator_delete",
    "accountability:progress_add",
    "accountability:link_revoke",
    "accountability:local_create",
    "accountability:local_edit",
    "accountability:local_delete",
    "accountability:response_hide",
)
@pytest.mark.parametrize("role", ROLES)
def test_form_and_confirmation_pages_follow_the_edit_matrix(world, login, mine, role):
    """The pages behind the writes: for the team that edits plans, not viewers and not
    coordinators; hiding an official's response is for the city lead only. A GET
    changes nothing."""
    client = login(user_for(world, role))
    before = state()
    urls = object_urls(mine)
    for name in (*GET_AND_POST, "local_create"):
        url = urls.get(name) or aurl(name, world.a.city)
        expected = PUBLISH[role] if name == "response_hide" else EDIT[role]
        expect(client.get(url), expected, name)
    assert state() == before


# --------------------------------------------------------------------------- role matrix: writes


def _writes(t: Things, world) -> dict:
    """For each write: (url, data, done) where `done()` says whether it took effect."""
    urls = object_urls(t)
    city = t.city

    def from_report():
        report = ReportFactory(city=city, cycle=world.cycle)
        ReportSectionFactory(
            report=report, kind="recommendations", body="- Build a public bathroom downtown."
        )
        return aurl("local_from_report", city)

    return {
        "take_up": (
            aurl("take_up", city),
            {"recommendation": str(t.spare.uuid)},
            lambda: ActionPlan.objects.filter(city=city, recommendation=t.spare).exists(),
        ),
        "plan_edit": (
            urls["plan_edit"],
            valid_post("plan_edit", t),
            lambda: ActionPlan.objects.get(pk=t.plan.pk).summary == "Rewritten summary.",
        ),
        "plan_delete": (
            urls["plan_delete"],
            CONFIRM,
            lambda: not ActionPlan.objects.filter(pk=t.plan.pk).exists(),
        ),
        "action_create": (
            urls["action_create"],
            valid_post("action_create", t),
            lambda: t.plan.actions.count() == 2,
        ),
        "action_edit": (
            urls["action_edit"],
            valid_post("action_edit", t),
            lambda: Action.objects.get(pk=t.action.pk).description == "Edited action",
        ),
        "action_delete": (
            urls["action_delete"],
            CONFIRM,
            lambda: not Action.objects.filter(pk=t.action.pk).exists(),
        ),
        "indicator_create": (
            urls["indicator_create"],
            valid_post("indicator_create", t),
            lambda: t.action.indicators.count() == 2,
        ),
        "indicator_edit": (
            urls["indicator_edit"],
            valid_post("indicator_edit", t),
            lambda: Indicator.objects.get(pk=t.indicator.pk).name == "Edited indicator",
        ),
        "indicator_delete": (
            urls["indicator_delete"],
            CONFIRM,
            lambda: not Indicator.objects.filter(pk=t.indicator.pk).exists(),
        ),
        "progress_add": (
            urls["progress_add"],
            valid_post("progress_add", t),
            lambda: t.action.updates.count() == 2,
        ),
        "link_create": (
            urls["link_create"],
            valid_post("link_create", t),
            lambda: ResponseLink.objects.filter(plan=t.plan).count() == 2,
        ),
        "link_revoke": (
            urls["link_revoke"],
            CONFIRM,
            lambda: ResponseLink.objects.get(pk=t.link.pk).revoked_at is not None,
        ),
        "response_hide": (
            urls["response_hide"],
            valid_post("response_hide", t),
            lambda: OfficialResponse.objects.get(pk=t.response.pk).hidden_at is not None,
        ),
        "local_create": (
            aurl("local_create", city),
            {"text": "Open a night shelter"},
            lambda: LocalRecommendation.objects.filter(text="Open a night shelter").exists(),
        ),
        "local_edit": (
            urls["local_edit"],
            valid_post("local_edit", t),
            lambda: (
                LocalRecommendation.objects.get(pk=t.local.pk).text == "Edited local recommendation"
            ),
        ),
        "local_delete": (
            urls["local_delete"],
            CONFIRM,
            lambda: not LocalRecommendation.objects.filter(pk=t.local.pk).exists(),
        ),
        "local_from_report": (
            from_report,
            CONFIRM,
            lambda: LocalRecommendation.objects.filter(
                city=city, text="Build a public bathroom downtown."
            ).exists(),
        ),
        "local_decide": (
            urls["local_decide"],
            valid_post("local_decide", t),
            lambda: EvidenceLink.objects.filter(
                local_recommendation=t.local, recommendation=t.spare
            ).exists(),
        ),
        "testimony_decide": (
            urls["testimony_decide"],
            valid_post("testimony_decide", t),
            lambda: EvidenceLink.objects.filter(
                testimony=t.testimony, recommendation=t.spare
            ).exists(),
        ),
        "link_remove": (
            urls["link_remove"],
            CONFIRM,
            lambda: not EvidenceLink.objects.filter(pk=t.testimony_link.pk).exists(),
        ),
    }


WRITE_NAMES = [
    "take_up",
    "plan_edit",
    "plan_delete",
    "action_create",
    "action_edit",
    "action_delete",
    "indicator_create",
    "indicator_edit",
    "indicator_delete",
    "progress_add",
    "link_create",
    "link_revoke",
    "response_hide",
    "local_create",
    "local_edit",
    "local_delete",
    "local_from_report",
    "local_decide",
    "testimony_decide",
    "link_remove",
]


@pytest.mark.authz(
    "accountability:take_up",
    "accountability:plan_edit",
    "accountability:link_create",
    "accountability:local_from_report",
    "accountability:local_decide",
    "accountability:testimony_decide",
    "accountability:link_remove",
)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", WRITE_NAMES)
def test_every_write_follows_its_matrix(world, login, mine, name, role):
    """Organizers and the lead write plans and link evidence; only the lead hides an
    official's response. Everyone else is refused and nothing changes: no row, no audit."""
    url, data, done = _writes(mine, world)[name]
    if callable(url):
        url = url()
    user = user_for(world, role)
    client = login(user)
    before = state()
    response = client.post(url, data)
    expected = PUBLISH[role] if name == "response_hide" else EDIT[role]
    expect(response, 302 if expected == 200 else expected, name)
    if expected != 200:
        assert state() == before
        assert not done()
        return
    assert done()
    assert AuditEvent.objects.filter(actor=user, city=world.a.city).exists()


# --------------------------------------------------------------------------- verbs and cities


def test_each_route_refuses_the_wrong_verb(world, login, mine):
    client = login(world.a.lead)
    urls = object_urls(mine)
    before = state()
    for name in ("index", "browse"):
        assert client.post(aurl(name, world.a.city)).status_code == 405, name
    for name in ("take_up", "local_from_report"):
        assert client.get(aurl(name, world.a.city)).status_code == 405, name
    assert client.put(aurl("local_create", world.a.city)).status_code == 405
    for name in GET_ONLY:
        assert client.post(urls[name], CONFIRM).status_code == 405, name
    for name in POST_ONLY:
        assert client.get(urls[name]).status_code == 405, name
    for name in GET_AND_POST:
        assert client.put(urls[name]).status_code == 405, name
        assert client.delete(urls[name]).status_code == 405, name
    assert state() == before


def test_another_citys_rows_are_404_under_this_citys_url(world, login, mine, theirs):
    """City B's plan, action, indicator, progress update, links, response, own
    recommendation and testimony, asked for under city A's URL by city A's lead (who may
    do everything in A): 404 for every route and verb, nothing written."""
    client = login(world.a.lead)
    before = state()
    urls = object_urls(theirs, city=world.a.city)
    for name in GET_ONLY + GET_AND_POST:
        assert client.get(urls[name]).status_code == 404, name
    for name in POST_ONLY + GET_AND_POST:
        assert client.post(urls[name], valid_post(name, theirs)).status_code == 404, name
        assert client.post(urls[name], valid_post(name, theirs), **HX).status_code == 404, name
    # Taking up city B's own recommendation through city A.
    response = client.post(
        aurl("take_up", world.a.city), {"local_recommendation": str(theirs.local.uuid)}
    )
    assert response.status_code == 404
    assert state() == before


def test_this_citys_rows_are_404_under_another_citys_url(world, login, mine, theirs):
    """A person who leads both cities still can't reach city A's rows through city B's
    URL: every lookup is scoped by the city in the URL."""
    MembershipFactory(city=world.b.city, user=world.a.lead, role=Role.CITY_LEAD)
    client = login(world.a.lead)
    before = state()
    urls = object_urls(mine, city=world.b.city)
    for name in GET_ONLY + GET_AND_POST:
        assert client.get(urls[name]).status_code == 404, name
    for name in POST_ONLY + GET_AND_POST:
        assert client.post(urls[name], valid_post(name, mine)).status_code == 404, name
    assert state() == before
    # Their own URLs work for them, so the 404s above are the scoping.
    assert client.get(object_urls(theirs)["plan"]).status_code == 200


def test_another_citys_pages_are_404_for_this_citys_lead(world, login, theirs):
    client = login(world.a.lead)
    before = state()
    for name, url in object_urls(theirs).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, valid_post(name, theirs)).status_code == 404, name
    assert client.get(aurl("index", world.b.city)).status_code == 404
    assert state() == before


# --------------------------------------------------------------------------- overview and browsing


def test_the_index_lists_the_plans_and_the_citys_own_recommendations(world, login, mine):
    page = html_lib.unescape(text(login(world.a.viewer).get(aurl("index", world.a.city))))
    assert mine.plan.recommendation.label in page
    assert object_urls(mine)["plan"] in page
    assert "Fund tenants' lawyers (A)" in page
    assert NARRATIVE not in page and SPEAKER not in page


def test_browse_searches_the_un_recommendations(world, login, mine):
    client = login(world.a.organizer)
    page = html_lib.unescape(text(client.get(aurl("browse", world.a.city), {"q": "police"})))
    assert "excessive use of force by police (A)" in page
    assert "Guarantee adequate housing for all (A)" not in page
    page = html_lib.unescape(text(client.get(aurl("browse", world.a.city))))
    assert "Guarantee adequate housing for all (A)" in page


# --------------------------------------------------------------------------- taking up


def test_taking_up_a_un_recommendation_opens_its_plan_once(world, login, mine):
    client = login(world.a.organizer)
    response = client.post(aurl("take_up", world.a.city), {"recommendation": mine.spare.uuid})
    plan = ActionPlan.objects.get(city=world.a.city, recommendation=mine.spare)
    assert response.status_code == 302
    assert response["Location"] == aurl("plan", world.a.city, plan_uuid=plan.uuid)
    assert plan.created_by == world.a.organizer
    assert events(AuditAction.PLAN_CREATED, city=world.a.city, target_id=str(plan.uuid)) == 1
    # Taking it up again opens the same plan.
    again = client.post(aurl("take_up", world.a.city), {"recommendation": mine.spare.uuid})
    assert again["Location"] == response["Location"]
    assert ActionPlan.objects.filter(recommendation=mine.spare).count() == 1
    assert events(AuditAction.PLAN_CREATED) == 1
    page = html_lib.unescape(text(client.get(response["Location"])))
    assert mine.spare.text in page


def test_taking_up_the_citys_own_recommendation(world, login, mine):
    client = login(world.a.lead)
    response = client.post(aurl("take_up", world.a.city), {"local_recommendation": mine.local.uuid})
    plan = ActionPlan.objects.get(local_recommendation=mine.local)
    assert plan.city == world.a.city and plan.recommendation is None
    assert response["Location"] == aurl("plan", world.a.city, plan_uuid=plan.uuid)
    page = html_lib.unescape(text(client.get(response["Location"])))
    assert "Fund tenants' lawyers (A)" in page


@pytest.mark.parametrize(
    "data",
    [{}, {"recommendation": "not-a-uuid"}, "both"],
    ids=["nothing", "garbage", "both"],
)
def test_taking_up_needs_exactly_one_recommendation(world, login, mine, data):
    if data == "both":
        data = {"recommendation": mine.spare.uuid, "local_recommendation": mine.local.uuid}
    client = login(world.a.lead)
    before = state()
    response = client.post(aurl("take_up", world.a.city), data)
    assert response.status_code == 302
    assert response["Location"] == aurl("index", world.a.city)
    assert messages_of(response) == ["Choose one recommendation to take up."]
    assert state() == before


def test_taking_up_an_unknown_recommendation_is_404(world, login, mine):
    import uuid

    before = state()
    response = login(world.a.lead).post(
        aurl("take_up", world.a.city), {"recommendation": uuid.uuid4()}
    )
    assert response.status_code == 404
    assert state() == before


# --------------------------------------------------------------------------- plans


def test_plan_edit_saves_the_summary(world, login, mine):
    client = login(world.a.organizer)
    response = client.post(object_urls(mine)["plan_edit"], {"summary": "  Residents asked.  "})
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["Saved."]
    mine.plan.refresh_from_db()
    assert mine.plan.summary == "Residents asked."
    assert events(AuditAction.PLAN_UPDATED, actor=world.a.organizer) == 1


def test_plan_edit_refuses_a_summary_too_long(world, login, mine):
    client = login(world.a.organizer)
    response = client.post(object_urls(mine)["plan_edit"], {"summary": "x" * 2001})
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["The text is too long: keep it under 2,000 characters."]
    mine.plan.refresh_from_db()
    assert mine.plan.summary == "Housing is the first concern residents raised."
    assert not events(AuditAction.PLAN_UPDATED)


def test_plan_delete_confirms_then_deletes_with_everything_under_it(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["plan_delete"]
    page = html_lib.unescape(text(client.get(url)))
    assert "Delete this plan?" in page
    assert "Delete the plan" in page
    assert object_urls(mine)["plan"] in page  # cancel goes back to the plan
    assert ActionPlan.objects.filter(pk=mine.plan.pk).exists()

    response = client.post(url, CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == aurl("index", world.a.city)
    assert messages_of(response) == ["The plan was deleted."]
    assert not ActionPlan.objects.filter(pk=mine.plan.pk).exists()
    assert not Action.objects.filter(pk=mine.action.pk).exists()
    assert not Indicator.objects.filter(pk=mine.indicator.pk).exists()
    assert not ProgressUpdate.objects.filter(pk=mine.update.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.PLAN_DELETED)
    assert event.actor == world.a.organizer and event.city == world.a.city
    assert event.details == {"plan": str(mine.plan.uuid)}


def test_a_plan_an_official_responded_on_cant_be_deleted(world, login, mine):
    client = login(world.a.lead)
    url = aurl("plan_delete", world.a.city, plan_uuid=mine.answered.uuid)
    before = state()
    response = client.post(url, CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == aurl("plan", world.a.city, plan_uuid=mine.answered.uuid)
    assert messages_of(response) == [
        "An official has responded on this plan, so it can't be deleted."
    ]
    assert ActionPlan.objects.filter(pk=mine.answered.pk).exists()
    assert state() == before


@pytest.mark.parametrize("name", ["plan_edit", "action_edit", "progress_add", "local_edit"])
def test_rows_whose_author_left_can_still_be_edited(world, login, mine, name):
    """The author's account is deleted (created_by is SET_NULL): the team keeps working."""
    author = MembershipFactory(city=world.a.city, role=Role.ORGANIZER).user
    ActionPlan.objects.filter(pk=mine.plan.pk).update(created_by=author)
    Action.objects.filter(pk=mine.action.pk).update(created_by=author)
    LocalRecommendation.objects.filter(pk=mine.local.pk).update(created_by=author)
    author.delete()
    data = {
        **valid_post(name, mine),
        **({"status": ActionStatus.STALLED} if name == "progress_add" else {}),
    }
    response = login(world.a.lead).post(object_urls(mine)[name], data)
    assert response.status_code == 302
    mine.plan.refresh_from_db()
    mine.action.refresh_from_db()
    mine.local.refresh_from_db()
    assert {
        "plan_edit": mine.plan.summary == "Rewritten summary.",
        "action_edit": mine.action.description == "Edited action",
        "progress_add": mine.action.status == ActionStatus.STALLED,
        "local_edit": mine.local.text == "Edited local recommendation",
    }[name]


# --------------------------------------------------------------------------- actions


def test_action_create_adds_an_action(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["action_create"]
    assert client.get(url).status_code == 200
    response = client.post(url, action_data())
    assert response.status_code == 302
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["Action added."]
    action = mine.plan.actions.get(description="Publish police stop data every quarter")
    assert (action.responsible, action.target, action.status, action.city) == (
        "Police Commissioner",
        "Four reports a year",
        ActionStatus.NOT_STARTED,
        world.a.city,
    )
    assert action.due_on == timezone.localdate() + datetime.timedelta(days=90)
    assert action.created_by == world.a.organizer and action.completed_on is None
    event = AuditEvent.objects.get(action=AuditAction.ACTION_SAVED)
    assert event.details["action"] == str(action.uuid) and event.actor == world.a.organizer
    page = html_lib.unescape(text(client.get(object_urls(mine)["plan"])))
    assert "Publish police stop data every quarter" in page


def test_an_incomplete_action_is_422_and_nothing_is_saved(world, login, mine):
    client = login(world.a.organizer)
    before = state()
    response = client.post(
        object_urls(mine)["action_create"], action_data(due_on="", responsible="")
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"due_on", "responsible"}
    assert "Publish police stop data every quarter" in text(response)  # kept as typed
    assert state() == before


def test_action_edit_shows_the_action_and_saves_changes(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["action_edit"]
    page = html_lib.unescape(text(client.get(url)))
    assert mine.action.description in page
    response = client.post(
        url, action_data(description="Edited action", status=ActionStatus.COMPLETED)
    )
    assert response["Location"] == object_urls(mine)["plan"]
    mine.action.refresh_from_db()
    assert mine.action.description == "Edited action"
    assert mine.action.status == ActionStatus.COMPLETED
    assert mine.action.completed_on == timezone.localdate()
    event = AuditEvent.objects.get(action=AuditAction.ACTION_SAVED)
    assert "description" in event.details["changed"] and event.details["status"] == "completed"
    assert "Edited action" not in str(event.details)  # names the fields, not their text


def test_action_delete_confirms_then_deletes(world, login, mine):
    client = login(world.a.lead)
    url = object_urls(mine)["action_delete"]
    page = html_lib.unescape(text(client.get(url)))
    assert "Delete this action?" in page and mine.action.description in page
    assert Action.objects.filter(pk=mine.action.pk).exists()
    response = client.post(url, CONFIRM)
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["The action was deleted."]
    assert not Action.objects.filter(pk=mine.action.pk).exists()
    assert not Indicator.objects.filter(pk=mine.indicator.pk).exists()
    assert events(AuditAction.ACTION_DELETED, actor=world.a.lead) == 1


def test_an_action_an_official_responded_on_cant_be_deleted(world, login, mine):
    link = ResponseLinkFactory(plan=mine.plan, action=mine.action)
    OfficialResponseFactory(link=link, action=mine.action)
    client = login(world.a.lead)
    before = state()
    response = client.post(object_urls(mine)["action_delete"], CONFIRM)
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == [
        "An official has responded on this action, so it can't be deleted."
    ]
    assert state() == before


# --------------------------------------------------------------------------- indicators


def test_indicator_create_adds_an_indicator(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["indicator_create"]
    assert client.get(url).status_code == 200
    response = client.post(url, indicator_data())
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["Indicator saved."]
    indicator = mine.action.indicators.get(name="Stop reports published")
    assert (indicator.unit, indicator.baseline, indicator.target_value) == (
        "reports",
        Decimal("0"),
        Decimal("4"),
    )
    assert indicator.city == world.a.city
    assert events(AuditAction.INDICATOR_SAVED, actor=world.a.organizer) == 1


@pytest.mark.parametrize("name", ["indicator_create", "indicator_edit"])
def test_an_indicator_whose_target_is_its_baseline_is_refused(world, login, mine, name):
    client = login(world.a.organizer)
    before = state()
    response = client.post(
        object_urls(mine)[name], indicator_data(baseline="12.5", target_value="12.50")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["target_value"] == [
        "The target value must differ from the baseline."
    ]
    assert "The target value must differ from the baseline." in text(response)
    assert state() == before


def test_indicator_edit_saves_changes(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["indicator_edit"]
    page = html_lib.unescape(text(client.get(url)))
    assert mine.indicator.name in page
    response = client.post(url, indicator_data(name="Edited indicator", target_value="95"))
    assert response["Location"] == object_urls(mine)["plan"]
    mine.indicator.refresh_from_db()
    assert (mine.indicator.name, mine.indicator.target_value) == ("Edited indicator", 95)


def test_indicator_delete_keeps_the_progress_notes_without_their_values(world, login, mine):
    client = login(world.a.lead)
    url = object_urls(mine)["indicator_delete"]
    page = html_lib.unescape(text(client.get(url)))
    assert "Delete this indicator?" in page and mine.indicator.name in page
    response = client.post(url, CONFIRM)
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["The indicator was deleted."]
    assert not Indicator.objects.filter(pk=mine.indicator.pk).exists()
    mine.update.refresh_from_db()
    assert (mine.update.indicator, mine.update.value) == (None, None)
    assert mine.update.text == "The council held a first hearing."
    assert events(AuditAction.INDICATOR_DELETED) == 1


# --------------------------------------------------------------------------- progress and evidence


def test_progress_with_a_reading_and_an_evidence_file(world, login, mine):
    client = login(world.a.organizer)
    url = object_urls(mine)["progress_add"]
    assert client.get(url).status_code == 200
    files_before = private_files()
    response = client.post(
        url,
        progress_data(
            indicator=str(mine.indicator.pk),
            value="45",
            status=ActionStatus.COMPLETED,
            evidence_url="https://council.example.org/resolution-12",
            evidence_file=upload("Budget Resolution.pdf"),
        ),
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["Progress update added."]
    update = mine.action.updates.exclude(pk=mine.update.pk).get()
    assert (update.indicator, update.value) == (mine.indicator, Decimal("45"))
    assert update.evidence_url == "https://council.example.org/resolution-12"
    assert update.evidence_filename == "Budget Resolution.pdf"
    assert update.created_by == world.a.organizer and update.city == world.a.city
    # Stored under a random name in private storage; the original name is kept apart.
    assert update.evidence_file.name.endswith(f"{update.uuid}.pdf")
    assert "Budget" not in update.evidence_file.name
    assert private_files() - files_before == {update.evidence_file.name}
    mine.action.refresh_from_db()
    assert mine.action.status == ActionStatus.COMPLETED
    event = AuditEvent.objects.get(
        action=AuditAction.PROGRESS_ADDED, details__update=str(update.uuid)
    )
    assert event.actor == world.a.organizer and event.details["status"] == "completed"
    assert "Budget" not in str(event.details)
    # The team downloads it under its original name.
    download = client.get(aurl("evidence_download", world.a.city, update_uuid=update.uuid))
    assert download["Content-Disposition"] == 'attachment; filename="Budget Resolution.pdf"'
    assert read_file(download) == EVIDENCE_PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00 an executable"),
        ("minutes.pdf.exe", EVIDENCE_PDF),
        ("script.html", b"<script>alert(1)</script>"),
    ],
)
def test_an_evidence_file_of_another_type_is_refused_and_nothing_is_saved(
    world, login, mine, name, content
):
    client = login(world.a.organizer)
    before, files_before = state(), private_files()
    response = client.post(
        object_urls(mine)["progress_add"],
        progress_data(evidence_file=upload(name, content, "application/octet-stream")),
    )
    assert response.status_code == 422
    message = "Attach a PDF, an image (PNG or JPEG), a Word or Excel file, CSV or plain text."
    assert message in html_lib.unescape(text(response))
    assert message in response.context["form"].non_field_errors()
    assert "The council approved the budget line." in text(response)  # kept as typed
    assert state() == before
    assert private_files() == files_before


def test_an_evidence_file_over_10_mb_is_refused_and_nothing_is_saved(world, login, mine):
    client = login(world.a.organizer)
    before, files_before = state(), private_files()
    big = upload("scan.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    response = client.post(object_urls(mine)["progress_add"], progress_data(evidence_file=big))
    assert response.status_code == 422
    assert "The file is larger than 10 MB. Link to it instead." in html_lib.unescape(text(response))
    assert state() == before
    assert private_files() == files_before


def test_a_request_far_over_the_evidence_limit_gets_413_before_it_is_read(world, login, mine):
    before, files_before = state(), private_files()
    response = login(world.a.organizer).post(
        object_urls(mine)["progress_add"],
        progress_data(evidence_file=upload("small.pdf")),
        CONTENT_LENGTH=str(services.EVIDENCE_MAX_BYTES + 65 * 1024),
    )
    assert response.status_code == 413
    assert state() == before
    assert private_files() == files_before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "12"}, "indicator", "Choose the indicator this value is for."),
        ({"indicator": "INDICATOR"}, "value", "Give the indicator's value."),
        (
            {"reported_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()},
            "reported_on",
            "The date can't be in the future.",
        ),
    ],
    ids=["value-alone", "indicator-alone", "future"],
)
def test_an_inconsistent_progress_update_is_422(world, login, mine, overrides, field, message):
    if overrides.get("indicator") == "INDICATOR":
        overrides = {"indicator": str(mine.indicator.pk)}
    client = login(world.a.organizer)
    before = state()
    response = client.post(object_urls(mine)["progress_add"], progress_data(**overrides))
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert state() == before


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "not a url"]
)
def test_an_evidence_link_must_be_a_web_address(world, login, mine, url):
    """The link is shown on the public scorecard as an href: nothing but http(s)."""
    client = login(world.a.organizer)
    before = state()
    response = client.post(object_urls(mine)["progress_add"], progress_data(evidence_url=url))
    assert response.status_code == 422
    assert "evidence_url" in response.context["form"].errors
    assert state() == before


def test_another_actions_indicator_cant_take_a_reading(world, login, mine):
    other = IndicatorFactory(action=ActionFactory(plan=mine.plan))
    client = login(world.a.organizer)
    before = state()
    response = client.post(
        object_urls(mine)["progress_add"], progress_data(indicator=str(other.pk), value="3")
    )
    assert response.status_code == 422
    assert "indicator" in response.context["form"].errors
    assert state() == before


def test_the_evidence_download_is_audited_and_private(world, login, client, mine):
    url = object_urls(mine)["evidence_download"]
    response = login(world.a.viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="council-minutes.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert read_file(response) == EVIDENCE_PDF
    event = AuditEvent.objects.get(action=AuditAction.PROGRESS_EVIDENCE_DOWNLOADED)
    assert (event.actor, event.city, event.target_id) == (
        world.a.viewer,
        world.a.city,
        str(mine.update.uuid),
    )
    # Not reachable without logging in, nor as a file URL, nor linked from the public page.
    login(None)
    assert_login_redirect(client.get(url))
    name = mine.update.evidence_file.name
    assert client.get(f"/media-not-served/{name}").status_code == 404
    assert client.get(f"/media-not-served/private/{name}").status_code == 404
    page = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    assert url not in page and name not in page and "council-minutes" not in page
    assert events(AuditAction.PROGRESS_EVIDENCE_DOWNLOADED) == 1


def test_an_update_without_a_file_has_nothing_to_download(world, login, mine):
    bare = services.progress_add(
        actor=world.a.organizer,
        action=mine.action,
        reported_on=timezone.localdate(),
        text="No file this time.",
    )
    response = login(world.a.lead).get(
        aurl("evidence_download", world.a.city, update_uuid=bare.uuid)
    )
    assert response.status_code == 404
    assert not events(AuditAction.PROGRESS_EVIDENCE_DOWNLOADED)


# --------------------------------------------------------------------------- links for officials


def test_a_new_response_link_works_from_the_plan_page(world, login, client, mine):
    login(world.a.organizer)
    response = client.post(object_urls(mine)["link_create"], link_data(action=mine.action.pk))
    assert response.status_code == 302
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == [
        "Link created. Copy it from the list below and send it to the official."
    ]
    link = ResponseLink.objects.get(plan=mine.plan, official_name="Dana Director")
    assert (link.official_title, link.action, link.city, link.created_by) == (
        "Director of Housing",
        mine.action,
        world.a.city,
        world.a.organizer,
    )
    assert link.message == "Please tell residents what the department will do."
    expected_expiry = timezone.now() + datetime.timedelta(days=14)
    assert abs((link.expires_at - expected_expiry).total_seconds()) < 60
    assert link.is_usable()
    event = AuditEvent.objects.get(action=AuditAction.RESPONSE_LINK_CREATED)
    assert event.details["days"] == 14 and event.actor == world.a.organizer

    page = text(client.get(object_urls(mine)["plan"]))
    paths = {m.group(1) for m in RESPOND_PATH.finditer(page)}
    [path] = [p for p in paths if str(link.uuid) in p]
    login(None)
    official = client.get(path)
    assert official.status_code == 200
    assert "Dana Director" in html_lib.unescape(text(official))


def test_only_those_who_edit_plans_see_the_officials_link_and_the_write_controls(
    world, login, mine
):
    """Anyone with the link can respond as the official: viewers and coordinators, who
    may read the plan, never see it (nor the buttons of writes they can't make)."""
    url = object_urls(mine)["plan"]
    for user, editor in (
        (world.a.organizer, True),
        (world.a.lead, True),
        (world.a.viewer, False),
        (world.coordinator, False),
    ):
        page = text(login(user).get(url))
        assert bool(RESPOND_PATH.search(page)) is editor, user
        assert (object_urls(mine)["action_create"] in page) is editor
        assert (object_urls(mine)["link_revoke"] in page) is editor
        assert (object_urls(mine)["plan_delete"] in page) is editor


@pytest.mark.parametrize(
    "overrides",
    [{"valid_days": "0"}, {"valid_days": "91"}, {"official_name": ""}, {"official_title": ""}],
    ids=["0-days", "91-days", "no-name", "no-title"],
)
def test_an_invalid_response_link_is_422_and_not_created(world, login, mine, overrides):
    client = login(world.a.organizer)
    before = state()
    response = client.post(object_urls(mine)["link_create"], link_data(**overrides))
    assert response.status_code == 422
    assert state() == before


def test_a_link_cant_name_an_action_of_another_plan(world, login, mine):
    other = ActionFactory(plan=mine.answered)
    client = login(world.a.organizer)
    before = state()
    response = client.post(object_urls(mine)["link_create"], link_data(action=other.pk))
    assert response.status_code == 422
    assert "action" in response.context["form"].errors
    assert state() == before


def test_revoking_a_link_confirms_then_the_link_is_gone(world, login, client, mine):
    from accountability.tokens import response_token

    official_url = reverse("official_respond", args=[mine.link.uuid, response_token(mine.link)])
    login(world.a.organizer)
    url = object_urls(mine)["link_revoke"]
    page = html_lib.unescape(text(client.get(url)))
    assert "Revoke this link?" in page and str(mine.link) in page
    mine.link.refresh_from_db()
    assert mine.link.revoked_at is None
    response = client.post(url, CONFIRM)
    assert response["Location"] == object_urls(mine)["plan"]
    assert messages_of(response) == ["The link no longer works."]
    mine.link.refresh_from_db()
    assert mine.link.revoked_at is not None and mine.link.revoked_by == world.a.organizer
    assert events(AuditAction.RESPONSE_LINK_REVOKED, actor=world.a.organizer) == 1
    # Revoking twice changes nothing.
    client.post(url, CONFIRM)
    assert events(AuditAction.RESPONSE_LINK_REVOKED) == 1
    login(None)
    assert client.get(official_url).status_code == 410


def test_the_lead_hides_a_response_with_a_reason(world, login, client, mine):
    login(world.a.lead)
    url = object_urls(mine)["response_hide"]
    page = html_lib.unescape(text(client.get(url)))
    assert mine.response.text in page
    before = state()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 422
    assert state() == before

    response = client.post(url, {"reason": "Posted by mistake."})
    assert response["Location"] == aurl("plan", world.a.city, plan_uuid=mine.answered.uuid)
    assert messages_of(response) == ["The response is hidden from the public scorecard."]
    mine.response.refresh_from_db()
    assert mine.response.hidden_at is not None
    assert (mine.response.hidden_by, mine.response.hidden_reason) == (
        world.a.lead,
        "Posted by mistake.",
    )
    assert mine.response.text  # kept for the record
    event = AuditEvent.objects.get(action=AuditAction.OFFICIAL_RESPONSE_HIDDEN)
    assert event.details == {"reason": "Posted by mistake."} and event.actor == world.a.lead
    login(None)
    public = html_lib.unescape(text(client.get(reverse("public:city", args=[world.a.city.slug]))))
    assert mine.response.text not in public


# --------------------------------------------------------------------------- the city's own recommendations


def test_local_create_adds_one_with_themes(world, login, mine):
    client = login(world.a.organizer)
    url = aurl("local_create", world.a.city)
    assert client.get(url).status_code == 200
    housing = seeded_theme("housing")
    response = client.post(url, {"text": "  Open a night shelter  ", "themes": [housing.pk]})
    local = LocalRecommendation.objects.get(text="Open a night shelter")
    assert response["Location"] == aurl("local", world.a.city, local_uuid=local.uuid)
    assert (local.city, local.cycle, local.created_by) == (
        world.a.city,
        world.cycle,
        world.a.organizer,
    )
    assert list(local.themes.all()) == [housing]
    assert events(AuditAction.LOCAL_RECOMMENDATION_SAVED, actor=world.a.organizer) == 1
    page = html_lib.unescape(text(client.get(response["Location"])))
    assert "Open a night shelter" in page


def test_an_empty_local_recommendation_is_422(world, login, mine):
    client = login(world.a.organizer)
    before = state()
    response = client.post(aurl("local_create", world.a.city), {"text": ""})
    assert response.status_code == 422
    assert "text" in response.context["form"].errors
    assert state() == before


def test_local_create_without_a_current_cycle_says_so(world, login, mine):
    world.cycle.is_current = False
    world.cycle.save()
    client = login(world.a.organizer)
    before = state()
    response = client.post(aurl("local_create", world.a.city), {"text": "Something"})
    assert response["Location"] == aurl("index", world.a.city)
    assert messages_of(response) == [
        "There is no current review cycle yet. Ask a national coordinator."
    ]
    assert state() == before


def test_local_edit_and_delete(world, login, mine):
    client = login(world.a.organizer)
    urls = object_urls(mine)
    page = html_lib.unescape(text(client.get(urls["local_edit"])))
    assert "Fund tenants' lawyers (A)" in page
    response = client.post(urls["local_edit"], {"text": "Edited local recommendation"})
    assert response["Location"] == urls["local"]
    mine.local.refresh_from_db()
    assert mine.local.text == "Edited local recommendation"

    page = html_lib.unescape(text(client.get(urls["local_delete"])))
    assert "Delete this recommendation?" in page and "Edited local recommendation" in page
    response = client.post(urls["local_delete"], CONFIRM)
    assert response["Location"] == aurl("index", world.a.city)
    assert messages_of(response) == ["The recommendation was deleted."]
    assert not LocalRecommendation.objects.filter(pk=mine.local.pk).exists()
    assert not EvidenceLink.objects.filter(pk=mine.local_link.pk).exists()
    assert events(AuditAction.LOCAL_RECOMMENDATION_DELETED) == 1


def test_a_local_recommendation_with_a_plan_cant_be_deleted(world, login, mine):
    ActionPlanFactory(city=world.a.city, recommendation=None, local_recommendation=mine.local)
    client = login(world.a.lead)
    before = state()
    response = client.post(object_urls(mine)["local_delete"], CONFIRM)
    assert response["Location"] == object_urls(mine)["local"]
    assert messages_of(response) == [
        "This recommendation has an action plan. Delete the plan first."
    ]
    assert state() == before


def test_local_recommendations_are_copied_from_the_report(world, login, mine):
    report = ReportFactory(city=world.a.city, cycle=world.cycle)
    ReportSectionFactory(
        report=report,
        kind="recommendations",
        body=(
            "Our coalition asks the council to act on three things.\n\n"
            "- Fund right to counsel for every tenant.\n"
            "- Publish police stop data every quarter.\n"
            "1. Open cooling centres in every ward.\n"
        ),
    )
    client = login(world.a.organizer)
    response = client.post(aurl("local_from_report", world.a.city))
    assert response["Location"] == aurl("index", world.a.city)
    assert messages_of(response) == ["3 recommendations added from the report."]
    added = LocalRecommendation.objects.filter(report=report).order_by("sort_order")
    assert [r.text for r in added] == [
        "Fund right to counsel for every tenant.",
        "Publish police stop data every quarter.",
        "Open cooling centres in every ward.",
    ]
    assert all(r.city == world.a.city and r.cycle == world.cycle for r in added)
    # Again: nothing new.
    response = client.post(aurl("local_from_report", world.a.city))
    assert messages_of(response)[-1] == "Every recommendation in the report is already listed."
    assert LocalRecommendation.objects.filter(report=report).count() == 3


def test_local_from_report_needs_a_report_with_recommendations(world, login, mine):
    client = login(world.a.organizer)
    before = state()
    response = client.post(aurl("local_from_report", world.a.city))
    assert messages_of(response) == ["Start the local report first."]
    report = ReportFactory(city=world.a.city, cycle=world.cycle)
    ReportSectionFactory(report=report, kind="recommendations", body="  ")
    response = client.post(aurl("local_from_report", world.a.city))
    assert messages_of(response)[-1] == "The report's recommendations section is empty."
    # City B's report is not city A's.
    other = ReportFactory(city=world.b.city, cycle=world.cycle)
    ReportSectionFactory(report=other, kind="recommendations", body="- Betatown item.")
    client.post(aurl("local_from_report", world.a.city))
    assert state() == before


def test_local_decide_links_a_un_recommendation(world, login, mine):
    client = login(world.a.organizer)
    urls = object_urls(mine)
    linked = events(AuditAction.EVIDENCE_LINKED, target_id=str(mine.local.uuid))
    response = client.post(
        urls["local_decide"],
        {"recommendation": mine.spare.uuid, "decision": "confirmed", "suggested": "true"},
    )
    assert response["Location"] == urls["local"]
    link = EvidenceLink.objects.get(local_recommendation=mine.local, recommendation=mine.spare)
    assert (link.status, link.suggested, link.city, link.decided_by) == (
        LinkStatus.CONFIRMED,
        True,
        world.a.city,
        world.a.organizer,
    )
    assert events(AuditAction.EVIDENCE_LINKED, target_id=str(mine.local.uuid)) == linked + 1
    page = html_lib.unescape(text(client.get(urls["local"])))
    assert mine.spare.label in page
    # An incomplete decision changes nothing.
    before = state()
    response = client.post(urls["local_decide"], {"recommendation": mine.spare.uuid})
    assert messages_of(response) == ["Choose a recommendation and a decision."]
    assert state() == before


def test_removing_a_local_link_goes_back_to_the_local_page(world, login, mine):
    response = login(world.a.organizer).post(
        aurl("link_remove", world.a.city, link_uuid=mine.local_link.uuid)
    )
    assert response["Location"] == object_urls(mine)["local"]
    assert not EvidenceLink.objects.filter(pk=mine.local_link.pk).exists()
    assert events(AuditAction.EVIDENCE_UNLINKED) == 1


# --------------------------------------------------------------------------- testimony panel


def _assert_no_restricted(page: str) -> None:
    page = html_lib.unescape(page)
    for canary in (NARRATIVE, "CANARY-NARRATIVE", "Pemberton", SPEAKER, CONTACT):
        assert canary not in page, canary


@pytest.fixture
def police_testimony(world, mine):
    """A testimony about the police (canaries in its restricted fields), and two UN
    recommendations on policing for the panel to suggest."""
    policing = seeded_theme("policing")
    recs = [
        RecommendationFactory(
            text="Investigate all allegations of police brutality and racial profiling",
            themes=[policing],
        ),
        RecommendationFactory(text="Abolish the death penalty", themes=[policing]),
    ]
    testimony = TestimonyFactory(
        city=world.a.city,
        recorded_by=world.a.organizer,
        narrative=f"{NARRATIVE}. Police stopped my son three times, racial profiling again.",
        summary="Repeated police stops",
        speaker_name=SPEAKER,
        speaker_contact=CONTACT,
        themes=[policing],
    )
    return testimony, recs


def test_the_panel_suggests_recommendations_and_never_shows_the_testimony(
    world, login, police_testimony
):
    testimony, (profiling, _death) = police_testimony
    url = aurl("testimony_links", world.a.city, testimony_uuid=testimony.uuid)
    for user in (world.a.organizer, world.a.lead, world.a.viewer, world.coordinator):
        response = login(user).get(url)
        assert response.status_code == 200
        _assert_no_restricted(text(response))
    page = html_lib.unescape(text(login(world.a.organizer).get(url)))
    assert "<html" in page
    assert profiling.text in page
    # The suggestion with the most words in common comes first.
    assert page.index(profiling.text) < page.index("Abolish the death penalty")
    partial = login(world.a.organizer).get(url, **HX)
    assert partial.status_code == 200
    assert "<html" not in text(partial)
    assert profiling.text in html_lib.unescape(text(partial))
    _assert_no_restricted(text(partial))
    # A viewer reads the links but gets no suggestions to decide on.
    viewer = html_lib.unescape(text(login(world.a.viewer).get(url)))
    assert profiling.text not in viewer


def test_confirming_and_dismissing_through_htmx(world, login, mine, police_testimony):
    testimony, (profiling, death) = police_testimony
    client = login(world.a.organizer)
    url = aurl("testimony_decide", world.a.city, testimony_uuid=testimony.uuid)
    response = client.post(
        url, {"recommendation": profiling.uuid, "decision": "confirmed", "suggested": "on"}, **HX
    )
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page
    assert profiling.label in html_lib.unescape(page)
    _assert_no_restricted(page)
    link = EvidenceLink.objects.get(testimony=testimony, recommendation=profiling)
    assert (link.status, link.suggested, link.decided_by, link.city) == (
        LinkStatus.CONFIRMED,
        True,
        world.a.organizer,
        world.a.city,
    )
    event = AuditEvent.objects.get(
        action=AuditAction.EVIDENCE_LINKED, target_id=str(testimony.uuid)
    )
    assert event.actor == world.a.organizer and event.city == world.a.city
    assert NARRATIVE not in str(event.details) and NARRATIVE not in event.target_label

    response = client.post(url, {"recommendation": death.uuid, "decision": "dismissed"}, **HX)
    assert response.status_code == 200
    link = EvidenceLink.objects.get(testimony=testimony, recommendation=death)
    assert link.status == LinkStatus.DISMISSED and not link.suggested
    assert events(AuditAction.EVIDENCE_LINK_DISMISSED) == 1
    # Neither is suggested again; both are listed with their decision.
    panel = client.get(aurl("testimony_links", world.a.city, testimony_uuid=testimony.uuid), **HX)
    suggested = [s.recommendation for s in panel.context["suggestions"]]
    assert profiling not in suggested and death not in suggested
    assert mine.spare in suggested  # the other policing recommendation still is
    assert {link.recommendation for link in panel.context["links"]} == {profiling, death}


def test_a_plain_decision_goes_back_to_the_panel(world, login, police_testimony):
    testimony, (profiling, _death) = police_testimony
    response = login(world.a.lead).post(
        aurl("testimony_decide", world.a.city, testimony_uuid=testimony.uuid),
        {"recommendation": profiling.uuid, "decision": "confirmed"},
    )
    assert response.status_code == 302
    assert response["Location"] == aurl(
        "testimony_links", world.a.city, testimony_uuid=testimony.uuid
    )
    assert EvidenceLink.objects.filter(testimony=testimony, recommendation=profiling).exists()


def test_an_incomplete_htmx_decision_is_422_with_the_panel(world, login, police_testimony):
    testimony, (profiling, _death) = police_testimony
    before = state()
    response = login(world.a.organizer).post(
        aurl("testimony_decide", world.a.city, testimony_uuid=testimony.uuid),
        {"recommendation": profiling.uuid, "decision": "maybe"},
        **HX,
    )
    assert response.status_code == 422
    assert "<html" not in text(response)
    _assert_no_restricted(text(response))
    assert state() == before


def test_removing_a_testimony_link_returns_the_panel(world, login, mine):
    client = login(world.a.organizer)
    response = client.post(
        aurl("link_remove", world.a.city, link_uuid=mine.testimony_link.uuid), **HX
    )
    assert response.status_code == 200
    assert "<html" not in text(response)
    _assert_no_restricted(text(response))
    assert not EvidenceLink.objects.filter(pk=mine.testimony_link.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.EVIDENCE_UNLINKED)
    assert event.actor == world.a.organizer and event.target_id == str(mine.testimony.uuid)
    # Without htmx: back to the panel page.
    link = services.evidence_link_decide(
        actor=world.a.organizer,
        recommendation=mine.spare,
        status=LinkStatus.CONFIRMED,
        testimony=mine.testimony,
    )
    response = client.post(aurl("link_remove", world.a.city, link_uuid=link.uuid))
    assert response["Location"] == aurl(
        "testimony_links", world.a.city, testimony_uuid=mine.testimony.uuid
    )
    assert not EvidenceLink.objects.filter(pk=link.pk).exists()


def test_no_page_of_the_team_shows_the_testimony(world, login, mine):
    """The plan, index and local pages count and list linked evidence without its words."""
    client = login(world.a.lead)
    urls = object_urls(mine)
    for url in (aurl("index", world.a.city), urls["plan"], urls["local"]):
        _assert_no_restricted(text(client.get(url)))
