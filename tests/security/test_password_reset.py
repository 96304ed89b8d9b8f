"""Password reset gives nothing away: the answers for a known, an inactive and an
unknown email are the same (status, redirect, the page after it, modulo CSRF tokens),
only the known, active account gets a reset link, and the limits stop the form being used
to flood a mailbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
RESET_LINK_RE = re.compile(r"/accounts/password/reset/key/\S+")
# The masked CSRF token differs on every page: in the forms and in htmx's headers.
CSRF_RE = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+(")')


def comparable(html: str) -> str:
    return CSRF_RE.sub(r"\1-\2", html)


def reset(client, email: str):
    """POST the reset form, then load the page it redirects to, as a browser would."""
    posted = client.post(RESET, {"email": email})
    after = client.get(posted["Location"]) if posted.status_code == 302 else None
    return posted, after


@pytest.fixture
def known():
    return UserFactory(email="known@example.org")


@pytest.fixture
def inactive():
    return UserFactory(email="inactive@example.org", is_active=False)


def test_the_reset_url_is_the_allauth_form():
    assert reverse("account_reset_password") == RESET


def test_known_inactive_and_unknown_emails_get_the_same_answer(client, known, inactive):
    answers = {
        email: reset(client, email)
        for email in ("known@example.org", "inactive@example.org", "nobody@example.org")
    }
    statuses = {(p.status_code, a.status_code if a else None) for p, a in answers.values()}
    assert statuses == {(302, 200)}
    assert len({p["Location"] for p, _ in answers.values()}) == 1
    pages = {comparable(a.content.decode()) for _, a in answers.values()}
    assert len(pages) == 1
    (page,) = pages
    for email in answers:
        assert email not in page
    # The form page before it looks the same for everyone too (it knows no one yet).
    assert len({comparable(client.get(RESET).content.decode()) for _ in range(2)}) == 1


def test_only_the_known_active_account_gets_a_reset_link(client, known, inactive):
    for email in ("known@example.org", "inactive@example.org", "nobody@example.org"):
        reset(client, email)
    with_link = {m.to[0] for m in mail.outbox if RESET_LINK_RE.search(m.body)}
    assert with_link == {"known@example.org"}


def test_an_unknown_address_gets_a_notice_so_both_answers_take_the_same_work(client, known):
    """Deliberate (allauth's ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS, kept on): the reset mail is
    sent during the request, so mailing known addresses only would make their answers
    measurably slower. The unknown address gets a notice without a link; the form's rate
    limit (per address and per client) stops it being used to flood a mailbox."""
    reset(client, "nobody@example.org")
    reset(client, "known@example.org")
    assert sorted(m.to[0] for m in mail.outbox) == ["known@example.org", "nobody@example.org"]
    notice = next(m for m in mail.outbox if m.to == ["nobody@example.org"])
    assert not RESET_LINK_RE.search(notice.body)


def test_the_reset_form_cannot_flood_one_mailbox(client, known, settings):
    per_key = int(settings.ACCOUNT_RATE_LIMITS["reset_password"].split(",")[1].split("/")[0])
    for _ in range(per_key):
        posted, _after = reset(client, "known@example.org")
        assert posted.status_code == 302
    sent = len(mail.outbox)
    assert sent == per_key
    throttled_known = client.post(RESET, {"email": "known@example.org"})
    assert throttled_known.status_code == 429
    assert len(mail.outbox) == sent
    # An unknown address is throttled after the same count: a 429 says nothing about
    # whether an account exists.
    for _ in range(per_key):
        assert client.post(RESET, {"email": "nobody@example.org"}).status_code == 302
    throttled_unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert throttled_unknown.status_code == 429
    assert comparable(throttled_unknown.content.decode()) == comparable(
        throttled_known.content.decode()
    )
