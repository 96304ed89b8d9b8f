"""Chaos checks (`make chaos`): real processes killed and restarted under real traffic.

Each check gets its own stack (see `tests.chaos.stack`) in its own folder, started from a
copy of one PostgreSQL data folder migrated and seeded once per run, and stopped whatever
happens. The pytest process's own settings and test database are not used.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.chaos.stack import PY, ROOT, Golden, Stack
from upr_portal.lib import devstack


@pytest.fixture(scope="session")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Golden]:
    """Migrate and seed once; every check starts from a copy of this data folder."""
    base = tmp_path_factory.mktemp("chaos-golden")
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
    shutil.rmtree(base / "pg", ignore_errors=True)


@pytest.fixture
def make_stack(golden: Golden, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """`make_stack(**env_overrides)`: PostgreSQL and Redis started, nothing else yet."""
    stacks: list[Stack] = []

    def _make(**overrides: str) -> Stack:
        stack = Stack(tmp_path / f"stack{len(stacks)}", golden, overrides=overrides)
        stacks.append(stack)
        stack.start_backing()
        return stack

    try:
        yield _make
    finally:
        for stack in stacks:
            # Shown by pytest only when the check failed.
            print(f"\nLogs in {stack.logs}\n{stack.log_tails()}")
            stack.close()
