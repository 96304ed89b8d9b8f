"""Chaos checks (`make chaos`): real processes killed and restarted under real traffic.

Each check gets its own stack (see `tests.chaos.stack`) in its own folder, started from a
copy of one PostgreSQL data folder migrated and seeded once per run, and stopped whatever
happens. The pytest process's own settings and test database are not used.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.chaos.stack import PY, ROOT, Golden, Stack
from upr_portal.lib import devstack


def _scratch(prefix: str) -> Path:
    """A folder for PostgreSQL data, outside pytest's temp folder: every pytest run on the
    machine resets /tmp/pytest-of-<user> to 0700, which locks out the `pgserver` user
    PostgreSQL runs as under root. `make chaos` points MEDIA_ROOT into its own scratch
    folder, deleted when it ends."""
    media_root = os.environ.get("MEDIA_ROOT")
    parent = Path(media_root).parent if media_root else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


@pytest.fixture(scope="session")
def golden() -> Iterator[Golden]:
    """Migrate and seed once; every check starts from a copy of this data folder."""
    base = _scratch("chaos-golden-")
    # pgserver logs every pg_ctl call at INFO, and once more at exit, after pytest has
    # closed the streams it captured.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    secret_key = secrets.token_urlsafe(50)
    pg = devstack.EmbeddedPostgres(base / "pg")
    redis = devstack.EmbeddedRedis(base / "redis", persist=False)
    try:
        env = Stack(base, Golden(base / "pg", {}, secret_key)).env()
        env.update(DATABASE_URL=pg.start(), REDIS_URL=redis.start(), MEDIA_ROOT=str(base / "media"))
        for step in (
            [PY, "manage.py", "migrate", "--noinput"],
            [PY, "-m", "tests.chaos.seed"],
        ):
            done = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
                step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
            )
            assert done.returncode == 0, (
                f"{step} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )
        seed = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        redis.stop()
        pg.stop()
    yield Golden(base / "pg", seed, secret_key)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def make_stack(golden: Golden, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """`make_stack(**env_overrides)`: PostgreSQL and Redis started, nothing else yet."""
    stacks: list[Stack] = []

    def _make(**overrides: str) -> Stack:
        stack = Stack(_scratch("chaos-stack-"), golden, overrides=overrides)
        stacks.append(stack)
        stack.start_backing()
        return stack

    try:
        yield _make
    finally:
        for n, stack in enumerate(stacks):
            stack.close()
            kept = tmp_path / f"stack{n}-logs"
            if stack.logs.exists():
                shutil.copytree(stack.logs, kept, dirs_exist_ok=True)
            shutil.rmtree(stack.base, ignore_errors=True)
            # Shown by pytest only when the check failed.
            print(f"\nLogs kept in {kept}\n{stack.log_tails(kept)}")
