"""Filters for the print layouts (`templates/reports/pdf/`).

The page-margin boxes of a printed report (running header, page numbers) can only be set
in CSS, so city names, cycle titles and translated words end up inside CSS strings in a
`<style>` element. HTML escaping is wrong there (`&amp;` would print literally) and not
enough (`"` or `</style>` would break out), so these filters write CSS escapes instead.
"""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Characters written as CSS hex escapes: the string delimiters, the escape character,
# anything that could close the <style> element or start markup, and control characters.
_CSS_UNSAFE_RE = re.compile(r"[\\\"'<>&\x00-\x1f\x7f]")
_PAGE_PLACEHOLDER_RE = re.compile(r"\{(page|pages)\}")


def _quote(value: str) -> str:
    escaped = _CSS_UNSAFE_RE.sub(lambda m: f"\\{ord(m.group(0)):x} ", value)
    return f'"{escaped}"'


@register.filter
def css_string(value: object) -> SafeString:
    """A quoted CSS string holding `value` as plain text: `content: {{ x|css_string }}`."""
    return mark_safe(_quote(str(value)))  # noqa: S308 - every character that matters is escaped  # nosec B308, B703


@register.filter
def css_page_counter(pattern: object) -> SafeString:
    """CSS `content` for a translated pattern with `{page}` and `{pages}` placeholders.

    `"Page {page} of {pages}"` becomes `"Page " counter(page) " of " counter(pages)`, so
    translators get one whole sentence and may put the numbers in any order.
    """
    parts: list[str] = []
    for index, piece in enumerate(_PAGE_PLACEHOLDER_RE.split(str(pattern))):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_quote(piece))
    return mark_safe(" ".join(parts) or '""')  # noqa: S308 - text parts escaped by _quote  # nosec B308, B703
