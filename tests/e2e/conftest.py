"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Everything a journey needs, for the journey modules in this folder (shared by
test_journey_*.py; keep changes additive):

- Marking: every test collected under tests/e2e gets the ``e2e`` marker
  (``pytest_collection_modifyitems`` below), so ``make test`` skips them and
  ``make e2e`` (``-m e2e tests/e2e``) runs them. Nothing to add in a module.
- ``browser`` (session): Chromium from Debian, ``/usr/bin/chromium``. If it is
  missing it is installed with apt-get when we are root, else the run fails with
  the command to type. Playwright never downloads a browser.
- ``live_server`` (pytest-django): the app on a free 127.0.0.1 port, in a thread
  of this process, with ``transactional_db`` (real commits, so on-commit tasks run
  eagerly in the server thread and ``django.core.mail.outbox`` is shared with the
  test). ``world``, ``seed_themes``, ``enrol_totp`` and tests/factories.py work as
  usual. Django ORM calls from the test are allowed while Playwright's event loop
  runs (``DJANGO_ALLOW_ASYNC_UNSAFE``, set only for the browser session).
- ``new_page(mobile=False, locale="en-US")``: a page in a fresh browser context
  (fresh cookies: a second person), 1280x900 or 360x740 when ``mobile=True``, with
  ``base_url`` set to the live server so ``page.goto("/path/")`` works. Console
  messages and page errors are captured: a "Refused to ... Content Security Policy"
  console error or an uncaught JS error fails the test (checked at every
  ``snap`` and again at teardown). Keep ``page.on(...)`` free for your own use.
- ``page``: ``new_page()`` for the common case.
- ``snap(page, label, *, axe_exceptions=None)``: call it on EVERY page a journey
  reaches (``visit`` calls it for you). It waits for the load, fails on CSP / JS
  errors, runs the axe-core scan (0 serious or critical violations) and saves a
  full-page screenshot to tests/e2e/artifacts/<test-name>/<nn>-<label>.png.
- ``visit(page, path, label)``: ``page.goto(path)`` + ``snap``; returns the response.
- ``check_a11y(page, label, exceptions=None)``: the axe scan alone. Exceptions are a
  ``{rule_id: justification}`` mapping; AXE_EXCEPTIONS holds the suite-wide ones
  (empty: add one only with a written reason a reviewer would accept). Moderate and
  minor violations, and what axe could not decide ("incomplete"), are written to
  artifacts/<test-name>/a11y-notes.txt for a person to review; console.log and
  timings.txt (seconds per screenshot and per scan) sit next to it.
- ``log_in(page, email, password=PASSWORD, totp_secret=None)``: through allauth's
  real log-in page (and its TOTP page when ``totp_secret`` is given).
- ``log_out(page)``: the "Log out" button in the header.
- ``enrol_totp_secret(user)``: like tests/conftest.py ``enrol_totp`` but returns the
  secret, so the browser can type codes. Users from ``world`` whose TOTP you need
  to type in the browser: call this on a user without an authenticator, or use
  ``replace_totp(user)`` for the coordinator and leads (``world`` already enrolled
  them with an unknown secret).
- ``totp_code(secret)``: the current code for a log-in, waiting for the next 30 s
  window if that code already logged someone in (allauth refuses a code twice);
  ``current_totp_code(secret)`` just computes it (enrolment doesn't use a code up).
- ``enrol_mfa_in_browser(page, password=PASSWORD)``: walks allauth's enrolment
  pages (re-enter password, read the secret shown on the page, type a code);
  returns the secret.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from accounts.models import User
from tests.factories import PASSWORD

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Suite-wide axe exceptions: rule id -> why it is acceptable. Keep it empty unless a
# violation is truly a false positive or out of our hands; say which in the reason.
AXE_EXCEPTIONS: dict[str, str] = {}


# --- marking -----------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``e2e`` before ``-m`` deselects anything."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


# --- the browser -------------------------------------------------------------------


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(  # noqa: S603 — fixed apt-get arguments
        ["apt-get", *args],  # noqa: S607 — apt-get from PATH, as an admin would type it
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def ensure_chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing and we are root."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    how = "sudo apt-get install chromium   (Debian's package; Playwright's download is not used)"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(f"{CHROMIUM} is missing and this is not a root Debian shell. Install it: {how}")
    install = ("install", "-y", "--no-install-recommends", "chromium")
    result = _apt_get(*install)
    if result.returncode != 0:  # a stale package list: refresh it once
        _apt_get("update")
        result = _apt_get(*install)
    if result.returncode != 0 or not Path(CHROMIUM).exists():
        pytest.fail(f"apt-get could not install chromium:\n{result.stderr[-2000:]}\nTry: {how}")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run (each test gets fresh contexts)."""
    executable = ensure_chromium()
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make e2e` (npm ci --prefix tests/e2e).")
    # Playwright's sync API keeps an event loop in this thread; Django would take the
    # test's ORM calls for calls from async code. Allowed only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- pages, with console and error capture -----------------------------------------


@dataclass
class PageLog:
    """What the browser said while a test ran."""

    console: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checked: int = 0  # failures[:checked] were already reported

    def on_console(self, message: ConsoleMessage) -> None:
        line = f"[{message.type}] {message.text} ({message.location.get('url', '')})"
        self.console.append(line)
        if message.type == "error" and (
            "Content Security Policy" in message.text or "Refused to" in message.text
        ):
            self.failures.append(f"CSP violation: {line}")

    def on_page_error(self, error: Exception) -> None:
        self.failures.append(f"Uncaught JS error: {error}")

    def raise_new(self) -> None:
        new = self.failures[self.checked :]
        self.checked = len(self.failures)
        if new:
            pytest.fail("The browser reported:\n" + "\n".join(new), pytrace=False)


@dataclass
class Journey:
    """Per-test state: the artifacts folder, screenshot numbering and page logs."""

    name: str
    folder: Path
    count: int = 0
    logs: dict[int, PageLog] = field(default_factory=dict)
    a11y_notes: list[str] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)

    def log_for(self, page: Page) -> PageLog:
        return self.logs.setdefault(id(page.context), PageLog())


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120] or "page"


@pytest.fixture
def journey(request: pytest.FixtureRequest) -> Iterator[Journey]:
    folder = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    state = Journey(name=request.node.name, folder=folder)
    yield state
    lines = [line for log in state.logs.values() for line in log.console]
    (folder / "console.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "a11y-notes.txt").write_text("\n".join(state.a11y_notes) + "\n", encoding="utf-8")
    (folder / "timings.txt").write_text("\n".join(state.timings) + "\n", encoding="utf-8")


@pytest.fixture
def new_page(browser: Browser, live_server: Any, journey: Journey) -> Iterator[Callable[..., Page]]:
    """Factory: ``new_page(mobile=False, locale="en-US")`` -> a page in a fresh context."""
    contexts = []

    def _new_page(*, mobile: bool = False, locale: str = "en-US") -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=MOBILE if mobile else DESKTOP,
            is_mobile=mobile,
            has_touch=mobile,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        log = journey.logs.setdefault(id(context), PageLog())
        context.on("console", log.on_console)
        context.on("weberror", lambda web_error: log.on_page_error(web_error.error))
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()
    for log in journey.logs.values():
        log.raise_new()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop (1280x900) English page, logged out."""
    return new_page()


# --- accessibility ------------------------------------------------------------------


def _describe(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(str(t) for t in node["target"]) for node in violation["nodes"][:8])
    return (
        f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"  {violation['helpUrl']}\n  on: {targets}"
    )


def check_a11y(
    page: Page,
    label: str = "",
    exceptions: dict[str, str] | None = None,
    journey: Journey | None = None,
) -> None:
    """Run axe-core in the page; fail on any serious or critical violation.

    axe is injected with ``page.evaluate`` (the page's strict CSP stays enforced and
    would refuse a script tag). ``exceptions`` maps rule ids to the reason they are
    tolerated on this page; AXE_EXCEPTIONS applies everywhere.
    """
    allowed = {**AXE_EXCEPTIONS, **(exceptions or {})}
    for rule, reason in allowed.items():
        assert reason.strip(), f"axe exception {rule!r} needs a written justification"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        # resultTypes: only violations and undecided checks carry node details (faster).
        "async (tags) => JSON.stringify(await axe.run(document,"
        " {runOnly: tags, resultTypes: ['violations', 'incomplete']}))",
        AXE_TAGS,
    )
    report = json.loads(results)
    violations = report["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS and v["id"] not in allowed]
    if journey is not None:
        journey.a11y_notes.extend(
            f"{label} {page.url}\n{_describe(v)}"
            for v in violations
            if v["impact"] not in BLOCKING_IMPACTS
        )
        # What axe could not decide (e.g. contrast over Bootstrap's select caret image):
        # listed for a person to look at, not failed.
        journey.a11y_notes.extend(
            f"{label} {page.url} NEEDS REVIEW\n{_describe(v)}" for v in report["incomplete"]
        )
    if blocking:
        pytest.fail(
            f"axe: {len(blocking)} serious/critical violation(s) on {label or page.url} "
            f"({page.url}):\n" + "\n".join(_describe(v) for v in blocking),
            pytrace=False,
        )


@pytest.fixture
def snap(journey: Journey) -> Callable[..., None]:
    """``snap(page, label, *, axe_exceptions=None)``: check and photograph the page."""

    def _snap(page: Page, label: str, *, axe_exceptions: dict[str, str] | None = None) -> None:
        started = time.monotonic()
        page.wait_for_load_state("load")
        journey.log_for(page).raise_new()
        journey.count += 1
        path = journey.folder / f"{journey.count:02d}-{_slug(label)}.png"
        # caret="initial": Playwright's default hides the caret with an inline style and
        # leaves `style=""` on inputs, which htmx copies onto swapped elements and the
        # strict CSP then reports as an inline style.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        shot = time.monotonic()
        check_a11y(page, label, axe_exceptions, journey)
        journey.log_for(page).raise_new()
        journey.timings.append(
            f"{path.name}: screenshot {shot - started:.2f}s, axe {time.monotonic() - shot:.2f}s"
        )

    return _snap


@pytest.fixture
def visit(snap: Callable[..., None]) -> Callable[..., Response | None]:
    """``visit(page, path, label, *, expect_status=200, axe_exceptions=None)``."""

    def _visit(
        page: Page,
        path: str,
        label: str,
        *,
        expect_status: int | None = 200,
        axe_exceptions: dict[str, str] | None = None,
    ) -> Response | None:
        response = page.goto(path)
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"{path}: HTTP {response.status if response else None}"
            )
        snap(page, label, axe_exceptions=axe_exceptions)
        return response

    return _visit


# --- logging in, MFA ----------------------------------------------------------------

_used_codes: set[tuple[str, int]] = set()


def _settle_window() -> None:
    """Wait out the last 2 s of a 30 s window: a code typed then could reach the server
    in the next window, where allauth (no tolerance) refuses it."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.1)


def current_totp_code(secret: str) -> str:
    """The current TOTP code, as an authenticator app shows it (nothing recorded)."""
    _settle_window()
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def totp_code(secret: str) -> str:
    """The current TOTP code for logging in; waits for the next window if this one was
    already used to log in (allauth refuses a code twice). Enrolment doesn't use a code
    up, so ``enrol_mfa_in_browser`` types ``current_totp_code`` instead."""
    _settle_window()
    counter = int(time.time()) // 30
    if (secret, counter) in _used_codes:
        time.sleep(30 - time.time() % 30 + 0.2)
        counter = int(time.time()) // 30
    _used_codes.add((secret, counter))
    return format_hotp_value(hotp_value(secret, counter))


def enrol_totp_secret(user: User) -> str:
    """Give ``user`` a TOTP authenticator and return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def replace_totp(user: User) -> str:
    """Swap the user's authenticator (e.g. from ``world``) for one whose secret we know."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return enrol_totp_secret(user)


def log_in(
    page: Page,
    email: str,
    password: str = PASSWORD,
    *,
    totp_secret: str | None = None,
    snap: Callable[..., None] | None = None,
) -> None:
    """Log in through allauth's pages, typing like a person; snaps each page if asked."""
    page.goto("/accounts/login/")
    if snap:
        snap(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    # expect_navigation: "load" alone can be the old page's, before the POST navigates.
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    if totp_secret is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        if snap:
            snap(page, "login-totp")
        page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(totp_secret))
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("sign in|log in|verify", re.I)).click()
    if "/accounts/login/" in page.url or "/accounts/2fa/authenticate/" in page.url:
        pytest.fail(f"log-in as {email} did not go through; still on {page.url}")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state("load")


def enrol_mfa_in_browser(
    page: Page, password: str = PASSWORD, snap: Callable[..., None] | None = None
) -> str:
    """Walk allauth's TOTP enrolment from wherever the portal sent the user.

    Re-enters the password if asked, reads the secret the page shows, types a code.
    """
    if "/accounts/2fa/totp/activate/" not in page.url:
        page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        if snap:
            snap(page, "mfa-reauthenticate")
        page.get_by_label("Password").fill(password)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    if snap:
        snap(page, "mfa-activate")
    secret = page.get_by_label(re.compile("secret", re.IGNORECASE)).input_value().strip()
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(current_totp_code(secret))
    page.get_by_role("button", name=re.compile("activate", re.IGNORECASE)).click()
    page.wait_for_load_state("load")
    assert "/accounts/2fa/totp/activate/" not in page.url, "the code was refused"
    return secret
