"""Neutralise spreadsheet formulas in exported cells (CSV/XLSX injection).

A cell that starts with = + - @, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets. Prefixing a single quote makes it plain text.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
