"""The national compilation as a Word document, for the national coordinators' final editing.

`national_docx` lays out a `NationalDocument` (already filtered for consent and redaction)
with python-docx. Each city's Markdown is walked token by token and written as Word
paragraphs and runs; nothing in it is ever interpreted as HTML, so a typed `<script>` ends up
as the literal text a reader typed. The file carries no personal data in its metadata.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

import docx
from django.utils import formats, translation
from django.utils.translation import gettext as _
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reports.documents import NationalDocument

# Characters XML 1.0 cannot hold (lxml refuses them): C0 controls other than tab/newline/CR,
# lone surrogates, and the two non-characters U+FFFE/U+FFFF.
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_TABLE_STYLES = ("Light Grid Accent 1", "Table Grid")
_MAX_LIST_DEPTH = 3  # the default template has "List Bullet", "List Bullet 2", "List Bullet 3"


def _clean(text: str) -> str:
    return _XML_INVALID_RE.sub("", text or "")


def _has_style(document: DocxDocument, name: str, style_type: WD_STYLE_TYPE) -> bool:
    return any(style.name == name and style.type == style_type for style in document.styles)


def _add_run(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    text = _clean(text)
    if not text:
        return
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    if italic:
        run.italic = True


@dataclass
class _ListState:
    ordered: bool
    start: int
    depth: int  # 1 for a top-level list
    num_id: int | None = None  # an ordered list's own numbering instance, made on first use


@dataclass
class _ItemState:
    first_paragraph_written: bool = False


class _MarkdownWriter:
    """Writes one contribution's Markdown into the document as Word paragraphs."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.md = MarkdownIt("commonmark", {"html": False})
        self.has_quote_style = _has_style(document, "Quote", WD_STYLE_TYPE.PARAGRAPH)
        self.lists: list[_ListState] = []
        self.items: list[_ItemState] = []
        self.quote_depth = 0
        self.current: Paragraph | None = None

    # -- blocks ------------------------------------------------------------------------------

    def write(self, markdown: str) -> None:
        for token in self.md.parse(_clean(markdown)):
            self._block(token)
        self.current = None

    def _block(self, token: Token) -> None:
        kind = token.type
        if kind == "bullet_list_open":
            self.lists.append(_ListState(ordered=False, start=1, depth=len(self.lists) + 1))
        elif kind == "ordered_list_open":
            start = token.attrGet("start")
            self.lists.append(
                _ListState(
                    ordered=True,
                    start=int(start) if start is not None else 1,
                    depth=len(self.lists) + 1,
                )
            )
        elif kind in ("bullet_list_close", "ordered_list_close"):
            if self.lists:
                self.lists.pop()
        elif kind == "list_item_open":
            self.items.append(_ItemState())
        elif kind == "list_item_close":
            if self.items and not self.items[-1].first_paragraph_written:
                self._new_block_paragraph()  # an empty item still takes its bullet or number
            if self.items:
                self.items.pop()
        elif kind == "blockquote_open":
            self.quote_depth += 1
        elif kind == "blockquote_close":
            self.quote_depth = max(0, self.quote_depth - 1)
        elif kind == "paragraph_open":
            self.current = self._new_block_paragraph()
        elif kind == "heading_open":
            self.current = self.document.add_paragraph(style="Heading 3")
        elif kind in ("paragraph_close", "heading_close"):
            self.current = None
        elif kind == "inline":
            paragraph = self.current or self._new_block_paragraph()
            self._inline(paragraph, token.children or [])
        elif kind in ("code_block", "fence", "html_block"):
            # Code is kept as plain text, line breaks and all; HTML is never interpreted.
            paragraph = self._new_block_paragraph()
            lines = token.content.rstrip("\n").split("\n")
            for index, line in enumerate(lines):
                if index:
                    paragraph.add_run().add_break()
                _add_run(paragraph, line)
        # hr and anything else without text: nothing to write.

    def _new_block_paragraph(self) -> Paragraph:
        """A paragraph styled for where it stands: list item, blockquote, or body text."""
        if self.lists and self.items:
            return self._list_paragraph()
        if self.quote_depth:
            return self._quote_paragraph()
        return self.document.add_paragraph()

    def _list_paragraph(self) -> Paragraph:
        state = self.lists[-1]
        item = self.items[-1]
        depth = min(state.depth, _MAX_LIST_DEPTH)
        suffix = "" if depth == 1 else f" {depth}"
        if item.first_paragraph_written:
            # A further paragraph of the same item: indented, without a new bullet or number.
            return self.document.add_paragraph(style=f"List Continue{suffix}")
        item.first_paragraph_written = True
        base = "List Number" if state.ordered else "List Bullet"
        paragraph = self.document.add_paragraph(style=f"{base}{suffix}")
        if state.ordered:
            self._restart_numbering(paragraph, state)
        return paragraph

    def _restart_numbering(self, paragraph: Paragraph, state: _ListState) -> None:
        """Each ordered list counts from its own start, not on from the previous list.

        The "List Number" styles share one numbering instance; a list gets its own `w:num`
        over the same abstract definition, with a start override.
        """
        if state.num_id is None:
            style = paragraph.style
            style_ppr = style.element.pPr if style is not None else None
            style_numpr = style_ppr.numPr if style_ppr is not None else None
            if style_numpr is None or style_numpr.numId is None:
                return
            numbering = self.document.part.numbering_part.element
            try:
                style_num = numbering.num_having_numId(style_numpr.numId.val)
            except KeyError:
                return
            num = numbering.add_num(style_num.abstractNumId.val)
            num.add_lvlOverride(ilvl=0).add_startOverride(state.start)
            state.num_id = int(num.numId)
        numpr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numpr.get_or_add_ilvl().val = 0
        numpr.get_or_add_numId().val = state.num_id

    def _quote_paragraph(self) -> Paragraph:
        if self.has_quote_style:
            return self.document.add_paragraph(style="Quote")
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(24 * self.quote_depth)
        return paragraph

    def _in_fallback_quote(self) -> bool:
        return bool(self.quote_depth) and not self.has_quote_style and not self.lists

    # -- inline ------------------------------------------------------------------------------

    def _inline(self, paragraph: Paragraph, children: list[Token]) -> None:
        bold = 0
        italic = 1 if self._in_fallback_quote() else 0
        link_href: str | None = None
        link_text: list[str] = []

        def text(value: str) -> None:
            _add_run(paragraph, value, bold=bool(bold), italic=bool(italic))
            if link_href is not None:
                link_text.append(value)

        for child in children:
            kind = child.type
            if kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold = max(0, bold - 1)
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic = max(0, italic - 1)
            elif kind == "softbreak":
                text(" ")
            elif kind == "hardbreak":
                paragraph.add_run().add_break()
            elif kind == "link_open":
                href = child.attrGet("href")
                link_href = str(href) if href is not None else ""
                link_text = []
            elif kind == "link_close":
                href = link_href or ""
                shown = "".join(link_text).strip()
                link_href = None
                # An autolink already shows its address.
                if href and href not in (shown, f"mailto:{shown}"):
                    text(f" ({href})")
            elif kind == "image":
                text(child.content)  # the alt text; nothing is fetched or embedded
            else:
                # text, code_inline (as plain text), and anything else: its text, literally.
                text(child.content)


def _set_language(document: DocxDocument, language: str) -> None:
    """Proofing language for the whole document (docDefaults), plus the core property."""
    document.core_properties.language = language
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)


def _set_metadata(document: DocxDocument, doc: NationalDocument) -> None:
    """Title and language only: no author, editor, comments or keywords."""
    props = document.core_properties
    props.title = _clean(doc.title)
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.keywords = ""
    props.subject = ""
    props.category = ""
    props.revision = 1
    stamp = datetime.datetime.combine(doc.date, datetime.time(), tzinfo=datetime.UTC)
    props.created = stamp
    props.modified = stamp
    _set_language(document, doc.language)


def _add_count_table(document: DocxDocument, doc: NationalDocument) -> None:
    headers = [_("Theme"), _("Cities"), _("Testimonies"), _("Survey responses")]
    table = document.add_table(rows=1, cols=len(headers))
    for name in _TABLE_STYLES:
        if _has_style(document, name, WD_STYLE_TYPE.TABLE):
            table.style = name
            break
    header_row = table.rows[0]
    # Repeat the header row on every page the table runs onto.
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, label in zip(header_row.cells, headers, strict=True):
        _add_run(cell.paragraphs[0], label, bold=True)
    for row in doc.count_rows:
        cells = table.add_row().cells
        values = [row.theme, row.cities, row.testimonies, row.responses]
        for cell, value in zip(cells, values, strict=True):
            _add_run(cell.paragraphs[0], str(value))


def national_docx(doc: NationalDocument) -> bytes:
    """The national compilation as a .docx file, in the document's own language."""
    with translation.override(doc.language):
        document = docx.Document()
        _set_metadata(document, doc)

        _add_run(document.add_paragraph(style="Title"), doc.title)
        date_line = document.add_paragraph()
        _add_run(
            date_line,
            _("%(cycle)s · %(date)s")
            % {"cycle": doc.cycle_label, "date": formats.date_format(doc.date, "DATE_FORMAT")},
        )
        if doc.is_draft:
            _add_run(document.add_paragraph(), _("Draft"), bold=True)

        _add_run(document.add_paragraph(), doc.introduction)
        _add_run(
            document.add_paragraph(),
            _("%(count)s words; the limit is %(limit)s")
            % {
                "count": formats.number_format(doc.word_count, force_grouping=True),
                "limit": formats.number_format(doc.word_limit, force_grouping=True),
            },
            italic=True,
        )

        _add_run(document.add_paragraph(style="Heading 1"), _("Participating cities"))
        for city in doc.cities:
            _add_run(document.add_paragraph(style="List Bullet"), city)

        for block in doc.blocks:
            _add_run(document.add_paragraph(style="Heading 1"), block.heading)
            for contribution in block.contributions:
                _add_run(document.add_paragraph(style="Heading 2"), contribution.city_label)
                _MarkdownWriter(document).write(contribution.markdown)

        _add_run(document.add_paragraph(style="Heading 1"), _("Evidence per theme across cities"))
        _add_count_table(document, doc)

        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
