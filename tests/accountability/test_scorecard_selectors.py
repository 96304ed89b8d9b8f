"""Public reads: the city scorecard, the national comparison, a recommendation's activity
per city, and what goes on the one-page handout."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accountability import selectors
from accountability.models import ActionStatus, LinkStatus
from accountability.selectors import HANDOUT_MAX_ITEMS, HANDOUT_TEXT_CHARS
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    CityFactory,
    IndicatorFactory,
    LocalRecommendationFactory,
    OfficialResponseFactory,
    ProgressUpdateFactory,
    QuotableTestimonyFactory,
    RecommendationFactory,
    ResponseLinkFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 10)


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def response(plan, *, kind="commitment", text="We commit.", hidden=False, action=None, **kwargs):
    return OfficialResponseFactory(
        link=ResponseLinkFactory(plan=plan, action=action),
        action=action,
        kind=kind,
        text=text,
        hidden_at=timezone.now() if hidden else None,
        hidden_reason="Posted by mistake" if hidden else "",
        **kwargs,
    )


def link(rec, city, *, testimony=None, local=None, status=LinkStatus.CONFIRMED):
    from accountability.models import EvidenceLink

    return EvidenceLink.objects.create(
        city=city,
        recommendation=rec,
        testimony=testimony,
        local_recommendation=local,
        status=status,
    )


# --------------------------------------------------------------------------- scorecard


@pytest.fixture
def card_world(world):
    rec = RecommendationFactory(paragraph="26.200", text="Guarantee adequate housing")
    plan = ActionPlanFactory(city=world.a.city, recommendation=rec)
    done = ActionFactory(plan=plan, status=ActionStatus.COMPLETED, due_on=day(-10))
    late = ActionFactory(plan=plan, status=ActionStatus.IN_PROGRESS, due_on=day(-1))
    later = ActionFactory(plan=plan, status=ActionStatus.NOT_STARTED, due_on=day(30))
    indicator = IndicatorFactory(action=late, baseline=10, target_value=90)
    ProgressUpdateFactory(action=late, indicator=indicator, value=50, reported_on=day(-2))
    ProgressUpdateFactory(action=late, indicator=indicator, value=30, reported_on=day(-20))
    ProgressUpdateFactory(action=late, text="A note without a reading", reported_on=day(-5))
    visible = response(plan, text="Visible answer")
    response(plan, text="Hidden answer", hidden=True)
    local_plan = ActionPlanFactory(
        city=world.a.city,
        recommendation=None,
        local_recommendation=LocalRecommendationFactory(city=world.a.city),
    )
    stalled = ActionFactory(plan=local_plan, status=ActionStatus.STALLED, due_on=day(-3))
    # City B's plan on the same recommendation: never on A's scorecard.
    b_plan = ActionPlanFactory(city=world.b.city, recommendation=rec)
    ActionFactory(plan=b_plan, status=ActionStatus.IN_PROGRESS, due_on=day(-100))
    return {
        "plan": plan,
        "local_plan": local_plan,
        "done": done,
        "late": late,
        "later": later,
        "stalled": stalled,
        "indicator": indicator,
        "visible": visible,
    }


def test_scorecard_counts(world, card_world):
    card = selectors.scorecard(city=world.a.city, today=TODAY)

    assert [p.plan for p in card.plans] == [card_world["plan"], card_world["local_plan"]]
    assert (card.actions, card.completed, card.overdue) == (4, 1, 2)
    first = card.plans[0]
    assert [a.action for a in first.actions] == [
        card_world["done"],
        card_world["late"],
        card_world["later"],
    ]
    assert [a.overdue for a in first.actions] == [False, True, False]
    assert (first.completed, first.overdue, first.percent) == (1, 1, 33)
    assert [(p.plan, a.action) for p, a in card.overdue_actions] == [
        (card_world["plan"], card_world["late"]),
        (card_world["local_plan"], card_world["stalled"]),
    ]
    assert (card.plans[1].completed, card.plans[1].overdue, card.plans[1].percent) == (0, 1, 0)


def test_scorecard_overdue_depends_on_today(world, card_world):
    assert selectors.scorecard(city=world.a.city, today=day(-30)).overdue == 0
    assert selectors.scorecard(city=world.a.city, today=day(31)).overdue == 3
    assert selectors.scorecard(city=world.a.city, today=day(31)).completed == 1


def test_scorecard_indicators_use_the_latest_reading(world, card_world):
    card = selectors.scorecard(city=world.a.city, today=TODAY)

    late = card.plans[0].actions[1]
    [indicator] = late.indicators
    assert indicator.indicator == card_world["indicator"]
    assert [r.value for r in indicator.readings] == [30, 50]  # oldest first
    assert indicator.latest == 50
    assert indicator.percent == 50
    assert indicator.chart_points == [(day(-20).isoformat(), 25), (day(-2).isoformat(), 50)]
    assert [u.reported_on for u in late.updates] == [day(-2), day(-5), day(-20)]  # newest first
    assert card.plans[0].actions[0].indicators == []


def test_an_indicator_without_readings_has_no_percent(world, card_world):
    IndicatorFactory(action=card_world["later"])

    card = selectors.scorecard(city=world.a.city, today=TODAY)

    [empty] = card.plans[0].actions[2].indicators
    assert (empty.latest, empty.percent, empty.chart_points) == (None, None, [])


def test_hidden_official_responses_are_left_out(world, card_world):
    card = selectors.scorecard(city=world.a.city, today=TODAY)

    assert card.plans[0].responses == [card_world["visible"]]
    assert card.plans[1].responses == []


def test_another_citys_scorecard_is_its_own(world, card_world):
    card = selectors.scorecard(city=world.b.city, today=TODAY)

    assert [p.plan.city for p in card.plans] == [world.b.city]
    assert (card.actions, card.completed, card.overdue) == (1, 0, 1)


def test_an_empty_scorecard(world):
    card = selectors.scorecard(city=world.a.city, today=TODAY)

    assert (card.plans, card.actions, card.completed, card.overdue) == ([], 0, 0, 0)


def _full_plan(city, n: int):
    rec = RecommendationFactory(themes=[seeded_theme("housing"), seeded_theme("policing")])
    plan = ActionPlanFactory(city=city, recommendation=rec)
    action = ActionFactory(plan=plan, due_on=day(n - 3))
    indicator = IndicatorFactory(action=action)
    ProgressUpdateFactory(action=action, indicator=indicator, value=n * 10, reported_on=day(-1))
    ProgressUpdateFactory(action=action, reported_on=day(-2))
    response(plan, action=action)
    return plan


def _queries(city) -> int:
    with CaptureQueriesContext(connection) as ctx:
        card = selectors.scorecard(city=city, today=TODAY)
        # What a template reads from each card.
        for plan_card in card.plans:
            assert plan_card.plan.title and plan_card.plan.text
            for action_card in plan_card.actions:
                for indicator_card in action_card.indicators:
                    assert indicator_card.chart_points
                for update in action_card.updates:
                    _ = update.indicator
            for official in plan_card.responses:
                _ = official.action
    return len(ctx.captured_queries)


def test_the_scorecard_takes_a_fixed_number_of_queries(world):
    _full_plan(world.a.city, 1)
    one = _queries(world.a.city)
    for n in range(2, 6):
        _full_plan(world.b.city, n)
    five = _queries(world.b.city)
    local_plan = ActionPlanFactory(
        city=world.b.city,
        recommendation=None,
        local_recommendation=LocalRecommendationFactory(city=world.b.city),
    )
    ActionFactory(plan=local_plan)
    six = _queries(world.b.city)

    assert one == five == six
    assert one == 7  # plans, themes, actions, indicators, readings, updates, responses


# --------------------------------------------------------------------------- national comparison


def test_national_comparison_groups_plans_by_theme(world):
    housing, policing, health = (seeded_theme(s) for s in ("housing", "policing", "health"))
    both = RecommendationFactory(themes=[housing, policing])
    a_plan = ActionPlanFactory(city=world.a.city, recommendation=both)
    ActionFactory(plan=a_plan, status=ActionStatus.COMPLETED, due_on=day(-5))
    ActionFactory(plan=a_plan, status=ActionStatus.IN_PROGRESS, due_on=day(-1))
    ActionFactory(plan=a_plan, status=ActionStatus.IN_PROGRESS, due_on=day(10))
    ActionFactory(plan=a_plan, status=ActionStatus.COMPLETED, due_on=day(10))
    b_plan = ActionPlanFactory(city=world.b.city, recommendation=both)
    ActionFactory(plan=b_plan, status=ActionStatus.NOT_STARTED, due_on=day(-1))
    local = LocalRecommendationFactory(city=world.a.city, themes=[health])
    local_plan = ActionPlanFactory(
        city=world.a.city, recommendation=None, local_recommendation=local
    )
    ActionFactory(plan=local_plan, status=ActionStatus.COMPLETED)
    # A second housing plan for A adds up in the same cell.
    extra = ActionPlanFactory(
        city=world.a.city, recommendation=RecommendationFactory(themes=[housing])
    )
    ActionFactory(plan=extra, status=ActionStatus.IN_PROGRESS, due_on=day(-1))
    # A plan on an unthemed recommendation appears under no theme.
    ActionPlanFactory(city=world.b.city, recommendation=RecommendationFactory(themes=[]))

    rows = selectors.national_comparison(today=TODAY)

    by_theme = {
        row.theme.slug: [
            (c.city, c.plans, c.actions, c.completed, c.overdue, c.percent) for c in row.cells
        ]
        for row in rows
    }
    assert by_theme == {
        "housing": [
            (world.a.city, 2, 5, 2, 2, 40),
            (world.b.city, 1, 1, 0, 1, 0),
        ],
        "policing": [
            (world.a.city, 1, 4, 2, 1, 50),
            (world.b.city, 1, 1, 0, 1, 0),
        ],
        "health": [(world.a.city, 1, 1, 1, 0, 100)],
    }
    assert [row.theme for row in rows] == sorted(
        (row.theme for row in rows), key=lambda t: (t.sort_order, t.name_en)
    )


def test_national_comparison_overdue_depends_on_today(world):
    plan = ActionPlanFactory(city=world.a.city, recommendation=RecommendationFactory())
    ActionFactory(plan=plan, status=ActionStatus.IN_PROGRESS, due_on=day(0))

    [row_today] = selectors.national_comparison(today=TODAY)
    [row_later] = selectors.national_comparison(today=day(1))

    assert row_today.cells[0].overdue == 0
    assert row_later.cells[0].overdue == 1


def test_national_comparison_is_empty_without_plans(world):
    RecommendationFactory()
    assert selectors.national_comparison(today=TODAY) == []


# --------------------------------------------------------------------------- recommendation activity


def test_recommendation_city_activity(world):
    rec = RecommendationFactory()
    other_rec = RecommendationFactory()
    plan = ActionPlanFactory(city=world.a.city, recommendation=rec)
    ActionFactory(plan=plan, status=ActionStatus.COMPLETED)
    ActionFactory(plan=plan, status=ActionStatus.IN_PROGRESS)
    # City A: 4 countable testimonies, and 3 that must not count (each would make it 5).
    for _ in range(4):
        link(rec, world.a.city, testimony=QuotableTestimonyFactory(city=world.a.city))
    link(rec, world.a.city, testimony=TestimonyFactory(city=world.a.city))  # draft
    link(
        rec,
        world.a.city,
        testimony=QuotableTestimonyFactory(city=world.a.city, consent_withdrawn_at=timezone.now()),
    )
    link(
        rec,
        world.a.city,
        testimony=QuotableTestimonyFactory(city=world.a.city),
        status=LinkStatus.DISMISSED,
    )
    link(other_rec, world.a.city, testimony=QuotableTestimonyFactory(city=world.a.city))
    # City B: 5 testimonies and 2 of its own recommendations, no plan.
    for _ in range(5):
        link(rec, world.b.city, testimony=QuotableTestimonyFactory(city=world.b.city))
    for _ in range(2):
        link(rec, world.b.city, local=LocalRecommendationFactory(city=world.b.city))
    # City C: only one of its own recommendations.
    gamma = CityFactory(name="Gammaburg")
    link(rec, gamma, local=LocalRecommendationFactory(city=gamma))

    rows = selectors.recommendation_city_activity(recommendation=rec)

    assert [r.city for r in rows] == [world.a.city, world.b.city, gamma]  # by name
    a, b, c = rows
    assert (a.plan, a.actions, a.completed) == (plan, 2, 1)
    assert a.testimonies is None and a.testimonies_withheld
    assert a.local_recommendations == 0
    assert (b.plan, b.actions, b.completed, b.testimonies, b.local_recommendations) == (
        None,
        0,
        0,
        5,
        2,
    )
    assert not b.testimonies_withheld
    assert (c.testimonies, c.local_recommendations) == (0, 1)
    assert not c.testimonies_withheld


def test_a_city_with_only_uncountable_testimony_shows_nothing(world):
    rec = RecommendationFactory()
    for _ in range(5):
        link(rec, world.a.city, testimony=TestimonyFactory(city=world.a.city))  # drafts

    assert selectors.recommendation_city_activity(recommendation=rec) == []


def test_a_plan_without_links_shows_zero_testimony(world):
    rec = RecommendationFactory()
    ActionPlanFactory(city=world.a.city, recommendation=rec)

    [row] = selectors.recommendation_city_activity(recommendation=rec)

    assert (row.testimonies, row.actions, row.local_recommendations) == (0, 0, 0)


# --------------------------------------------------------------------------- handout


def test_handout_lists_plans_first_then_recommendations_the_evidence_supports(world):
    planned = [RecommendationFactory(text=f"Planned {n}") for n in range(2)]
    for rec in planned:
        ActionPlanFactory(city=world.a.city, recommendation=rec)
    often, once = RecommendationFactory(text="Often"), RecommendationFactory(text="Once")
    for _ in range(3):
        link(often, world.a.city, testimony=QuotableTestimonyFactory(city=world.a.city))
    link(once, world.a.city, local=LocalRecommendationFactory(city=world.a.city))
    link(planned[0], world.a.city, local=LocalRecommendationFactory(city=world.a.city))
    dismissed = RecommendationFactory(text="Dismissed")
    link(
        dismissed,
        world.a.city,
        testimony=QuotableTestimonyFactory(city=world.a.city),
        status=LinkStatus.DISMISSED,
    )
    theirs = RecommendationFactory(text="Theirs")
    ActionPlanFactory(city=world.b.city, recommendation=theirs)
    for _ in range(4):
        link(theirs, world.b.city, testimony=QuotableTestimonyFactory(city=world.b.city))
    # A local plan is not a UN recommendation: not on the handout.
    ActionPlanFactory(
        city=world.a.city,
        recommendation=None,
        local_recommendation=LocalRecommendationFactory(city=world.a.city),
    )

    handout = selectors.handout_for_city(city=world.a.city)

    assert handout.city == world.a.city
    assert [i.recommendation for i in handout.items] == [*planned, often, once]
    assert handout.more == 0
    assert [i.commitments for i in handout.items] == [[], [], [], []]


def test_handout_clips_to_one_page(world):
    long_text = "Take   all necessary measures " + " ".join(["to guarantee housing"] * 60)
    recs = [RecommendationFactory(text=f"{n} {long_text}") for n in range(HANDOUT_MAX_ITEMS + 1)]
    for rec in recs:
        plan = ActionPlanFactory(city=world.a.city, recommendation=rec)
        for n in range(3):
            ActionFactory(
                plan=plan,
                description=f"Action {n} " + "x" * 300 if n == 1 else f"Action {n}",
                responsible="Department of Housing",
                due_on=day(n),
            )
    linked = RecommendationFactory(text="Linked")
    link(linked, world.a.city, local=LocalRecommendationFactory(city=world.a.city))

    handout = selectors.handout_for_city(city=world.a.city)

    assert len(handout.items) == HANDOUT_MAX_ITEMS == 6
    assert handout.more == 2
    assert [i.recommendation for i in handout.items] == recs[:HANDOUT_MAX_ITEMS]
    for item in handout.items:
        assert len(item.text) <= HANDOUT_TEXT_CHARS
        assert item.text.endswith("…")
        assert "  " not in item.text
        assert item.text.startswith(f"{item.recommendation.text.split()[0]} Take all necessary")
        assert len(item.commitments) == 2
        assert item.commitments[0] == f"Action 0 (Department of Housing, {day(0).isoformat()})"
        assert len(item.commitments[1]) <= 200
        assert item.commitments[1].endswith("…")


def test_a_short_text_is_kept_whole(world):
    rec = RecommendationFactory(text="Ratify  CEDAW\n")
    ActionPlanFactory(city=world.a.city, recommendation=rec)

    [item] = selectors.handout_for_city(city=world.a.city).items

    assert item.text == "Ratify CEDAW"


def test_handout_official_commitments(world):
    plan = ActionPlanFactory(city=world.a.city, recommendation=RecommendationFactory())
    now = timezone.now()
    oldest = response(plan, text="Oldest", submitted_at=now - datetime.timedelta(days=3))
    newest = response(plan, text="Newest", submitted_at=now)
    middle = response(plan, text="Middle", submitted_at=now - datetime.timedelta(days=1))
    response(plan, text="Hidden", hidden=True, submitted_at=now)
    response(plan, kind="response", text="Formal", submitted_at=now)
    b_plan = ActionPlanFactory(city=world.b.city, recommendation=RecommendationFactory())
    response(b_plan, text="Theirs", submitted_at=now)

    handout = selectors.handout_for_city(city=world.a.city)

    assert handout.official_commitments == [newest, middle]
    assert oldest not in handout.official_commitments


def test_an_empty_handout(world):
    handout = selectors.handout_for_city(city=world.a.city)

    assert (handout.items, handout.more, handout.official_commitments) == ([], 0, [])


@pytest.mark.parametrize("which", ["draft", "withdrawn"])
def test_uncountable_testimony_does_not_put_a_recommendation_on_the_handout(world, which):
    rec = RecommendationFactory(text="Supported only by testimony that can't be used")
    if which == "draft":
        testimony = TestimonyFactory(city=world.a.city)
    else:
        testimony = QuotableTestimonyFactory(city=world.a.city, consent_withdrawn_at=timezone.now())
    link(rec, world.a.city, testimony=testimony)

    assert selectors.handout_for_city(city=world.a.city).items == []
