"""What a print layout receives: plain data, already filtered for consent and redaction.

`reports.services.rendering` builds these from the database; the print templates
(`templates/reports/pdf/`) and the DOCX writer (`reports.docx_export`) only lay them out.
Nothing here holds a testimony's narrative, a speaker's contact, or anything internal-only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class PrintSection:
    heading: str
    html: SafeString  # sanitised Markdown with citations resolved


@dataclass(frozen=True)
class PrintDocument:
    """A city's local report or summary."""

    title: str  # e.g. "Harbor Falls, WA: local report"
    city_label: str  # "Harbor Falls, WA"
    cycle_label: str  # "United States, UPR cycle 4"
    kind_label: str  # "Local report" / "Summary for the national report"
    date: datetime.date
    is_draft: bool  # shows the DRAFT watermark
    language: str  # "en" / "es": <html lang>
    sections: list[PrintSection]


@dataclass(frozen=True)
class CityContribution:
    """One city's text under one heading of the national report."""

    city_label: str
    markdown: str  # the city's Markdown (citations already resolved to plain quotes)
    html: SafeString  # the same, as sanitised HTML


@dataclass(frozen=True)
class ThemeBlock:
    heading: str  # a theme's name, or a section name for text filed under no theme
    contributions: list[CityContribution]


@dataclass(frozen=True)
class CountRow:
    theme: str
    cities: str  # number of cities with evidence on the theme (already suppressed if needed)
    testimonies: str  # "12", or "fewer than 5"
    responses: str


@dataclass(frozen=True)
class NationalDocument:
    """The national shadow-report compilation."""

    title: str
    cycle_label: str
    date: datetime.date
    language: str
    introduction: str
    blocks: list[ThemeBlock]
    count_rows: list[CountRow]
    cities: list[str] = field(default_factory=list)  # participating cities, by name
    word_count: int = 0
    word_limit: int = 0
    is_draft: bool = False
