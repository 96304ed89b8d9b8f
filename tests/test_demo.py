from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from cities.models import City, Membership, ReviewCycle, Role
from upr_portal.lib.demo import DEMO_DOMAIN

pytestmark = pytest.mark.django_db


def _counts():
    return (
        User.objects.count(),
        City.objects.count(),
        Membership.objects.count(),
        ReviewCycle.objects.count(),
    )


def test_demo_data_has_a_current_cycle_cities_and_one_account_per_role():
    call_command("seed_demo")
    assert ReviewCycle.objects.filter(is_current=True).count() == 1
    assert City.objects.count() == 3
    assert User.objects.get(email=f"coordinator@{DEMO_DOMAIN}").is_national_coordinator
    roles = set(
        Membership.objects.filter(user__email__endswith=DEMO_DOMAIN).values_list("role", flat=True)
    )
    assert roles == {Role.CITY_LEAD, Role.ORGANIZER, Role.VIEWER}


def test_loading_twice_neither_duplicates_nor_loses_user_changes():
    call_command("seed_demo")
    before = _counts()
    city = City.objects.get(slug="harbor-falls-wa")
    city.public_description = "Edited by a user"
    city.save()
    User.objects.create_user(email="added@example.org")
    call_command("seed_demo")
    assert _counts() == (before[0] + 1, *before[1:])
    city.refresh_from_db()
    assert city.public_description == "Edited by a user"


def test_demo_accountability_has_the_2020_recommendations_and_a_mesa_verde_plan():
    from accountability.models import ActionPlan, OfficialResponse, Recommendation

    call_command("seed_demo")
    assert Recommendation.objects.filter(cycle__number=3).count() == 347
    assert not Recommendation.objects.filter(cycle__number=1).exists()  # left to import
    assert ReviewCycle.objects.filter(number__in=[1, 3], is_current=False).count() == 2
    plan = ActionPlan.objects.get(city__slug="mesa-verde-nm")
    assert plan.recommendation.paragraph == "26.295"
    assert plan.actions.count() == 2
    assert OfficialResponse.objects.filter(plan=plan, kind="commitment").count() == 1
    assert not ActionPlan.objects.filter(city__slug="harbor-falls-wa").exists()

    call_command("seed_demo")
    assert Recommendation.objects.count() == 347
    assert ActionPlan.objects.count() == 1
    assert OfficialResponse.objects.count() == 1
