"""Request bodies for wrk's POSTs, written one per line before the load starts.

The survey form carries a signed token with a random submission id: a token sent twice
stores one response, so every body gets its own token. Tokens are made exactly as
`consultations.forms.public_survey.token_make` makes them, but dated a minute back, so
the minimum fill time (SURVEY_MIN_FILL_SECONDS) has passed, as it would for a resident.
"""

from __future__ import annotations

import random
import re
import time
import urllib.request
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.core import signing

from bench.seed import DOMAIN, World
from consultations import selectors, survey_logic
from consultations.forms.public_survey import HONEYPOT, token_read


@dataclass(frozen=True)
class CsrfPair:
    cookie: str  # the csrftoken cookie's value
    form_token: str  # the csrfmiddlewaretoken a page served with it


def fetch_csrf(url: str) -> CsrfPair:
    """GET a form page as a browser would, and keep its CSRF cookie and form token."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — our own 127.0.0.1
        html = response.read().decode()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if "csrftoken" not in cookies or match is None:
        raise RuntimeError(f"{url} served no CSRF cookie and token")
    return CsrfPair(cookies["csrftoken"].value, match.group(1))


def survey_token(world: World, *, served_at: float) -> str:
    return signing.dumps(
        {"s": uuid.uuid4().hex, "t": round(served_at, 3)},
        salt=f"survey-form:{world.survey.uuid}",
    )


def write_survey_bodies(world: World, csrf: CsrfPair, path: Path, count: int) -> Path:
    survey = world.survey
    questions = world.questions
    source = selectors.survey_option_source(city=survey.city, questions=questions)
    served_at = time.time() - 60
    probe = token_read(survey, survey_token(world, served_at=served_at), max_age=3600)
    if probe is None or probe.served_at != round(served_at, 3):
        raise RuntimeError("bench survey tokens no longer match the form's token format")
    rng = random.Random(7)
    choices = {
        q.field_name: [key for key, _label in survey_logic.question_options(q, "en", source)]
        for q in questions
        if not q.is_text
    }
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            fields: dict[str, str] = {
                "csrfmiddlewaretoken": csrf.form_token,
                "token": survey_token(world, served_at=served_at),
                "language": "en",
                "consent": "on",
                HONEYPOT: "",
            }
            for question in questions:
                if question.is_text:
                    fields[question.field_name] = f"The landlord ignored repairs ({i})."
                else:
                    fields[question.field_name] = rng.choice(choices[question.field_name])
            out.write(urlencode(fields) + "\n")
    return path


def write_bare_bodies(csrf: CsrfPair, path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            fields = {
                "csrfmiddlewaretoken": csrf.form_token,
                "name": f"Resident {i}",
                "email": f"resident{i}@{DOMAIN}",
                "amount": str(i % 1000),
            }
            out.write(urlencode(fields) + "\n")
    return path
