# ruff: noqa: RUF002, RUF003 (this module is about typographic apostrophes and dashes)
"""Read a file of UPR recommendations into plain data, reporting everything it changed.

Pure parsing: no database, no models. The service that saves recommendations calls
`parse()` and shows `ParseResult.notes` to the coordinator before anything is written.

Two formats are recognised from the header row (either may use ",", ";" or tab):

``upr_info`` – a UPR Info database export, one row per recommending state:
    ``To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org, Response, Action, Issue, Session``
    (``Text``, ``From`` and ``Response`` are required). A recommendation made jointly
    appears once per state with the same text: rows whose text is the same once spaces
    are collapsed and case ignored become one recommendation with all their states,
    themes and lines. ``Response`` is Accepted/Noted, ``Action`` UPR Info's category 1–5,
    ``Issue`` comma-separated themes. ``To`` and ``Session`` must be the same on every
    row (a row about another State or session is an error): they become
    `ParseResult.state_under_review` and `ParseResult.session`.

``uhri_list`` – a paragraph-numbered list in the style of the UN thematic lists:
    ``paragraph, recommending_state, position, theme, text`` (all but ``theme``
    required). ``paragraph`` ("26.142") identifies the recommendation; states are
    separated by ";"; ``position`` is supported/noted/supported_noted; one theme per row
    (";" also separates themes). A paragraph repeated with the same text and position
    (e.g. once per theme) is merged; with a different text or position it is an error.

Defects of real files handled, each reported as a "normalised" note (nothing is lost):
responses in other vocabularies ("Accepted", "Supported/Noted"); doubled spaces inside
texts (trailing spaces are trimmed without a note, like every cell); spaced apostrophes
and quotation marks from PDF copies ("People ’ s" -> "People’s", "“ three strikes ”");
state aliases ("Iran", "Trinidad & Tobago"); a truncated state ("Bolivarian Republic
of"); a piece of text in the state field ("the Paris Principles": removed from the
states, kept in the note's value); an empty state named at the end of the text
("… border of the United States (Nicaragua)." -> Nicaragua, and the attribution removed);
an unknown but plausible state name (kept as given).

Rows that can't be used (empty text, unknown response, bad paragraph or action, a
conflicting duplicate) are "error" notes and not imported. Every data row ends up in
exactly one recommendation's `lines` or in the errors (`ParseResult.row_count`).

Encoding: UTF-8 (with or without byte-order mark) or UTF-16 with a byte-order mark. A
file that isn't UTF-8 is read as Windows-1252, what Excel's plain "CSV" saves, with a
file-level note asking the coordinator to check accented names.

Whole-file problems raise `ImportFileError`. A file with a header and no data rows is one
of them: importing nothing is never what the coordinator meant.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accountability.states import canonical_state, is_truncated_alias, tidy_name

FORMAT_UPR_INFO = "upr_info"
FORMAT_UHRI_LIST = "uhri_list"

RESPONSE_SUPPORTED = "supported"
RESPONSE_NOTED = "noted"
RESPONSE_PARTIAL = "partially_supported"
RESPONSE_LABELS: dict[str, str] = {  # translated when shown: _(RESPONSE_LABELS[value])
    RESPONSE_SUPPORTED: gettext_noop("supported"),
    RESPONSE_NOTED: gettext_noop("noted"),
    RESPONSE_PARTIAL: gettext_noop("partially supported"),
}

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_NOTE_VALUE = 200
# Longest values that fit the Recommendation model's fields.
MAX_PARAGRAPH = 20
MAX_STATE = 120
MAX_THEME = 200

NOTE_MERGED = "merged"
NOTE_NORMALISED = "normalised"
NOTE_ERROR = "error"

# Column keys (headers folded by `_fold`) per format; the first set is required.
_UPR_INFO_REQUIRED = ("text", "from", "response")
_UPR_INFO_OPTIONAL = ("to", "action", "issue", "session")
_UHRI_REQUIRED = ("paragraph", "recommending_state", "position", "text")
_UHRI_OPTIONAL = ("theme",)

# Responses, folded by `_fold`. The UN says "noted" for what older sources call rejected.
_RESPONSES: dict[str, str] = {
    **dict.fromkeys(("supported", "support", "accepted", "accept"), RESPONSE_SUPPORTED),
    **dict.fromkeys(("noted", "note", "rejected", "not_accepted", "not_supported"), RESPONSE_NOTED),
    **dict.fromkeys(
        (
            "supported_noted",
            "noted_supported",
            "accepted_noted",
            "partially_supported",
            "partly_supported",
            "partially_accepted",
            "supported_in_part",
            "accepted_in_part",
            "partially",
            "partial",
        ),
        RESPONSE_PARTIAL,
    ),
}

_PARAGRAPH = re.compile(r"\d+(?:\.\d+)*")
_ACTION = re.compile(r"[1-5]")
# A trailing "(State)" or "(State A; State B)", then an optional final period.
_ATTRIBUTION = re.compile(r"\s*\(([^()]+)\)\s*([.;]?)\s*$")
# Spaces that PDF copies put around typographic apostrophes and quotation marks.
_SPACING_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\w)\s+’\s+(s|t|d|m|ll|re|ve)\b"), r"\1’\2"),  # People ’ s
    (re.compile(r"\b([dDlL])\s+’\s+(?=\w)"), r"\1’"),  # d ’ Ivoire
    (re.compile(r"(\w)\s+’\s+(?=\w)"), r"\1’ "),  # countries ’ internal
    (re.compile(r"(\w)\s+’(?=\w)"), r"\1’"),  # People ’s
    (re.compile(r"“\s+"), "“"),
    (re.compile(r"\s+”"), "”"),
)


class ImportFileError(ValueError):
    """The whole file can't be used; str(exc) is a translated message for the user."""


@dataclass(frozen=True)
class Note:
    line: int | None  # spreadsheet line (header = 1); None for the whole file
    kind: str  # NOTE_MERGED | NOTE_NORMALISED | NOTE_ERROR
    field: str  # column name as written in the file; "" when none
    value: str  # the raw value concerned, at most MAX_NOTE_VALUE characters
    message: str

    def __post_init__(self) -> None:
        if len(self.value) > MAX_NOTE_VALUE:
            object.__setattr__(self, "value", self.value[: MAX_NOTE_VALUE - 1] + "…")


@dataclass
class ParsedRecommendation:
    key: str
    paragraph: str
    text: str
    states: list[str]
    response: str
    source_themes: list[str]
    action_category: int | None
    lines: list[int]


@dataclass
class ParseResult:
    format: str
    row_count: int
    recommendations: list[ParsedRecommendation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    state_under_review: str | None = None
    session: str | None = None

    @property
    def errors(self) -> list[Note]:
        return [note for note in self.notes if note.kind == NOTE_ERROR]

    @property
    def merged_rows(self) -> int:
        return sum(len(rec.lines) - 1 for rec in self.recommendations)

    def themes(self) -> list[str]:
        return _unique(theme for rec in self.recommendations for theme in rec.source_themes)


# ---------------------------------------------------------------------------- helpers


def _fold(value: str) -> str:
    """Header or response folded: "To-Rgrp " -> "to_rgrp", "Supported/Noted" -> "supported_noted"."""
    return "_".join(re.split(r"[\s\-_/]+", value.replace("\ufeff", "").strip().casefold())).strip(
        "_"
    )


def _unique(values: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _quoted(values: list[str]) -> str:
    return ", ".join(f"“{value}”" for value in values)


def text_key(text: str) -> str:
    """The identity of a recommendation without a paragraph number."""
    return "text:" + hashlib.sha256(text.casefold().encode()).hexdigest()[:32]


@dataclass
class _Row:
    """One data row: its cells by column key, and the notes it produces."""

    line: int
    cells: dict[str, str]
    headers: dict[str, str]  # column key -> header as written in the file
    notes: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)

    def get(self, key: str) -> str:
        return self.cells.get(key, "").strip()

    def normalised(self, key: str, value: str, message: str) -> None:
        self.notes.append(
            Note(self.line, NOTE_NORMALISED, self.headers.get(key, ""), value, message)
        )

    def error(self, key: str, value: str, message: str) -> None:
        self.errors.append(Note(self.line, NOTE_ERROR, self.headers.get(key, ""), value, message))


def _decode(content: bytes) -> tuple[str, list[Note]]:
    if len(content) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(max)s MB. Split it into smaller files.")
            % {"max": MAX_BYTES // (1024 * 1024)}
        )
    notes: list[Note] = []
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", errors="replace")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _(
                        "This file isn't UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” "
                        "from your spreadsheet program and upload it again."
                    )
                ) from None
            notes.append(
                Note(
                    None,
                    NOTE_NORMALISED,
                    "",
                    "Windows-1252",
                    _(
                        "The file isn't UTF-8, so it was read as Windows-1252 (what Excel saves "
                        "as plain “CSV”). Check that accented names such as Côte d’Ivoire and "
                        "Türkiye look right."
                    ),
                )
            )
    if "\x00" in text:
        raise ImportFileError(
            _(
                "The file contains NUL characters, so it isn't plain CSV text. Save it again "
                "as “CSV UTF-8” from your spreadsheet program."
            )
        )
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    return text, notes


def _read(text: str) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """Format, header and non-blank data rows with their line numbers.

    The delimiter is the first of "," ";" and tab that gives a recognised header."""
    first_error: ImportFileError | None = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader)
            fmt = detect_format(header)
        except ImportFileError as exc:
            first_error = first_error or exc
            continue
        except (StopIteration, csv.Error):
            continue
        rows: list[tuple[int, list[str]]] = []
        try:
            for line, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(rows) == MAX_ROWS:
                    raise ImportFileError(
                        _("The file has more than %(max)s rows. Split it into smaller files.")
                        % {"max": MAX_ROWS}
                    )
                rows.append((line, cells))
        except csv.Error as exc:
            raise ImportFileError(
                _("The file can't be read as CSV near line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from None
        if not rows:
            raise ImportFileError(_("The file has a header but no recommendations."))
        return fmt, header, rows
    raise first_error or ImportFileError(_("The file can't be read as CSV."))


def _rows(
    header: list[str], data: list[tuple[int, list[str]]], keys: tuple[str, ...]
) -> Iterator[_Row]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _fold(cell)
        if key in keys and key not in positions:
            positions[key] = index
    headers = {key: header[index].replace("\ufeff", "").strip() for key, index in positions.items()}
    for line, cells in data:
        row = _Row(
            line, {key: cells[i] if i < len(cells) else "" for key, i in positions.items()}, headers
        )
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            row.error(
                "",
                ", ".join(cells[len(header) :]),
                _(
                    "This row has more cells than the header has columns: a comma inside a "
                    "value is probably missing its quotes."
                ),
            )
        yield row


def _clean_text(row: _Row, key: str) -> str:
    raw = row.cells.get(key, "")
    stripped = raw.strip()
    collapsed = " ".join(stripped.split())
    if collapsed != stripped:
        row.normalised(key, raw, _("Doubled spaces or line breaks in the text were collapsed."))
    fixed = collapsed
    for pattern, replacement in _SPACING_FIXES:
        fixed = pattern.sub(replacement, fixed)
    if fixed != collapsed:
        row.normalised(
            key,
            raw,
            _(
                "Spaces around apostrophes or quotation marks were removed (“People ’ s” → “People’s”)."
            ),
        )
    if not fixed:
        row.error(key, raw, _("The recommendation text is empty."))
    return fixed


def _response(row: _Row, key: str) -> str:
    raw = row.get(key)
    if not raw:
        row.error(
            key, raw, _("The response is empty. Use supported, noted or partially supported.")
        )
        return ""
    response = _RESPONSES.get(_fold(raw))
    if response is None:
        row.error(
            key,
            raw,
            _(
                "“%(value)s” isn't a response this importer knows. Use supported, noted or "
                "partially supported (UPR Info: Accepted or Noted)."
            )
            % {"value": raw},
        )
        return ""
    if response != raw:
        row.normalised(
            key,
            raw,
            _("Response “%(value)s” recorded as “%(response)s”.")
            % {"value": raw, "response": _(RESPONSE_LABELS[response])},
        )
    return response


def _themes(row: _Row, key: str, separator: str) -> list[str]:
    themes = _unique(theme.strip() for theme in row.get(key).split(separator) if theme.strip())
    for theme in themes:
        if len(theme) > MAX_THEME:
            row.error(
                key,
                theme,
                _(
                    "This theme is longer than %(max)s characters: is a recommendation text in "
                    "the theme column?"
                )
                % {"max": MAX_THEME},
            )
    return themes


def _looks_like_text(name: str) -> bool:
    """A piece of sentence rather than a state name: lower-case start, digits, sentence
    punctuation at the end, or too many words."""
    return (
        not name[0].isupper()
        or any(ch.isdigit() for ch in name)
        or name[-1] in ".,:;!?"
        or len(name.split()) > 8
        or len(name) > MAX_STATE
    )


def _state(row: _Row, key: str, part: str) -> list[str]:
    """The canonical state(s) one ";"-separated part of a state field stands for."""
    name = tidy_name(part)
    canonical = canonical_state(name)
    if canonical is not None:
        if is_truncated_alias(name):
            row.normalised(
                key,
                part,
                _("“%(value)s” looks cut short; read as %(state)s.")
                % {"value": part, "state": canonical},
            )
        elif canonical != part:
            row.normalised(
                key,
                part,
                _("“%(value)s” recorded as %(state)s, its UN name.")
                % {"value": part, "state": canonical},
            )
        return [canonical]
    several = [canonical_state(piece) for piece in name.split(",") if piece.strip()]
    if len(several) > 1 and all(several):
        states = [state for state in several if state]
        row.normalised(
            key,
            part,
            _("“%(value)s” read as several states: %(states)s.")
            % {"value": part, "states": "; ".join(states)},
        )
        return states
    if _looks_like_text(name):
        row.normalised(
            key,
            part,
            _(
                "“%(value)s” is a piece of text, not a state, and was removed from the states. "
                "It may belong to the recommendation text: check the source document."
            )
            % {"value": part},
        )
        return []
    row.normalised(
        key,
        part,
        _("“%(value)s” is not a recognised state name; kept as given.") % {"value": part},
    )
    return [name]


def _states(row: _Row, key: str, text_column: str, text: str) -> tuple[list[str], str]:
    """States from the state column; when it gives none, from a trailing "(State)." in
    the text, which is then removed from the text. Returns states and the text."""
    raw = row.cells.get(key, "")
    states = _unique(
        state for part in raw.split(";") if part.strip() for state in _state(row, key, part.strip())
    )
    if states:
        return states, text
    match = _ATTRIBUTION.search(text)
    if match and text[: match.start()].strip():
        inside = match.group(1)
        whole = canonical_state(inside)
        found = [whole] if whole else [canonical_state(p) for p in re.split(r"[;,]", inside)]
        if found and all(found):
            states = _unique(state for state in found if state)
            new_text = text[: match.start()].rstrip() + match.group(2)
            row.normalised(
                key,
                raw,
                _(
                    "No recommending state was given; %(states)s, named at the end of the text, was used."
                )
                % {"states": "; ".join(states)},
            )
            row.normalised(
                text_column,
                match.group(0).strip(),
                _(
                    "“%(value)s” was removed from the end of the text: it names the recommending state."
                )
                % {"value": match.group(0).strip()},
            )
            return states, new_text
    row.normalised(
        key,
        raw,
        _("No recommending state was given or found in the text; kept without a state."),
    )
    return [], text


def _merge(
    rec: ParsedRecommendation, line: int, states: list[str], themes: list[str]
) -> tuple[list[str], list[str]]:
    """Fold a row into `rec`; the states and themes it added."""
    new_states = [state for state in states if state not in rec.states]
    new_themes = [theme for theme in themes if theme not in rec.source_themes]
    rec.states.extend(new_states)
    rec.source_themes.extend(new_themes)
    rec.lines.append(line)
    return new_states, new_themes


def _additions(states: list[str], themes: list[str]) -> str:
    parts = []
    if states:
        parts.append(_("Added to its states: %(states)s.") % {"states": "; ".join(states)})
    if themes:
        parts.append(_("Added to its themes: %(themes)s.") % {"themes": _quoted(themes)})
    return "".join(" " + part for part in parts)


# ---------------------------------------------------------------------------- formats


def detect_format(header: list[str]) -> str:
    """FORMAT_UHRI_LIST or FORMAT_UPR_INFO from the header row; ImportFileError if neither."""
    keys = {_fold(cell) for cell in header}
    if set(_UHRI_REQUIRED) <= keys:
        return FORMAT_UHRI_LIST
    if set(_UPR_INFO_REQUIRED) <= keys:
        return FORMAT_UPR_INFO
    found = _quoted([cell.replace("\ufeff", "").strip() for cell in header if cell.strip()])
    raise ImportFileError(
        _(
            "The first row doesn't match a UPR recommendations file. Expected the columns of "
            "a UPR Info export (To, Text, From, Response, Action, Issue, Session) or of a "
            "paragraph-numbered list (paragraph, recommending_state, position, theme, text); "
            "found: %(columns)s."
        )
        % {"columns": found or "—"}
    )


def _majority(rows: list[_Row], key: str) -> str | None:
    """The most common non-empty value of a column (first seen wins a tie), as written."""
    values = [row.get(key) for row in rows if row.get(key)]
    if not values:
        return None
    return Counter(values).most_common(1)[0][0]


def _same_state(a: str, b: str) -> bool:
    return (canonical_state(a) or a.casefold()) == (canonical_state(b) or b.casefold())


def _parse_upr_info(header: list[str], data: list[tuple[int, list[str]]]) -> ParseResult:
    rows = list(_rows(header, data, _UPR_INFO_REQUIRED + _UPR_INFO_OPTIONAL))
    result = ParseResult(FORMAT_UPR_INFO, len(rows))
    result.state_under_review = _majority(rows, "to")
    result.session = _majority(rows, "session")
    by_key: dict[str, ParsedRecommendation] = {}
    for row in rows:
        under_review = row.get("to")
        if (
            under_review
            and result.state_under_review
            and not _same_state(under_review, result.state_under_review)
        ):
            row.error(
                "to",
                under_review,
                _(
                    "This row is about %(value)s, but the rest of the file is about %(expected)s. "
                    "Import one State under review at a time."
                )
                % {"value": under_review, "expected": result.state_under_review},
            )
        session = row.get("session")
        if session and result.session and session != result.session:
            row.error(
                "session",
                session,
                _(
                    "This row is from session %(value)s, but the rest of the file is from "
                    "session %(expected)s. Import one review at a time."
                )
                % {"value": session, "expected": result.session},
            )
        text = _clean_text(row, "text")
        response = _response(row, "response")
        action: int | None = None
        raw_action = row.get("action")
        if raw_action and _ACTION.fullmatch(raw_action):
            action = int(raw_action)
        elif raw_action:
            row.error(
                "action",
                raw_action,
                _("“%(value)s” isn't an action category: UPR Info uses a number from 1 to 5.")
                % {"value": raw_action},
            )
        themes = _themes(row, "issue", ",")
        if row.errors:
            result.notes.extend(row.errors)
            continue
        states, text = _states(row, "from", "text", text)
        key = text_key(text)
        rec = by_key.get(key)
        if rec is None:
            rec = ParsedRecommendation(
                key=key,
                paragraph="",
                text=text,
                states=states,
                response=response,
                source_themes=themes,
                action_category=action,
                lines=[row.line],
            )
            by_key[key] = rec
            result.recommendations.append(rec)
            result.notes.extend(row.notes)
            continue
        first = rec.lines[0]
        added_states, added_themes = _merge(rec, row.line, states, themes)
        row.notes.append(
            Note(
                row.line,
                NOTE_MERGED,
                row.headers["text"],
                text,
                _("Same text as line %(line)s: merged into that recommendation.") % {"line": first}
                + _additions(added_states, added_themes),
            )
        )
        if response != rec.response:
            row.normalised(
                "response",
                row.get("response"),
                _(
                    "Line %(line)s has the same text with the response “%(kept)s”, this row "
                    "“%(value)s”: kept “%(kept)s”, from the first line."
                )
                % {
                    "line": first,
                    "kept": _(RESPONSE_LABELS[rec.response]),
                    "value": _(RESPONSE_LABELS[response]),
                },
            )
        if action != rec.action_category:
            row.normalised(
                "action",
                raw_action,
                _(
                    "Line %(line)s has the same text with action category %(kept)s, this row "
                    "%(value)s: kept %(kept)s, from the first line."
                )
                % {"line": first, "kept": rec.action_category or "—", "value": action or "—"},
            )
        result.notes.extend(row.notes)
    return result


def _parse_uhri_list(header: list[str], data: list[tuple[int, list[str]]]) -> ParseResult:
    rows = list(_rows(header, data, _UHRI_REQUIRED + _UHRI_OPTIONAL))
    result = ParseResult(FORMAT_UHRI_LIST, len(rows))
    by_paragraph: dict[str, ParsedRecommendation] = {}
    for row in rows:
        paragraph = row.get("paragraph")
        if not paragraph:
            row.error("paragraph", paragraph, _("The paragraph number is empty."))
        elif len(paragraph) > MAX_PARAGRAPH or not _PARAGRAPH.fullmatch(paragraph):
            row.error(
                "paragraph",
                paragraph,
                _("“%(value)s” isn't a paragraph number like 26.142.") % {"value": paragraph},
            )
        text = _clean_text(row, "text")
        response = _response(row, "position")
        themes = _themes(row, "theme", ";")
        if row.errors:
            result.notes.extend(row.errors)
            continue
        states, text = _states(row, "recommending_state", "text", text)
        rec = by_paragraph.get(paragraph)
        if rec is None:
            rec = ParsedRecommendation(
                key=paragraph,
                paragraph=paragraph,
                text=text,
                states=states,
                response=response,
                source_themes=themes,
                action_category=None,
                lines=[row.line],
            )
            by_paragraph[paragraph] = rec
            result.recommendations.append(rec)
            result.notes.extend(row.notes)
            continue
        first = rec.lines[0]
        if text.casefold() != rec.text.casefold() or response != rec.response:
            result.notes.append(
                Note(
                    row.line,
                    NOTE_ERROR,
                    row.headers["paragraph"],
                    paragraph,
                    _(
                        "Paragraph %(paragraph)s is already on line %(line)s with a different "
                        "text or position, so this row was not imported. Check which one is right."
                    )
                    % {"paragraph": paragraph, "line": first},
                )
            )
            continue
        added_states, added_themes = _merge(rec, row.line, states, themes)
        row.notes.append(
            Note(
                row.line,
                NOTE_MERGED,
                row.headers["paragraph"],
                paragraph,
                _("Paragraph %(paragraph)s is already on line %(line)s with the same text: merged.")
                % {"paragraph": paragraph, "line": first}
                + _additions(added_states, added_themes),
            )
        )
        result.notes.extend(row.notes)
    return result


def parse(content: bytes) -> ParseResult:
    """Parse an uploaded file. Raises ImportFileError when the file as a whole can't be used;
    everything else is in the result's notes."""
    text, file_notes = _decode(content)
    fmt, header, data = _read(text)
    if fmt == FORMAT_UPR_INFO:
        result = _parse_upr_info(header, data)
    else:
        result = _parse_uhri_list(header, data)
    result.notes = sorted(file_notes + result.notes, key=lambda note: note.line or 0)
    return result
