"""Forms for reports. They validate only; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cities.forms import _CrispyForm
from reports.models import CitationKind, DocumentKind, ReportSection
from reports.services.editing import MAX_SECTION_LENGTH, SectionChange


class ReportStartForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, widget=forms.HiddenInput)
    language = forms.ChoiceField(
        label=_("Language of the document"), choices=settings.LANGUAGES, initial="en"
    )


class SectionsForm(forms.Form):
    """One textarea per section, with the version each was loaded at (for conflicts)."""

    def __init__(self, *args: Any, sections: list[ReportSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            key = section.uuid.hex
            self.fields[f"body_{key}"] = forms.CharField(
                label=section.get_kind_display(),
                required=False,
                strip=False,
                max_length=MAX_SECTION_LENGTH,
                initial=section.body,
                widget=forms.Textarea(
                    attrs={
                        "rows": 14,
                        "class": "form-control report-editor-text",
                        "data-word-target": section.word_target,
                        "data-section": section.kind,
                        "spellcheck": "true",
                    }
                ),
            )
            self.fields[f"version_{key}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=section.version, min_value=0
            )

    def bound_sections(self) -> list[tuple[ReportSection, forms.BoundField, forms.BoundField]]:
        return [
            (s, self[f"body_{s.uuid.hex}"], self[f"version_{s.uuid.hex}"]) for s in self.sections
        ]

    def changes(self) -> list[SectionChange]:
        data = self.cleaned_data
        return [
            SectionChange(
                section_uuid=str(s.uuid),
                body=data.get(f"body_{s.uuid.hex}") or "",
                version=data.get(f"version_{s.uuid.hex}") or 0,
            )
            for s in self.sections
            if f"body_{s.uuid.hex}" in self.data
        ]


class EvidenceFilterForm(forms.Form):
    theme = forms.UUIDField(label=_("Theme"), required=False)


class CitationForm(forms.Form):
    kind = forms.ChoiceField(choices=CitationKind.choices)
    section = forms.UUIDField()
    testimony = forms.UUIDField(required=False)
    question = forms.UUIDField(required=False)
    option_key = forms.CharField(required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == CitationKind.QUOTE and not data.get("testimony"):
            raise forms.ValidationError(_("Choose a testimony to quote."))
        if kind in (CitationKind.STATISTIC, CitationKind.CHART) and not data.get("question"):
            raise forms.ValidationError(_("Choose a survey question to cite."))
        return data


class ConfirmForm(_CrispyForm):
    submit_label = _("Confirm")


class ReopenForm(_CrispyForm):
    submit_label = _("Reopen the summary")
    reason = forms.CharField(
        label=_("Why it is reopened"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The city team sees this. For example: the housing section has no source."),
    )


class CompileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the national report"), choices=settings.LANGUAGES, initial="en"
    )
