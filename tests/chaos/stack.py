"""The chaos checks' stack: real processes, an HTTP client, and direct database reads.

Each check gets its own stack in its own folder: embedded PostgreSQL (a copy of a data
folder migrated and seeded once per run), embedded Redis, the web app under gunicorn with
DEBUG off, and a Celery worker started through `tests.chaos.worker` (which can make renders
slow or poisonous). The test talks to it over HTTP and reads PostgreSQL directly, and stops
every process it started, whatever happens.

The pytest process's own settings (test settings, test database) are not used here.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg
import pytest

from upr_portal.lib import devstack

ROOT = devstack.ROOT
PY = sys.executable

# The smallest limits the settings accept: the broker's visibility timeout is then
# max(CELERY_TASK_TIME_LIMIT, RENDER_TIME_LIMIT) * 4 = 40 s, and the render sweeper
# revives a running job RENDER_TIME_LIMIT + 60 = 70 s after it started.
BASE_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_BACKEND": "file",
    "SURVEY_MIN_FILL_SECONDS": "0",
    "SURVEY_RATE_LIMIT": "100000",
    "RENDER_TIME_LIMIT": "10",
    "CELERY_TASK_TIME_LIMIT": "10",
    "RENDER_MAX_ATTEMPTS": "3",
    "QUEUED_WORK_REQUEUE_AFTER": "1",
    "LOG_LEVEL": "INFO",
    "PYTHONUNBUFFERED": "1",
}
# Settings the stack's processes use: the shared base (everything from the environment,
# DEBUG off, so no traceback page can be served). Not production.py: that one insists on
# HTTPS and SMTP.
SETTINGS = "upr_portal.settings.base"


def wait_until(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = ""
) -> Any:
    """Poll until `predicate()` is truthy; return its value, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(interval)


# --------------------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def hidden(self, name: str) -> str:
        """The value of the form input called `name` on this page."""
        tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', self.text)
        value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
        if value is None:
            raise AssertionError(f"no input {name!r} on the page (status {self.status})")
        return html.unescape(value.group(1))


class Browser:
    """A tiny HTTP client with its own cookies; one new connection per request, no
    redirects followed. Connection failures raise OSError or http.client.HTTPException."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.cookies: dict[str, str] = dict(cookies or {})

    def request(
        self, method: str, path: str, data: dict[str, Any] | None = None, timeout: float = 20
    ) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "chaos-check"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
            for header in raw.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def post_form(self, path: str, data: dict[str, Any], *, form_path: str = "") -> Response:
        """GET the page with the form (for the CSRF token), then POST to `path`."""
        page = self.get(form_path or path)
        assert page.status == 200, (page.status, page.text[:500])
        return self.post(path, {"csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"), **data})


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def group_alive(self) -> list[int]:
        """Pids still running in this process's group (zombies don't count)."""
        import psutil

        pids = []
        for proc in psutil.process_iter(["pid", "status"]):
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                if (
                    os.getpgid(proc.pid) == self.popen.pid
                    and proc.info["status"] != psutil.STATUS_ZOMBIE
                ):
                    pids.append(proc.pid)
        return pids

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the worker and its pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 3.0) -> None:
        """SIGTERM to the main process (gunicorn's arbiter, the worker's MainProcess stop
        their children), then SIGKILL to whatever is left in the group."""
        if self.alive():
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        self.kill_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)


def _spawn(name: str, command: list[str], env: dict[str, str], logs: Path) -> Proc:
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        # Its own session (so the group can be killed at once), and the kernel ends it if
        # this test process dies.
        popen = subprocess.Popen(  # noqa: S603 — our own interpreter, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=devstack._new_session_dying_with_parent,
        )
    return Proc(name, popen, log)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Golden:
    """A migrated, seeded, stopped PostgreSQL data folder, copied for each check."""

    pgdata: Path
    seed: dict[str, Any]
    secret_key: str


@dataclass
class Stack:
    """One check's processes. Start pieces with the start_* methods; `close()` stops all."""

    base: Path
    golden: Golden
    overrides: dict[str, str] = field(default_factory=dict)
    pg: devstack.EmbeddedPostgres | None = None
    redis: devstack.EmbeddedRedis | None = None
    database_url: str = ""
    redis_url: str = ""
    port: int = 0
    procs: list[Proc] = field(default_factory=list)
    web: Proc | None = None
    worker: Proc | None = None
    _workers_started: int = 0

    @property
    def seed(self) -> dict[str, Any]:
        return self.golden.seed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def media(self) -> Path:
        return self.base / "media"

    @property
    def mail(self) -> Path:
        return self.base / "mail"

    @property
    def render_log(self) -> Path:
        return self.logs / "render-calls.log"

    # ---- start

    def start_backing(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        pgdata = self.base / "pg"
        # cp -a keeps the owner: as root, pgserver runs PostgreSQL as its own user.
        subprocess.run(  # noqa: S603
            ["cp", "-a", str(self.golden.pgdata), str(pgdata)],  # noqa: S607
            check=True,
        )
        self.pg = devstack.EmbeddedPostgres(pgdata)
        self.database_url = self.pg.start()
        # Persisted (AOF) like `make run`: what was queued survives a Redis restart.
        self.redis = devstack.EmbeddedRedis(self.base / "redis", persist=True)
        self.redis_url = self.redis.start()

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO_", "CELERY_", "RENDER_"))
        }
        env.update(BASE_ENV)
        env.update(
            DJANGO_SETTINGS_MODULE=SETTINGS,
            SECRET_KEY=self.golden.secret_key,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            MEDIA_ROOT=str(self.media),
            EMAIL_FILE_PATH=str(self.mail),
            SITE_URL=self.url if self.port else "http://127.0.0.1:8000",
            CHAOS_RENDER_LOG=str(self.render_log),
        )
        env.update(self.overrides)
        env.update(extra)
        return env

    def start_app(self, render: str = "slow") -> None:
        """The web app and a worker, started side by side, then waited for."""
        self.start_web(wait=False)
        self.start_worker(render, wait=False)
        self.wait_web()
        self.wait_worker(self.worker)

    def start_web(self, *, wait: bool = True) -> None:
        self.port = devstack.free_port()
        command = [
            PY, "-m", "gunicorn", "upr_portal.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", "2", "--timeout", "30", "--graceful-timeout", "3",
            "--access-logfile", "-", "--error-logfile", "-",
            # Its own, or parallel gunicorns (make bench) share ~/.gunicorn/gunicorn.ctl.
            "--no-control-socket",
        ]  # fmt: skip
        self.web = _spawn("web", command, self.env(), self.logs)
        self.procs.append(self.web)
        if wait:
            self.wait_web()

    def wait_web(self) -> None:
        def up() -> bool:
            self.check_alive(self.web)
            try:
                return Browser(self.url).get("/healthz", timeout=3).status == 200
            except (OSError, http.client.HTTPException):
                return False

        wait_until(up, timeout=120, what="gunicorn to answer /healthz")

    def start_worker(self, render: str = "slow", *, wait: bool = True, **extra: str) -> Proc:
        """A worker (concurrency 1) whose renders are `slow` or `poison` (tests.chaos.worker)."""
        self._workers_started += 1
        name = f"worker{self._workers_started}"
        command = [
            PY, "-m", "tests.chaos.worker",
            "--loglevel", "INFO", "--concurrency", "1",
            "--hostname", f"chaos-{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.worker = _spawn(name, command, self.env(CHAOS_RENDER=render, **extra), self.logs)
        self.procs.append(self.worker)
        if wait:
            self.wait_worker(self.worker)
        return self.worker

    def wait_worker(self, worker: Proc | None) -> None:
        assert worker is not None

        def ready() -> bool:
            self.check_alive(worker)
            return " ready." in worker.log.read_text(errors="replace")

        wait_until(ready, timeout=120, what=f"{worker.name} to be ready")

    def check_alive(self, proc: Proc | None) -> None:
        if proc is not None and not proc.alive():
            pytest.fail(f"{proc.name} exited with {proc.popen.returncode}:\n{_tail(proc.log)}")

    # ---- talk to it

    def browser(self, session: str | None = None) -> Browser:
        cookies = {"sessionid": self.seed[f"{session}_session"]} if session else None
        return Browser(self.url, cookies)

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        assert self.pg is not None and self.pg.socket_dir is not None
        with psycopg.connect(
            host=self.pg.socket_dir, user="postgres", dbname=devstack.DB_NAME, connect_timeout=5
        ) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.sql(query, params)
        assert len(rows) == 1, rows
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def send_task(self, name: str) -> None:
        """Publish a task by name on the stack's broker, as beat would (`celery call`)."""
        from celery import Celery

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            app = Celery("chaos-caller", broker=self.redis_url, set_as_current=False)
            try:
                app.send_task(name)
            finally:
                app.close()

    def restore_unacked(self) -> None:
        """Put every delivered-but-unacknowledged message back on its queue now, as the
        Redis transport does once the visibility timeout has passed (a worker only looks
        for them at start-up and then about every 100 s)."""
        from kombu import Connection

        with (
            warnings.catch_warnings(),
            Connection(self.redis_url, transport_options={"visibility_timeout": 0}) as conn,
        ):
            warnings.simplefilter("ignore")
            conn.default_channel.qos.restore_visible(num=1000, interval=1)

    def queue_depth(self) -> tuple[int, int]:
        """(messages waiting in the default queue, messages delivered but not acked)."""
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            return int(client.llen("celery")), int(client.hlen("unacked"))  # type: ignore[arg-type]
        finally:
            client.close()

    # ---- stop

    def log_tails(self, logs: Path | None = None) -> str:
        """The end of each process's log (from `logs`, when they were copied there)."""
        folder = logs or self.logs
        parts = [f"--- {p.name} ---\n{_tail(folder / p.log.name)}" for p in self.procs]
        if self.pg is not None:
            parts.append(f"--- postgres ---\n{_tail(folder / 'postgres.log', 15)}")
        return "\n".join(parts)

    def close(self) -> None:
        # All at once: SIGTERM every main process, give them 3 s together, then SIGKILL
        # whatever is left in each group.
        for proc in self.procs:
            if proc.alive():
                proc.popen.terminate()
        deadline = time.monotonic() + 3
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(max(0.0, deadline - time.monotonic()))
        for proc in self.procs:
            proc.stop(grace=0)
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None:
            self.pg.stop()
            with contextlib.suppress(OSError):
                shutil.copyfile(self.pg.pgdata / "log", self.logs / "postgres.log")
