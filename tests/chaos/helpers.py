"""Small steps the chaos checks share: asking for a PDF over HTTP and reading its job row."""

from __future__ import annotations

from typing import Any

from tests.chaos.stack import Response, Stack

JOB_COLUMNS = "status, attempts, task_id, file, error"


def report_path(stack: Stack, suffix: str = "") -> str:
    return f"/app/cities/{stack.seed['city_uuid']}/reports/{stack.seed['report_uuid']}/{suffix}"


def request_render(stack: Stack) -> int:
    """The organizer presses "Make PDF" on the report page; returns the new job's id."""
    browser = stack.browser("organizer")
    response = browser.post_form(report_path(stack, "render/"), {}, form_path=report_path(stack))
    assert response.status == 302, (response.status, response.text[:500])
    return int(
        stack.one(
            "SELECT id FROM reports_renderjob WHERE report_id = %s ORDER BY id DESC LIMIT 1",
            (stack.seed["report_id"],),
        )
    )


def job(stack: Stack, job_id: int) -> dict[str, Any]:
    row = stack.one(f"SELECT {JOB_COLUMNS} FROM reports_renderjob WHERE id = %s", (job_id,))  # noqa: S608
    return dict(zip([c.strip() for c in JOB_COLUMNS.split(",")], row, strict=True))


def audit_count(stack: Stack, action: str) -> int:
    return int(
        stack.one(
            "SELECT count(*) FROM cities_auditevent WHERE action = %s AND target_id = %s",
            (action, stack.seed["report_uuid"]),
        )
    )


def render_calls(stack: Stack) -> list[str]:
    """One line per time the (patched) render_pdf was entered, from tests.chaos.worker."""
    if not stack.render_log.exists():
        return []
    return stack.render_log.read_text().splitlines()


# --------------------------------------------------------------------------- submissions


def survey_path(stack: Stack) -> str:
    return f"/s/{stack.seed['survey_uuid']}/"


def survey_post_data(stack: Stack, page: Response, marker: str) -> dict[str, Any]:
    """A complete answer to the seeded survey, from the form page a resident was served
    (its CSRF token and its form token, i.e. its submission id). `marker` is the long
    answer, so the response can be found afterwards."""
    questions = stack.seed["questions"]
    return {
        "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        "token": page.hidden("token"),
        "language": "en",
        "website": "",
        "consent": "on",
        questions["choice"][0]: "a",
        questions["story"][0]: marker,
        questions["yes_no"][0]: "yes",
    }


def survey_rows(stack: Stack, marker: str) -> list[dict[str, Any]]:
    """The answers of every stored response whose long answer is `marker`."""
    story = stack.seed["questions"]["story"][1]
    rows = stack.sql(
        "SELECT answers, flags FROM consultations_surveyresponse"
        " WHERE survey_id = %s AND answers ->> %s = %s",
        (stack.seed["survey_id"], story, marker),
    )
    return [{"answers": answers, "flags": flags} for answers, flags in rows]


def survey_answers_complete(stack: Stack, answers: dict[str, Any], marker: str) -> bool:
    questions = stack.seed["questions"]
    return answers == {
        questions["choice"][1]: "a",
        questions["story"][1]: marker,
        questions["yes_no"][1]: "yes",
    }


def new_testimony_path(stack: Stack) -> str:
    return f"/app/cities/{stack.seed['city_uuid']}/testimony/new/"


def new_testimony_data(page: Response, stack: Stack, marker: str) -> dict[str, Any]:
    """A testimony logged on the form the organizer was served (its CSRF token and its
    submission id); `marker` is the narrative."""
    return {
        "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        "submission_id": page.hidden("submission_id"),
        "consultation": "",
        "narrative": marker,
        "summary": "",
        "themes": [stack.seed["theme_id"]],
        "rights": "",
        "nature": "problem",
        "occurred_on": "",
        "area": "",
        "source": "interview",
        "language": "en",
        "consent_level": "internal",
        "consent_method": "verbal",
        "speaker_name": "",
        "speaker_contact": "",
        "age_band": "",
        "demographic_group": "",
    }


def logged_testimony_rows(stack: Stack, marker: str) -> list[dict[str, Any]]:
    """Every stored testimony whose narrative is `marker`, with its theme and audit counts."""
    rows = stack.sql(
        "SELECT t.id, t.uuid::text,"
        " (SELECT count(*) FROM consultations_testimony_themes tt WHERE tt.testimony_id = t.id),"
        " (SELECT count(*) FROM cities_auditevent a"
        "   WHERE a.action = 'testimony.created' AND a.target_id = t.uuid::text)"
        " FROM consultations_testimony t WHERE t.narrative = %s",
        (marker,),
    )
    return [{"id": r[0], "uuid": r[1], "themes": r[2], "audits": r[3]} for r in rows]
