"""`make bench` (`python -m bench.run`): the portal's performance figures.

1. Starts PostgreSQL and Redis in `.data/bench/` (or uses DATABASE_URL / REDIS_URL, with
   a database of its own, `<name>_bench`, and Redis database 15), migrates, and seeds
   its own data (bench/seed.py; reused when a previous run finished seeding).
2. Counts each page's SQL queries at a small and a large size (Django's test client).
3. Serves the portal with gunicorn (2 sync workers, upr_portal.settings.bench) on a free
   port of 127.0.0.1, and drives it with wrk (bench/lua/load.lua): the public survey
   submit against a bare form-insert view, counting the rows stored against the answers;
   the organizer pages against a bare 20-row list; the public pages of issue #6.
4. Renders the 5-page local report and the 2-page summary in-process, as the worker does.
5. Starts a Celery worker and times request → PDF ready.
6. Times the national compilation over 200 cities x 2,000 testimonies.

It prints a table and writes bench/results/latest.json. Every phase has a time limit and
every process it starts is stopped, also on Ctrl-C or failure. The exit code is 0 when
every figure was measured, even if a goal was missed; 1 when the bench itself broke.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import os
import signal
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.load import LoadResult, ensure_wrk, run_wrk, write_headers
from bench.report import Row, machine, table, verdict, write_json
from upr_portal.lib.devstack import backing_services, compile_translations, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
SETTINGS = "upr_portal.settings.bench"
GUNICORN_WORKERS = 2
PHASES = ("queries", "load", "pdf", "worker", "national")


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


class BenchTimeout(Exception):
    pass


class Stop(Exception):
    """SIGTERM: stop like Ctrl-C."""


# --------------------------------------------------------------------------- processes


def _own_group_dying_with_parent() -> None:
    """Child set-up: its own process group (so it and its children are stopped together),
    and SIGTERM from the kernel if this process dies, even by SIGKILL (Linux)."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    """Every long-running process the bench starts, stopped as a group."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("wb") as out:
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_own_group_dying_with_parent,
            )
        self.running[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.running.pop(name, None)
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)
        # The leader may be gone while a child of its group lingers.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        log(f"stopped {name}")

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


# --------------------------------------------------------------------------- environment


def _external_database(url: str) -> str:
    """The bench's own database next to the one DATABASE_URL names (created if missing)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench_name = f"{name}_bench"
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [bench_name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{bench_name}"')
    log(f"using database {bench_name} next to DATABASE_URL's")
    return urlunsplit(parts._replace(path=f"/{bench_name}"))


def bench_env(services: dict[str, str], data_dir: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "MEDIA_ROOT": str(data_dir / "media"),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    if "DATABASE_URL" in services:
        env["DATABASE_URL"] = services["DATABASE_URL"]
    else:
        env["DATABASE_URL"] = _external_database(os.environ["DATABASE_URL"].strip())
    if "REDIS_URL" in services:
        env["REDIS_URL"] = services["REDIS_URL"]
    else:
        parts = urlsplit(os.environ["REDIS_URL"].strip())
        env["REDIS_URL"] = urlunsplit(parts._replace(path="/15"))
        log("using Redis database 15 of REDIS_URL's server")
    return env


# --------------------------------------------------------------------------- phases


class Bench:
    def __init__(self, args: argparse.Namespace, data_dir: Path, wrk: str | None) -> None:
        self.args = args
        self.data_dir = data_dir
        self.wrk = wrk
        self.procs = Processes(data_dir / "logs")
        self.raw: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.phase_seconds: dict[str, float] = {}

    def phase(self, name: str, fn: Callable[[], None], *, limit_s: int) -> None:
        """Run one phase under its own time limit; a broken phase is recorded, not fatal."""
        log(f"── {name}")
        started = time.monotonic()
        previous = signal.alarm(0)
        signal.alarm(limit_s)
        try:
            fn()
        except BenchTimeout:
            self.errors[name] = f"did not finish within {limit_s} s"
            log(f"{name}: did not finish within {limit_s} s")
        except (KeyboardInterrupt, Stop):
            raise
        except Exception as exc:
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            log(f"{name} broke:\n{traceback.format_exc()}")
        finally:
            signal.alarm(0)
            elapsed = time.monotonic() - started
            self.phase_seconds[name] = round(elapsed, 1)
            if previous:
                signal.alarm(max(1, previous - int(elapsed)))

    # ----------------------------------------------------------------------- setup

    def prepare(self) -> None:
        import django

        compile_translations()
        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench import seed

        call_command("migrate", verbosity=0, interactive=False)
        self.world = seed.seed_all()
        with connection.cursor() as cursor:
            # After 400,000 COPYed rows, vacuum now rather than in the middle of the load.
            cursor.execute("VACUUM ANALYZE consultations_testimony")
            cursor.execute("VACUUM ANALYZE consultations_testimony_themes")
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
            self.raw["postgresql"] = row[0] if row else "unknown"
        self.raw["seed"] = seed.seed_details()

    # ----------------------------------------------------------------------- query counts

    def queries(self) -> None:
        from bench.measure import query_counts

        self.raw["queries"] = query_counts(self.world)

    # ----------------------------------------------------------------------- HTTP load

    def http(self) -> None:
        if self.wrk is None:
            raise RuntimeError(
                "wrk is not installed (Debian/Ubuntu: sudo apt-get install wrk; macOS: "
                "brew install wrk); run make bench again once it is"
            )
        env = {**os.environ}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.procs.start(
            "gunicorn",
            [
                sys.executable, "-m", "gunicorn", "upr_portal.wsgi:application",
                "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{port}", "--timeout", "30", "--graceful-timeout", "5",
                "--log-level", "warning",
                # gunicorn 27 shares one control socket per user; a second bench (or the
                # chaos stacks) on the machine would collide with it.
                "--no-control-socket",
            ],
            env,
        )  # fmt: skip
        try:
            if not wait_for_port("127.0.0.1", port, 60):
                raise RuntimeError("gunicorn did not start; see .data/bench/logs/gunicorn.log")
            self._load(base)
        finally:
            self.procs.stop("gunicorn")

    def _warm(self, url: str, cookie: str = "", times: int = 6) -> None:
        for _ in range(times):
            request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    response.read()
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"warm-up of {url} answered {exc.code}") from exc

    def _load(self, base: str) -> None:
        from bench import bodies, measure
        from bench.bare.models import BareEntry
        from consultations.models import SurveyResponse

        wrk = self.wrk
        assert wrk is not None  # noqa: S101 — checked by http()
        work = self.data_dir / "load"
        work.mkdir(parents=True, exist_ok=True)
        world = self.world
        seconds, short = self.args.seconds, self.args.short_seconds
        conns = self.args.connections
        loads: dict[str, LoadResult] = {}

        # The public survey submit and the bare form insert: same headers, one CSRF pair.
        survey_url = base + measure.survey_url(world)
        bare_url = base + "/bench/bare/submit/"
        self._warm(survey_url)
        self._warm(bare_url)
        csrf = bodies.fetch_csrf(survey_url)
        post_headers = write_headers(
            work / "post.headers",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf.cookie}",
                "Origin": base,
            },
        )
        count = self.args.bodies
        log(f"writing {count:,} survey bodies, each with its own signed form token")
        survey_bodies = bodies.write_survey_bodies(world, csrf, work / "survey.bodies", count)
        bare_bodies = bodies.write_bare_bodies(csrf, work / "bare.bodies", count)

        def stored(counter: Callable[[], int]) -> int:
            """The row count once the requests still in the server have finished."""
            last, stable_since = counter(), time.monotonic()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                time.sleep(0.25)
                now = counter()
                if now != last:
                    last, stable_since = now, time.monotonic()
                elif time.monotonic() - stable_since >= 1.5:
                    break
            return last

        def survey_rows() -> int:
            return SurveyResponse.objects.filter(survey=world.survey).count()

        def bare_rows() -> int:
            return BareEntry.objects.count()

        for key, url, body_file, counter in (
            ("survey_submit", survey_url, survey_bodies, survey_rows),
            ("bare_submit", bare_url, bare_bodies, bare_rows),
        ):
            before = counter()
            result = run_wrk(
                wrk,
                label=key,
                url=url,
                headers_file=post_headers,
                bodies_file=body_file,
                connections=conns,
                seconds=seconds,
            )
            after = stored(counter)
            loads[key] = result
            self.raw[key] = {**result.as_dict(), "rows_stored": after - before}

        # Organizer pages against the bare list, with a logged-in organizer's session.
        client = measure.organizer_client(world)
        session = f"sessionid={client.cookies['sessionid'].value}"
        get_headers = write_headers(work / "organizer.headers", {"Cookie": session})
        public_headers = write_headers(work / "public.headers", {"Accept-Language": "en"})
        pages = (
            ("testimony_list", measure.testimony_list_url(world), get_headers),
            ("city_dashboard", measure.city_dashboard_url(world), get_headers),
            ("bare_list", "/bench/bare/list/", get_headers),
            ("recommendations_list", measure.recommendations_url(), public_headers),
            ("recommendations_search", measure.recommendations_url("housing"), public_headers),
            ("city_public_scorecard", measure.city_public_url(world.large.slug), public_headers),
        )
        for key, path, headers in pages:
            cookie = session if headers is get_headers else ""
            self._warm(base + path, cookie)
            result = run_wrk(
                wrk, label=key, url=base + path, headers_file=headers, connections=conns,
                seconds=short,
            )  # fmt: skip
            loads[key] = result
            self.raw[key] = result.as_dict()
        self.loads = loads

    # ----------------------------------------------------------------------- PDF

    def pdfs(self) -> None:
        from bench.measure import pdf_renders

        self.raw["pdf"] = {k: v.as_dict() for k, v in pdf_renders(self.world).items()}

    def request_pdf(self) -> None:
        from bench.measure import request_to_pdf
        from upr_portal.celery import app

        self.procs.start(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "upr_portal", "worker",
                "--loglevel", "WARNING", "--concurrency", "2", "--hostname", "bench@%h",
                "--without-mingle", "--without-gossip",
            ],
            {**os.environ},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while not app.control.ping(timeout=1.0):
                if time.monotonic() > deadline:
                    raise RuntimeError("the Celery worker did not start; see .data/bench/logs")
            time.sleep(5)  # idle: no task has run in this worker yet
            self.raw["request_to_pdf"] = request_to_pdf(self.world).as_dict()
        finally:
            self.procs.stop("worker")

    # ----------------------------------------------------------------------- national

    def national(self) -> None:
        from bench.measure import national_compilation

        self.raw["national"] = national_compilation(self.world)


# --------------------------------------------------------------------------- results


def _ms(v: float) -> str:
    return f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def figures(raw: dict[str, Any], args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    conns = args.connections

    def add(section: str, figure: str, measured: str, goal: str = "", ok: bool | None = None,
            value: float | int | None = None) -> None:  # fmt: skip
        rows.append(Row(section, figure, measured, goal, "" if ok is None else verdict(ok), value))

    s1 = "1. Public survey submit"
    survey, bare = raw.get("survey_submit"), raw.get("bare_submit")
    if survey and bare:
        ratio = survey["requests_per_s"] / bare["requests_per_s"] if bare["requests_per_s"] else 0
        lat = survey["latency_ms"]
        add(
            s1,
            f"Survey submit, {conns} connections, {args.seconds} s",
            f"{survey['requests_per_s']:.0f} req/s",
            value=survey["requests_per_s"],
        )
        add(
            s1,
            "Bare form + insert, same gunicorn",
            f"{bare['requests_per_s']:.0f} req/s",
            value=bare["requests_per_s"],
        )
        add(s1, "Survey / bare", f"{ratio * 100:.1f} %", "≥ 60 %", ratio >= 0.60, round(ratio, 3))
        add(s1, "Survey p50 latency", _ms(lat["p50"]), value=lat["p50"])
        add(s1, "Survey p99 latency", _ms(lat["p99"]), "≤ 50 ms", lat["p99"] <= 50, lat["p99"])
        bad = survey["non_success"] + survey["socket_errors"]
        add(s1, "Survey responses not 2xx/303 (+ socket errors)", f"{survey['non_success']} (+{survey['socket_errors']})", "0", bad == 0, bad)  # fmt: skip
        s5 = "5. Intake durability during (1)"
        ok_n, stored = survey["success"], survey["rows_stored"]
        cut = survey["sent"] - survey["requests"]
        equal = stored == ok_n + cut and 0 <= cut <= conns and survey["bodies_reused"] == 0
        add(s5, "Rows stored = 303 answers read + requests cut off at the stop", f"{stored} = {ok_n} + {cut}", "equal", equal, stored)  # fmt: skip
    s2 = "2. Organizer pages"
    bare_list = raw.get("bare_list")
    for key, name in (
        ("testimony_list", "Testimony list (50 of 1,000)"),
        ("city_dashboard", "City dashboard"),
    ):
        page = raw.get(key)
        if page and bare_list:
            ratio = (
                page["requests_per_s"] / bare_list["requests_per_s"]
                if bare_list["requests_per_s"]
                else 0
            )
            add(s2, f"{name}, {conns} connections, {args.short_seconds} s", f"{page['requests_per_s']:.0f} req/s, p99 {_ms(page['latency_ms']['p99'])}", value=page["requests_per_s"])  # fmt: skip
            add(s2, f"{name} / bare 20-row list", f"{ratio * 100:.1f} %", "≥ 50 %", ratio >= 0.50 and page["non_success"] == 0, round(ratio, 3))  # fmt: skip
    if bare_list:
        add(
            s2,
            "Bare 20-row list (logged in)",
            f"{bare_list['requests_per_s']:.0f} req/s",
            value=bare_list["requests_per_s"],
        )
    queries = raw.get("queries", {})
    for key, name in (("testimony_list", "Testimony list"), ("city_dashboard", "City dashboard")):
        q = queries.get(key)
        if q:
            add(s2, f"{name} queries at 10 / 1,000 testimonies", f"{q['queries_small']} / {q['queries_large']}", "equal", q["queries_small"] == q["queries_large"], q["queries_large"])  # fmt: skip
    s3 = "3. PDF"
    pdf = raw.get("pdf")
    if pdf:
        report, summary = pdf["report"], pdf["summary"]
        add(s3, f"Local report, warm, median of 5 ({report['pages']} pages)", f"{report['median_s']:.2f} s", "≤ 1.0 s", report["median_s"] <= 1.0, report["median_s"])  # fmt: skip
        add(s3, f"Summary, warm, median of 5 ({summary['pages']} pages)", f"{summary['median_s']:.2f} s", value=summary["median_s"])  # fmt: skip
    req = raw.get("request_to_pdf")
    if req:
        worst = max(req["runs_s"])
        add(s3, f"Request → PDF ready, idle worker (median of {len(req['runs_s'])}, worst)", f"{req['median_s']:.2f} s ({worst:.2f} s)", "≤ 3 s", worst <= 3.0, req["median_s"])  # fmt: skip
    s4 = "4. National compilation"
    nat = raw.get("national")
    if nat:
        steps = nat["steps_s"]
        add(s4, f"Aggregation: dashboard, theme counts, CSV ({nat['cities']} cities, {nat['testimonies']:,} testimonies)", f"{nat['aggregation_s']:.2f} s ({steps['dashboard']:.2f} + {steps['theme_counts']:.2f} + {steps['city_theme_csv_rows']:.2f})", value=nat["aggregation_s"])  # fmt: skip
        add(s4, f"Render: document, PDF ({nat['pdf_pages']} pages), DOCX", f"{nat['render_s']:.2f} s ({steps['national_document']:.2f} + {steps['national_pdf']:.2f} + {steps['national_docx']:.2f})", value=nat["render_s"])  # fmt: skip
        add(s4, "In all", f"{nat['total_s']:.2f} s", "≤ 30 s", nat["total_s"] <= 30, nat["total_s"])
    s6 = "Public pages (issue #6), no goal"
    for key, name in (
        ("recommendations_list", "UN recommendations list"),
        ("recommendations_search", "UN recommendations search (?q=housing)"),
        ("city_public_scorecard", "City public page with scorecard"),
    ):
        page = raw.get(key)
        q = queries.get(key)
        if page:
            add(s6, f"{name}, {conns} connections, {args.short_seconds} s", f"{page['requests_per_s']:.0f} req/s, p99 {_ms(page['latency_ms']['p99'])}", value=page["requests_per_s"])  # fmt: skip
        if q:
            unit = q.get("unit", "recommendations")
            add(s6, f"{name} queries at {q['rows_small']} / {q['rows_large']} {unit}", f"{q['queries_small']} / {q['queries_large']}", value=q["queries_large"])  # fmt: skip
    return rows


def conditions(
    raw: dict[str, Any], args: argparse.Namespace, started: datetime.datetime
) -> dict[str, Any]:
    import django
    import gunicorn

    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "postgresql": raw.get("postgresql"),
        "django": django.get_version(),
        "gunicorn": f"{gunicorn.__version__}, {GUNICORN_WORKERS} sync workers, settings {SETTINGS}",
        "load": f"wrk, {args.connections} connections, 1 thread; {args.seconds} s per form, {args.short_seconds} s per page",
        "database": "PostgreSQL on the same machine, persistent connections (CONN_MAX_AGE 600)",
        "note": "SURVEY_RATE_LIMIT raised in the bench settings so one load-generator address is not limited (the limiter's Redis round trip still runs)",
    }


# --------------------------------------------------------------------------- main


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise BenchTimeout


def _on_term(signum: int, frame: FrameType | None) -> None:
    raise Stop


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    # Also when started in the background by a shell, which leaves SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench", description="The portal's performance figures."
    )
    parser.add_argument("--seconds", type=int, default=20, help="each form load (default 20)")
    parser.add_argument("--short-seconds", type=int, default=10, help="each page load (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--bodies", type=int, default=40_000, help="distinct POST bodies per form")
    parser.add_argument(
        "--only",
        default=",".join(PHASES),
        help=f"comma-separated phases to run (default: all of {','.join(PHASES)})",
    )
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    if not only <= set(PHASES):
        parser.error(f"--only takes {', '.join(PHASES)}")

    started = datetime.datetime.now().astimezone()
    clock = time.monotonic()
    load_before = os.getloadavg()
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / ".data" / "bench")
    data_dir.mkdir(parents=True, exist_ok=True)
    with _signals():
        wrk = ensure_wrk()
        if wrk is None:
            log("wrk is missing and can't be installed here (not root, or no apt-get): the "
                "load figures will be left out. Install it: sudo apt-get install wrk")  # fmt: skip
        bench = Bench(args, data_dir, wrk)
        try:
            with backing_services(data_dir, persist=False) as services:
                os.environ.update(bench_env(services, data_dir))
                bench.phase("seed", bench.prepare, limit_s=300)
                if "seed" in bench.errors:
                    log("seeding broke; nothing to measure")
                    return 1
                plan: dict[str, tuple[str, Callable[[], None], int]] = {
                    "queries": ("query counts", bench.queries, 120),
                    "load": ("HTTP load", bench.http, 360),
                    "pdf": ("PDF renders", bench.pdfs, 120),
                    "worker": ("request → PDF", bench.request_pdf, 180),
                    "national": ("national compilation", bench.national, 180),
                }
                for key in PHASES:
                    if key in only:
                        name, fn, limit = plan[key]
                        bench.phase(name, fn, limit_s=limit)
                bench.procs.stop_all()
                from django.db import connections

                connections.close_all()  # before PostgreSQL stops
        except (KeyboardInterrupt, Stop):
            log("interrupted: stopping everything")
            return 130
        finally:
            bench.procs.stop_all()

    raw = {**bench.raw, "phase_seconds": bench.phase_seconds, "errors": bench.errors}
    rows = figures(raw, args)
    cond = conditions(raw, args, started)
    cond["total_seconds"] = round(time.monotonic() - clock, 1)
    cond["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    # A partial run (--only) leaves the last full run's figures in latest.json.
    results = RESULTS if only == set(PHASES) else RESULTS.with_name("partial.json")
    cond["phases"] = sorted(only)
    write_json(results, rows=rows, conditions=cond, raw=raw)
    m = cond["machine"]
    print()
    print(f"UPR Cities Portal — make bench, {cond['date']}")
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python {m['python']}; PostgreSQL {cond['postgresql']}; Django {cond['django']}")  # fmt: skip
    print(f"Server: gunicorn {cond['gunicorn']}. Load: {cond['load']}.")
    print(
        f"Load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {' '.join(f'{x:.2f}' for x in cond['load_average']['after'])} "
        "(other work on the machine lowers every figure)."
    )
    print(f"Note: {cond['note']}.")
    print()
    print(table(rows) if rows else "(no figures)")
    print()
    for name, error in bench.errors.items():
        print(f"BROKE — {name}: {error}")
    print(f"Took {cond['total_seconds']:.0f} s. JSON: {results.relative_to(ROOT)}")
    return 1 if bench.errors or wrk is None else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
