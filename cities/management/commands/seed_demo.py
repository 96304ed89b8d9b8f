"""Load the fictional demo world. Idempotent: re-running adds what is missing and changes nothing else."""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from cities import services
from cities.models import City, Membership, ReviewCycle, Role
from upr_portal.lib.demo import DEMO_DOMAIN, DEMO_PASSWORD

CYCLE: dict[str, Any] = {
    "state_under_review": "United States",
    "number": 4,
    "title": "United States — 4th UPR cycle",
    "consultations_open": datetime.date(2026, 3, 1),
    "local_report_due": datetime.date(2027, 9, 15),
    "national_compilation_due": datetime.date(2027, 10, 15),
    "review_session": datetime.date(2028, 5, 8),
    "recommendations_released": datetime.date(2028, 7, 1),
}

CITIES = [
    {
        "name": "Harbor Falls",
        "state": "Washington",
        "slug": "harbor-falls-wa",
        "public_description": (
            "Harbor Falls Human Rights City brings tenants' unions, immigrant-rights groups and "
            "faith communities together to document housing and policing issues for the UPR."
        ),
        "contact_email": f"hello@harbor-falls.{DEMO_DOMAIN}",
    },
    {
        "name": "Mesa Verde",
        "state": "New Mexico",
        "slug": "mesa-verde-nm",
        "public_description": (
            "Mesa Verde's human rights commission runs bilingual listening sessions on water, "
            "land and Indigenous peoples' rights."
        ),
        "contact_email": f"contacto@mesa-verde.{DEMO_DOMAIN}",
    },
    {
        "name": "Cedar Bend",
        "state": "Georgia",
        "slug": "cedar-bend-ga",
        "public_description": (
            "Cedar Bend organizers focus on voting rights, racial discrimination and access to "
            "health care."
        ),
        "contact_email": "",
    },
]

# (local part, full name, coordinator?, [(city slug, role)])
PEOPLE: list[tuple[str, str, bool, list[tuple[str, str]]]] = [
    ("coordinator", "Dana Whitfield", True, []),
    ("lead", "Rosa Delgado", False, [("harbor-falls-wa", Role.CITY_LEAD)]),
    ("organizer", "Sam Okafor", False, [("harbor-falls-wa", Role.ORGANIZER)]),
    ("viewer", "Lee Park", False, [("harbor-falls-wa", Role.VIEWER)]),
    ("mesa-lead", "Ana Tsosie", False, [("mesa-verde-nm", Role.CITY_LEAD)]),
    ("mesa-organizer", "Tomás Reyes", False, [("mesa-verde-nm", Role.ORGANIZER)]),
    ("cedar-lead", "Grace Holloway", False, [("cedar-bend-ga", Role.CITY_LEAD)]),
]


class Command(BaseCommand):
    help = "Create the fictional demo cycle, cities, teams and one account per role (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        coordinator = self._person("coordinator", "Dana Whitfield", coordinator=True)
        cycle = ReviewCycle.objects.filter(
            state_under_review=CYCLE["state_under_review"], number=CYCLE["number"]
        ).first()
        if cycle is None:
            cycle = services.cycle_create(actor=coordinator, make_current=True, **CYCLE)
        elif not ReviewCycle.objects.filter(is_current=True).exists():
            services.cycle_make_current(actor=coordinator, cycle=cycle)

        cities = {}
        for data in CITIES:
            city = City.objects.filter(slug=data["slug"]).first()
            if city is None:
                city = services.city_create(actor=coordinator, **data)
            cities[city.slug] = city

        for local, name, is_coordinator, roles in PEOPLE:
            user = self._person(local, name, coordinator=is_coordinator)
            for slug, role in roles:
                if not Membership.objects.filter(city=cities[slug], user=user).exists():
                    services.membership_appoint(
                        actor=coordinator, city=cities[slug], user=user, role=role
                    )
        from consultations.demo import seed_evidence

        seed_evidence(cycle=cycle, cities=cities)
        from reports.demo import seed_reports

        seed_reports(cycle=cycle, cities=cities)
        from accountability.demo import seed_accountability

        seed_accountability(cities=cities)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def _person(self, local: str, name: str, *, coordinator: bool) -> User:
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=name,
                is_national_coordinator=coordinator,
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user
