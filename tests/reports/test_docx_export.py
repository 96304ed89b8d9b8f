"""The national compilation as a Word file: structure, Markdown mapping, metadata, language."""

from __future__ import annotations

import datetime
import io
import zipfile

import docx
from django.utils import translation
from django.utils.safestring import mark_safe
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from reports.documents import CityContribution, CountRow, NationalDocument, ThemeBlock
from reports.docx_export import national_docx

CITIES = ["Harbor Falls, WA", "Riverton, NM", "Cedar Bluff, GA"]

HARBOR_MARKDOWN = """\
Rents rose **sharply downtown** while *wages stayed flat*.

- Evictions doubled
- Shelters are full

> We sleep in the car now.

<script>alert(1)</script>
"""


def _contribution(city: str, markdown: str) -> CityContribution:
    return CityContribution(city_label=city, markdown=markdown, html=mark_safe(""))


def _document(**overrides: object) -> NationalDocument:
    values: dict[str, object] = {
        "title": "United States: shadow report from human rights cities",
        "cycle_label": "United States, UPR cycle 4",
        "date": datetime.date(2026, 7, 1),
        "language": "en",
        "introduction": "Three cities gathered testimony and survey responses.",
        "blocks": [
            ThemeBlock(
                heading="Housing and homelessness",
                contributions=[
                    _contribution(CITIES[0], HARBOR_MARKDOWN),
                    _contribution(CITIES[1], "1. First step\n2. Second step\n"),
                ],
            ),
            ThemeBlock(
                heading="Education",
                contributions=[
                    _contribution(CITIES[2], "Schools lack *counsellors*."),
                    _contribution(CITIES[0], "3. Third\n4. Fourth\n"),
                ],
            ),
        ],
        "count_rows": [
            CountRow(
                theme="Housing and homelessness", cities="2", testimonies="12", responses="40"
            ),
            CountRow(theme="Education", cities="2", testimonies="fewer than 5", responses="9"),
        ],
        "cities": CITIES,
        "word_count": 1234,
        "word_limit": 2815,
    }
    values.update(overrides)
    return NationalDocument(**values)  # type: ignore[arg-type]


def _open(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def _styled(document: DocxDocument, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style is not None and p.style.name == style]


def _paragraph(document: DocxDocument, text: str):
    matches = [p for p in document.paragraphs if text in p.text]
    assert matches, f"no paragraph contains {text!r}"
    return matches[0]


def _num_id(paragraph) -> int | None:
    ppr = paragraph._p.pPr
    if ppr is None or ppr.numPr is None or ppr.numPr.numId is None:
        return None
    return int(ppr.numPr.numId.val)


def test_returns_a_word_file_with_title_date_introduction_and_word_count():
    data = national_docx(_document())
    assert isinstance(data, bytes)
    assert data.startswith(b"PK")
    document = _open(data)
    texts = [p.text for p in document.paragraphs]
    assert _styled(document, "Title") == ["United States: shadow report from human rights cities"]
    assert texts[1] == "United States, UPR cycle 4 · July 1, 2026"
    assert "Three cities gathered testimony and survey responses." in texts
    assert "1,234 words; the limit is 2,815" in texts
    assert texts.index("Three cities gathered testimony and survey responses.") < texts.index(
        "Participating cities"
    )
    assert "Draft" not in texts


def test_cities_theme_headings_and_contributions_are_structured():
    document = _open(national_docx(_document()))
    assert _styled(document, "Heading 1") == [
        "Participating cities",
        "Housing and homelessness",
        "Education",
        "Evidence per theme across cities",
    ]
    heading_2 = _styled(document, "Heading 2")
    for city in CITIES:
        assert city in heading_2
    assert heading_2 == [CITIES[0], CITIES[1], CITIES[2], CITIES[0]]
    # The participating cities are a bulleted list under their heading.
    texts = [p.text for p in document.paragraphs]
    start = texts.index("Participating cities")
    cities = document.paragraphs[start + 1 : start + 1 + len(CITIES)]
    assert [p.text for p in cities] == CITIES
    assert all(p.style.name == "List Bullet" for p in cities)


def test_markdown_emphasis_lists_and_blockquote_map_to_word():
    document = _open(national_docx(_document()))
    paragraph = _paragraph(document, "Rents rose")
    assert paragraph.text == "Rents rose sharply downtown while wages stayed flat."
    runs = {run.text: run for run in paragraph.runs}
    assert runs["sharply downtown"].bold is True
    assert not runs["sharply downtown"].italic
    assert runs["wages stayed flat"].italic is True
    assert not runs["wages stayed flat"].bold
    assert not runs["Rents rose "].bold
    assert _paragraph(document, "counsellors").runs[-2].italic is True

    for item in ("Evictions doubled", "Shelters are full"):
        assert _paragraph(document, item).style.name == "List Bullet"
    for item in ("First step", "Second step", "Third", "Fourth"):
        assert _paragraph(document, item).style.name == "List Number"
    assert _paragraph(document, "We sleep in the car now.").style.name == "Quote"


def test_raw_html_is_literal_text():
    data = national_docx(_document())
    document = _open(data)
    paragraph = _paragraph(document, "alert(1)")
    assert paragraph.text == "<script>alert(1)</script>"
    assert paragraph.style.name == "Normal"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<script>" not in xml
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml


def test_each_ordered_list_numbers_from_its_own_start():
    document = _open(national_docx(_document()))
    first, second = _paragraph(document, "First step"), _paragraph(document, "Second step")
    third = _paragraph(document, "Third")
    assert _num_id(first) is not None
    assert _num_id(first) == _num_id(second)
    assert _num_id(third) not in (None, _num_id(first))
    numbering = document.part.numbering_part.element
    starts = numbering.num_having_numId(_num_id(third)).xpath(
        "./w:lvlOverride/w:startOverride/@w:val"
    )
    assert starts == ["3"]


def test_links_code_headings_and_nested_lists():
    markdown = (
        "# Background\n\n"
        "See [the ordinance](https://example.org/ord) and <https://example.org/raw>; "
        "run `rm -rf` never.\nNext line.\n\n"
        "- outer\n  - inner\n\n"
        "```\n<b>not bold</b>\nsecond\n```\n"
    )
    doc = _document(
        blocks=[ThemeBlock("Housing", [_contribution(CITIES[0], markdown)])],
    )
    document = _open(national_docx(doc))
    assert "Background" in _styled(document, "Heading 3")
    paragraph = _paragraph(document, "See the ordinance")
    assert paragraph.text == (
        "See the ordinance (https://example.org/ord) and https://example.org/raw; "
        "run rm -rf never. Next line."
    )
    assert _paragraph(document, "outer").style.name == "List Bullet"
    assert _paragraph(document, "inner").style.name == "List Bullet 2"
    assert _paragraph(document, "not bold").text == "<b>not bold</b>\nsecond"
    assert not any(run.bold for run in _paragraph(document, "not bold").runs)


def test_count_table_has_a_header_row_and_one_row_per_count():
    doc = _document()
    document = _open(national_docx(doc))
    assert len(document.tables) == 1
    table = document.tables[0]
    assert table.style is not None
    assert table.style.name in ("Light Grid Accent 1", "Table Grid")
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert len(rows) == 1 + len(doc.count_rows)
    assert rows[0] == ["Theme", "Cities", "Testimonies", "Survey responses"]
    assert rows[1] == ["Housing and homelessness", "2", "12", "40"]
    assert rows[2] == ["Education", "2", "fewer than 5", "9"]


def test_metadata_holds_the_title_and_no_personal_data():
    document = _open(national_docx(_document()))
    props = document.core_properties
    assert props.title == "United States: shadow report from human rights cities"
    assert props.author == ""
    assert props.last_modified_by == ""
    assert props.comments == ""
    assert props.keywords == ""
    assert props.language == "en"


def test_spanish_document_sets_its_language_and_leaves_the_active_one_alone():
    doc = _document(language="es", is_draft=True)
    assert translation.get_language() == "en"
    document = _open(national_docx(doc))
    assert translation.get_language() == "en"
    assert document.core_properties.language == "es"
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "es"
    assert "1 de julio de 2026" in document.paragraphs[1].text
    assert document.paragraphs[2].runs[0].bold is True  # the draft marker


def test_control_characters_and_empty_parts_do_not_break_the_file():
    doc = _document(
        title="Bad\x00title\x0b",
        introduction="",
        cities=[],
        count_rows=[],
        blocks=[
            ThemeBlock(
                "Empty", [_contribution("Nowhere", ""), _contribution("Odd", "a\x01b\n\n-\n")]
            )
        ],
    )
    document = _open(national_docx(doc))
    assert document.core_properties.title == "Badtitle"
    assert _paragraph(document, "ab").text == "ab"
    assert len(document.tables[0].rows) == 1


def test_blockquote_without_a_quote_style_is_an_indented_italic_paragraph():
    from reports.docx_export import _MarkdownWriter

    document = docx.Document()
    writer = _MarkdownWriter(document)
    writer.has_quote_style = False  # as in a template without "Quote"
    writer.write("> We were **told** to wait.\n\nAfter.")
    quote, after = document.paragraphs
    assert quote.text == "We were told to wait."
    assert quote.style.name == "Normal"
    assert quote.paragraph_format.left_indent is not None
    assert all(run.italic for run in quote.runs)
    assert [run.bold for run in quote.runs] == [None, True, None]
    assert after.paragraph_format.left_indent is None
    assert not any(run.italic for run in after.runs)
