"""SSRF and local files: whatever people type into a report, a quote, a city's name or an
action plan, the PDF renderer fetches nothing from the network and reads no local file.

Payloads pointing at a local HTTP listener (a real socket on a free port, in a thread)
and at file:///etc/passwd go through the real pipeline: the report and summary render
jobs, the national compilation (PDF and DOCX) and the accountability handout. The listener
must see no connection at all, and no line of /etc/passwd may be in any PDF. A control
shows that WeasyPrint's own fetcher does reach the listener, so the silence means
something."""

from __future__ import annotations

import base64
import io
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import docx
import pypdf
import pytest
import weasyprint
from PIL import Image

from accountability import services as accountability_services
from cities.models import City
from reports import services
from reports.models import DocumentKind, RenderJob, RenderKind, RenderStatus, ReportSection
from reports.pdf import render_pdf
from reports.services import SectionChange
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    LocalRecommendationFactory,
    OfficialResponseFactory,
    ProgressUpdateFactory,
    QuotableTestimonyFactory,
    RecommendationFactory,
    ResponseLinkFactory,
)

pytestmark = pytest.mark.django_db

PASSWD = Path("/etc/passwd")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, "PNG")
    return out.getvalue()


PNG = _png()
PNG_1PX = base64.b64encode(PNG).decode()


@dataclass
class Listener:
    """A local HTTP server that records every connection made to it."""

    host: str
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://{self.host}/{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(f"GET {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        daemon_threads = True
        allow_reuse_address = True

        def verify_request(self, request, client_address) -> bool:
            # Every accepted connection counts, HTTP or not (a TLS hello, a bare socket).
            hits.append(f"connection from {client_address[0]}")
            return True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Listener(host=f"127.0.0.1:{server.server_address[1]}", hits=hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def html_payloads(listener: Listener) -> list[str]:
    """Markup that would make a browser or a naive renderer fetch something."""
    u = listener.url
    return [
        f'<img src="{u("img")}">',
        f'<img src="{u("img-tls", "https")}">',
        f'<p style="background: url({u("style-attr")})">styled</p>',
        f'<style>@import url("{u("import.css")}"); body {{ background: url({u("bg")}) }}</style>',
        f'<link rel="stylesheet" href="{u("link.css")}">',
        f'<iframe src="{u("iframe")}"></iframe>',
        f'<object data="{u("object")}"></object>',
        f'<embed src="{u("embed")}">',
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{u("svg-image")}"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image xlink:href="{u("svg-xlink")}"/></svg>',
        f'<base href="{u("")}"><img src="relative.png">',
        f'<meta http-equiv="refresh" content="0;url={u("refresh")}">',
        f'<a rel="attachment" href="{u("attachment")}">attachment</a>',
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<object data="file:///etc/passwd"></object>',
        '<iframe src="file:///etc/passwd"></iframe>',
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        f'<img src="data:image/png;base64,{PNG_1PX}" alt="a data URL image">',
    ]


def markdown_payloads(listener: Listener) -> list[str]:
    u = listener.url
    return [
        f"![an image]({u('md-image')})",
        "![local](file:///etc/passwd)",
        f"[a link]({u('md-link')})",
        "[a file link](file:///etc/passwd)",
        f"<{u('autolink')}>",
        f"![data](data:image/png;base64,{PNG_1PX})",
    ]


def section_text(listener: Listener) -> str:
    return "\n\n".join(
        [
            "Our findings, with some hostile markup pasted in.",
            *html_payloads(listener),
            *markdown_payloads(listener),
        ]
    )


def passwd_lines() -> list[str]:
    lines = [line.strip() for line in PASSWD.read_text().splitlines() if ":" in line]
    return [line for line in lines if len(line) > 8][:5]


def assert_no_fetch_and_no_passwd(content: bytes, listener: Listener, where: str) -> str:
    assert listener.hits == [], f"{where}: the renderer connected to {listener.hits}"
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    squashed = "".join(text.split())
    for line in passwd_lines():
        assert "".join(line.split()) not in squashed, f"{where} holds /etc/passwd"
    assert not reader.attachments, f"{where} has embedded files: {list(reader.attachments)}"
    assert b"root:x:0:0" not in content
    return text


def read(fieldfile) -> bytes:
    with fieldfile.open("rb") as fh:
        return fh.read()


# --------------------------------------------------------------------------- the control


def test_the_listener_sees_a_naive_renderer(listener):
    # Without the portal's fetcher, WeasyPrint fetches the image from the listener.
    weasyprint.HTML(string=f'<p>x</p><img src="{listener.url("control")}">').write_pdf()
    assert "GET /control" in listener.hits


def test_passwd_lines_are_there_to_find():
    assert PASSWD.is_file() and passwd_lines()


# --------------------------------------------------------------------------- the fetcher


def test_the_portal_renderer_fetches_nothing_from_raw_html(listener):
    html = (
        "<!DOCTYPE html><html><head><title>Hostile</title>"
        + "".join(p for p in html_payloads(listener) if "<link" in p or "<style" in p)
        + "</head><body><p>Body text</p>"
        + "".join(html_payloads(listener))
        + "</body></html>"
    )
    rendered = render_pdf(html)
    text = assert_no_fetch_and_no_passwd(rendered.content, listener, "raw HTML")
    assert "Body text" in text
    # data: URLs are allowed: the one image that may load is embedded.
    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    assert any(page.images for page in reader.pages)


# --------------------------------------------------------------------------- the real pipeline


@pytest.fixture
def hostile_city(world, listener):
    """City A with a hostile name, and a quotable testimony whose quote carries markup."""
    css_breakout = (
        f'A"; }} @import url("{listener.url("cityname.css")}"); '
        f'</style><link rel=stylesheet href="{listener.url("cityname-link")}">'
    )
    City.objects.filter(pk=world.a.city.pk).update(name=css_breakout[:120])
    world.a.city.refresh_from_db()
    world.quote = QuotableTestimonyFactory(
        city=world.a.city,
        redacted_quote=f"The rent doubled. {html_payloads(listener)[0]} "
        '<img src="file:///etc/passwd">',
        area=f'<img src="{listener.url("area")}">',
    )
    return world


def _fill(world, report, listener) -> None:
    # One section takes the payloads: the summary must stay within its page limit.
    problems = ReportSection.objects.get(report=report, kind="problems")
    text = section_text(listener)
    services.sections_save(
        actor=world.a.lead,
        report=report,
        changes=[SectionChange(str(problems.uuid), f"{text}\n", problems.version)],
    )
    problems.refresh_from_db()
    services.citation_add(
        actor=world.a.lead,
        report=report,
        section=problems,
        kind="quote",
        testimony=world.quote,
        append=True,
    )


def test_report_and_summary_renders_fetch_nothing(hostile_city, listener, committed):
    world = hostile_city
    for kind in (DocumentKind.REPORT, DocumentKind.SUMMARY):
        report = services.report_start(
            actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=kind
        )
        _fill(world, report, listener)
        job = committed(services.render_request, actor=world.a.lead, report=report)
        job.refresh_from_db()
        assert job.status == RenderStatus.DONE, job.error
        text = assert_no_fetch_and_no_passwd(read(job.file), listener, f"the {kind} PDF")
        # Positive control: the typed text and the quote did reach the PDF.
        assert "Our findings" in text
        assert "The rent doubled." in text


def test_the_national_compilation_fetches_nothing(hostile_city, listener, committed):
    world = hostile_city
    summary = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    _fill(world, summary, listener)
    job = committed(services.render_request, actor=world.a.lead, report=summary)
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE, job.error
    committed(services.report_approve, actor=world.a.lead, report=summary)
    services.summary_submit(actor=world.a.lead, report=summary)

    compilation = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)
    jobs = {j.kind: j for j in RenderJob.objects.filter(compilation=compilation)}
    assert {j.status for j in jobs.values()} == {RenderStatus.DONE}
    text = assert_no_fetch_and_no_passwd(
        read(jobs[RenderKind.NATIONAL_PDF].file), listener, "the national PDF"
    )
    assert "Alphaville" in text or 'A"; }' in text or len(text) > 200
    # The Word file holds no external references (images or linked files to fetch later).
    content = read(jobs[RenderKind.NATIONAL_DOCX].file)
    document = docx.Document(io.BytesIO(content))
    external = [
        rel.target_ref
        for rel in document.part.rels.values()
        if rel.is_external and "hyperlink" not in rel.reltype
    ]
    assert external == []
    assert b"root:x:0:0" not in content
    assert listener.hits == []


def test_the_handout_fetches_nothing(world, listener):
    city = world.a.city
    payload = " ".join(html_payloads(listener))
    rec = RecommendationFactory(text=f"Guarantee housing. {payload}")
    plan = ActionPlanFactory(city=city, recommendation=rec, summary=f"Plan. {payload}")
    action = ActionFactory(
        plan=plan,
        description=f"Adopt an ordinance. {payload}"[:2000],
        responsible=f'<img src="{listener.url("responsible")}">',
        target=f'<link rel=stylesheet href="{listener.url("target")}">',
    )
    ProgressUpdateFactory(action=action, text=f"Hearing held. {payload}")
    OfficialResponseFactory(
        link=ResponseLinkFactory(plan=plan), kind="commitment", text=f"We commit. {payload}"
    )
    local = LocalRecommendationFactory(city=city, text=f"Fund counsel. {payload}"[:1000])
    ActionPlanFactory(city=city, recommendation=None, local_recommendation=local, summary="Ours.")
    for language in ("en", "es"):
        entry = accountability_services.handout_get_or_render(city=city, language=language)
        text = assert_no_fetch_and_no_passwd(read(entry.file), listener, f"handout {language}")
        assert "Guarantee housing." in " ".join(text.split())
