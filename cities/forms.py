"""Forms validate input only; services do the writing. crispy's FormHelper handles layout."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cities.models import City, InvitationRole, ReviewCycle, Role, Theme


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when there is one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class _CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", str(self.submit_label)))


class InviteForm(_CrispyForm):
    """A city lead invites to their own city."""

    submit_label = _("Send invitation")
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.ORGANIZER,
        help_text=_(
            "City leads manage the team and approve reports. Organizers log testimony and "
            "build surveys. Viewers can read."
        ),
    )


class NationalInviteForm(_CrispyForm):
    """A coordinator invites to any city, or as a coordinator."""

    submit_label = _("Send invitation")
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=InvitationRole.choices, initial=InvitationRole.CITY_LEAD
    )
    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=City.objects.order_by("name"),
        required=False,
        to_field_name="uuid",
        help_text=_("Leave empty when inviting a national coordinator."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, city = data.get("role"), data.get("city")
        if role == InvitationRole.NATIONAL_COORDINATOR and city is not None:
            self.add_error(
                "city", _("Coordinators are invited to the whole portal, not to one city.")
            )
        if role and role != InvitationRole.NATIONAL_COORDINATOR and city is None:
            self.add_error("city", _("Choose the city this person will join."))
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class CityForm(_CrispyForm):
    name = forms.CharField(label=_("City name"), max_length=120)
    state = forms.CharField(label=_("State"), max_length=60)
    slug = forms.SlugField(
        label=_("Web address name"),
        max_length=80,
        required=False,
        help_text=_("Used in the public page's address. Leave empty to make one from the name."),
    )
    public_description = forms.CharField(
        label=_("Public description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contact_email = forms.EmailField(label=_("Public contact email"), required=False)
    contact_url = forms.URLField(label=_("Public website"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, instance: City | None = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data.get("slug") or ""
        clash = City.objects.filter(slug=slug)
        if self.instance is not None:
            clash = clash.exclude(uuid=self.instance.uuid)
        if slug and clash.exists():
            raise forms.ValidationError(_("Another city already uses this web address name."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, state = data.get("name"), data.get("state")
        if name and state:
            clash = City.objects.filter(name__iexact=name.strip(), state__iexact=state.strip())
            if self.instance is not None:
                clash = clash.exclude(uuid=self.instance.uuid)
            if clash.exists():
                self.add_error("name", _("This city is already in the portal."))
        return data


class CycleForm(_CrispyForm):
    state_under_review = forms.CharField(
        label=_("State under review"), max_length=100, initial="United States"
    )
    number = forms.IntegerField(label=_("Cycle number"), min_value=1, max_value=20)
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("For example: United States — 4th UPR cycle")
    )
    consultations_open = forms.DateField(
        label=_("Consultations open"), widget=forms.DateInput(attrs={"type": "date"})
    )
    local_report_due = forms.DateField(
        label=_("Local report due"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("September 15 unless the coordinators agree otherwise."),
    )
    national_compilation_due = forms.DateField(
        label=_("National compilation due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    review_session = forms.DateField(
        label=_("Review session"), widget=forms.DateInput(attrs={"type": "date"})
    )
    recommendations_released = forms.DateField(
        label=_("Recommendations released"), widget=forms.DateInput(attrs={"type": "date"})
    )
    national_word_limit = forms.IntegerField(
        label=_("Word limit for the national report"),
        min_value=500,
        max_value=100_000,
        initial=5630,
        help_text=_(
            "UN stakeholder submissions have word limits: 5,630 words for a joint submission."
        ),
    )

    def __init__(self, *args: Any, instance: ReviewCycle | None = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        state, number = data.get("state_under_review"), data.get("number")
        if state and number:
            clash = ReviewCycle.objects.filter(state_under_review__iexact=state, number=number)
            if self.instance is not None:
                clash = clash.exclude(uuid=self.instance.uuid)
            if clash.exists():
                self.add_error("number", _("This state already has a cycle with this number."))
        return data


class CycleCreateForm(CycleForm):
    make_current = forms.BooleanField(
        label=_("Make this the current cycle"),
        required=False,
        help_text=_("Every city joins the current cycle, and the public timeline shows it."),
    )


class AcceptInvitationForm(_CrispyForm):
    """A new account's name and password, set when accepting an invitation."""

    submit_label = _("Accept and create my account")
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("Shown to your team. You can leave it empty."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords don't match."))
        elif p1:
            from accounts.models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name") or "")
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ThemeForm(_CrispyForm):
    name_en = forms.CharField(label=_("Name in English"), max_length=120)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=120)
    slug = forms.SlugField(
        label=_("Short code"),
        max_length=60,
        help_text=_("Lower-case letters, numbers and hyphens. Used in imports and links."),
    )
    instruments = forms.CharField(
        label=_("Treaties and instruments"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One per line, for example: UDHR art. 25, ICCPR art. 9, ICERD art. 5."),
    )
    sort_order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=32767)
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        help_text=_("Retired themes stay on existing evidence but can't be chosen again."),
    )

    def __init__(self, *args: Any, instance: Theme | None = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    def clean_instruments(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["instruments"].splitlines() if line.strip()
        ]

    def _unique(self, field: str, message: str) -> str:
        value: str = self.cleaned_data[field].strip()
        clash = Theme.objects.filter(**{f"{field}__iexact": value})
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(message)
        return value

    def clean_slug(self) -> str:
        return self._unique("slug", str(_("Another theme already uses this short code.")))

    def clean_name_en(self) -> str:
        return self._unique("name_en", str(_("Another theme already has this name.")))

    def clean_name_es(self) -> str:
        return self._unique("name_es", str(_("Another theme already has this name.")))
