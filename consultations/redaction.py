"""Suggested redactions for testimony quotes: emails, phone numbers, street addresses and
names the organizer marks. Suggestions only: an organizer reviews and edits the result.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import npgettext

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# US and international-ish numbers: (555) 123-4567, 555.123.4567, +1 555 123 4567, 5551234567.
PHONE = re.compile(r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)")
_SUFFIXES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Place|Pl|Way|"
    r"Terrace|Ter|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Square|Sq|Trail|Trl|Loop"
)
_UNIT = r"(?:,?\s+(?:Apartment|Apto|Apt|Unit|Suite|Ste|Depto|#)\.?\s*#?\w+)?"
STREET_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[\w'.-]+\s+){{0,4}}?(?:{_SUFFIXES})\b\.?{_UNIT}"
    # Spanish-style: "Calle Olmo 123", "Avenida Juárez #45"
    rf"|\b(?:Calle|Avenida|Av\.|Camino|Carretera|Callejón|Paseo)\s+(?:[\w'.-]+\s+){{1,4}}?#?\d{{1,6}}\b{_UNIT}",
    re.IGNORECASE,
)


def looks_like_street_address(value: str) -> bool:
    return bool(STREET_ADDRESS.search(value))


@dataclass
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> list[tuple[str, int]]:
        """What was found, by label, without echoing what was found (it may be restricted)."""
        labels = {
            "email": lambda n: npgettext("redaction found", "email address", "email addresses", n),
            "phone": lambda n: npgettext("redaction found", "phone number", "phone numbers", n),
            "address": lambda n: npgettext(
                "redaction found", "street address", "street addresses", n
            ),
            "name": lambda n: npgettext("redaction found", "name", "names", n),
        }
        return [(labels[kind](count), count) for kind, count in sorted(self.counts.items())]


def _name_patterns(names: list[str]) -> list[re.Pattern[str]]:
    """Whole names first, then each part of three letters or more, longest first."""
    terms: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if len(name) < 2:
            continue
        terms.add(name)
        terms.update(part for part in name.split(" ") if len(part) >= 3)
    ordered = sorted(terms, key=len, reverse=True)
    return [re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE) for term in ordered]


def suggest(text: str, *, names: list[str] | None = None) -> Redaction:
    """Replace emails, phones, street addresses and the given names with placeholders."""
    result = Redaction(text=text)
    placeholders = {
        "email": _("[email]"),
        "phone": _("[phone]"),
        "address": _("[address]"),
        "name": _("[name]"),
    }
    # Emails before phones (an email can contain digits), addresses before names.
    for kind, pattern in (("email", EMAIL), ("phone", PHONE), ("address", STREET_ADDRESS)):
        result.text, count = pattern.subn(placeholders[kind], result.text)
        result.counts[kind] += count
    for pattern in _name_patterns(names or []):
        result.text, count = pattern.subn(placeholders["name"], result.text)
        result.counts["name"] += count
    result.counts = +result.counts  # drop zero counts
    return result
