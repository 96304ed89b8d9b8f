"""Action plans: taking up a recommendation, actions, indicators, progress updates, and
copying the city's own recommendations from its report."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accountability import services
from accountability.models import (
    Action,
    ActionPlan,
    ActionStatus,
    Indicator,
    LocalRecommendation,
    ProgressUpdate,
)
from cities.models import AuditEvent
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    IndicatorFactory,
    LocalRecommendationFactory,
    OfficialResponseFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    ReportFactory,
    ReportSectionFactory,
    ResponseLinkFactory,
)

pytestmark = pytest.mark.django_db

ACTION_FIELDS = {
    "description": "Adopt a right-to-counsel ordinance",
    "responsible": "Department of Housing",
    "target": "Every tenant facing eviction has a lawyer",
    "due_on": datetime.date(2027, 6, 30),
}

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def private_files() -> set[str]:
    root = Path(storages["private"].location)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def plan(world):
    return ActionPlanFactory(city=world.a.city, recommendation=RecommendationFactory())


@pytest.fixture
def action(world, plan):
    return ActionFactory(plan=plan, status=ActionStatus.IN_PROGRESS, created_by=world.a.organizer)


def events(action_name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action_name).order_by("id"))


# --------------------------------------------------------------------------- plans


def test_taking_up_a_recommendation_twice_returns_the_same_plan(world):
    rec = RecommendationFactory()

    first = services.plan_create(
        actor=world.a.lead, city=world.a.city, recommendation=rec, summary="  Rent is rising. "
    )
    again = services.plan_create(actor=world.a.organizer, city=world.a.city, recommendation=rec)

    assert again.pk == first.pk
    assert ActionPlan.objects.count() == 1
    first.refresh_from_db()
    assert (first.city, first.recommendation, first.local_recommendation) == (
        world.a.city,
        rec,
        None,
    )
    assert first.summary == "Rent is rising."
    assert first.created_by == world.a.lead
    [event] = events("plan.created")
    assert (event.city, event.actor, event.target_id, event.target_label) == (
        world.a.city,
        world.a.lead,
        str(first.uuid),
        rec.label,
    )


def test_two_cities_take_up_the_same_recommendation_separately(world):
    rec = RecommendationFactory()

    a = services.plan_create(actor=world.a.lead, city=world.a.city, recommendation=rec)
    b = services.plan_create(actor=world.b.lead, city=world.b.city, recommendation=rec)

    assert a.pk != b.pk
    assert {p.city for p in ActionPlan.objects.filter(recommendation=rec)} == {
        world.a.city,
        world.b.city,
    }


def test_taking_up_a_local_recommendation(world):
    local = LocalRecommendationFactory(city=world.a.city, text="Fund right to counsel")

    plan = services.plan_create(actor=world.a.lead, city=world.a.city, local_recommendation=local)
    again = services.plan_create(actor=world.a.lead, city=world.a.city, local_recommendation=local)

    assert again.pk == plan.pk
    plan.refresh_from_db()
    assert plan.recommendation is None
    assert plan.local_recommendation == local
    assert plan.text == "Fund right to counsel"
    assert len(events("plan.created")) == 1


def test_taking_up_needs_exactly_one_recommendation_of_the_city(world):
    rec = RecommendationFactory()
    local = LocalRecommendationFactory(city=world.a.city)
    theirs = LocalRecommendationFactory(city=world.b.city)

    with pytest.raises(ValueError):
        services.plan_create(actor=world.a.lead, city=world.a.city)
    with pytest.raises(ValueError):
        services.plan_create(
            actor=world.a.lead, city=world.a.city, recommendation=rec, local_recommendation=local
        )
    with pytest.raises(ValueError, match="another city"):
        services.plan_create(actor=world.a.lead, city=world.a.city, local_recommendation=theirs)
    assert not ActionPlan.objects.exists()
    assert not events("plan.created")


def test_a_plan_with_an_official_response_cannot_be_deleted(world, plan):
    OfficialResponseFactory(link=ResponseLinkFactory(plan=plan))

    with pytest.raises(ValidationError, match="official has responded"):
        services.plan_delete(actor=world.a.lead, plan=plan)

    assert ActionPlan.objects.filter(pk=plan.pk).exists()
    assert not events("plan.deleted")


def test_deleting_a_plan_deletes_its_actions_and_progress(world, plan, action):
    indicator = IndicatorFactory(action=action)
    ProgressUpdateFactory(action=action, indicator=indicator, value=20)
    ResponseLinkFactory(plan=plan)  # an unused link doesn't block deletion
    label, uuid = plan.title, str(plan.uuid)

    services.plan_delete(actor=world.a.lead, plan=plan)

    assert not ActionPlan.objects.exists()
    assert not Action.objects.exists()
    assert not Indicator.objects.exists()
    assert not ProgressUpdate.objects.exists()
    [event] = events("plan.deleted")
    assert (event.city, event.target_label, event.details) == (
        world.a.city,
        label,
        {"plan": uuid},
    )


# --------------------------------------------------------------------------- actions


def test_adding_an_action(world, plan):
    action = services.action_save(actor=world.a.organizer, plan=plan, fields=ACTION_FIELDS)

    action.refresh_from_db()
    assert action.plan == plan and action.city == world.a.city
    assert action.status == ActionStatus.NOT_STARTED
    assert action.completed_on is None
    assert action.created_by == world.a.organizer
    assert action.due_on == datetime.date(2027, 6, 30)
    [event] = events("action.saved")
    assert event.details == {
        "action": str(action.uuid),
        "changed": ["description", "due_on", "responsible", "target"],
        "status": "not_started",
    }
    assert "right-to-counsel" not in json.dumps(event.details)


def test_an_action_created_completed_records_the_day(world, plan):
    action = services.action_save(
        actor=world.a.organizer,
        plan=plan,
        fields={**ACTION_FIELDS, "status": ActionStatus.COMPLETED},
    )

    assert Action.objects.get(pk=action.pk).completed_on == timezone.localdate()


def test_completing_sets_completed_on_and_reopening_clears_it(world, action):
    services.action_save(
        actor=world.a.organizer,
        plan=action.plan,
        action=action,
        fields={"status": ActionStatus.COMPLETED},
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert action.completed_on == timezone.localdate()

    # Editing another field keeps the day.
    services.action_save(
        actor=world.a.organizer, plan=action.plan, action=action, fields={"target": "Done"}
    )
    action.refresh_from_db()
    assert action.completed_on == timezone.localdate()

    services.action_save(
        actor=world.a.organizer,
        plan=action.plan,
        action=action,
        fields={"status": ActionStatus.IN_PROGRESS},
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.completed_on is None
    assert [e.details["changed"] for e in events("action.saved")] == [
        ["status"],
        ["target"],
        ["status"],
    ]


@pytest.mark.parametrize("missing", ["description", "responsible", "target", "due_on"])
def test_an_action_without_a_required_field_is_refused(world, plan, missing):
    fields = {k: v for k, v in ACTION_FIELDS.items() if k != missing}

    with pytest.raises(ValidationError) as exc:
        services.action_save(actor=world.a.organizer, plan=plan, fields=fields)

    assert missing in exc.value.message_dict
    assert not Action.objects.exists()
    assert not events("action.saved")


def test_an_action_with_an_unknown_status_is_refused(world, action):
    with pytest.raises(ValidationError):
        services.action_save(
            actor=world.a.organizer, plan=action.plan, action=action, fields={"status": "done"}
        )
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS


def test_fields_outside_the_editable_set_are_refused(world, action):
    with pytest.raises(ValueError):
        services.action_save(
            actor=world.a.organizer,
            plan=action.plan,
            action=action,
            fields={"completed_on": datetime.date(2020, 1, 1)},
        )
    assert Action.objects.get(pk=action.pk).completed_on is None


def test_an_action_with_an_official_response_cannot_be_deleted(world, action):
    OfficialResponseFactory(
        link=ResponseLinkFactory(plan=action.plan, action=action), action=action
    )

    with pytest.raises(ValidationError):
        services.action_delete(actor=world.a.lead, action=action)

    assert Action.objects.filter(pk=action.pk).exists()


def test_deleting_an_action(world, action):
    uuid = str(action.uuid)

    services.action_delete(actor=world.a.lead, action=action)

    assert not Action.objects.exists()
    [event] = events("action.deleted")
    assert event.details == {"action": uuid}


@pytest.mark.parametrize("edit", ["action", "plan", "local", "progress_status"])
def test_rows_stay_editable_after_their_creator_is_deleted(world, edit):
    creator = world.a.organizer
    rec = RecommendationFactory()
    plan = services.plan_create(actor=creator, city=world.a.city, recommendation=rec)
    action = services.action_save(actor=creator, plan=plan, fields=ACTION_FIELDS)
    local = services.local_recommendation_save(
        actor=creator, city=world.a.city, cycle=world.cycle, text="Fund right to counsel"
    )
    creator.delete()
    plan.refresh_from_db()
    action.refresh_from_db()
    local.refresh_from_db()
    assert action.created_by is None

    lead = world.a.lead
    if edit == "action":
        services.action_save(actor=lead, plan=plan, action=action, fields={"target": "All"})
        assert Action.objects.get(pk=action.pk).target == "All"
    elif edit == "plan":
        services.plan_update(actor=lead, plan=plan, summary="New summary")
        assert ActionPlan.objects.get(pk=plan.pk).summary == "New summary"
    elif edit == "local":
        services.local_recommendation_save(
            actor=lead, city=world.a.city, cycle=world.cycle, text="Edited", local=local
        )
        assert LocalRecommendation.objects.get(pk=local.pk).text == "Edited"
    else:
        services.progress_add(
            actor=lead,
            action=action,
            reported_on=timezone.localdate(),
            text="Done.",
            status=ActionStatus.COMPLETED,
        )
        assert Action.objects.get(pk=action.pk).status == ActionStatus.COMPLETED


@pytest.mark.parametrize(
    ("status", "due_in", "overdue"),
    [
        (ActionStatus.IN_PROGRESS, -1, True),
        (ActionStatus.NOT_STARTED, -30, True),
        (ActionStatus.STALLED, -1, True),
        (ActionStatus.COMPLETED, -1, False),
        (ActionStatus.IN_PROGRESS, 0, False),  # due today: not yet overdue
        (ActionStatus.IN_PROGRESS, 1, False),
    ],
)
def test_is_overdue(status, due_in, overdue):
    today = datetime.date(2027, 3, 10)
    action = Action(status=status, due_on=today + datetime.timedelta(days=due_in))

    assert action.is_overdue(today) is overdue


def test_is_overdue_defaults_to_today():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    assert Action(status=ActionStatus.IN_PROGRESS, due_on=yesterday).is_overdue()
    assert not Action(status=ActionStatus.IN_PROGRESS, due_on=timezone.localdate()).is_overdue()


# --------------------------------------------------------------------------- indicators


@pytest.mark.parametrize(
    ("baseline", "target", "value", "percent"),
    [
        (10, 90, 50, 50),
        (10, 90, 10, 0),
        (10, 90, 90, 100),
        (10, 90, 130, 100),  # past the target: clipped
        (10, 90, 0, 0),  # below the baseline: clipped
        (30, 10, 20, 50),  # decreasing target (days to a hearing)
        (30, 10, 10, 100),
        (30, 10, 5, 100),
        (30, 10, 40, 0),
        (0, 3, 1, 33),
        (0, 3, 2, 67),
        (5, 5, 5, 100),  # no span: reached or not
        (5, 5, 4, 0),
    ],
)
def test_progress_percent(baseline, target, value, percent):
    indicator = Indicator(baseline=Decimal(baseline), target_value=Decimal(target))

    result = indicator.progress_percent(Decimal(value))

    assert result == percent
    assert type(result) is int


def test_progress_percent_without_a_value():
    assert Indicator(baseline=Decimal(1), target_value=Decimal(2)).progress_percent(None) is None


def test_indicator_save(world, action):
    indicator = services.indicator_save(
        actor=world.a.organizer,
        action=action,
        fields={
            "name": "Median days to a hearing",
            "unit": "days",
            "baseline": Decimal("30"),
            "target_value": Decimal("10"),
            "data_source": "Court statistics",
        },
    )

    indicator.refresh_from_db()
    assert (indicator.action, indicator.city) == (action, world.a.city)
    assert indicator.progress_percent(Decimal("20")) == 50
    services.indicator_save(
        actor=world.a.organizer, action=action, indicator=indicator, fields={"unit": "weeks"}
    )
    indicator.refresh_from_db()
    assert indicator.unit == "weeks"
    assert [e.details["changed"] for e in events("indicator.saved")] == [
        ["baseline", "data_source", "name", "target_value", "unit"],
        ["unit"],
    ]


def test_an_indicator_without_its_fields_is_refused(world, action):
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(actor=world.a.organizer, action=action, fields={"name": "X"})

    assert {"unit", "baseline", "target_value", "data_source"} <= set(exc.value.message_dict)
    assert not Indicator.objects.exists()


def test_deleting_an_indicator_keeps_the_progress_notes(world, action):
    indicator = IndicatorFactory(action=action)
    reading = ProgressUpdateFactory(action=action, indicator=indicator, value=40, text="Midway")
    note = ProgressUpdateFactory(action=action, text="A hearing was held")

    services.indicator_delete(actor=world.a.organizer, indicator=indicator)

    assert not Indicator.objects.exists()
    reading.refresh_from_db()
    assert (reading.text, reading.indicator, reading.value) == ("Midway", None, None)
    assert ProgressUpdate.objects.filter(pk=note.pk).exists()
    assert len(events("indicator.deleted")) == 1


# --------------------------------------------------------------------------- progress


def add(world, action, **kwargs):
    kwargs.setdefault("reported_on", timezone.localdate())
    kwargs.setdefault("text", "The council held a hearing.")
    return services.progress_add(actor=world.a.organizer, action=action, **kwargs)


def test_a_progress_update_with_an_indicator_reading(world, action):
    indicator = IndicatorFactory(action=action)

    update = add(world, action, text="  Half way.  ", indicator=indicator, value=Decimal("50"))

    update.refresh_from_db()
    assert (update.city, update.action, update.indicator) == (world.a.city, action, indicator)
    assert update.value == Decimal("50")
    assert update.text == "Half way."
    assert update.created_by == world.a.organizer
    assert indicator.progress_percent(update.value) == 50
    [event] = events("progress.added")
    assert event.details == {"action": str(action.uuid), "update": str(update.uuid)}
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS


def test_a_future_date_is_refused(world, action):
    with pytest.raises(ValidationError, match="future"):
        add(world, action, reported_on=timezone.localdate() + datetime.timedelta(days=1))
    assert not ProgressUpdate.objects.exists()


def test_an_indicator_of_another_action_is_refused(world, action):
    other = IndicatorFactory(action=ActionFactory(plan=action.plan))

    with pytest.raises(ValidationError, match="another action"):
        add(world, action, indicator=other, value=Decimal(5))
    assert not ProgressUpdate.objects.exists()


def test_a_value_needs_an_indicator_and_an_indicator_a_value(world, action):
    indicator = IndicatorFactory(action=action)

    with pytest.raises(ValidationError, match="both an indicator and its value"):
        add(world, action, value=Decimal(5))
    with pytest.raises(ValidationError, match="both an indicator and its value"):
        add(world, action, indicator=indicator)
    assert not ProgressUpdate.objects.exists()


def test_a_progress_update_can_change_the_status(world, action):
    update = add(world, action, text="Ordinance adopted.", status=ActionStatus.COMPLETED)

    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert action.completed_on == timezone.localdate()
    assert ProgressUpdate.objects.get().pk == update.pk
    [progress] = events("progress.added")
    assert progress.details["status"] == "completed"
    [saved] = events("action.saved")
    assert saved.details["changed"] == ["status"]


def test_the_same_status_is_not_a_change(world, action):
    add(world, action, status=ActionStatus.IN_PROGRESS)

    assert "status" not in events("progress.added")[0].details
    assert not events("action.saved")


def test_an_evidence_file_is_stored_under_a_random_name(world, action):
    before = private_files()
    upload = SimpleUploadedFile(
        "Council minutes (draft).PDF", b"%PDF-1.4 minutes", content_type="application/pdf"
    )

    update = add(world, action, evidence_file=upload)

    update.refresh_from_db()
    assert update.evidence_filename == "Council minutes (draft).PDF"
    stored = Path(update.evidence_file.name)
    assert stored.name == f"{update.uuid}.pdf"
    assert "minutes" not in update.evidence_file.name
    assert str(stored.parent).startswith("accountability/")
    assert private_files() - before == {update.evidence_file.name}
    with update.evidence_file.open("rb") as f:
        assert f.read() == b"%PDF-1.4 minutes"


def test_the_original_name_loses_any_path(world, action):
    upload = SimpleUploadedFile("../../etc/report.csv", b"a,b\n", content_type="text/csv")

    update = add(world, action, evidence_file=upload)

    assert update.evidence_filename == "report.csv"
    assert Path(update.evidence_file.name).name == f"{update.uuid}.csv"


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("payload.exe", 10, "Attach a PDF"),
        ("page.html", 10, "Attach a PDF"),
        ("noextension", 10, "Attach a PDF"),
        ("big.pdf", services.EVIDENCE_MAX_BYTES + 1, "larger than 10 MB"),
    ],
)
def test_evidence_files_of_the_wrong_type_or_size_are_refused(world, action, name, size, message):
    before = private_files()
    upload = SimpleUploadedFile(name, b"x" * size)

    with pytest.raises(ValidationError, match=message):
        add(world, action, evidence_file=upload)

    assert not ProgressUpdate.objects.exists()
    assert private_files() == before
    assert not events("progress.added")


def _office_zip(part: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("minutes.pdf", b"%PDF-1.7\n%minutes", True),
        ("minutes.pdf", b"MZ\x90\x00 an executable", False),
        ("photo.png", PNG_HEADER + b"rest", True),
        ("photo.png", b"<html><script>alert(1)</script>", False),
        ("photo.jpeg", b"\xff\xd8\xff\xe0 jfif", True),
        ("photo.jpg", PNG_HEADER, False),
        ("budget.xlsx", _office_zip("xl/workbook.xml"), True),
        ("budget.xlsx", _office_zip("word/document.xml"), False),
        ("letter.docx", _office_zip("word/document.xml"), True),
        ("letter.docx", b"PK\x03\x04 not really a zip", False),
        ("table.csv", "name,valor\nAña,3\n".encode(), True),
        ("table.csv", b"\x00\x01\x02 binary", False),
        ("notes.txt", PNG_HEADER + b"rest", False),
        ("notes.txt", b"\xff\xfe not utf-8 \xc3", False),
    ],
)
def test_evidence_files_are_typed_by_their_content_as_well_as_their_name(
    world, action, name, content, accepted
):
    upload = SimpleUploadedFile(name, content)
    if accepted:
        update = add(world, action, evidence_file=upload)
        with update.evidence_file.open("rb") as stored:
            assert stored.read() == content  # the check read it and put it back
        return
    with pytest.raises(ValidationError, match="Attach a PDF"):
        add(world, action, evidence_file=upload)
    assert not ProgressUpdate.objects.exists()


def test_a_refused_progress_update_leaves_no_file_behind(world, action):
    before = private_files()
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes")

    with pytest.raises(ValidationError):
        add(world, action, evidence_file=upload, status="finished")

    assert not ProgressUpdate.objects.exists()
    assert private_files() == before


@pytest.mark.parametrize("what", ["plan", "action"])
def test_deleting_a_plan_or_action_deletes_its_evidence_files(world, action, committed, what):
    update = add(world, action, evidence_file=SimpleUploadedFile("scan.png", PNG_HEADER))
    name = update.evidence_file.name
    assert name in private_files()

    if what == "plan":
        committed(services.plan_delete, actor=world.a.lead, plan=action.plan)
    else:
        committed(services.action_delete, actor=world.a.lead, action=action)

    assert not ProgressUpdate.objects.exists()
    assert name not in private_files()


def test_a_file_of_exactly_the_limit_is_accepted(world, action):
    upload = SimpleUploadedFile(
        "scan.png", PNG_HEADER + b"x" * (services.EVIDENCE_MAX_BYTES - len(PNG_HEADER))
    )

    update = add(world, action, evidence_file=upload)

    assert update.evidence_file.size == services.EVIDENCE_MAX_BYTES


# --------------------------------------------------------------------------- local recommendations from the report


def report_with(world, body: str):
    report = ReportFactory(city=world.a.city, cycle=world.cycle)
    ReportSectionFactory(report=report, kind="recommendations", body=body)
    return report


def texts(city) -> list[str]:
    return list(LocalRecommendation.objects.filter(city=city).values_list("text", flat=True))


def test_bullets_and_numbered_items_become_local_recommendations(world):
    report = report_with(
        world,
        "## Housing\n\n"
        "- Fund the tenants' right-to-counsel programme [[cite:ab12cd34]]\n"
        "* Build 500 affordable units\n"
        "  by 2028, with a public list\n"
        "\n"
        "## Policing\n\n"
        "1. Create a civilian oversight board\n"
        "2) Publish stop data every quarter\n"
        "[[cite:0a1b2c3d]]\n",
    )

    added = services.local_recommendations_from_report(actor=world.a.organizer, report=report)

    assert [local.text for local in added] == [
        "Fund the tenants' right-to-counsel programme",
        "Build 500 affordable units by 2028, with a public list",
        "Create a civilian oversight board",
        "Publish stop data every quarter",
    ]
    assert texts(world.a.city) == [local.text for local in added]
    for local in added:
        local.refresh_from_db()
        assert (local.report, local.cycle, local.created_by) == (
            report,
            world.cycle,
            world.a.organizer,
        )
    assert [local.sort_order for local in added] == [1, 2, 3, 4]
    assert not any("cite" in t for t in texts(world.a.city))
    assert not LocalRecommendation.objects.filter(city=world.b.city).exists()


def test_paragraphs_when_there_is_no_list(world):
    report = report_with(
        world,
        "# Our recommendations\n\n"
        "The city should fund right to counsel\nfor every tenant. [[cite:ab12cd34]]\n\n"
        "   \n\n"
        "The police department should publish its stop data.\n",
    )

    added = services.local_recommendations_from_report(actor=world.a.organizer, report=report)

    assert [local.text for local in added] == [
        "The city should fund right to counsel for every tenant.",
        "The police department should publish its stop data.",
    ]


def test_a_second_copy_skips_the_ones_already_there(world):
    report = report_with(world, "- Fund right to counsel\n- Publish stop data\n")
    services.local_recommendations_from_report(actor=world.a.organizer, report=report)
    section = report.sections.get()
    section.body = "- Fund  right to COUNSEL\n- Publish stop data\n- Open a tenants' hotline\n"
    section.save()

    added = services.local_recommendations_from_report(actor=world.a.organizer, report=report)

    assert [local.text for local in added] == ["Open a tenants' hotline"]
    assert texts(world.a.city) == [
        "Fund right to counsel",
        "Publish stop data",
        "Open a tenants' hotline",
    ]
    assert services.local_recommendations_from_report(actor=world.a.organizer, report=report) == []
    assert LocalRecommendation.objects.count() == 3


def test_an_empty_recommendations_section_is_refused(world):
    report = report_with(world, "  \n")

    with pytest.raises(ValidationError, match="empty"):
        services.local_recommendations_from_report(actor=world.a.organizer, report=report)
    assert not LocalRecommendation.objects.exists()


def test_a_heading_directly_above_a_paragraph_keeps_the_paragraph(world):
    report = report_with(
        world,
        "## Housing\nThe city should fund right to counsel.\n\n## Policing\nPublish stop data.\n",
    )

    added = services.local_recommendations_from_report(actor=world.a.organizer, report=report)

    assert [local.text for local in added] == [
        "The city should fund right to counsel.",
        "Publish stop data.",
    ]


def test_a_wrapped_list_item_keeps_its_second_line(world):
    report = report_with(world, "- Fund right to counsel\nfor every tenant\n- Publish stop data\n")

    added = services.local_recommendations_from_report(actor=world.a.organizer, report=report)

    assert [local.text for local in added] == [
        "Fund right to counsel for every tenant",
        "Publish stop data",
    ]
