"""Suggested UN recommendations for a testimony or a local recommendation, and the
organizers' decisions on them (evidence links)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accountability import selectors, services
from accountability.models import EvidenceLink, LinkStatus
from cities.models import AuditEvent
from tests.factories import (
    LocalRecommendationFactory,
    RecommendationFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

NARRATIVE = "The police used excessive force at a traffic stop on my street."


class Recs:
    def __init__(self) -> None:
        policing, housing = seeded_theme("policing"), seeded_theme("housing")
        self.training = RecommendationFactory(
            text="Train law enforcement officials on international human rights standards",
            themes=[policing],
        )
        self.death_penalty = RecommendationFactory(
            text="Establish a moratorium on executions with a view to abolishing capital punishment",
            themes=[policing],
        )
        self.housing = RecommendationFactory(
            text="Guarantee the right to adequate housing and end homelessness",
            themes=[housing],
        )
        # Matches the narrative word for word but shares no theme with it.
        self.decoy = RecommendationFactory(
            text="Investigate excessive force used by police at traffic stops",
            themes=[housing],
        )
        # Created last: without a text match it would come last (position order).
        self.force = RecommendationFactory(
            text="Prevent the excessive use of force by the police and hold officers accountable",
            themes=[policing],
        )
        self.policing_all = {self.force, self.training, self.death_penalty}


@pytest.fixture
def recs(world) -> Recs:
    return Recs()


def make_testimony(team, narrative: str = NARRATIVE, themes=None, **kwargs):
    return TestimonyFactory(
        city=team.city,
        narrative=narrative,
        themes=themes if themes is not None else [seeded_theme("policing")],
        recorded_by=team.organizer,
        **kwargs,
    )


def suggested(testimony) -> list:
    return [s.recommendation for s in selectors.suggestions_for_testimony(testimony=testimony)]


def decide(actor, rec, status, **target):
    return services.evidence_link_decide(actor=actor, recommendation=rec, status=status, **target)


# --------------------------------------------------------------------------- ranking


def test_the_best_text_match_among_theme_sharing_recommendations_ranks_first(world, recs):
    testimony = make_testimony(world.a)

    suggestions = selectors.suggestions_for_testimony(testimony=testimony)

    assert suggestions[0].recommendation == recs.force
    assert suggestions[0].rank > 0
    assert {s.recommendation for s in suggestions} == recs.policing_all
    assert recs.decoy not in [s.recommendation for s in suggestions]
    assert recs.housing not in [s.recommendation for s in suggestions]
    assert all(s.shared_themes == [seeded_theme("policing")] for s in suggestions)
    ranks = [s.rank for s in suggestions]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1]


def test_more_shared_themes_rank_higher_when_the_text_does_not_help(world, recs):
    both = RecommendationFactory(
        text="Adopt a national plan", themes=[seeded_theme("policing"), seeded_theme("housing")]
    )
    testimony = make_testimony(
        world.a,
        narrative="Nadie nos escucha en el barrio.",
        themes=[seeded_theme("policing"), seeded_theme("housing")],
    )

    suggestions = selectors.suggestions_for_testimony(testimony=testimony, limit=10)

    assert suggestions[0].recommendation == both
    assert {t.slug for t in suggestions[0].shared_themes} == {"policing", "housing"}
    # Every recommendation on either theme, the decoy included (it is themed housing).
    assert {s.recommendation for s in suggestions} == (
        recs.policing_all | {recs.housing, recs.decoy, both}
    )


def test_the_limit_caps_the_suggestions(world, recs):
    for n in range(6):
        RecommendationFactory(text=f"Police reform measure {n}", themes=[seeded_theme("policing")])
    testimony = make_testimony(world.a)

    assert len(selectors.suggestions_for_testimony(testimony=testimony)) == 5
    assert len(selectors.suggestions_for_testimony(testimony=testimony, limit=2)) == 2
    assert len(selectors.suggestions_for_testimony(testimony=testimony, limit=50)) == 9


@pytest.mark.parametrize(
    "narrative",
    [
        "La policía usó fuerza excesiva en un control de tráfico.",
        "",
        "   ",
        "the and of to a",  # stop words only
    ],
    ids=["spanish", "empty", "blank", "stopwords"],
)
def test_a_narrative_without_english_matches_still_gets_theme_sharing_ones(world, recs, narrative):
    testimony = make_testimony(world.a, narrative=narrative)

    suggestions = selectors.suggestions_for_testimony(testimony=testimony)

    assert {s.recommendation for s in suggestions} == recs.policing_all
    assert [s.rank for s in suggestions] == [0.0, 0.0, 0.0]


def test_the_summary_counts_as_text_too(world, recs):
    testimony = make_testimony(
        world.a, narrative="Nadie nos escucha.", summary="Executions and capital punishment"
    )

    assert suggested(testimony)[0] == recs.death_penalty


@pytest.mark.parametrize(
    "narrative",
    [
        "police' OR 1=1; -- \\ excessive:* force & | ! <-> (traffic)",
        "C:\\Users\\police\\force.txt and D:\\excessive",
        "see http://example.org/a?b=1&c=2#d, mail x@example.org: police force",
        "it's the police's \"excessive\" force: a:b:c \\' \\\\ ''",
        "!!! &&& ||| ::: \\\\\\ ''' <-> :* ()",
        "police!force|excessive&stop",
        # URL lexemes keep an apostrophe ("ex.org/it's"): quoted and escaped in the tsquery.
        "see http://ex.org/it's\\x and http://ex.org/a\\'b: police force",
    ],
)
def test_syntax_characters_in_the_text_do_not_break_the_query(world, recs, narrative):
    testimony = make_testimony(world.a, narrative=narrative)

    suggestions = selectors.suggestions_for_testimony(testimony=testimony)

    assert {s.recommendation for s in suggestions} == recs.policing_all
    if "force" in narrative:
        assert suggestions[0].recommendation == recs.force
        assert suggestions[0].rank > 0


def test_a_local_recommendation_without_themes_is_matched_on_text_only(world, recs):
    local = LocalRecommendationFactory(
        city=world.a.city, text="Stop the police using excessive force", themes=[]
    )

    suggestions = selectors.suggestions_for_local(local=local)

    found = {s.recommendation for s in suggestions}
    # Any theme, but only recommendations whose text matches.
    assert found == {recs.force, recs.decoy}
    assert all(s.rank > 0 and s.shared_themes == [] for s in suggestions)


def test_a_local_recommendation_without_themes_or_words_gets_nothing(world, recs):
    local = LocalRecommendationFactory(city=world.a.city, text="Sí, se puede.", themes=[])

    assert selectors.suggestions_for_local(local=local) == []


def test_a_themed_local_recommendation_uses_its_themes(world, recs):
    local = LocalRecommendationFactory(
        city=world.a.city,
        text="End homelessness in the city by 2030",
        themes=[seeded_theme("housing")],
    )

    suggestions = selectors.suggestions_for_local(local=local)

    assert suggestions[0].recommendation == recs.housing
    assert {s.recommendation for s in suggestions} == {recs.housing, recs.decoy}


# --------------------------------------------------------------------------- decisions


@pytest.mark.parametrize("status", [LinkStatus.CONFIRMED, LinkStatus.DISMISSED])
def test_a_decided_recommendation_is_no_longer_suggested(world, recs, status):
    testimony = make_testimony(world.a)
    decide(world.a.organizer, recs.force, status, testimony=testimony, suggested=True)

    assert recs.force not in suggested(testimony)
    assert set(suggested(testimony)) == recs.policing_all - {recs.force}


def test_removing_a_decision_makes_it_suggested_again(world, recs):
    testimony = make_testimony(world.a)
    link = decide(world.a.organizer, recs.force, LinkStatus.DISMISSED, testimony=testimony)

    services.evidence_link_remove(actor=world.a.organizer, link=link)

    assert not EvidenceLink.objects.exists()
    assert suggested(testimony)[0] == recs.force
    event = AuditEvent.objects.get(action="evidence.unlinked")
    assert event.city == world.a.city
    assert event.actor == world.a.organizer
    assert event.target_type == "testimony"
    assert event.target_id == str(testimony.uuid)
    assert event.target_label == recs.force.label


def test_deciding_again_overwrites_the_decision(world, recs):
    testimony = make_testimony(world.a, speaker_name="Rosa Canary-Speaker")
    first = decide(world.a.organizer, recs.force, LinkStatus.CONFIRMED, testimony=testimony)

    second = decide(
        world.a.lead, recs.force, LinkStatus.DISMISSED, testimony=testimony, suggested=True
    )

    assert second.pk == first.pk
    [link] = EvidenceLink.objects.all()
    assert link.status == LinkStatus.DISMISSED
    assert link.suggested is True
    assert link.decided_by == world.a.lead
    assert link.decided_at >= first.decided_at
    assert link.city == world.a.city  # from the testimony
    assert link.testimony == testimony and link.local_recommendation is None
    linked = AuditEvent.objects.get(action="evidence.linked")
    dismissed = AuditEvent.objects.get(action="evidence.link_dismissed")
    assert linked.actor == world.a.organizer and dismissed.actor == world.a.lead
    for event in (linked, dismissed):
        assert event.city == world.a.city
        assert event.target_type == "testimony"
        assert event.target_id == str(testimony.uuid)
        assert event.target_label == recs.force.label
        dumped = json.dumps([event.details, event.target_label])
        assert "excessive force at a traffic stop" not in dumped
        assert "Canary-Speaker" not in dumped
    assert linked.details == {"recommendation": str(recs.force.uuid), "suggested": False}
    assert dismissed.details == {"recommendation": str(recs.force.uuid), "suggested": True}


def test_a_link_to_a_local_recommendation_takes_its_city(world, recs):
    local = LocalRecommendationFactory(city=world.b.city, text="Civilian oversight board")

    link = decide(world.b.organizer, recs.force, LinkStatus.CONFIRMED, local_recommendation=local)

    assert link.city == world.b.city
    assert list(selectors.links_for_local(local=local)) == [link]
    event = AuditEvent.objects.get(action="evidence.linked")
    assert (event.city, event.target_type) == (world.b.city, "localrecommendation")


def test_an_unknown_decision_is_refused(world, recs):
    testimony = make_testimony(world.a)

    with pytest.raises(ValidationError):
        decide(world.a.organizer, recs.force, "maybe", testimony=testimony)

    assert not EvidenceLink.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="evidence.").exists()


def test_exactly_one_target_is_required(world, recs):
    testimony = make_testimony(world.a)
    local = LocalRecommendationFactory(city=world.a.city)

    with pytest.raises(ValueError, match="exactly one"):
        decide(world.a.organizer, recs.force, LinkStatus.CONFIRMED)
    with pytest.raises(ValueError, match="exactly one"):
        decide(
            world.a.organizer,
            recs.force,
            LinkStatus.CONFIRMED,
            testimony=testimony,
            local_recommendation=local,
        )
    assert not EvidenceLink.objects.exists()


# --------------------------------------------------------------------------- cross-city


def test_no_selector_returns_another_citys_links(world, recs):
    mine = make_testimony(world.a)
    theirs = make_testimony(world.b)
    my_local = LocalRecommendationFactory(city=world.a.city, text="Police oversight")
    their_local = LocalRecommendationFactory(city=world.b.city, text="Police oversight")
    my_link = decide(world.a.organizer, recs.training, LinkStatus.CONFIRMED, testimony=mine)
    my_local_link = decide(
        world.a.organizer, recs.training, LinkStatus.CONFIRMED, local_recommendation=my_local
    )
    # City B decides on the best match for its own evidence.
    their_link = decide(world.b.organizer, recs.force, LinkStatus.DISMISSED, testimony=theirs)
    decide(world.b.organizer, recs.force, LinkStatus.CONFIRMED, local_recommendation=their_local)
    decide(world.b.organizer, recs.training, LinkStatus.CONFIRMED, testimony=theirs)

    assert list(selectors.links_for_testimony(testimony=mine)) == [my_link]
    assert list(selectors.links_for_local(local=my_local)) == [my_local_link]
    assert selectors.confirmed_links_for_testimonies(testimony_ids=[mine.id]) == {
        mine.id: [recs.training]
    }
    assert selectors.evidence_link_get_for_city(city=world.a.city, link_uuid=my_link.uuid) == (
        my_link
    )
    with pytest.raises(Http404):
        selectors.evidence_link_get_for_city(city=world.a.city, link_uuid=their_link.uuid)
    # B's decisions don't hide anything from A's suggestions.
    assert suggested(mine)[0] == recs.force
    assert recs.force in [s.recommendation for s in selectors.suggestions_for_local(local=my_local)]
    assert recs.force not in suggested(theirs)
