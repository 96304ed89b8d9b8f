"""PostgreSQL restarts (cleanly, then as after a crash) during a burst of submissions. Clients get 503s with Retry-After
(never a 500, never a traceback), and each one's submission is stored exactly once and
whole, although they send the same form again after every 503 or dropped connection."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.chaos.helpers import (
    logged_testimony_rows,
    new_testimony_data,
    new_testimony_path,
    survey_answers_complete,
    survey_path,
    survey_post_data,
    survey_rows,
)
from tests.chaos.stack import Browser, Response, Stack

pytestmark = pytest.mark.chaos

RESIDENTS = 6  # threads answering the survey
ORGANIZERS = 2  # threads logging testimony
DOWN_FOR = 3.0  # seconds PostgreSQL stays stopped, each time
GIVE_UP_AFTER = 60.0  # a client stops retrying one submission after this long
RETRY_PAUSE = 0.3


@dataclass
class Client:
    """One thread's record: every status it saw, and each submission's outcome."""

    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)  # markers answered with a redirect
    gave_up: list[str] = field(default_factory=list)
    retried_posts: int = 0

    def send(self, call: Callable[[], Response], ok: set[int]) -> Response | None:
        """One request, retried while the answer is a 503 or the connection fails.
        Returns the answer in `ok`, or None when it gave up."""
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            try:
                response = call()
            except (OSError, http.client.HTTPException) as exc:
                self.connection_errors[type(exc).__name__] += 1
                time.sleep(RETRY_PAUSE)
                continue
            self.statuses[response.status] += 1
            if "Traceback" in response.text or response.status not in ok | {503}:
                self.unexpected.append(f"{response.status}: {response.text[:300]!r}")
            if response.status == 503:
                if response.headers.get("retry-after") != "5":
                    self.unexpected.append(f"503 without Retry-After: {response.headers}")
                time.sleep(RETRY_PAUSE)
                continue
            return response if response.status in ok else None
        return None

    def submit(
        self, get_form: Callable[[], Response], post: Callable[[Response], Response], marker: str
    ) -> None:
        """Load a form, then send it until it is accepted: always the same form, so the
        same submission id."""
        page = self.send(get_form, {200})
        if page is None:
            self.gave_up.append(marker)
            return
        attempts = 0

        def once() -> Response:
            nonlocal attempts
            attempts += 1
            return post(page)

        answer = self.send(once, {302, 303})
        self.retried_posts += attempts - 1
        (self.saved if answer is not None else self.gave_up).append(marker)


def _resident(stack: Stack, client: Client, stop: threading.Event) -> None:
    browser = Browser(stack.url)
    n = 0
    while not stop.is_set():
        n += 1
        marker = f"{client.name} answer {n}"
        client.submit(
            lambda: browser.get(survey_path(stack)),
            lambda page, marker=marker: browser.post(
                survey_path(stack), survey_post_data(stack, page, marker)
            ),
            marker,
        )


def _organizer(stack: Stack, client: Client, stop: threading.Event) -> None:
    browser = stack.browser("organizer")
    n = 0
    while not stop.is_set():
        n += 1
        marker = f"{client.name} testimony {n}"
        client.submit(
            lambda: browser.get(new_testimony_path(stack)),
            lambda page, marker=marker: browser.post(
                new_testimony_path(stack), new_testimony_data(page, stack, marker)
            ),
            marker,
        )


def _guarded(target: Callable[..., None], client: Client, *args: Any) -> None:
    try:
        target(*args)
    except Exception as exc:  # a bug in the check itself must fail it, not vanish
        client.unexpected.append(f"client crashed: {exc!r}")


def test_a_postgres_restart_during_a_burst_gives_503s_and_loses_or_doubles_nothing(make_stack):
    stack = make_stack()
    stack.start_app(render="")
    assert stack.pg is not None
    stop = threading.Event()
    residents = [Client(f"resident-{i}") for i in range(RESIDENTS)]
    organizers = [Client(f"organizer-{i}") for i in range(ORGANIZERS)]
    threads = [
        threading.Thread(target=_guarded, args=(_resident, c, stack, c, stop)) for c in residents
    ] + [
        threading.Thread(target=_guarded, args=(_organizer, c, stack, c, stop)) for c in organizers
    ]
    for thread in threads:
        thread.start()
    outages: list[tuple[str, float, float]] = []
    try:
        # Once a clean stop (sessions ended), once a crash (no shutdown checkpoint, so
        # PostgreSQL recovers from its WAL on the way back up).
        for mode in ("fast", "immediate"):
            time.sleep(2)  # the burst is under way
            stopped_at = time.monotonic()
            stack.pg.restart(down_for=DOWN_FOR, mode=mode)
            outages.append((mode, stopped_at, time.monotonic()))
        time.sleep(3)  # and goes on after the restarts
    finally:
        stop.set()
        for thread in threads:
            thread.join(GIVE_UP_AFTER * 2 + 10)
    assert not any(thread.is_alive() for thread in threads)

    clients = residents + organizers
    problems = [f"{c.name}: {u}" for c in clients for u in c.unexpected]
    assert not problems, "\n".join(problems[:20])
    assert not [m for c in clients for m in c.gave_up]
    statuses = sum((c.statuses for c in clients), Counter())
    assert statuses[503] > 0, f"the restart was not seen by any client: {statuses}"
    assert statuses[500] == 0

    # Every submission a client sent (however many times) is stored once, and whole.
    for client in residents:
        for marker in client.saved:
            rows = survey_rows(stack, marker)
            assert len(rows) == 1, (marker, rows)
            assert survey_answers_complete(stack, rows[0]["answers"], marker), rows
    for client in organizers:
        for marker in client.saved:
            rows = logged_testimony_rows(stack, marker)
            assert len(rows) == 1, (marker, rows)
            assert rows[0]["themes"] == 1 and rows[0]["audits"] == 1, rows
    surveys = sum(len(c.saved) for c in residents)
    testimonies = sum(len(c.saved) for c in organizers)
    # ... and nothing else was stored.
    assert stack.one("SELECT count(*) FROM consultations_surveyresponse") == surveys
    assert stack.one("SELECT count(*) FROM consultations_testimony") == testimonies

    errors = sum((c.connection_errors for c in clients), Counter())
    print(
        f"\nPostgreSQL restart ({DOWN_FOR:g} s down): {surveys} survey responses and "
        f"{testimonies} testimonies saved once each; statuses {dict(statuses)}; "
        f"connection errors {dict(errors)}; POSTs sent again: "
        f"{sum(c.retried_posts for c in clients)}; outages (stop begun → up again): "
        + ", ".join(f"{mode} {back - stop:.1f} s" for mode, stop, back in outages)
    )
