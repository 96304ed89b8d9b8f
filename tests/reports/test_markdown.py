"""Markdown for report sections (`reports.markdown`): sanitising, headings, citation tokens,
word counts, and splitting a section at its headings for the national compilation."""

from __future__ import annotations

import re

import pytest

from reports import markdown
from reports.markdown import Part

CODE = "ab12cd34"
OTHER = "0f0f0f0f"
QUOTE_HTML = '<blockquote class="citation"><p>Q</p><footer>— a resident</footer></blockquote>'


def _cite(code: str) -> str:
    return QUOTE_HTML if code == CODE else ""


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z0-9]+)", html)}


# --------------------------------------------------------------------------- raw HTML


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example/"></iframe>',
        '<a href="javascript:alert(1)">click</a>',
        "<style>body{display:none}</style>",
        "Text before <b onclick=alert(1)>bold</b> after",
        "<div>\n<script>alert(1)</script>\n</div>",
    ],
)
def test_it_escapes_typed_html_instead_of_rendering_it(typed):
    html = str(markdown.to_html(typed))
    assert _tags(html) <= {"p"}, html
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "&lt;" in html


def test_it_keeps_the_typed_html_as_visible_text():
    html = str(markdown.to_html("Never <script>alert(1)</script> this"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "typed",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html,<script>alert(1)</script>)",
        "<javascript:alert(1)>",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_it_drops_dangerous_links(typed):
    html = str(markdown.to_html(typed))
    assert "href" not in html
    assert "<a" not in html


@pytest.mark.parametrize(
    ("typed", "href"),
    [
        ("[the city's plan](https://example.org/plan)", "https://example.org/plan"),
        ("[old site](http://example.org/)", "http://example.org/"),
        ("[write to us](mailto:team@example.org)", "mailto:team@example.org"),
        ("<https://example.org/auto>", "https://example.org/auto"),
    ],
)
def test_it_keeps_safe_links_with_noopener(typed, href):
    html = str(markdown.to_html(typed))
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "typed",
    [
        "![x](http://169.254.169.254/latest/meta-data/)",
        "![map](https://example.org/map.png)",
        "![x][img]\n\n[img]: file:///etc/passwd",
        '<img src="http://169.254.169.254/">',
    ],
)
def test_it_renders_no_images(typed):
    html = str(markdown.to_html(typed))
    assert "<img" not in _tags(html) and "img" not in _tags(html)


def test_it_keeps_the_allowed_formatting():
    html = str(
        markdown.to_html(
            "**strong** and *em* and `code`\n\n- one\n- two\n\n1. first\n\n> quoted\n\n---"
        )
    )
    assert "<strong>strong</strong>" in html
    assert "<em>em</em>" in html
    assert "<code>code</code>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<ol>" in html
    assert "<blockquote>" in html
    assert "<hr>" in html or "<hr />" in html


def test_it_renders_nothing_for_no_text():
    assert str(markdown.to_html("")) == ""
    assert str(markdown.to_html(None)) == ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------- headings


def test_it_demotes_headings_below_the_section_heading():
    html = str(markdown.to_html("# Housing\n\ntext\n\n## Rents\n\ntext\n\n### Deposits"))
    assert "<h3>Housing</h3>" in html
    assert "<h4>Rents</h4>" in html
    assert "<h5>Deposits</h5>" in html
    assert "<h1" not in html
    assert "<h2" not in html


def test_it_never_makes_a_deeper_heading_outrank_a_shallower_one():
    html = str(markdown.to_html("#### Fourth\n\n##### Fifth"))
    levels = [int(n) for n in re.findall(r"<h(\d)>", html)]
    assert levels == sorted(levels), html


def test_it_demotes_setext_headings_too():
    html = str(markdown.to_html("Housing\n=======\n\nRents rose."))
    assert "<h3>Housing</h3>" in html, html


def test_it_leaves_hash_lines_inside_code_fences_as_typed():
    html = str(markdown.to_html("```\n# keep me\n```"))
    assert "# keep me" in html
    assert "### keep me" not in html


# --------------------------------------------------------------------------- citations


def test_it_replaces_a_token_alone_in_a_paragraph_by_the_citation_block():
    html = str(markdown.to_html(f"Intro.\n\n[[cite:{CODE}]]\n\nAfter.", citation_html=_cite))
    assert QUOTE_HTML in html
    assert f"<p>{QUOTE_HTML}" not in html  # the block replaces the paragraph, not nested in it
    assert "[[cite:" not in html
    assert "<p>Intro.</p>" in html and "<p>After.</p>" in html


def test_it_replaces_an_inline_token_where_it_stands():
    html = str(
        markdown.to_html(f"As one resident said [[cite:{CODE}]] today.", citation_html=_cite)
    )
    assert f"said {QUOTE_HTML} today" in html
    assert "[[cite:" not in html


def test_it_asks_the_callback_for_each_code_it_meets():
    seen: list[str] = []

    def record(code: str) -> str:
        seen.append(code)
        return f"<em>{code}</em>"

    markdown.to_html(f"[[cite:{CODE}]]\n\nText [[cite:{OTHER}]].", citation_html=record)
    assert seen == [CODE, OTHER]


def test_it_removes_a_token_the_callback_refuses():
    html = str(markdown.to_html(f"Before.\n\n[[cite:{OTHER}]]\n\nAfter.", citation_html=_cite))
    assert "[[cite:" not in html
    assert OTHER not in html
    assert html.count("<p>") == 2


def test_it_removes_every_token_without_a_callback():
    html = str(markdown.to_html(f"[[cite:{CODE}]]\n\nSaid [[cite:{OTHER}]] here."))
    assert "cite" not in html
    assert "<p>Said  here.</p>" in html


def test_a_malformed_token_stays_plain_text():
    html = str(markdown.to_html("[[cite:NOTHEX!!]]", citation_html=_cite))
    assert "Q" not in html
    assert "[[cite:NOTHEX!!]]" in html


def test_citation_codes_are_listed_in_order_without_repeats():
    text = f"[[cite:{OTHER}]] a [[cite:{CODE}]] b [[cite:{OTHER}]] [[cite:XYZ]]"
    assert markdown.citation_codes(text) == [OTHER, CODE]
    assert markdown.citation_token(CODE) == f"[[cite:{CODE}]]"


# --------------------------------------------------------------------------- word count


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        (None, 0),
        ("Rents rose sharply downtown.", 4),
        ("# Housing and homelessness", 3),
        ("**Rents** rose _sharply_ `downtown`", 4),
        (f"Residents said [[cite:{CODE}]] and more [[cite:{OTHER}]]", 4),
        (f"[[cite:{CODE}]]", 0),
        ("> We sleep in the car now.", 6),
        ("It's a well-known problem", 4),
        ("| a | b |", 2),
        ("~~gone~~ [link text]", 3),
    ],
)
def test_word_count_counts_the_words_a_reader_sees(text, words):
    assert markdown.word_count(text) == words


def test_word_count_ignores_list_bullets_and_rules():
    assert markdown.word_count("- Evictions doubled\n- Shelters are full\n\n---") == 5


# --------------------------------------------------------------------------- split by headings


def test_it_splits_a_section_at_its_top_level_headings():
    text = (
        "Intro line.\n\n"
        "# Housing and homelessness\n\nRents rose.\n\n"
        "## Health ##\n\nClinics closed.\n\n### A sub-heading\n\nStill health."
    )
    assert markdown.split_by_headings(text) == [
        Part("", "Intro line."),
        Part("Housing and homelessness", "Rents rose."),
        Part("Health", "Clinics closed.\n\n### A sub-heading\n\nStill health."),
    ]


def test_it_ignores_headings_inside_code_fences():
    text = "# Housing\n\n```\n# not a heading\n## nor this\n```\n\n~~~\n# nor this\n~~~\n\nEnd."
    parts = markdown.split_by_headings(text)
    assert [p.heading for p in parts] == ["Housing"]
    assert "# not a heading" in parts[0].markdown
    assert "# nor this" in parts[0].markdown


def test_it_keeps_a_heading_with_nothing_under_it():
    assert markdown.split_by_headings("# Housing\n\n# Health\n\nText") == [
        Part("Housing", ""),
        Part("Health", "Text"),
    ]


def test_it_returns_one_unheaded_part_for_text_without_headings():
    assert markdown.split_by_headings("Just text.\n\nMore.") == [Part("", "Just text.\n\nMore.")]


@pytest.mark.parametrize("text", ["", None, "   \n\n  "])
def test_it_returns_no_parts_for_empty_text(text):
    assert markdown.split_by_headings(text) == []


def test_a_hash_without_a_space_is_not_a_heading():
    assert markdown.split_by_headings("#hashtag\n\ntext") == [Part("", "#hashtag\n\ntext")]
