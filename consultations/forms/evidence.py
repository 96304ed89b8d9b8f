"""Forms for consultations and testimony: validation and layout only, services write."""

from __future__ import annotations

import uuid
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import City, Theme
from consultations.models import (
    ConsentLevel,
    ConsentMethod,
    Consultation,
    Language,
    Nature,
    ReviewStatus,
    Testimony,
)
from consultations.selectors import TestimonyFilters
from consultations.services import CONSULTATION_EDITABLE, TESTIMONY_EDITABLE

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.name


def _theme_queryset(current: Any = None) -> Any:
    """Themes in use, plus any retired theme the record already carries."""
    from django.db.models import Q

    ids = [t.pk for t in current.themes.all()] if current is not None and current.pk else []
    return Theme.objects.filter(Q(is_active=True) | Q(pk__in=ids))


class _InputOnlyModelForm(forms.ModelForm):
    """A ModelForm for its fields and initial values only. It never builds or validates
    the instance: the service does that, and the form never saves."""

    def _post_clean(self) -> None:
        pass


class ConsultationForm(_InputOnlyModelForm):
    themes = ThemeChoiceField(
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Themes"),
    )
    languages = forms.MultipleChoiceField(
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Languages offered"),
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Consultation
        fields = [
            "title",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "place",
            "accessibility_notes",
            "languages",
            "themes",
            "partner_organizations",
            "attendance",
            "facilitator_notes",
            "is_public",
        ]
        widgets = {
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
            "partner_organizations": forms.Textarea(attrs={"rows": 2}),
            "facilitator_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = _theme_queryset(self.instance)  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", str(_("Save consultation"))))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end must not be before the start."))
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONSULTATION_EDITABLE}


class TestimonyForm(_InputOnlyModelForm):
    __test__ = False  # not a pytest test class, despite the name

    themes = ThemeChoiceField(
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Themes"),
        error_messages={"required": _("Choose at least one theme.")},
    )
    rights = forms.CharField(
        label=_("Rights or treaty articles involved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, for example: ICCPR art. 9. Each theme lists its instruments."),
    )
    occurred_on = forms.DateField(
        label=_("When it happened"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Testimony
        fields = [
            "consultation",
            "narrative",
            "summary",
            "themes",
            "rights",
            "nature",
            "occurred_on",
            "area",
            "source",
            "language",
            "consent_level",
            "consent_method",
            "speaker_name",
            "speaker_contact",
            "age_band",
            "demographic_group",
        ]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 8}),
            "nature": forms.RadioSelect,
            "consent_level": forms.RadioSelect,
            "consent_method": forms.RadioSelect,
        }

    def __init__(self, *args: Any, city: City, show_restricted: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_restricted = show_restricted
        # Radio buttons without Django's blank "---------" choice.
        self.fields["nature"].choices = Nature.choices  # type: ignore[attr-defined]
        self.fields["consent_level"].choices = ConsentLevel.choices  # type: ignore[attr-defined]
        self.fields["consent_method"].choices = ConsentMethod.choices  # type: ignore[attr-defined]
        self.fields["themes"].queryset = _theme_queryset(self.instance)  # type: ignore[attr-defined]
        if self.instance.pk is None:
            # Sent back with the form: a re-send of the same form (double click, a retry
            # after a dropped connection) finds the testimony it already saved.
            self.fields["submission_id"] = forms.UUIDField(
                required=False, widget=forms.HiddenInput, initial=uuid.uuid4
            )
        consultation = self.fields["consultation"]
        consultation.queryset = Consultation.objects.filter(city=city)  # type: ignore[attr-defined]
        consultation.empty_label = _("None: logged on its own")  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["rights"] = "\n".join(self.instance.rights)
        restricted = [
            Fieldset(
                _("Restricted: only the city lead and whoever logged it can see these"),
                "speaker_name",
                "speaker_contact",
            )
        ]
        if not show_restricted:
            del self.fields["speaker_name"]
            del self.fields["speaker_contact"]
            restricted = []
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("What was said"),
                "consultation",
                "narrative",
                "summary",
                "themes",
                "rights",
                "nature",
            ),
            Fieldset(_("Context"), "occurred_on", "area", "source", "language"),
            Fieldset(_("Consent"), "consent_level", "consent_method"),
            *restricted,
            Fieldset(
                _("Optional: how the person describes themselves"),
                "age_band",
                "demographic_group",
            ),
        )
        self.helper.add_input(Submit("submit", str(_("Save testimony"))))

    def clean_rights(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["rights"].splitlines() if line.strip()]

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in TESTIMONY_EDITABLE}
        if self.show_restricted:
            data["speaker_name"] = self.cleaned_data["speaker_name"]
            data["speaker_contact"] = self.cleaned_data["speaker_contact"]
        return data


class RedactionForm(forms.Form):
    names = forms.CharField(
        label=_("Names to redact"),
        required=False,
        help_text=_(
            "Names of people or places mentioned, separated by commas. The speaker's name is "
            "always included."
        ),
    )
    redacted_quote = forms.CharField(
        label=_("Redacted quote"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("The only text of this testimony that reports will ever show."),
    )

    def name_list(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data.get("names", "").split(",") if n.strip()]


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=300,
        help_text=_("How the withdrawal was received, for example: “by phone, 3 May”."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the person withdrew their consent."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Audio, photo or document"))


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Start from the template, in English or Spanish. UTF-8 text."),
    )
    consultation = forms.ModelChoiceField(
        queryset=Consultation.objects.none(),
        required=False,
        label=_("Consultation (optional)"),
        empty_label=_("None: the paper forms weren't from one event"),
    )

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = Consultation.objects.filter(city=city)  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", str(_("Check the file"))))


class TestimonyFilterForm(forms.Form):
    """The list's search and filters (GET). Bad values are ignored, never an error page."""

    __test__ = False  # not a pytest test class, despite the name

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        to_field_name="uuid",
        required=False,
        label=_("Theme"),
        empty_label=_("Any theme"),
    )
    consultation = forms.ModelChoiceField(
        queryset=Consultation.objects.none(),
        to_field_name="uuid",
        required=False,
        label=_("Consultation"),
        empty_label=_("Any consultation"),
    )
    nature = forms.ChoiceField(
        choices=[("", _("Problems and positives")), *Nature.choices],
        required=False,
        label=_("Describes"),
    )
    consent = forms.ChoiceField(
        choices=[("", _("Any consent")), *ConsentLevel.choices, ("withdrawn", _("Withdrawn"))],
        required=False,
        label=_("Consent"),
    )
    review = forms.ChoiceField(
        choices=[("", _("Any review state")), *ReviewStatus.choices],
        required=False,
        label=_("Review"),
    )
    date_from = forms.DateField(
        required=False, label=_("Happened from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("Happened until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    city = forms.ModelChoiceField(
        queryset=City.objects.all(),
        to_field_name="uuid",
        required=False,
        label=_("City"),
        empty_label=_("Every city"),
    )

    def __init__(self, *args: Any, city: City | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].label_from_instance = lambda t: t.name  # type: ignore[attr-defined]
        if city is not None:
            del self.fields["city"]
            self.fields["consultation"].queryset = Consultation.objects.filter(city=city)  # type: ignore[attr-defined]
        else:
            del self.fields["consultation"]

    def filters(self) -> TestimonyFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        # Fields that failed validation are simply not applied.
        return TestimonyFilters(
            q=data.get("q") or "",
            theme=str(data["theme"].uuid) if data.get("theme") else "",
            consultation=str(data["consultation"].uuid) if data.get("consultation") else "",
            nature=data.get("nature") or "",
            consent=data.get("consent") or "",
            review=data.get("review") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            city=str(data["city"].uuid) if data.get("city") else "",
        )
