"""Markdown for report sections: CommonMark with no raw HTML, then an allow-list sanitiser.

markdown-it escapes raw HTML (`html=False`), and nh3 (ammonia) then keeps only the tags a
report needs, so neither a typed `<script>` nor a crafted link reaches a page or a PDF.
Images are not allowed at all: a report cannot make the PDF renderer fetch anything.

Citations are written in the text as a token on a line of its own, `[[cite:ab12cd34]]`,
and replaced after sanitising by HTML the portal builds itself (see `reports.citations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

CITATION_TOKEN_RE = re.compile(r"\[\[cite:([0-9a-f]{8})\]\]")
# A token alone in a paragraph becomes a block; elsewhere it is replaced inline.
_CITATION_PARAGRAPH_RE = re.compile(r"<p>\s*\[\[cite:([0-9a-f]{8})\]\]\s*</p>")
# A word starts with a letter or digit: a bare "-" list marker is not a word.
_WORD_RE = re.compile(r"\w[\w’'-]*", re.UNICODE)

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "code",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    ["image", "html_block", "html_inline"]
)


def citation_token(code: str) -> str:
    return f"[[cite:{code}]]"


def citation_codes(text: str) -> list[str]:
    """The citation codes used in a text, in order, without repeats."""
    return list(dict.fromkeys(CITATION_TOKEN_RE.findall(text)))


def _render(markdown: str) -> str:
    # A section has its own <h2> heading: a heading in the text (ATX or setext, never one
    # inside a code block, which the parser already told apart) is demoted two levels.
    tokens = _md.parse(markdown)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    return _md.renderer.render(tokens, _md.options, {})


def to_html(markdown: str, *, citation_html: Callable[[str], str] | None = None) -> SafeString:
    """Sanitised HTML for a section's Markdown.

    `citation_html(code)` returns the (already safe) HTML for one citation, or "" to drop
    it; without it, tokens are removed.
    """
    raw = _render(markdown or "")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS | {"h5", "h6"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    replace = citation_html or (lambda _code: "")
    clean = _CITATION_PARAGRAPH_RE.sub(lambda m: replace(m.group(1)), clean)
    clean = CITATION_TOKEN_RE.sub(lambda m: replace(m.group(1)), clean)
    return mark_safe(clean)  # noqa: S308 - sanitised above; citation HTML is built and escaped by the portal  # nosec B308, B703


def word_count(markdown: str) -> int:
    """Words a reader will see: Markdown punctuation and citation tokens don't count."""
    text = CITATION_TOKEN_RE.sub(" ", markdown or "")
    text = re.sub(r"[#>*_`\[\]()|~]", " ", text)
    return len(_WORD_RE.findall(text))


@dataclass(frozen=True)
class Part:
    """A run of a section's Markdown under one heading (`heading` is "" before the first)."""

    heading: str
    markdown: str


def split_by_headings(markdown: str) -> list[Part]:
    """Split a section at its top-level headings (`#` or `##` lines), keeping the text under each.

    The national compilation uses this to file each city's paragraphs under a theme: the
    draft from evidence writes one heading per theme, with the theme's name.
    """
    parts: list[Part] = []
    heading = ""
    lines: list[str] = []
    in_fence = False
    for line in (markdown or "").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else re.match(r"^#{1,2}\s+(.+?)\s*#*\s*$", line)
        if match:
            if heading or "".join(lines).strip():
                parts.append(Part(heading, "\n".join(lines).strip()))
            heading, lines = match.group(1).strip(), []
        else:
            lines.append(line)
    if heading or "".join(lines).strip():
        parts.append(Part(heading, "\n".join(lines).strip()))
    return parts
