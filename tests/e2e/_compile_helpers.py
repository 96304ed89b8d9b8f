"""Helpers shared by the compile and clamor journeys (lead, official, national, clamor).

They add to tests/e2e/conftest.py, never replace it:

- ``demo_world(reports=..., accountability=...)``: the demo data of ``make run``
  (``seed_demo``), on the live server's database, which the previous transactional test
  flushed (the migration-seeded themes with it, so they are put back first).
- ``demo_log_in(page, local, ...)``: a demo account through the real log-in page. Leads
  and coordinators must use two-factor authentication, so they get an authenticator
  whose secret the browser then types a code from.
- ``download(page, locator)``: click a link as a person would and keep what the browser
  downloaded (``page.expect_download``); ``fetch(page, url)``: the same URL with the
  page's session (``page.request``), for its headers.
- ``assert_pdf`` / ``assert_docx`` / ``pdf_text``: what a downloaded file must be.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from unittest.mock import patch

import pypdf
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from tests.conftest import seed_themes
from tests.e2e.conftest import replace_totp, totp_code
from upr_portal.lib.demo import DEMO_DOMAIN, DEMO_PASSWORD

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Demo accounts that must use two-factor authentication to open /app/.
NEEDS_MFA = {"coordinator", "lead", "mesa-lead", "cedar-lead"}


def demo_world(*, reports: bool = True, accountability: bool = True) -> None:
    """The demo data of ``make run``: the cycle, the cities, their teams and evidence;
    with ``reports``, Mesa Verde's submitted summary (two PDF renders); with
    ``accountability``, the past cycles 1 and 3, the 2020 UN recommendations and Mesa
    Verde's action plan. The last two are optional only to keep the journeys fast (the
    recommendations import alone takes several seconds): a journey leaves out what it
    doesn't look at."""
    seed_themes()
    with ExitStack() as stack:
        if not reports:
            stack.enter_context(patch("reports.demo.seed_reports", _skip))
        if not accountability:
            stack.enter_context(patch("accountability.demo.seed_accountability", _skip))
        call_command("seed_demo", verbosity=0)


def _skip(**_kwargs: object) -> None:
    return None


def demo_user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def demo_log_in(page: Page, local: str, *, snap: Callable[..., None] | None = None) -> User:
    """Log in as a demo person (``lead``, ``organizer``, ``coordinator``...), typing the
    password and, for leads and coordinators, a TOTP code."""
    user = demo_user(local)
    secret = replace_totp(user) if local in NEEDS_MFA else None
    page.goto("/accounts/login/")
    if snap:
        snap(page, "login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    # Wait for the navigation the click starts, not only for the page already loaded.
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    if secret is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        if snap:
            snap(page, "login-totp")
        page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(secret))
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("sign in|log in|verify", re.I)).click()
    assert "/accounts/" not in page.url, f"log-in as {user.email} stopped at {page.url}"
    return user


@dataclass
class Downloaded:
    filename: str
    content: bytes


def download(page: Page, link: Locator) -> Downloaded:
    """Click ``link`` and return the file the browser saved."""
    with page.expect_download() as info:
        link.click()
    done = info.value
    failure = done.failure()
    assert failure is None, f"the download failed: {failure}"
    path = done.path()
    return Downloaded(filename=done.suggested_filename, content=path.read_bytes())


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    content: bytes


def fetch(page: Page, url: str) -> Fetched:
    """GET ``url`` with the page's cookies (its session, or none when logged out)."""
    response = page.request.get(url)
    return Fetched(status=response.status, headers=response.headers, content=response.body())


def href(link: Locator) -> str:
    value = link.get_attribute("href")
    assert value, "the link has no address"
    return value


def pdf_text(content: bytes) -> tuple[int, str]:
    """The page count and the text (whitespace collapsed) of a PDF."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def assert_pdf(content: bytes) -> tuple[int, str]:
    assert content.startswith(b"%PDF-"), content[:16]
    pages, text = pdf_text(content)
    assert pages >= 1
    return pages, text


def assert_docx(content: bytes) -> str:
    """A Word file is a zip with the document part; returns its text (tags stripped)."""
    assert content.startswith(b"PK\x03\x04"), content[:16]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "word/document.xml" in archive.namelist()
        xml = archive.read("word/document.xml").decode("utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", xml).split())
