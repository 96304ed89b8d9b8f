"""services.theme_mapping_update: mapping a source theme re-themes the recommendations
that carry it (in that vocabulary only), and the unmapped list follows the decisions."""

from __future__ import annotations

import pytest

from accountability import selectors, services
from accountability.models import Recommendation, ThemeMapping
from cities.models import AuditEvent
from tests.factories import CoordinatorFactory, RecommendationFactory, seeded_theme

pytestmark = pytest.mark.django_db

BUSINESS = "Business & Human Rights"
HOUSING = "Right to adequate housing"


def slugs(rec: Recommendation) -> set[str]:
    return set(Recommendation.objects.get(pk=rec.pk).themes.values_list("slug", flat=True))


def mapping(vocabulary: str, source_theme: str, *theme_slugs: str) -> ThemeMapping:
    m = ThemeMapping.objects.create(vocabulary=vocabulary, source_theme=source_theme)
    m.themes.set([seeded_theme(s) for s in theme_slugs])
    return m


class Setup:
    def __init__(self) -> None:
        self.coordinator = CoordinatorFactory()
        self.business = mapping("uhri_list", BUSINESS)  # unmapped
        self.housing = mapping("uhri_list", HOUSING, "housing")
        self.religion = mapping("upr_info", "Freedom of religion and belief")  # unmapped
        # Carries the unmapped theme and a mapped one.
        self.both = RecommendationFactory(
            source_format="uhri_list",
            source_themes=[BUSINESS, HOUSING],
            themes=[seeded_theme("housing")],
        )
        self.only_business = RecommendationFactory(
            source_format="uhri_list", source_themes=[BUSINESS], themes=[]
        )
        self.only_housing = RecommendationFactory(
            source_format="uhri_list", source_themes=[HOUSING], themes=[seeded_theme("housing")]
        )
        # The same theme name in the other vocabulary: not this mapping's.
        self.other_vocabulary = RecommendationFactory(
            source_format="upr_info", source_themes=[BUSINESS], themes=[]
        )

    def update(self, m: ThemeMapping, slugs_: list[str], not_applicable: bool = False):
        return services.theme_mapping_update(
            actor=self.coordinator,
            mapping=m,
            themes=[seeded_theme(s) for s in slugs_],
            not_applicable=not_applicable,
        )


@pytest.fixture
def setup() -> Setup:
    return Setup()


def unmapped_sources() -> set[str]:
    return {r.mapping.source_theme for r in selectors.theme_mapping_rows() if r.is_unmapped}


def test_mapping_a_theme_themes_only_the_recommendations_carrying_it(setup):
    assert selectors.theme_mapping_unmapped_count() == 2

    setup.update(setup.business, ["work"])

    assert slugs(setup.both) == {"housing", "work"}
    assert slugs(setup.only_business) == {"work"}
    assert slugs(setup.only_housing) == {"housing"}
    assert slugs(setup.other_vocabulary) == set()
    setup.business.refresh_from_db()
    assert list(setup.business.themes.values_list("slug", flat=True)) == ["work"]
    assert setup.business.updated_by == setup.coordinator
    assert selectors.theme_mapping_unmapped_count() == 1
    assert unmapped_sources() == {"Freedom of religion and belief"}
    [row] = [r for r in selectors.theme_mapping_rows() if r.mapping == setup.business]
    assert row.recommendations == 2  # the upr_info one is counted under its own vocabulary
    assert [t.slug for t in row.themes] == ["work"]


def test_remapping_replaces_the_themes(setup):
    setup.update(setup.business, ["work", "policing"])
    assert slugs(setup.only_business) == {"work", "policing"}

    setup.update(setup.business, ["policing"])

    assert slugs(setup.only_business) == {"policing"}
    assert slugs(setup.both) == {"housing", "policing"}


def test_unmapping_removes_the_theme_but_not_one_another_mapping_gives(setup):
    setup.update(setup.business, ["work", "housing"])
    assert slugs(setup.both) == {"housing", "work"}

    setup.update(setup.business, [])

    assert slugs(setup.only_business) == set()
    assert slugs(setup.both) == {"housing"}  # still given by the housing mapping
    assert slugs(setup.only_housing) == {"housing"}
    assert BUSINESS in unmapped_sources()
    assert selectors.theme_mapping_unmapped_count() == 2


def test_not_applicable_hides_a_theme_from_the_unmapped_list(setup):
    setup.update(setup.business, [], not_applicable=True)

    setup.business.refresh_from_db()
    assert setup.business.not_applicable
    assert not setup.business.themes.exists()
    assert selectors.theme_mapping_unmapped_count() == 1
    assert BUSINESS not in unmapped_sources()
    rows = selectors.theme_mapping_rows()
    assert rows[0].mapping == setup.religion  # the only unmapped one comes first
    assert slugs(setup.only_business) == set()
    assert slugs(setup.both) == {"housing"}


def test_choosing_themes_clears_not_applicable(setup):
    setup.update(setup.business, [], not_applicable=True)

    setup.update(setup.business, ["work"], not_applicable=True)

    setup.business.refresh_from_db()
    assert not setup.business.not_applicable
    assert slugs(setup.only_business) == {"work"}
    # And un-mapping without not_applicable brings it back to the unmapped list.
    setup.update(setup.business, [], not_applicable=False)
    setup.business.refresh_from_db()
    assert not setup.business.not_applicable
    assert BUSINESS in unmapped_sources()


def test_the_update_is_audited_with_before_and_after(setup):
    setup.update(setup.business, ["work", "policing"])
    setup.update(setup.business, [], not_applicable=True)

    first, second = AuditEvent.objects.filter(action="theme_mapping.updated").order_by("id")
    assert first.actor == setup.coordinator
    assert first.city is None
    assert first.target_type == "thememapping"
    assert first.target_id == str(setup.business.uuid)
    assert first.target_label == BUSINESS
    assert first.details == {
        "vocabulary": "uhri_list",
        "before": [],
        "after": ["policing", "work"],
        "not_applicable": False,
    }
    assert second.details == {
        "vocabulary": "uhri_list",
        "before": ["policing", "work"],
        "after": [],
        "not_applicable": True,
    }


def test_a_mapping_with_no_recommendations_is_listed_with_a_zero_count(setup):
    lonely = mapping("uhri_list", "Unilateral coercive measures")

    setup.update(lonely, ["poverty"])

    [row] = [r for r in selectors.theme_mapping_rows() if r.mapping == lonely]
    assert row.recommendations == 0
    assert not row.is_unmapped
    assert Recommendation.objects.filter(themes__slug="poverty").count() == 0
