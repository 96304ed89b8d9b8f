"""Forms for accountability. They validate only; services write."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accountability import upr_import
from accountability.models import (
    Action,
    ActionPlan,
    ActionStatus,
    Indicator,
    LinkStatus,
    OfficialResponseKind,
    UNResponse,
)
from accountability.selectors import FilterOptions, RecommendationFilters
from cities.forms import _CrispyForm
from cities.models import ReviewCycle, Theme


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _themes_field(required: bool = False, label: Any = None) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Theme.objects.filter(is_active=True),
        required=required,
        label=label or _("Themes"),
        widget=forms.CheckboxSelectMultiple,
    )


# --------------------------------------------------------------------------- national


class RecommendationUploadForm(_CrispyForm):
    submit_label = _("Check the file")
    cycle = forms.ModelChoiceField(
        queryset=ReviewCycle.objects.order_by("-number"),
        label=_("Review cycle"),
        help_text=_("The cycle whose recommendations the file lists."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A UPR Info database export, or a paragraph-numbered list with the columns "
            "paragraph, recommending_state, position, theme and text. UTF-8."
        ),
    )
    source_document = forms.CharField(
        label=_("Source document (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example: A/HRC/46/15. Left empty, the portal names the file's source."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > upr_import.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."),
                params={"mb": upr_import.MAX_BYTES // (1024 * 1024)},
            )
        return upload


class ConfirmForm(forms.Form):
    """A POST with nothing but its CSRF token: the button is the decision."""


class ThemeMappingForm(_CrispyForm):
    themes = _themes_field(label=_("Portal themes"))
    not_applicable = forms.BooleanField(
        label=_("No portal theme applies"),
        required=False,
        help_text=_(
            "For international matters with no local counterpart. Ignored if you pick themes."
        ),
    )


class RecommendationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("police, housing, 26.142…")}
        ),
    )
    cycle = forms.TypedChoiceField(label=_("Cycle"), required=False, coerce=int, empty_value=None)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    response = forms.ChoiceField(
        label=_("Response"),
        required=False,
        choices=[("", _("Any response")), *UNResponse.choices],
    )
    state = forms.ChoiceField(label=_("Recommending state"), required=False)

    def __init__(self, *args: Any, options: FilterOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cycles, themes, states = options.cycles, options.themes, options.states
        self.fields["cycle"].choices = [("", _("Any cycle")), *cycles]  # type: ignore[attr-defined]
        self.fields["theme"].choices = [("", _("Any theme")), *((t.slug, t.name) for t in themes)]  # type: ignore[attr-defined]
        self.fields["state"].choices = [("", _("Any state")), *((s, s) for s in states)]  # type: ignore[attr-defined]

    def filters(self) -> RecommendationFilters:
        """What to search for: nothing (everything) when the form is unbound or invalid."""
        if not self.is_valid():
            return RecommendationFilters()
        d = self.cleaned_data
        return RecommendationFilters(
            query=d["q"],
            cycle=d["cycle"],
            theme=d["theme"],
            response=d["response"],
            state=d["state"],
        )


# --------------------------------------------------------------------------- evidence links


class LinkDecisionForm(forms.Form):
    recommendation = forms.UUIDField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=LinkStatus.choices)
    suggested = forms.BooleanField(required=False, widget=forms.HiddenInput)


class LocalRecommendationForm(_CrispyForm):
    text = forms.CharField(
        label=_("Recommendation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One recommendation to local officials, as your report words it."),
    )
    themes = _themes_field()


class TakeUpForm(forms.Form):
    recommendation = forms.UUIDField(widget=forms.HiddenInput, required=False)
    local_recommendation = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("recommendation")) == bool(data.get("local_recommendation")):
            raise forms.ValidationError(_("Choose one recommendation to take up."))
        return data


# --------------------------------------------------------------------------- plans


class PlanForm(_CrispyForm):
    summary = forms.CharField(
        label=capfirst(ActionPlan._meta.get_field("summary").verbose_name),
        help_text=ActionPlan._meta.get_field("summary").help_text,
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ActionForm(_CrispyForm):
    description = forms.CharField(
        label=_("Action"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will be done. Shown on the public scorecard."),
    )
    responsible = forms.CharField(
        label=capfirst(Action._meta.get_field("responsible").verbose_name),
        help_text=Action._meta.get_field("responsible").help_text,
        max_length=200,
    )
    target = forms.CharField(
        label=capfirst(Action._meta.get_field("target").verbose_name),
        help_text=Action._meta.get_field("target").help_text,
        max_length=500,
    )
    due_on = forms.DateField(label=_("Due date"), widget=_date_widget())
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.NOT_STARTED
    )


class IndicatorForm(_CrispyForm):
    name = forms.CharField(
        label=_("Indicator"), max_length=200, help_text=_("For example: affordable units built.")
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=60, help_text=_("For example: units, %, days.")
    )
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2)
    target_value = forms.DecimalField(label=_("Target value"), max_digits=14, decimal_places=2)
    data_source = forms.CharField(
        label=_("Data source"), max_length=300, help_text=_("Where the figures come from.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("baseline") is not None
            and data.get("target_value") is not None
            and data["baseline"] == data["target_value"]
        ):
            self.add_error("target_value", _("The target value must differ from the baseline."))
        return data


class ProgressForm(_CrispyForm):
    submit_label = _("Add the update")
    reported_on = forms.DateField(label=_("Date"), widget=_date_widget())
    text = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public scorecard. Don't name residents."),
    )
    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.none(),
        required=False,
        label=_("Indicator (optional)"),
        empty_label=_("No reading"),
    )
    value = forms.DecimalField(
        label=_("Indicator value"), max_digits=14, decimal_places=2, required=False
    )
    status = forms.ChoiceField(label=_("Action status"), choices=ActionStatus.choices)
    evidence_url = forms.URLField(
        label=_("Evidence link (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A public page: a council resolution, budget line or news story."),
    )
    evidence_file = forms.FileField(
        label=_("Evidence file (optional)"),
        required=False,
        help_text=_("PDF, image, Word, Excel, CSV or text, up to 10 MB. Seen by your team only."),
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("reported_on", timezone.localdate())
        kwargs["initial"].setdefault("status", action.status)
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = action.indicators.all()  # type: ignore[attr-defined]

    def clean_reported_on(self) -> Any:
        day = self.cleaned_data["reported_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date can't be in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_indicator = data.get("indicator") is not None
        has_value = data.get("value") is not None
        if has_indicator and not has_value:
            self.add_error("value", _("Give the indicator's value."))
        if has_value and not has_indicator:
            self.add_error("indicator", _("Choose the indicator this value is for."))
        return data


# --------------------------------------------------------------------------- officials


class ResponseLinkForm(_CrispyForm):
    submit_label = _("Create the link")
    official_name = forms.CharField(label=_("Official's name"), max_length=200)
    official_title = forms.CharField(
        label=_("Title or office"), max_length=200, help_text=_("For example: Director of Housing.")
    )
    action = forms.ModelChoiceField(
        queryset=Action.objects.none(),
        required=False,
        label=_("About"),
        empty_label=_("The whole recommendation"),
    )
    message = forms.CharField(
        label=_("Message to the official (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown at the top of the response page."),
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=90,
        initial=settings.RESPONSE_LINK_TTL_DAYS,
    )

    def __init__(self, *args: Any, plan: ActionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = Action.objects.filter(plan=plan)  # type: ignore[attr-defined]


class OfficialResponseForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("This is"),
        choices=OfficialResponseKind.choices,
        widget=forms.RadioSelect,
        initial=OfficialResponseKind.RESPONSE,
    )
    text = forms.CharField(
        label=_("Your response"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Published on the city's public scorecard with today's date, under your name and title."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I am the official named above and I agree to this response being published."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", str(_("Publish my response"))))


class HideResponseForm(_CrispyForm):
    submit_label = _("Hide from the scorecard")
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the activity log. For example: posted by mistake."),
    )


def themes_for_evidence(current_ids: list[int]) -> Any:
    return Theme.objects.filter(Q(is_active=True) | Q(pk__in=current_ids))
