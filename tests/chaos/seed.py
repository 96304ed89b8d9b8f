"""The chaos checks' seed: one city with a lead (MFA enrolled) and an organizer, an open
survey, a started local report, and a logged-in session for each of them.

Run in a subprocess with the stack's environment (`python -m tests.chaos.seed`); prints
what the checks need as one JSON object on the last line of stdout.
"""

from __future__ import annotations

import json

import django

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.test import Client  # noqa: E402

from cities.models import Role  # noqa: E402
from consultations.models import QuestionKind, SurveyStatus  # noqa: E402
from reports import services as report_services  # noqa: E402
from tests.factories import (  # noqa: E402
    CityFactory,
    MembershipFactory,
    ParticipationFactory,
    ReviewCycleFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    seeded_theme,
)


def _session_cookie(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.cookies["sessionid"].value


def main() -> None:
    cycle = ReviewCycleFactory(is_current=True, number=4, title="United States — 4th UPR cycle")
    city = CityFactory(name="Chaosville", slug="chaosville")
    ParticipationFactory(city=city, cycle=cycle)
    lead = MembershipFactory(city=city, role=Role.CITY_LEAD).user
    TOTP.activate(lead, generate_totp_secret())
    organizer = MembershipFactory(city=city, role=Role.ORGANIZER).user
    survey = SurveyFactory(city=city, status=SurveyStatus.OPEN)
    choice = SurveyQuestionFactory(survey=survey, kind=QuestionKind.SINGLE, required=True)
    story = SurveyQuestionFactory(survey=survey, kind=QuestionKind.LONG_TEXT, required=True)
    yes_no = SurveyQuestionFactory(survey=survey, kind=QuestionKind.YES_NO, required=True)
    report = report_services.report_start(actor=lead, city=city, cycle=cycle, kind="report")
    print(
        json.dumps(
            {
                "city_uuid": str(city.uuid),
                "survey_uuid": str(survey.uuid),
                "survey_id": survey.pk,
                "questions": {
                    "choice": [choice.field_name, str(choice.uuid)],
                    "story": [story.field_name, str(story.uuid)],
                    "yes_no": [yes_no.field_name, str(yes_no.uuid)],
                },
                "theme_id": seeded_theme("housing").pk,
                "report_uuid": str(report.uuid),
                "report_id": report.pk,
                "lead_session": _session_cookie(lead),
                "organizer_session": _session_cookie(organizer),
            }
        )
    )


if __name__ == "__main__":
    main()
