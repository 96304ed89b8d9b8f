"""PDF rendering: the URL fetcher's allow-list, metadata scrubbing, and the print layouts."""

from __future__ import annotations

import dataclasses
import datetime
import io
import logging
import socket
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils.safestring import SafeString, mark_safe

from reports.documents import (
    CityContribution,
    CountRow,
    NationalDocument,
    PrintDocument,
    PrintSection,
    ThemeBlock,
)
from reports.pdf import PortalURLFetcher, RefusedURL, RenderedPdf, print_html, render_pdf

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."
)


def safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - fixed test HTML, standing in for sanitised Markdown


def pdf_text(rendered: RenderedPdf) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


# --------------------------------------------------------------------------- URL fetcher


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.css",
        "https://example.org/static/css/print.css",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://portal.invalid/static/../../../../etc/passwd",
        "https://portal.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://portal.invalid/static/%252e%252e/%252e%252e/etc/passwd",
        "https://portal.invalid/etc/passwd",
        "ftp://example.org/pub/x.css",
        "gopher://example.org/x",
        # Our origin in disguise, or with extras.
        "http://portal.invalid/static/css/print.css",
        "https://portal.invalid:443/static/css/print.css",
        "https://user@portal.invalid/static/css/print.css",
        "https://PORTAL.INVALID/static/css/print.css",
        "https://portal.invalid.example.org/static/css/print.css",
        "https://portal.invalid/static/css/print.css?v=1",
        "https://portal.invalid/static/css/print.css#x",
        # Path tricks inside the static prefix.
        "https://portal.invalid/static//etc/passwd",
        "https://portal.invalid/static/css/./print.css",
        "https://portal.invalid/static/css%5c..%5c..%5cREADME.md",
        "https://portal.invalid/static/css/print.css%00.png",
        "https://portal.invalid/static/css/",
        "https://portal.invalid/static/css/no-such-file.css",
        "https://portal.invalid/staticx/css/print.css",
    ],
)
def test_the_fetcher_refuses(url):
    with pytest.raises(RefusedURL):
        PortalURLFetcher().fetch(url)


def test_a_refusal_is_a_value_error_so_weasyprint_leaves_the_resource_out():
    assert issubclass(RefusedURL, ValueError)


def test_a_refusal_logs_scheme_and_host_only(caplog):
    with caplog.at_level(logging.WARNING, logger="reports.pdf"), pytest.raises(RefusedURL):
        PortalURLFetcher().fetch("https://example.org/private/path?token=secret-value")
    assert "https://example.org" in caplog.text
    assert "secret-value" not in caplog.text
    assert "/private/path" not in caplog.text


def test_a_symlink_out_of_a_static_folder_is_refused(settings, tmp_path):
    (tmp_path / "evil.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(tmp_path)]
    with pytest.raises(RefusedURL, match="outside the static folders"):
        PortalURLFetcher().fetch("https://portal.invalid/static/evil.css")


def test_a_symlinked_folder_out_of_a_static_folder_is_refused(settings, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.css").write_text("body { color: red }")
    static = tmp_path / "static"
    static.mkdir()
    (static / "linked").symlink_to(outside, target_is_directory=True)
    settings.STATICFILES_DIRS = [str(static)]
    with pytest.raises(RefusedURL, match="outside the static folders"):
        PortalURLFetcher().fetch("https://portal.invalid/static/linked/secret.css")


def test_an_extra_static_folder_is_served(settings, tmp_path):
    (tmp_path / "extra.css").write_text("p { margin: 0 }")
    (tmp_path / "alias.css").symlink_to(tmp_path / "extra.css")  # stays inside: fine
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(tmp_path)]
    for name in ("extra.css", "alias.css"):
        response = PortalURLFetcher().fetch(f"https://portal.invalid/static/{name}")
        try:
            assert response.read() == b"p { margin: 0 }"
        finally:
            response.close()


def test_a_collected_file_in_static_root_is_served(settings, tmp_path):
    """In production `{% static %}` names hashed copies that exist only in STATIC_ROOT."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.0123abcd.css").write_bytes(b"/* collected */")
    settings.STATIC_ROOT = str(tmp_path)
    response = PortalURLFetcher().fetch("https://portal.invalid/static/css/print.0123abcd.css")
    try:
        assert response.read() == b"/* collected */"
    finally:
        response.close()


def test_a_data_url_is_allowed():
    response = PortalURLFetcher().fetch("data:text/css,body{}")
    try:
        assert response.read() == b"body{}"
        assert response.content_type == "text/css"
    finally:
        response.close()


def test_the_print_stylesheet_is_served_from_disk():
    response = PortalURLFetcher().fetch("https://portal.invalid/static/css/print.css")
    try:
        assert response.read() == PRINT_CSS.read_bytes()
        assert response.content_type == "text/css"
    finally:
        response.close()


def test_refused_resources_are_left_out_silently_without_any_network(monkeypatch, caplog):
    def no_network(*args, **kwargs):
        pytest.fail("the PDF renderer opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    html = (
        "<!DOCTYPE html><html><head><title>T</title>"
        '<link rel=stylesheet href="file:///etc/passwd">'
        '<link rel=stylesheet href="http://169.254.169.254/latest/meta-data/x.css">'
        "</head><body><p>Hello</p>"
        '<img src="http://169.254.169.254/x.png" alt="">'
        '<img src="https://example.org/track.png" alt="">'
        "</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="reports.pdf"):
        rendered = render_pdf(html)
    assert rendered.page_count >= 1
    reader, text = pdf_text(rendered)
    assert len(reader.pages) == rendered.page_count
    assert "Hello" in text
    refusals = [r for r in caplog.records if r.name == "reports.pdf"]
    assert len(refusals) == 4


# --------------------------------------------------------------------------- metadata


def test_the_pdf_metadata_keeps_only_the_title():
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Harbor Falls, WA: local report</title>'
        '<meta name="author" content="Jane Organizer">'
        '<meta name="keywords" content="jane@example.org">'
        '<meta name="description" content="Drafted by Jane">'
        '<meta name="generator" content="Jane’s laptop">'
        '<meta name="dcterms.created" content="2025-01-02T03:04:05Z">'
        '<meta name="dcterms.modified" content="2025-01-02T03:04:05Z">'
        '<meta name="reviewer" content="Jane">'
        "</head><body><p>Text</p></body></html>"
    )
    rendered = render_pdf(html)
    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    metadata = dict(reader.metadata or {})
    assert metadata.get("/Title") == "Harbor Falls, WA: local report"
    assert set(metadata) <= {"/Title", "/Producer"}
    assert b"Jane" not in rendered.content


def test_the_same_html_gives_the_same_bytes():
    html = "<!DOCTYPE html><html><head><title>T</title></head><body><p>Same</p></body></html>"
    assert render_pdf(html).content == render_pdf(html).content


# --------------------------------------------------------------------------- CSS strings


def test_css_string_escapes_what_could_break_out_of_the_style_element():
    rendered = Template("{% load reports_print %}{{ v|css_string }}").render(
        Context({"v": 'A "B" \\ </style><img src=x>\n&amp;'})
    )
    assert rendered == '"A \\22 B\\22  \\5c  \\3c /style\\3e \\3c img src=x\\3e \\a \\26 amp;"'


def test_css_page_counter_follows_the_translated_word_order():
    template = Template("{% load reports_print %}{{ v|css_page_counter }}")
    assert (
        template.render(Context({"v": "Page {page} of {pages}"}))
        == '"Page " counter(page) " of " counter(pages)'
    )
    assert (
        template.render(Context({"v": "{pages} páginas, esta es la {page}"}))
        == 'counter(pages) " páginas, esta es la " counter(page)'
    )


# --------------------------------------------------------------------------- print layouts


def print_document(*, is_draft: bool, paragraphs: int = 2) -> PrintDocument:
    body = "".join(f"<p>{LOREM}</p>" for _ in range(paragraphs))
    citation = (
        '<blockquote class="citation"><p>We waited two years for a repair.</p>'
        "<footer>Resident, Harbor Falls listening session</footer></blockquote>"
    )
    return PrintDocument(
        title="Harbor Falls, WA: local report",
        city_label="Harbor Falls, WA",
        cycle_label="United States, UPR cycle 4",
        kind_label="Local report",
        date=datetime.date(2025, 3, 14),
        is_draft=is_draft,
        language="en",
        sections=[
            PrintSection("Right to housing", safe(body + citation)),
            PrintSection("Access to clean water", safe(body)),
            PrintSection("Recommendations", mark_safe("<ul><li>Fund repairs.</li></ul>")),
        ],
    )


def render_document(doc: PrintDocument) -> RenderedPdf:
    return render_pdf(print_html("reports/pdf/document.html", {"doc": doc}))


@pytest.mark.parametrize("is_draft", [True, False])
def test_a_local_report_renders(is_draft):
    rendered = render_document(print_document(is_draft=is_draft))
    reader, text = pdf_text(rendered)
    assert rendered.page_count >= 1
    assert len(reader.pages) == rendered.page_count
    assert "Harbor Falls, WA · United States, UPR cycle 4" in text  # running header
    assert "Page 1 of" in text
    for heading in ("Right to housing", "Access to clean water", "Recommendations"):
        assert heading in text
    assert "We waited two years for a repair." in text
    assert "March 14, 2025" in text
    assert ("DRAFT" in text) is is_draft
    metadata = dict(reader.metadata or {})
    assert "/Author" not in metadata
    assert metadata["/Title"] == "Harbor Falls, WA: local report"


def test_the_print_stylesheet_is_applied():
    """Letter paper: the stylesheet was fetched through the portal's fetcher."""
    rendered = render_document(print_document(is_draft=False))
    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a_long_report_runs_over_several_pages():
    rendered = render_document(print_document(is_draft=True, paragraphs=40))
    reader, text = pdf_text(rendered)
    assert rendered.page_count > 1
    assert rendered.page_count == len(reader.pages)
    assert f"Page {rendered.page_count} of {rendered.page_count}" in text
    # The watermark and the running header repeat on every page.
    for page in reader.pages:
        page_text = page.extract_text()
        assert "DRAFT" in page_text
        assert "Harbor Falls, WA · United States, UPR cycle 4" in page_text


def test_a_hostile_city_label_stays_text_in_the_header():
    doc = dataclasses.replace(
        print_document(is_draft=False),
        city_label='Evil "City" </style><img src="http://169.254.169.254/">',
    )
    html = print_html("reports/pdf/document.html", {"doc": doc})
    assert html.count("</style>") == 1
    _reader, text = pdf_text(render_pdf(html))
    assert 'Evil "City" </style><img src="http://169.254.169.254/"> · United States' in text


def test_the_national_compilation_renders():
    doc = NationalDocument(
        title="United States: cities' contribution to the UPR",
        cycle_label="United States, UPR cycle 4",
        date=datetime.date(2025, 6, 1),
        language="en",
        introduction="Three cities consulted their residents.\n\nThis is what they heard.",
        blocks=[
            ThemeBlock(
                heading="Housing",
                contributions=[
                    CityContribution(
                        "Alphaville, OR", "Rents doubled.", mark_safe("<p>Rents doubled.</p>")
                    ),
                    CityContribution(
                        "Betatown, NM", "Evictions rose.", mark_safe("<p>Evictions rose.</p>")
                    ),
                ],
            ),
            ThemeBlock(
                heading="Water and sanitation",
                contributions=[
                    CityContribution(
                        "Gammaburg, MI", "Lead pipes.", mark_safe("<p>Lead pipes remain.</p>")
                    ),
                ],
            ),
        ],
        count_rows=[
            CountRow(theme="Housing", cities="2", testimonies="31", responses="120"),
            CountRow(
                theme="Water and sanitation", cities="1", testimonies="fewer than 5", responses="14"
            ),
            CountRow(theme="Policing", cities="1", testimonies="7", responses="fewer than 5"),
        ],
        cities=["Alphaville, OR", "Betatown, NM", "Gammaburg, MI"],
        word_count=1234,
        word_limit=5000,
    )
    rendered = render_pdf(print_html("reports/pdf/national.html", {"doc": doc}))
    reader, text = pdf_text(rendered)
    assert rendered.page_count == len(reader.pages) >= 1
    for city in doc.cities:
        assert city in text
    for row in doc.count_rows:
        assert row.theme in text
    for expected in (
        "Housing",
        "Water and sanitation",
        "Rents doubled.",
        "Lead pipes remain.",
        "Evidence per theme across cities",
        "Survey responses",
        "fewer than 5",
        "1234 words; the limit is 5000",
        "This is what they heard.",
        "Page 1 of",
    ):
        assert expected in text
    assert "DRAFT" not in text
    assert dict(reader.metadata or {})["/Title"] == doc.title


def test_the_layouts_need_no_network_and_no_files_outside_static(monkeypatch):
    """Fonts come from the system; the only fetch is print.css, from disk."""
    fetched: list[str] = []
    original = PortalURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(PortalURLFetcher, "fetch", spy)
    render_document(print_document(is_draft=True))
    assert fetched == ["https://portal.invalid/static/css/print.css"]
