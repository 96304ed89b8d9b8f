"""Redis stops: residents' surveys and organizers' testimony are still saved, /healthz says
Redis is down, and the work queued meanwhile (a PDF, an invitation email) is done once
Redis is back on the same port."""

from __future__ import annotations

import json
import time

import pytest

from tests.chaos.helpers import (
    job,
    logged_testimony_rows,
    new_testimony_data,
    new_testimony_path,
    request_render,
    survey_answers_complete,
    survey_path,
    survey_post_data,
    survey_rows,
)
from tests.chaos.stack import Browser, Stack, wait_until

pytestmark = pytest.mark.chaos

INVITEE = "chaos-invitee@example.org"


def _timed(timings: dict[str, float], name: str, call):
    started = time.monotonic()
    try:
        return call()
    finally:
        timings[name] = time.monotonic() - started


def _emails_to(stack: Stack, address: str) -> int:
    if not stack.mail.exists():
        return 0
    return sum(f.read_text(errors="replace").count(f"To: {address}") for f in stack.mail.iterdir())


def test_without_redis_submissions_succeed_and_queued_work_drains_after_restart(make_stack):
    stack = make_stack()
    stack.start_app(render="")
    assert stack.redis is not None
    city = stack.seed["city_uuid"]
    lead = stack.browser("lead")
    organizer = stack.browser("organizer")
    resident = Browser(stack.url)
    timings: dict[str, float] = {}

    stack.redis.stop()

    health = _timed(timings, "healthz", lambda: Browser(stack.url).get("/healthz"))
    assert health.status == 503
    assert json.loads(health.text)["checks"] == {"database": "ok", "redis": "down"}

    # An email queued while Redis is down: the lead invites someone.
    invited = _timed(
        timings,
        "invitation POST",
        lambda: lead.post_form(
            f"/app/cities/{city}/team/invite/", {"email": INVITEE, "role": "organizer"}
        ),
    )
    assert invited.status == 302, invited.text[:500]
    assert stack.one(
        "SELECT status, email_status FROM cities_invitation WHERE email = %s", (INVITEE,)
    ) == ("pending", "queued")

    # A resident answers the survey.
    page = _timed(timings, "survey GET", lambda: resident.get(survey_path(stack)))
    assert page.status == 200
    answered = _timed(
        timings,
        "survey POST",
        lambda: resident.post(
            survey_path(stack), survey_post_data(stack, page, "said while Redis was down")
        ),
    )
    assert answered.status == 303, answered.text[:500]
    (response,) = survey_rows(stack, "said while Redis was down")
    assert survey_answers_complete(stack, response["answers"], "said while Redis was down")
    # The rate limit could not be checked, and the response says so.
    assert response["flags"] == ["rate_limit_unchecked"]

    # An organizer logs testimony.
    form = _timed(timings, "testimony GET", lambda: organizer.get(new_testimony_path(stack)))
    assert form.status == 200
    logged = _timed(
        timings,
        "testimony POST",
        lambda: organizer.post(
            new_testimony_path(stack),
            new_testimony_data(form, stack, "logged while Redis was down"),
        ),
    )
    assert logged.status == 302, logged.text[:500]
    (testimony,) = logged_testimony_rows(stack, "logged while Redis was down")
    assert testimony["themes"] == 1 and testimony["audits"] == 1

    # The organizer asks for a PDF: the job row is queued, its publish is lost.
    job_id = _timed(timings, "render request", lambda: request_render(stack))
    assert job(stack, job_id)["status"] == "queued"

    stack.redis.restart()
    restarted = time.monotonic()
    wait_until(
        lambda: Browser(stack.url).get("/healthz").status == 200,
        timeout=15,
        what="/healthz to recover",
    )
    timings["healthz recovered"] = time.monotonic() - restarted

    # Beat sends both sweepers every minute; sending them every 3 s keeps the check short.
    # The render sweeper re-queues jobs queued longer than QUEUED_WORK_REQUEUE_AFTER (1 s
    # here); the invitation sweeper waits a fixed minute (cities/tasks.py).
    done: dict[str, float] = {}

    def drained() -> bool:
        stack.send_task("reports.tasks.render_jobs_requeue")
        stack.send_task("cities.tasks.invitations_send_pending")
        if "render" not in done and job(stack, job_id)["status"] == "done":
            done["render"] = time.monotonic() - restarted
        if "email" not in done and _emails_to(stack, INVITEE):
            done["email"] = time.monotonic() - restarted
        return len(done) == 2

    wait_until(drained, timeout=150, interval=3, what=f"the queued work to drain ({done})")
    final = job(stack, job_id)
    assert final["status"] == "done" and final["attempts"] == 1, final
    assert stack.one(
        "SELECT email_status, email_attempts FROM cities_invitation WHERE email = %s", (INVITEE,)
    ) == ("sent", 1)
    assert _emails_to(stack, INVITEE) == 1
    print(
        "\nRedis down: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
        + "; after the restart: "
        + ", ".join(f"{name} done in {seconds:.1f} s" for name, seconds in done.items())
    )
