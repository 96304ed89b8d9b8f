"""In-process measurements: query counts, PDF renders, request → PDF with a real worker,
and the national compilation. Run inside bench/run.py after django.setup()."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.seed import PARAGRAPH, World
from cities.models import Theme

HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The bench itself broke (not a missed goal)."""


class _Rollback(Exception):
    pass


# --------------------------------------------------------------------------- URLs


def testimony_list_url(world: World, *, large: bool = True) -> str:
    city = world.large if large else world.small
    return reverse("consultations:testimony_list", kwargs={"city_uuid": city.uuid})


def city_dashboard_url(world: World, *, large: bool = True) -> str:
    city = world.large if large else world.small
    return reverse("cities:city", kwargs={"city_uuid": city.uuid})


def recommendations_url(query: str = "") -> str:
    return reverse("recommendations:list") + (f"?q={query}" if query else "")


def city_public_url(slug: str) -> str:
    return reverse("public:city", kwargs={"slug": slug})


def survey_url(world: World) -> str:
    return reverse("survey_public:respond", kwargs={"survey_uuid": world.survey.uuid})


# --------------------------------------------------------------------------- query counts


def _queries(client: Client, url: str) -> tuple[int, int]:
    """(status, number of SQL queries) for a GET, after one warm-up request."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured)


def organizer_client(world: World) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.organizer)
    return client


def query_counts(world: World) -> dict[str, Any]:
    """Each organizer page at 10 and at 1,000 testimonies, and the public pages of issue #6
    at their small and large sizes: the number of queries must not grow with the rows."""
    organizer = organizer_client(world)
    public = Client(HTTP_HOST=HOST)
    out: dict[str, Any] = {}
    for name, url_for in (
        ("testimony_list", testimony_list_url),
        ("city_dashboard", city_dashboard_url),
    ):
        s_status, small = _queries(organizer, url_for(world, large=False))
        l_status, large = _queries(organizer, url_for(world, large=True))
        if s_status != 200 or l_status != 200:
            raise BenchError(f"{name} answered {s_status}/{l_status}, not 200")
        out[name] = {
            "rows_small": 10,
            "queries_small": small,
            "rows_large": 1000,
            "queries_large": large,
        }

    from accountability.models import ActionPlan, Recommendation

    def recommendation_pages() -> dict[str, int]:
        counts = {}
        for key, url in (
            ("list", recommendations_url()),
            ("search", recommendations_url("housing")),
        ):
            status, n = _queries(public, url)
            if status != 200:
                raise BenchError(f"{url} answered {status}")
            counts[key] = n
        return counts

    base_recs = Recommendation.objects.count()
    small_counts = recommendation_pages()
    large_counts: dict[str, int] = {}
    extra = 2000
    # The large case lives only inside a transaction that is rolled back.
    try:
        with transaction.atomic():
            _add_recommendations(extra)
            large_counts = recommendation_pages()
            raise _Rollback
    except _Rollback:
        pass
    for key in ("list", "search"):
        out[f"recommendations_{key}"] = {
            "rows_small": base_recs,
            "queries_small": small_counts[key],
            "rows_large": base_recs + extra,
            "queries_large": large_counts[key],
        }
    plans_small = ActionPlan.objects.filter(city__slug="mesa-verde-nm").count()
    plans_large = ActionPlan.objects.filter(city=world.large).count()
    s_status, small = _queries(public, city_public_url("mesa-verde-nm"))
    l_status, large = _queries(public, city_public_url(world.large.slug))
    if s_status != 200 or l_status != 200:
        raise BenchError(f"public city page answered {s_status}/{l_status}")
    out["city_public_scorecard"] = {
        "unit": "action plans",
        "rows_small": plans_small,
        "queries_small": small,
        "rows_large": plans_large,
        "queries_large": large,
    }
    return out


def _add_recommendations(n: int) -> None:
    from accountability.models import Recommendation
    from cities.models import ReviewCycle

    cycle = ReviewCycle.objects.get(number=3)
    themes = list(Theme.objects.order_by("pk"))
    recs = Recommendation.objects.bulk_create(
        [
            Recommendation(
                cycle=cycle,
                key=f"bench:{uuid.uuid4().hex}",
                paragraph=f"99.{i}",
                text=f"Guarantee the right to adequate housing and health care ({i}).",
                states=["Brazil", "Chile"][: 1 + i % 2],
                response=("supported", "noted")[i % 2],
                source_format="uhri_list",
                source_themes=["Right to adequate housing"],
                source_document="A/HRC/99/1",
                position=10_000 + i,
            )
            for i in range(n)
        ]
    )
    through = Recommendation.themes.through
    through.objects.bulk_create(
        [
            through(recommendation_id=r.pk, theme_id=themes[i % len(themes)].pk)
            for i, r in enumerate(recs)
        ]
    )


# --------------------------------------------------------------------------- PDF


@dataclass
class Timing:
    median_s: float
    runs_s: list[float]
    pages: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": round(self.median_s, 3),
            "runs_s": [round(r, 3) for r in self.runs_s],
            "pages": self.pages,
        }


def _report(world: World, kind: str) -> Any:
    from reports.models import Report

    return Report.objects.get(city=world.large, cycle=world.cycle, kind=kind)


def pdf_renders(world: World, runs: int = 5) -> dict[str, Timing]:
    """The worker's build of a draft PDF (print document → HTML → WeasyPrint), warm:
    one render first, then the median of `runs`."""
    from reports import pdf, printing
    from reports.services.rendering import REPORT_TEMPLATE

    out = {}
    for kind in ("report", "summary"):
        report = _report(world, kind)
        pages = None

        def build(report: Any = report) -> int:
            document = printing.print_document(report=report, final=False)
            return pdf.render_pdf(printing.print_html(document, REPORT_TEMPLATE)).page_count

        build()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            pages = build()
            times.append(time.perf_counter() - started)
        out[kind] = Timing(statistics.median(times), times, pages)
    return out


def request_to_pdf(world: World, runs: int = 3, timeout_s: float = 60) -> Timing:
    """With an idle worker running: ask for a draft PDF of the local report through the
    service a page uses, and poll the job row until it is done. The text changes each
    time, so no finished file can be reused."""
    from reports.models import RenderJob, RenderStatus, ReportSection
    from reports.services import render_request

    report = _report(world, "report")
    section = ReportSection.objects.filter(report=report).order_by("position").first()
    if section is None:
        raise BenchError("the bench report has no sections")
    original = section.body
    times = []
    pages = None
    try:
        for i in range(runs):
            marker = f"\n\nBench run {uuid.uuid4().hex[:8]}, request {i + 1}. {PARAGRAPH[:80]}"
            ReportSection.objects.filter(pk=section.pk).update(body=original + marker)
            started = time.perf_counter()
            with transaction.atomic():
                job = render_request(actor=world.lead, report=report)
            deadline = started + timeout_s
            while True:
                status, pages = RenderJob.objects.filter(pk=job.pk).values_list(
                    "status", "page_count"
                )[0]
                if status in (RenderStatus.DONE, RenderStatus.FAILED):
                    break
                if time.perf_counter() > deadline:
                    raise BenchError(f"render job {job.pk} still {status} after {timeout_s} s")
                time.sleep(0.01)
            if status != RenderStatus.DONE:
                raise BenchError(f"render job {job.pk} failed")
            times.append(time.perf_counter() - started)
            time.sleep(2)  # idle again before the next request
    finally:
        ReportSection.objects.filter(pk=section.pk).update(body=original)
    return Timing(statistics.median(times), times, pages)


# --------------------------------------------------------------------------- national


def national_compilation(world: World) -> dict[str, Any]:
    """The coordinator's aggregation (dashboard, theme counts, city x theme CSV rows) and
    the two renders the compilation's jobs run (national PDF and DOCX), timed in turn."""
    from reports import docx_export, pdf, printing, selectors
    from reports.services.rendering import NATIONAL_TEMPLATE

    cycle = world.national_cycle
    steps: dict[str, float] = {}
    result: dict[str, Any] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = fn()
        steps[name] = time.perf_counter() - started
        return value

    rows = timed("dashboard", lambda: selectors.national_dashboard(cycle=cycle))
    timed("theme_counts", lambda: selectors.national_theme_counts(cycle=cycle))
    csv_rows = timed("city_theme_csv_rows", lambda: selectors.national_city_theme_rows(cycle=cycle))
    document = timed(
        "national_document", lambda: printing.national_document(cycle=cycle, language="en")
    )
    rendered = timed(
        "national_pdf",
        lambda: pdf.render_pdf(printing.print_html(document, NATIONAL_TEMPLATE)),
    )
    docx = timed("national_docx", lambda: docx_export.national_docx(document))
    result["cities"] = len(rows)
    result["testimonies"] = sum(r.testimonies for r in rows)
    result["csv_rows"] = len(csv_rows)
    result["pdf_pages"] = rendered.page_count
    result["docx_bytes"] = len(docx)
    result["steps_s"] = {k: round(v, 2) for k, v in steps.items()}
    result["aggregation_s"] = round(
        steps["dashboard"] + steps["theme_counts"] + steps["city_theme_csv_rows"], 2
    )
    result["render_s"] = round(
        steps["national_document"] + steps["national_pdf"] + steps["national_docx"], 2
    )
    result["total_s"] = round(sum(steps.values()), 2)
    return result
