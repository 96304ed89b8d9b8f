"""The UPR recommendations parser, on the two real files and on small synthetic ones.

Pure parsing: no database. The real files keep their real defects on purpose
(accountability/data/README.md); these tests pin how each one is reported.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from accountability import upr_import
from accountability.states import (
    ALIASES,
    KNOWN_STATES,
    MEMBER_STATES,
    OBSERVER_STATES,
    canonical_state,
    is_truncated_alias,
)
from accountability.theme_seeds import PORTAL_THEME_SLUGS, SEED_MAPPINGS
from accountability.upr_import import (
    FORMAT_UHRI_LIST,
    FORMAT_UPR_INFO,
    RESPONSE_NOTED,
    RESPONSE_PARTIAL,
    RESPONSE_SUPPORTED,
    ImportFileError,
    Note,
    ParseResult,
    detect_format,
    parse,
)

DATA = Path(__file__).resolve().parents[2] / "accountability" / "data"
CYCLE1 = DATA / "us-upr-cycle1-2010-uprinfo.csv"
CYCLE3 = DATA / "us-upr-cycle3-2020.csv"

UHRI_HEADER = "paragraph,recommending_state,position,theme,text\n"
UPR_INFO_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n"


@pytest.fixture(scope="module")
def cycle1() -> ParseResult:
    return parse(CYCLE1.read_bytes())


@pytest.fixture(scope="module")
def cycle3() -> ParseResult:
    return parse(CYCLE3.read_bytes())


def by_paragraph(result: ParseResult, paragraph: str) -> upr_import.ParsedRecommendation:
    [rec] = [r for r in result.recommendations if r.paragraph == paragraph]
    return rec


def notes_on(result: ParseResult, line: int, kind: str | None = None) -> list[Note]:
    return [n for n in result.notes if n.line == line and (kind is None or n.kind == kind)]


def assert_every_row_accounted_for(result: ParseResult) -> None:
    used = [line for rec in result.recommendations for line in set(rec.lines)]
    errors = {note.line for note in result.errors}
    assert len(used) == len(set(used)), "a row went into two recommendations"
    assert not errors & set(used), "a row is both imported and an error"
    assert result.row_count == len(used) + len(errors)


def uhri(*rows: str) -> bytes:
    return (UHRI_HEADER + "".join(row + "\n" for row in rows)).encode()


def upr_info(*rows: str) -> bytes:
    return (UPR_INFO_HEADER + "".join(row + "\n" for row in rows)).encode()


# ---------------------------------------------------------------- cycle 1 (UPR Info)


def test_cycle1_joint_recommendations_are_merged(cycle1: ParseResult) -> None:
    assert cycle1.format == FORMAT_UPR_INFO
    assert cycle1.row_count == 280
    assert len(cycle1.recommendations) == 269
    assert cycle1.merged_rows == 11
    assert len([n for n in cycle1.notes if n.kind == "merged"]) == 11
    assert cycle1.errors == []
    assert cycle1.state_under_review == "United States"
    assert cycle1.session == "9"


def test_cycle1_responses_are_normalised_per_row(cycle1: ParseResult) -> None:
    counts = Counter(rec.response for rec in cycle1.recommendations)
    assert counts == {RESPONSE_SUPPORTED: 177, RESPONSE_NOTED: 92}
    response_notes = Counter(n.value for n in cycle1.notes if n.field == "Response")
    assert response_notes == {"Accepted": 183, "Noted": 97}


def test_cycle1_ratify_cedaw_has_four_states_in_file_order(cycle1: ParseResult) -> None:
    [rec] = [r for r in cycle1.recommendations if r.text == "Ratify CEDAW"]
    assert rec.states == [
        "Democratic People’s Republic of Korea",
        "Ghana",
        "Netherlands (Kingdom of the)",
        "New Zealand",
    ]
    assert rec.lines == [39, 40, 41, 42]
    assert rec.source_themes == ["International instruments", "Women's rights"]
    assert rec.action_category == 5
    assert rec.paragraph == ""
    assert re.fullmatch(r"text:[0-9a-f]{32}", rec.key)
    merged = notes_on(cycle1, 40, "merged")
    assert [n.message for n in merged] == [
        "Same text as line 39: merged into that recommendation. Added to its states: Ghana."
    ]


def test_cycle1_texts_differing_only_by_spaces_are_one_recommendation(
    cycle1: ParseResult,
) -> None:
    raw = [row["Text"] for row in csv.DictReader(io.StringIO(CYCLE1.read_text("utf-8-sig")))]
    assert len(set(raw)) == 270
    texts = [rec.text for rec in cycle1.recommendations]
    assert len(set(texts)) == 269
    assert all(text == " ".join(text.split()) for text in texts)
    doubled = {n.line for n in cycle1.notes if n.field == "Text" and n.kind == "normalised"}
    inner_spaces = {line for line, text in enumerate(raw, start=2) if "  " in text.strip()}
    assert len(doubled) == 20
    assert doubled == inner_spaces  # trailing spaces alone are trimmed without a note


def test_cycle1_issues_are_split_on_commas(cycle1: ParseResult) -> None:
    themes = cycle1.themes()
    assert len(themes) == 44
    assert "International humanitarian law" in themes
    assert not [t for t in themes if "," in t or t != t.strip()]


def test_cycle1_aliases_are_canonicalised_with_a_note(cycle1: ParseResult) -> None:
    states = {s for rec in cycle1.recommendations for s in rec.states}
    assert states <= KNOWN_STATES
    assert {"Iran (Islamic Republic of)", "Trinidad and Tobago", "Türkiye"} <= states
    assert not states & {"Iran", "Venezuela", "DPR Korea", "Trinidad & Tobago", "Turkey"}
    iran = [n for n in cycle1.notes if n.field == "From" and n.value == "Iran"]
    assert len(iran) == 16
    assert all("Iran (Islamic Republic of)" in n.message for n in iran)


# ---------------------------------------------------------------- cycle 3 (UN list)


def test_cycle3_counts_and_positions(cycle3: ParseResult) -> None:
    assert cycle3.format == FORMAT_UHRI_LIST
    assert cycle3.row_count == 347
    assert len(cycle3.recommendations) == 347
    assert cycle3.merged_rows == 0
    assert cycle3.errors == []
    assert cycle3.state_under_review is None
    counts = Counter(rec.response for rec in cycle3.recommendations)
    assert counts == {RESPONSE_SUPPORTED: 263, RESPONSE_NOTED: 67, RESPONSE_PARTIAL: 17}
    partial_notes = [n for n in cycle3.notes if n.field == "position"]
    assert len(partial_notes) == 17
    assert {n.value for n in partial_notes} == {"supported_noted"}
    assert [rec.key for rec in cycle3.recommendations][:3] == ["26.1", "26.2", "26.3"]
    assert all(rec.action_category is None for rec in cycle3.recommendations)
    assert len(cycle3.themes()) == 43


def test_cycle3_several_states_in_one_field(cycle3: ParseResult) -> None:
    assert by_paragraph(cycle3, "26.49").states == [
        "Switzerland",
        "Rwanda",
        "Bahamas",
        "Luxembourg",
        "Mali",
        "Morocco",
    ]
    assert by_paragraph(cycle3, "26.34").states == ["ACT Group", "Liechtenstein"]
    several = [rec.paragraph for rec in cycle3.recommendations if len(rec.states) > 1]
    assert several == ["26.20", "26.34", "26.47", "26.49", "26.85", "26.161"]


def test_cycle3_text_fragment_in_state_field_is_reported(cycle3: ParseResult) -> None:
    rec = by_paragraph(cycle3, "26.91")
    assert rec.states == ["Philippines"]
    assert rec.lines == [92]
    [note] = notes_on(cycle3, 92)
    assert note.kind == "normalised"
    assert note.field == "recommending_state"
    assert note.value == "the Paris Principles"
    assert "not a state" in note.message


def test_cycle3_truncated_venezuela(cycle3: ParseResult) -> None:
    rec = by_paragraph(cycle3, "26.161")
    assert rec.states == ["Venezuela (Bolivarian Republic of)", "Nicaragua"]
    [note] = notes_on(cycle3, 162)
    assert (note.kind, note.field, note.value) == (
        "normalised",
        "recommending_state",
        "Bolivarian Republic of",
    )
    assert "cut short" in note.message


def test_cycle3_empty_state_filled_from_the_text(cycle3: ParseResult) -> None:
    rec = by_paragraph(cycle3, "26.347")
    assert rec.states == ["Nicaragua"]
    assert rec.text.endswith("along the southern border of the United States.")
    assert "(Nicaragua)" not in rec.text
    notes = notes_on(cycle3, 348)
    assert [(n.kind, n.field, n.value) for n in notes] == [
        ("normalised", "recommending_state", ""),
        ("normalised", "text", "(Nicaragua)."),
    ]
    assert "Nicaragua" in notes[0].message


def test_cycle3_spaced_apostrophes_are_fixed(cycle3: ParseResult) -> None:
    for rec in cycle3.recommendations:
        assert " ’ " not in rec.text
        assert "“ " not in rec.text and " ”" not in rec.text
        assert all(" ’ " not in state for state in rec.states)
    assert by_paragraph(cycle3, "26.68").text.endswith(
        "International Criminal Court’s essential mandate"
    )
    assert "other countries’ internal affairs" in by_paragraph(cycle3, "26.106").text
    assert "women’s and children’s rights" in by_paragraph(cycle3, "26.324").text
    assert "so-called “gunshow loophole”" in by_paragraph(cycle3, "26.214").text
    dprk = [
        rec
        for rec in cycle3.recommendations
        if "Democratic People’s Republic of Korea" in rec.states
    ]
    assert len(dprk) == 3
    text_notes = [n for n in cycle3.notes if n.field == "text" and "apostrophes" in n.message]
    assert len(text_notes) == 14


def test_cycle3_notes_per_kind(cycle3: ParseResult) -> None:
    assert Counter(n.kind for n in cycle3.notes) == {"normalised": 61}
    assert Counter(n.field for n in cycle3.notes) == {
        "recommending_state": 29,
        "position": 17,
        "text": 15,
    }


# ---------------------------------------------------------------- both files


@pytest.mark.parametrize("path", [CYCLE1, CYCLE3], ids=["cycle1", "cycle3"])
def test_every_row_is_accounted_for(path: Path) -> None:
    result = parse(path.read_bytes())
    assert_every_row_accounted_for(result)
    lines = sorted(line for rec in result.recommendations for line in rec.lines)
    assert lines == list(range(2, result.row_count + 2))


@pytest.mark.parametrize("path", [CYCLE1, CYCLE3], ids=["cycle1", "cycle3"])
def test_parsing_is_deterministic(path: Path) -> None:
    first, second = parse(path.read_bytes()), parse(path.read_bytes())
    assert first == second
    keys = [rec.key for rec in first.recommendations]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("path", [CYCLE1, CYCLE3], ids=["cycle1", "cycle3"])
def test_notes_are_in_line_order(path: Path) -> None:
    lines = [note.line or 0 for note in parse(path.read_bytes()).notes]
    assert lines == sorted(lines)


@pytest.mark.parametrize("path", [CYCLE1, CYCLE3], ids=["cycle1", "cycle3"])
def test_recommendations_are_in_file_order_without_duplicate_states(path: Path) -> None:
    result = parse(path.read_bytes())
    firsts = [rec.lines[0] for rec in result.recommendations]
    assert firsts == sorted(firsts)
    for rec in result.recommendations:
        assert rec.states and len(rec.states) == len(set(rec.states))
        assert len(rec.source_themes) == len(set(rec.source_themes))


def _raw_state_names() -> set[str]:
    names = {row["From"] for row in csv.DictReader(io.StringIO(CYCLE1.read_text("utf-8-sig")))}
    for row in csv.DictReader(io.StringIO(CYCLE3.read_text("utf-8-sig"))):
        names.update(part.strip() for part in row["recommending_state"].split(";"))
    return names


def test_every_state_name_in_both_files_resolves() -> None:
    names = _raw_state_names()
    unresolved = {name for name in names if canonical_state(name) is None}
    assert unresolved == {"the Paris Principles", ""}
    assert {canonical_state(name) for name in names} - {None} <= KNOWN_STATES


def test_known_states() -> None:
    assert len(MEMBER_STATES) == 193
    assert {"Holy See", "State of Palestine"} == OBSERVER_STATES
    assert "ACT Group" in KNOWN_STATES
    assert not [name for name in KNOWN_STATES if "'" in name]
    for name in KNOWN_STATES:
        assert canonical_state(name) == name
    assert set(ALIASES.values()) <= KNOWN_STATES


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Iran", "Iran (Islamic Republic of)"),
        ("  islamic  republic of IRAN ", "Iran (Islamic Republic of)"),
        ("Democratic People ’ s Republic of Korea", "Democratic People’s Republic of Korea"),
        ("Democratic People's Republic of Korea", "Democratic People’s Republic of Korea"),
        ("Cote d'Ivoire", "Côte d’Ivoire"),
        ("Turkey", "Türkiye"),
        ("Turkiye", "Türkiye"),
        ("Trinidad & Tobago", "Trinidad and Tobago"),
        ("the Gambia", "Gambia"),
        ("Bolivarian Republic of", "Venezuela (Bolivarian Republic of)"),
        ("the Paris Principles", None),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_canonical_state(name: str, canonical: str | None) -> None:
    assert canonical_state(name) == canonical


def test_truncated_alias() -> None:
    assert is_truncated_alias("Bolivarian  Republic of")
    assert not is_truncated_alias("Bolivarian Republic of Venezuela")


# ---------------------------------------------------------------- theme seeds


def test_portal_theme_slugs_match_the_seeded_themes() -> None:
    migration = importlib.import_module("cities.migrations.0004_seed_themes")
    assert {slug for slug, *_ in migration.THEMES} == PORTAL_THEME_SLUGS


@pytest.mark.parametrize(
    ("fmt", "path", "count"),
    [(FORMAT_UPR_INFO, CYCLE1, 44), (FORMAT_UHRI_LIST, CYCLE3, 43)],
    ids=["cycle1", "cycle3"],
)
def test_theme_seeds_cover_every_theme_in_the_files(fmt: str, path: Path, count: int) -> None:
    themes = parse(path.read_bytes()).themes()
    assert len(themes) == count
    mapping = SEED_MAPPINGS[fmt]
    assert set(themes) == set(mapping)
    for slugs in mapping.values():
        assert set(slugs) <= PORTAL_THEME_SLUGS
        assert len(slugs) == len(set(slugs))


def test_theme_seeds_examples() -> None:
    upr, uhri_map = SEED_MAPPINGS[FORMAT_UPR_INFO], SEED_MAPPINGS[FORMAT_UHRI_LIST]
    assert upr["Death penalty"] == ["policing"]
    assert upr["Migrants"] == ["immigration"]
    assert upr["Sexual Orientation and Gender Identity"] == ["lgbtq"]
    assert upr["UPR process"] == []
    assert set(uhri_map["Sexual & reproductive health and rights"]) == {
        "reproductive-justice",
        "health",
    }
    assert uhri_map["Right to adequate housing"] == ["housing"]
    assert uhri_map["Unilateral coercive measures"] == []
    used = {
        slug for mapping in SEED_MAPPINGS.values() for slugs in mapping.values() for slug in slugs
    }
    assert used == PORTAL_THEME_SLUGS


# ---------------------------------------------------------------- whole-file errors


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \r\n\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (bytes(range(256)) * 8, "isn't UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL"),
        (b"name,email\nAna,ana@example.org\n", "doesn't match"),
        (UHRI_HEADER.encode(), "no recommendations"),
        (UHRI_HEADER.encode() + b"\n,,,,\n", "no recommendations"),
        (b'paragraph,text\n"26.1,oops\n', "doesn't match"),
    ],
    ids=[
        "no-bytes",
        "blank",
        "bom-only",
        "binary",
        "png",
        "unknown-header",
        "header-only",
        "header-and-blank-rows",
        "missing-columns",
    ],
)
def test_unusable_files_raise_a_clear_error(content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse(content)


def test_too_many_rows() -> None:
    rows = [
        f"26.{i},Ghana,supported,Migrants,Do thing {i}" for i in range(1, upr_import.MAX_ROWS + 2)
    ]
    with pytest.raises(ImportFileError, match="more than 10000 rows"):
        parse(uhri(*rows))
    assert len(parse(uhri(*rows[:-1])).recommendations) == upr_import.MAX_ROWS


def test_too_large() -> None:
    with pytest.raises(ImportFileError, match="larger than 5 MB"):
        parse(b"x" * (upr_import.MAX_BYTES + 1))


def test_detect_format() -> None:
    assert detect_format(["To", "Text", "From", "Response"]) == FORMAT_UPR_INFO
    assert detect_format(["\ufeffParagraph", "Recommending State", "Position", "Text"]) == (
        FORMAT_UHRI_LIST
    )
    with pytest.raises(ImportFileError, match="“Text”, “Response”"):
        detect_format(["Text", "Response"])


# ---------------------------------------------------------------- synthetic: UN list


def test_rows_that_cannot_be_used_are_errors_and_not_imported() -> None:
    result = parse(
        uhri(
            "26.1,Ghana,supported,Migrants,Protect migrants",
            "26.2,Ghana,maybe,Migrants,Protect workers",
            "26.3,Ghana,supported,Migrants,   ",
            "26.x,Ghana,noted,Migrants,Protect children",
            ",Ghana,noted,Migrants,Protect children",
            "26.1,Ghana,supported,Migrants,Protect everyone else",
            "26.5,Ghana,,Migrants,Protect voters",
        )
    )
    assert [rec.paragraph for rec in result.recommendations] == ["26.1"]
    errors = [(n.line, n.field, n.value) for n in result.errors]
    assert errors == [
        (3, "position", "maybe"),
        (4, "text", "   "),
        (5, "paragraph", "26.x"),
        (6, "paragraph", ""),
        (7, "paragraph", "26.1"),
        (8, "position", ""),
    ]
    assert "line 2" in result.errors[4].message
    assert_every_row_accounted_for(result)


def test_duplicate_paragraph_with_the_same_text_is_merged() -> None:
    result = parse(
        uhri(
            "26.7,Ghana,supported,Migrants,Protect  migrants",
            "",
            "26.7,Ghana; Iran,supported,Right to health,Protect migrants",
            "26.7,Ghana,supported,Migrants,protect migrants",
        )
    )
    [rec] = result.recommendations
    assert rec.states == ["Ghana", "Iran (Islamic Republic of)"]
    assert rec.source_themes == ["Migrants", "Right to health"]
    assert rec.lines == [2, 4, 5]
    assert result.row_count == 3
    assert result.merged_rows == 2
    merged = [n for n in result.notes if n.kind == "merged"]
    assert [n.line for n in merged] == [4, 5]
    assert merged[0].message == (
        "Paragraph 26.7 is already on line 2 with the same text: merged. Added to its states: "
        "Iran (Islamic Republic of). Added to its themes: “Right to health”."
    )
    assert_every_row_accounted_for(result)


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        ("supported", RESPONSE_SUPPORTED),
        ("Supported", RESPONSE_SUPPORTED),
        ("ACCEPTED", RESPONSE_SUPPORTED),
        ("noted", RESPONSE_NOTED),
        ("Noted", RESPONSE_NOTED),
        ("supported_noted", RESPONSE_PARTIAL),
        ("Supported/Noted", RESPONSE_PARTIAL),
        ("supported - noted", RESPONSE_PARTIAL),
        ("partially supported", RESPONSE_PARTIAL),
        ("Partially-Supported", RESPONSE_PARTIAL),
        ("partially_supported", RESPONSE_PARTIAL),
    ],
)
def test_response_vocabularies(position: str, expected: str) -> None:
    result = parse(uhri(f"26.1,Ghana,{position},Migrants,Protect migrants"))
    assert result.recommendations[0].response == expected
    position_notes = [n for n in result.notes if n.field == "position"]
    assert len(position_notes) == (0 if position == expected else 1)


def test_state_field_defects() -> None:
    result = parse(
        uhri(
            "26.1,Freedonia,supported,Migrants,Protect migrants",
            "26.2,,supported,Migrants,Protect workers",
            "26.3,,supported,Migrants,Protect workers (ICCPR).",
            "26.4,in line with article 5; Cuba,noted,Migrants,Protect children",
            '26.5,"Cuba, Nicaragua",noted,Migrants,Protect voters',
            "26.6,,noted,Migrants,Protect voters (Cuba; Bolivia)",
        )
    )
    states = {rec.paragraph: rec.states for rec in result.recommendations}
    assert states == {
        "26.1": ["Freedonia"],
        "26.2": [],
        "26.3": [],
        "26.4": ["Cuba"],
        "26.5": ["Cuba", "Nicaragua"],
        "26.6": ["Cuba", "Bolivia (Plurinational State of)"],
    }
    assert by_paragraph(result, "26.3").text == "Protect workers (ICCPR)."
    assert by_paragraph(result, "26.6").text == "Protect voters"
    messages = {n.line: n.message for n in result.notes if n.field == "recommending_state"}
    assert messages[2] == "“Freedonia” is not a recognised state name; kept as given."
    assert "kept without a state" in messages[3]
    assert "kept without a state" in messages[4]
    assert "not a state" in messages[5]
    assert "several states" in messages[6]
    assert result.errors == []
    assert_every_row_accounted_for(result)


def test_values_too_long_for_the_database() -> None:
    long_theme = "Migrants " * 30
    long_name = "Republicofsomewhere" * 7
    result = parse(
        uhri(
            "26.1.1.1.1.1.1.1.1.1.1,Ghana,noted,Migrants,Protect migrants",
            f"26.2,Ghana,noted,{long_theme},Protect migrants",
            f"26.3,{long_name},noted,Migrants,Protect migrants",
        )
    )
    assert [(n.line, n.field) for n in result.errors] == [(2, "paragraph"), (3, "theme")]
    [rec] = result.recommendations
    assert rec.states == []
    assert "not a state" in notes_on(result, 4)[0].message


def test_semicolon_delimited_file_with_crlf() -> None:
    content = (
        b"paragraph;recommending_state;position;theme;text\r\n"
        b'26.1;"Ghana; Cuba";supported;Migrants;Protect migrants\r\n'
    )
    [rec] = parse(content).recommendations
    assert rec.states == ["Ghana", "Cuba"]


def test_cp1252_file_is_read_with_a_note() -> None:
    content = (
        UHRI_HEADER + "26.1,Côte d’Ivoire,supported,Migrants,Protect people’s rights\n"
    ).encode("cp1252")
    result = parse(content)
    assert result.recommendations[0].states == ["Côte d’Ivoire"]
    assert result.recommendations[0].text == "Protect people’s rights"
    assert result.notes[0].line is None
    assert "Windows-1252" in result.notes[0].message


def test_utf16_file_with_tabs() -> None:
    content = (
        "paragraph\trecommending_state\tposition\ttheme\ttext\n26.1\tTürkiye\tnoted\tMigrants\tX\n"
    )
    result = parse(content.encode("utf-16"))
    assert result.recommendations[0].states == ["Türkiye"]
    assert result.notes == []


def test_multi_line_cell_keeps_spreadsheet_line_numbers() -> None:
    result = parse(
        uhri(
            '26.1,Ghana,supported,Migrants,"Protect\nmigrants"',
            "26.2,Ghana,oops,Migrants,Protect workers",
        )
    )
    assert result.recommendations[0].text == "Protect migrants"
    assert [n.line for n in result.errors] == [3]


def test_note_value_is_truncated() -> None:
    result = parse(uhri("26.1,Ghana,noted,Migrants,Do  " + "a" * 500))
    [note] = result.notes
    assert note.field == "text"
    assert len(note.value) == upr_import.MAX_NOTE_VALUE
    assert note.value.startswith("Do  aaa") and note.value.endswith("…")


# ---------------------------------------------------------------- synthetic: UPR Info


def test_upr_info_disagreeing_duplicates_keep_the_first_row() -> None:
    result = parse(
        upr_info(
            'United States,WEOG,OAS,Close Guantanamo,Cuba,GRULAC,,Accepted,5,"Detention,Justice",9',
            'United States,WEOG,OAS,close  guantanamo ,Iran,Asia,,Noted,4,"Justice,Torture and other CID treatment",9',
        )
    )
    [rec] = result.recommendations
    assert rec.response == RESPONSE_SUPPORTED
    assert rec.action_category == 5
    assert rec.states == ["Cuba", "Iran (Islamic Republic of)"]
    assert rec.source_themes == ["Detention", "Justice", "Torture and other CID treatment"]
    assert rec.text == "Close Guantanamo"
    line3 = notes_on(result, 3)
    assert {(n.kind, n.field) for n in line3} >= {
        ("merged", "Text"),
        ("normalised", "Response"),
        ("normalised", "Action"),
    }
    kept = [n for n in line3 if n.field == "Response" and "kept" in n.message]
    assert kept[0].message == (
        "Line 2 has the same text with the response “supported”, this row “noted”: "
        "kept “supported”, from the first line."
    )
    assert result.errors == []


def test_upr_info_row_errors() -> None:
    result = parse(
        upr_info(
            "United States,WEOG,OAS,Close Guantanamo,Cuba,GRULAC,,Accepted,5,Detention,9",
            "United States,WEOG,OAS,Ratify CEDAW,Ghana,Africa,,Accepted,five,Women's rights,9",
            "Canada,WEOG,OAS,Ratify CRC,Ghana,Africa,,Accepted,5,Rights of the Child,9",
            "United States,WEOG,OAS,Ratify CRPD,Ghana,Africa,,Accepted,5,Disabilities,22",
            "United States,WEOG,OAS,Ratify ICESCR,Ghana,Africa,,Pending,5,Labour,9",
            "United States,WEOG,OAS,Ratify OP-CAT,Ghana,Africa,,Accepted,,Detention,9,extra",
            "United States,WEOG,OAS,Ratify Rome,Ghana,Africa,,Accepted,,Justice,9",
        )
    )
    assert [rec.text for rec in result.recommendations] == ["Close Guantanamo", "Ratify Rome"]
    assert result.recommendations[1].action_category is None
    assert [(n.line, n.field) for n in result.errors] == [
        (3, "Action"),
        (4, "To"),
        (5, "Session"),
        (6, "Response"),
        (7, ""),
    ]
    assert result.state_under_review == "United States"
    assert result.session == "9"
    assert_every_row_accounted_for(result)


def test_upr_info_minimal_columns() -> None:
    result = parse(b"Text,From,Response\nRatify CEDAW,Iran,Noted\n")
    assert result.format == FORMAT_UPR_INFO
    [rec] = result.recommendations
    assert (rec.states, rec.response, rec.source_themes) == (
        ["Iran (Islamic Republic of)"],
        RESPONSE_NOTED,
        [],
    )
    assert result.state_under_review is None
    assert result.session is None
