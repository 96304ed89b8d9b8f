"""Testimony search and filters: English and Spanish stemming, phrases, city scoping,
the national cross-city search, and every list filter."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from consultations import selectors, services
from consultations.models import ConsentLevel, ReviewStatus
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import curl
from tests.factories import ConsultationFactory, TestimonyFactory, seeded_theme

pytestmark = pytest.mark.django_db


def _refs(response) -> set[str]:
    assert response.status_code == 200
    return {t.narrative for t in response.context["page"]}


@pytest.fixture
def corpus(world):
    """Testimony in both cities, in English and Spanish, written to test stemming."""
    texts_a = [
        "The city evicted us in March after the rent doubled.",
        "Another eviction notice arrived at our building on Monday.",
        "Nos desalojaron sin aviso y perdimos todo.",
        "El desalojo fue violento y nadie nos ayudó.",
        "The doubled rent made us leave the neighborhood.",
        "The bus route to the clinic was cut in winter.",
    ]
    for text in texts_a:
        TestimonyFactory(
            city=world.a.city,
            narrative=text,
            speaker_name="Secret Speakername",
            recorded_by=world.a.organizer,
        )
    TestimonyFactory(
        city=world.b.city,
        narrative="Evictions in Betatown doubled; the desalojos never stopped.",
        speaker_name="Other Secretname",
    )
    return texts_a


def _search(client, city, q: str, **params):
    return client.get(curl("testimony_list", city), {"q": q, **params})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("evictions", {0, 1}),  # English stems: evicted, eviction
        ("EVICTING", {0, 1}),
        ("desalojos", {2, 3}),  # Spanish stems: desalojaron, desalojo
        ("desalojar", {2, 3}),
        ("rent doubled", {0, 4}),  # both words, any order
        ('"rent doubled"', {0}),  # the phrase, in this order
        ("rent -evicted", {4}),  # web-search exclusion
        ("clinic or desalojo", {2, 3, 5}),
        ("ayudar", {3}),  # ayudó
    ],
)
def test_full_text_search_stems_english_and_spanish(world, login, corpus, query, expected):
    response = _search(login(world.a.viewer), world.a.city, query)
    assert _refs(response) == {corpus[i] for i in expected}


@pytest.mark.parametrize("query", ["the", "y", '"', "-", "&|!(", "a" * 200, "'); DROP TABLE x; --"])
def test_odd_searches_dont_fail_and_stay_in_the_city(world, login, corpus, query):
    # A stop word in one language is an ordinary word in the other, so "the" may match.
    found = _refs(_search(login(world.a.viewer), world.a.city, query))
    assert found <= set(corpus)


def test_search_is_scoped_to_the_city_even_for_a_coordinator(world, login, corpus):
    for user in (world.a.lead, world.coordinator):
        found = _refs(_search(login(user), world.a.city, "evictions"))
        assert found == {corpus[0], corpus[1]}
        assert not any("Betatown" in text for text in found)
    found = _refs(_search(login(world.coordinator), world.b.city, "evictions"))
    assert found == {"Evictions in Betatown doubled; the desalojos never stopped."}


def test_an_empty_search_lists_everything_newest_first(world, login, corpus):
    response = login(world.a.viewer).get(curl("testimony_list", world.a.city))
    assert [t.narrative for t in response.context["page"]] == list(reversed(corpus))


def test_search_matches_the_summary_too(world, login):
    TestimonyFactory(city=world.a.city, narrative="It was hard.", summary="Heating failed")
    assert _refs(_search(login(world.a.viewer), world.a.city, "heat")) == {"It was hard."}


def test_the_htmx_request_gets_only_the_results(world, login, corpus):
    response = _search(login(world.a.viewer), world.a.city, "evictions", **{})
    full = response.content.decode()
    partial = login(world.a.viewer).get(
        curl("testimony_list", world.a.city), {"q": "evictions"}, headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert partial.status_code == 200
    assert 'id="results"' in body
    assert "<html" not in body and "<html" in full
    assert corpus[0] in body


# --------------------------------------------------------------------------- national


@pytest.mark.authz("national:testimony")
@pytest.mark.parametrize("role", ROLES)
def test_the_national_search_is_for_coordinators_only(world, login, role):
    response = login(user_for(world, role)).get(reverse("national:testimony"))
    if role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == (200 if role == "coordinator" else 403)


def test_the_national_search_spans_every_city_without_speaker_names(world, login, corpus):
    client = login(world.coordinator)
    response = client.get(reverse("national:testimony"), {"q": "evictions"})
    found = _refs(response)
    assert found == {
        corpus[0],
        corpus[1],
        "Evictions in Betatown doubled; the desalojos never stopped.",
    }
    assert {t.city.name for t in response.context["page"]} == {"Alphaville", "Betatown"}
    body = response.content.decode()
    assert "Alphaville" in body and "Betatown" in body
    assert "Secret Speakername" not in body
    assert "Other Secretname" not in body


def test_the_national_search_narrows_to_one_city(world, login, corpus):
    response = login(world.coordinator).get(
        reverse("national:testimony"), {"q": "desalojos", "city": str(world.b.city.uuid)}
    )
    assert _refs(response) == {"Evictions in Betatown doubled; the desalojos never stopped."}


def test_the_national_list_never_loads_restricted_fields(world, corpus):
    qs = selectors.testimony_list_national()
    assert {"speaker_name", "speaker_contact"} <= qs.query.deferred_loading[0]


# --------------------------------------------------------------------------- filters


def _list(client, city, **params) -> list:
    response = client.get(curl("testimony_list", city), params)
    assert response.status_code == 200
    return list(response.context["page"])


def test_filter_by_theme(world, login):
    housing = TestimonyFactory(city=world.a.city, themes=[seeded_theme("housing")])
    both = TestimonyFactory(
        city=world.a.city, themes=[seeded_theme("housing"), seeded_theme("health")]
    )
    TestimonyFactory(city=world.a.city, themes=[seeded_theme("work")])
    found = _list(login(world.a.viewer), world.a.city, theme=str(seeded_theme("housing").uuid))
    assert set(found) == {housing, both}
    assert len(found) == 2  # a testimony with two matching rows is listed once


def test_filter_by_consultation(world, login, consultation):
    mine = TestimonyFactory(city=world.a.city, consultation=consultation)
    TestimonyFactory(city=world.a.city)
    TestimonyFactory(city=world.a.city, consultation=ConsultationFactory(city=world.a.city))
    found = _list(login(world.a.viewer), world.a.city, consultation=str(consultation.uuid))
    assert found == [mine]


def test_another_citys_consultation_is_not_a_filter_choice(world, login):
    theirs = ConsultationFactory(city=world.b.city)
    TestimonyFactory(city=world.b.city, consultation=theirs)
    mine = TestimonyFactory(city=world.a.city)
    found = _list(login(world.a.lead), world.a.city, consultation=str(theirs.uuid))
    assert found == [mine]  # the bad value is ignored, never a way into city B


@pytest.mark.parametrize(
    ("nature", "expected"),
    [
        ("problem", {"problem", "both"}),
        ("positive", {"positive", "both"}),
        ("both", {"both"}),
        ("", {"problem", "positive", "both"}),
    ],
)
def test_filter_by_nature_counts_both_for_either(world, login, nature, expected):
    for value in ("problem", "positive", "both"):
        TestimonyFactory(city=world.a.city, nature=value)
    found = _list(login(world.a.viewer), world.a.city, nature=nature)
    assert {t.nature for t in found} == expected
    assert len(found) == len(expected)


def test_filter_by_consent_and_withdrawn(world, login):
    internal = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
    anonymous = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.ANONYMOUS)
    named = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.NAMED)
    gone = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.ANONYMOUS)
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=gone)
    client = login(world.a.viewer)
    assert _list(client, world.a.city, consent="internal") == [internal]
    assert _list(client, world.a.city, consent="anonymous") == [anonymous]
    assert _list(client, world.a.city, consent="named") == [named]
    assert _list(client, world.a.city, consent="withdrawn") == [gone]


def test_filter_by_review_state(world, login):
    reviewed = TestimonyFactory(city=world.a.city, review_status=ReviewStatus.REVIEWED)
    draft = TestimonyFactory(city=world.a.city)
    client = login(world.a.viewer)
    assert _list(client, world.a.city, review="reviewed") == [reviewed]
    assert _list(client, world.a.city, review="draft") == [draft]


def test_filter_by_date_range(world, login):
    def on(day):
        return TestimonyFactory(city=world.a.city, occurred_on=day)

    early = on(datetime.date(2026, 1, 5))
    middle = on(datetime.date(2026, 2, 14))
    late = on(datetime.date(2026, 3, 30))
    on(None)
    client = login(world.a.viewer)
    assert set(_list(client, world.a.city, date_from="2026-02-01")) == {middle, late}
    assert set(_list(client, world.a.city, date_to="2026-02-14")) == {early, middle}
    assert _list(client, world.a.city, date_from="2026-02-01", date_to="2026-02-28") == [middle]


def test_filters_combine_with_search(world, login, corpus):
    TestimonyFactory(
        city=world.a.city,
        narrative="They evicted the whole block.",
        nature="positive",
        themes=[seeded_theme("land-displacement")],
    )
    client = login(world.a.viewer)
    found = _list(
        client,
        world.a.city,
        q="evictions",
        theme=str(seeded_theme("land-displacement").uuid),
    )
    assert [t.narrative for t in found] == ["They evicted the whole block."]


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "not-a-uuid"},
        {"date_from": "yesterday"},
        {"nature": "awful"},
        {"consent": "everything"},
        {"page": "999"},
    ],
)
def test_bad_filter_values_are_ignored_not_an_error(world, login, params):
    TestimonyFactory(city=world.a.city)
    response = login(world.a.viewer).get(curl("testimony_list", world.a.city), params)
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
