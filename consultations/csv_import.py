"""Paper-form CSV files: the template, and reading and checking every row.

Pure reading and validation: nothing here writes. Headers and values may be given in
English or Spanish. Each error names the line (as a spreadsheet shows it), the column
and what to fix.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.models import Theme
from consultations.models import (
    AgeBand,
    ConsentLevel,
    ConsentMethod,
    Language,
    Nature,
    Source,
    Testimony,
)
from consultations.redaction import looks_like_street_address


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    es: str
    required: bool
    help: Any  # lazy string


COLUMNS: tuple[Column, ...] = (
    Column("narrative", "testimony", "testimonio", True, gettext_lazy("What the person said.")),
    Column(
        "themes", "themes", "temas", True, gettext_lazy("One or more themes, separated by “;”.")
    ),
    Column("nature", "describes", "describe", True, gettext_lazy("problem, positive or both.")),
    Column(
        "consent", "consent", "consentimiento", True, gettext_lazy("internal, anonymous or named.")
    ),
    Column(
        "consent_method",
        "consent_given",
        "forma_consentimiento",
        False,
        gettext_lazy("verbal, written or online. Empty means written."),
    ),
    Column(
        "summary",
        "summary",
        "resumen",
        False,
        gettext_lazy("A short summary (up to 300 characters)."),
    ),
    Column("occurred_on", "date", "fecha", False, gettext_lazy("When it happened, as 2026-03-14.")),
    Column(
        "area", "area", "zona", False, gettext_lazy("Neighborhood or area. Never a street address.")
    ),
    Column(
        "source",
        "source",
        "fuente",
        False,
        gettext_lazy("event, written, interview, paper_form or survey. Empty means paper_form."),
    ),
    Column(
        "language", "language", "idioma", False, gettext_lazy("en, es or another language code.")
    ),
    Column(
        "rights",
        "rights",
        "derechos",
        False,
        gettext_lazy("Rights or treaty articles, separated by “;”."),
    ),
    Column(
        "speaker_name",
        "name",
        "nombre",
        False,
        gettext_lazy("Restricted: only the lead and you will see it."),
    ),
    Column(
        "speaker_contact",
        "contact",
        "contacto",
        False,
        gettext_lazy("Restricted: only the lead and you will see it."),
    ),
    Column(
        "age_band",
        "age",
        "edad",
        False,
        gettext_lazy("under_18, 18_24, 25_34, 35_44, 45_54, 55_64, 65_plus."),
    ),
    Column(
        "demographic_group",
        "group",
        "grupo",
        False,
        gettext_lazy("How the person describes themselves, if they chose to."),
    ),
)
_BY_HEADER = {}
for _column in COLUMNS:
    _BY_HEADER[_column.en] = _column
    _BY_HEADER[_column.es] = _column

MAX_LENGTHS = {
    "summary": 300,
    "area": 120,
    "speaker_name": 200,
    "speaker_contact": 300,
    "demographic_group": 120,
}


def _fold(value: str) -> str:
    """Lower-case, accents removed, spaces and hyphens as underscores."""
    value = unicodedata.normalize("NFKD", value.strip().lower())
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return "_".join(value.replace("-", " ").split())


def template_csv(language: str) -> bytes:
    """An empty template with a header row in English (`en`) or Spanish (`es`).

    UTF-8 with a byte-order mark, so spreadsheet programs show accents correctly.
    """
    out = io.StringIO()
    csv.writer(out).writerow(c.es if language == "es" else c.en for c in COLUMNS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _choice_lookup(
    choices: type[TextChoices], extra: dict[str, str] | None = None
) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lang in ("en", "es"):
        with translation.override(lang):
            for value, label in choices.choices:
                lookup[_fold(str(label))] = value
    for value in choices.values:
        lookup[_fold(value)] = value
    for alias, value in (extra or {}).items():
        lookup[_fold(alias)] = value
    return lookup


def _lookups() -> dict[str, dict[str, str]]:
    return {
        "nature": _choice_lookup(
            Nature,
            {
                "problema": "problem",
                "positiva": "positive",
                "positivo": "positive",
                "ambos": "both",
                "ambas": "both",
            },
        ),
        "consent": _choice_lookup(
            ConsentLevel,
            {
                "internal": "internal",
                "interno": "internal",
                "solo_interno": "internal",
                "anonimo": "anonymous",
                "anonima": "anonymous",
                "anonymous_quote": "anonymous",
                "con_nombre": "named",
                "nombre": "named",
            },
        ),
        "consent_method": _choice_lookup(
            ConsentMethod, {"verbal": "verbal", "escrito": "written", "en_linea": "online"}
        ),
        "source": _choice_lookup(
            Source,
            {
                "evento": "event",
                "entrevista": "interview",
                "formulario": "paper_form",
                "encuesta": "survey",
                "escrito": "written",
            },
        ),
        "language": _choice_lookup(
            Language, {"english": "en", "ingles": "en", "spanish": "es", "espanol": "es"}
        ),
        "age_band": _choice_lookup(
            AgeBand, {"18-24": "18_24", "65+": "65_plus", "under 18": "under_18"}
        ),
    }


def theme_lookup(themes: Iterable[Theme]) -> dict[str, Theme]:
    lookup: dict[str, Theme] = {}
    for theme in themes:
        for key in (theme.slug, theme.name_en, theme.name_es):
            lookup[_fold(key)] = theme
    return lookup


def _find_theme(themes: dict[str, Theme], name: str) -> Theme | None:
    """By code or name in either language; or by the start of one name only ("vivienda")."""
    key = _fold(name)
    if key in themes:
        return themes[key]
    if len(key) < 4:
        return None
    matches = {theme.pk: theme for label, theme in themes.items() if label.startswith(key)}
    return next(iter(matches.values())) if len(matches) == 1 else None


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class Row:
    line: int
    fields: dict[str, Any]
    theme_ids: list[int]
    fingerprint: str


@dataclass
class ParsedFile:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_language: str = "en"
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def fingerprint(fields: dict[str, Any]) -> str:
    """Identify an imported row by what the person said, when and where."""
    parts = [
        " ".join(fields["narrative"].lower().split()),
        fields["occurred_on"].isoformat() if fields.get("occurred_on") else "",
        _fold(fields.get("area", "")),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            _(
                "This file isn't UTF-8 text. In your spreadsheet program, save it as "
                "“CSV UTF-8 (comma delimited)” and upload it again."
            )
        ) from None


def _parse_date(value: str, header_language: str) -> datetime.date:
    formats = ["%Y-%m-%d", "%d/%m/%Y" if header_language == "es" else "%m/%d/%Y"]
    for fmt in formats:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 — a date only
        except ValueError:
            continue
    example = "14/03/2026" if header_language == "es" else "03/14/2026"
    raise ValueError(
        _("“%(value)s” isn't a date. Use a date like 2026-03-14 or %(example)s.")
        % {"value": value, "example": example}
    )


def parse(
    data: bytes,
    *,
    themes: dict[str, Theme],
    max_rows: int,
    progress: Callable[[int], None] | None = None,
) -> ParsedFile:
    """Read a paper-form CSV and check every row. Returns rows ready to save, or every
    error found (not only the first), so the organizer can fix the file in one go."""
    result = ParsedFile()
    try:
        text = _decode(data)
    except ValueError as exc:
        result.file_error = str(exc)
        return result
    if not text.strip():
        result.file_error = _("The file is empty.")
        return result
    if "\x00" in text:
        result.file_error = _(
            "The file contains NUL characters, so it isn't plain CSV text. Save it again as "
            "“CSV UTF-8” from your spreadsheet program."
        )
        return result
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.file_error = _("The file has no header row.")
        return result

    columns: list[Column | None] = []
    unknown: list[str] = []
    spanish = 0
    for cell in header:
        key = _fold(cell)
        column = _BY_HEADER.get(key)
        if column is None and key:
            unknown.append(cell.strip())
        if column is not None and key == column.es and column.es != column.en:
            spanish += 1
        columns.append(column)
    result.header_language = "es" if spanish else "en"
    if unknown:
        result.file_error = _(
            "Unknown columns: %(columns)s. Start from the template and keep its headers."
        ) % {"columns": ", ".join(f"“{u}”" for u in unknown)}
        return result
    present = {c.key for c in columns if c is not None}
    missing = [c for c in COLUMNS if c.required and c.key not in present]
    if missing:
        label = (lambda c: c.es) if result.header_language == "es" else (lambda c: c.en)
        result.file_error = _("Required columns are missing: %(columns)s.") % {
            "columns": ", ".join(f"“{label(c)}”" for c in missing)
        }
        return result

    lookups = _lookups()
    today = timezone.localdate()
    default_language = result.header_language
    count = 0
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue  # blank line
            count += 1
            if count > max_rows:
                result.file_error = _(
                    "The file has more than %(max)s rows. Split it into smaller files."
                ) % {"max": max_rows}
                return result
            if progress is not None and count % 500 == 0:
                progress(count)
            if len(values) > len(columns):
                result.errors.append(
                    RowError(line, "", _("This row has more cells than the header has columns."))
                )
                continue
            raw = {c.key: v.strip() for c, v in zip(columns, values, strict=False) if c is not None}
            row = _parse_row(line, raw, lookups, themes, today, default_language, result)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        result.file_error = _("The file can't be read as CSV near line %(line)s: %(error)s") % {
            "line": reader.line_num,
            "error": exc,
        }
        return result
    if not count:
        result.file_error = _("The file has a header but no rows.")
    return result


def _column_label(key: str, header_language: str) -> str:
    for column in COLUMNS:
        if column.key == key:
            return column.es if header_language == "es" else column.en
    return key


def _parse_row(
    line: int,
    raw: dict[str, str],
    lookups: dict[str, dict[str, str]],
    themes: dict[str, Theme],
    today: datetime.date,
    default_language: str,
    result: ParsedFile,
) -> Row | None:
    errors: list[RowError] = []

    def error(key: str, message: str) -> None:
        errors.append(RowError(line, _column_label(key, result.header_language), message))

    fields: dict[str, Any] = {}
    narrative = raw.get("narrative", "")
    if not narrative:
        error("narrative", _("The testimony is empty."))
    fields["narrative"] = narrative

    theme_ids: list[int] = []
    names = [t.strip() for t in raw.get("themes", "").replace("|", ";").split(";") if t.strip()]
    if not names:
        error("themes", _("Give at least one theme."))
    for name in names:
        theme = _find_theme(themes, name)
        if theme is None:
            error("themes", _("“%(theme)s” isn't a theme in use.") % {"theme": name})
        elif theme.pk not in theme_ids:
            theme_ids.append(theme.pk)

    defaults = {"consent_method": "written", "source": "paper_form", "language": default_language}
    for key in ("nature", "consent", "consent_method", "source", "language", "age_band"):
        value = raw.get(key, "")
        if not value:
            if key in defaults:
                fields[key] = defaults[key]
            elif key == "age_band":
                fields[key] = ""
            else:
                error(key, _("This value is required."))
            continue
        normalised = lookups[key].get(_fold(value))
        if normalised is None:
            allowed = {
                "nature": "problem, positive, both",
                "consent": "internal, anonymous, named",
                "consent_method": "verbal, written, online",
                "source": "event, written, interview, paper_form, survey",
                "language": "en, es, …",
                "age_band": "under_18, 18_24, 25_34, 35_44, 45_54, 55_64, 65_plus, not_said",
            }[key]
            error(
                key,
                _("“%(value)s” isn't allowed here. Use one of: %(allowed)s.")
                % {"value": value, "allowed": allowed},
            )
        else:
            fields[key] = normalised
    if "consent" in fields:
        fields["consent_level"] = fields.pop("consent")

    fields["occurred_on"] = None
    if raw.get("occurred_on"):
        try:
            fields["occurred_on"] = _parse_date(raw["occurred_on"], result.header_language)
        except ValueError as exc:
            error("occurred_on", str(exc))
        else:
            if fields["occurred_on"] > today:
                error("occurred_on", _("This date is in the future."))

    for key in ("summary", "area", "speaker_name", "speaker_contact", "demographic_group"):
        value = raw.get(key, "")
        if len(value) > MAX_LENGTHS[key]:
            error(
                key,
                _("Keep this under %(max)s characters (it has %(n)s).")
                % {"max": MAX_LENGTHS[key], "n": len(value)},
            )
        fields[key] = value
    if fields["area"] and looks_like_street_address(fields["area"]):
        error("area", _("This looks like a street address. Enter only the neighborhood or area."))
    fields["rights"] = [r.strip() for r in raw.get("rights", "").split(";") if r.strip()]
    if any(len(r) > 200 for r in fields["rights"]):
        error("rights", _("Keep each right or article under 200 characters."))

    if errors:
        result.errors.extend(errors)
        return None
    return Row(line=line, fields=fields, theme_ids=theme_ids, fingerprint=fingerprint(fields))


def testimony_from_row(row: Row, **extra: Any) -> Testimony:
    return Testimony(**row.fields, fingerprint=row.fingerprint, import_row=row.line, **extra)
