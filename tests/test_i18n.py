"""English and Spanish ship together: the catalogue is complete and pages switch language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_every_spanish_message_is_translated():
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"untranslated: {missing[:10]} (+{max(0, len(missing) - 10)} more)"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_placeholders_survive_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    import re

    pattern = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(pattern.findall(ids[0]))
        for string in strings:
            assert set(pattern.findall(string)) <= expected | set(pattern.findall(ids[-1])), (
                message.id
            )


@pytest.mark.django_db
def test_the_browser_language_picks_spanish(client):
    response = client.get(reverse("home"), headers={"accept-language": "es"})
    assert response.status_code == 200
    assert '<html lang="es"' in response.content.decode()
    assert response.context["LANGUAGE_CODE"] == "es"


@pytest.mark.django_db
def test_the_switcher_persists_the_choice(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("public:directory")).content.decode()
    assert '<html lang="es"' in page
    assert "Ciudades" in page
