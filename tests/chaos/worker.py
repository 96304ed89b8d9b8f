"""A Celery worker for the chaos checks, with `reports.pdf.render_pdf` replaced (test-only;
the production code is unchanged).

    CHAOS_RENDER=slow    render_pdf sleeps CHAOS_RENDER_DELAY seconds (default 3) first,
                         so a check can kill the worker while a render is under way
    CHAOS_RENDER=poison  render_pdf ends the process at once (os._exit), like a crash in
                         a native library

Every call is appended to CHAOS_RENDER_LOG (when set) before it sleeps or dies, so a check
can count how many times a render really started.

    python -m tests.chaos.worker [celery worker options]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import django


def _record(mode: str) -> None:
    log = os.environ.get("CHAOS_RENDER_LOG")
    if log:
        with Path(log).open("a") as f:
            f.write(f"{mode} {os.getpid()} {time.time():.3f}\n")


def _patch() -> None:
    from reports import pdf

    mode = os.environ.get("CHAOS_RENDER", "")
    real = pdf.render_pdf

    def slow(html: str) -> Any:
        _record("slow")
        time.sleep(float(os.environ.get("CHAOS_RENDER_DELAY", "3")))
        return real(html)

    def poison(html: str) -> Any:
        _record("poison")
        os._exit(1)

    if mode == "slow":
        pdf.render_pdf = slow
    elif mode == "poison":
        pdf.render_pdf = poison
    elif mode:
        raise SystemExit(f"unknown CHAOS_RENDER {mode!r}")


def main() -> None:
    django.setup()
    _patch()
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", "-A", "upr_portal", "worker", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
