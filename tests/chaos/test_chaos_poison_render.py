"""A poison render (the worker process dies inside render_pdf) ends `failed` after
RENDER_MAX_ATTEMPTS, and is not delivered again and again."""

from __future__ import annotations

import time

import pytest

from tests.chaos.helpers import audit_count, job, render_calls, request_render
from tests.chaos.stack import wait_until

pytestmark = pytest.mark.chaos

MAX_ATTEMPTS = 2


def test_a_render_that_kills_its_process_fails_after_the_attempt_limit(make_stack):
    stack = make_stack(RENDER_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    stack.start_app(render="poison")
    worker = stack.worker
    started = time.monotonic()

    job_id = request_render(stack)
    final = wait_until(
        lambda: job(stack, job_id)["status"] == "failed" and job(stack, job_id),
        timeout=60,
        what="the poison job to fail",
    )
    took = time.monotonic() - started

    # The pool child died in render_pdf once per allowed attempt; the delivery after the
    # last one found the attempts used up and failed the job without rendering.
    assert len(render_calls(stack)) == MAX_ATTEMPTS
    assert final["attempts"] == MAX_ATTEMPTS + 1
    assert final["error"]
    assert final["file"] == ""
    assert audit_count(stack, "report.render_failed") == 1

    # No loop: for a while nothing changes, the sweeper leaves a failed job alone, and
    # the broker holds nothing for it.
    stack.send_task("reports.tasks.render_jobs_requeue")
    for _ in range(5):
        time.sleep(1)
        assert job(stack, job_id) == final
    assert len(render_calls(stack)) == MAX_ATTEMPTS
    wait_until(lambda: stack.queue_depth() == (0, 0), timeout=10, what="an empty queue")
    # The worker itself survived: its pool replaced the child that died.
    stack.check_alive(worker)
    print(f"poison render failed after {took:.1f} s, attempts={final['attempts']}")
