"""`kill -9` the Celery worker (its whole process group) in the middle of a render, then
start a new one: the job ends `done` exactly once, with at most two attempts."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.chaos.helpers import audit_count, job, render_calls, request_render
from tests.chaos.stack import wait_until

pytestmark = pytest.mark.chaos


def test_a_worker_killed_mid_render_finishes_the_job_exactly_once(make_stack):
    stack = make_stack()
    stack.start_app(render="slow")  # render_pdf sleeps 3 s before it lays out the PDF
    first_worker = stack.worker

    job_id = request_render(stack)
    running = wait_until(
        lambda: (row := job(stack, job_id))["status"] == "running" and row,
        timeout=60,
        interval=0.1,
        what="the job to be running",
    )
    assert running["attempts"] == 1
    wait_until(lambda: len(render_calls(stack)) == 1, timeout=30, what="render_pdf to start")

    first_worker.kill_group(signal.SIGKILL)
    first_worker.popen.wait(10)
    wait_until(lambda: not first_worker.group_alive(), timeout=10, what="the pool child to die")
    killed_at = time.monotonic()
    assert job(stack, job_id)["status"] == "running"  # nobody is left to finish it

    stack.start_worker(render="slow")

    def finished() -> dict | None:
        # Beat sends the sweeper every minute; sending it every 3 s keeps the check short
        # without changing what the sweeper does.
        stack.send_task("reports.tasks.render_jobs_requeue")
        row = job(stack, job_id)
        return row if row["status"] in ("done", "failed") else None

    final = wait_until(finished, timeout=180, interval=3, what="the job to finish")
    recovered_in = time.monotonic() - killed_at
    path = (
        "the broker redelivered the killed task (visibility timeout)"
        if final["task_id"] == running["task_id"]
        else "the sweeper revived the running job and queued a new task"
    )
    assert final["status"] == "done", final
    assert final["attempts"] == 2, final
    assert len(render_calls(stack)) == 2  # the killed render and the one that finished
    reports_dir = stack.media / "reports" / stack.seed["city_uuid"]
    files = sorted(reports_dir.iterdir())
    assert [f.name for f in files] == [Path(final["file"]).name]
    assert files[0].read_bytes().startswith(b"%PDF")
    assert audit_count(stack, "report.render_requested") == 1
    assert audit_count(stack, "report.render_failed") == 0

    # The killed delivery may still wait in the broker's unacknowledged set; when it comes
    # back (here at once, in real life after the visibility timeout) it must change nothing.
    wait_until(
        lambda: stack.queue_depth()[0] == 0 and stack.queue_depth()[1] <= 1,
        timeout=30,
        what="the sweeps to be consumed",
    )
    leftover = stack.queue_depth()[1]
    stack.restore_unacked()
    wait_until(lambda: stack.queue_depth() == (0, 0), timeout=30, what="an empty queue")
    time.sleep(1)
    assert job(stack, job_id) == final
    assert sorted(reports_dir.iterdir()) == files
    assert len(render_calls(stack)) == 2
    print(
        f"\nkilled worker: job done {recovered_in:.1f} s after the kill, attempts "
        f"{final['attempts']}; finished by: {path}; late redeliveries replayed: {leftover}"
    )
