"""The survey builder's forms. A survey's texts get one field per language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import Theme
from consultations import survey_logic
from consultations.forms.evidence import ThemeChoiceField
from consultations.models import (
    REQUIRED_LANGUAGES,
    Language,
    Nature,
    QuestionKind,
    Survey,
    SurveyQuestion,
    Testimony,
)
from consultations.selectors import ResultFilters

EXTRA_LANGUAGES = [
    (code, label)
    for code, label in Language.choices
    # A written survey can't be in a sign language; "other" names no language.
    if code not in REQUIRED_LANGUAGES and code not in (Language.OTHER, Language.ASL)
]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _LanguageFieldsMixin:
    """Adds `<name>_<code>` fields for each language and reads them back as a map."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    languages: list[str]

    def add_text_fields(
        self,
        name: str,
        label: Any,
        *,
        initial: dict[str, str] | None,
        textarea: bool = False,
        max_length: int = 200,
        help_text: Any = "",
    ) -> None:
        for code in self.languages:
            self.fields[f"{name}_{code}"] = forms.CharField(
                label=f"{label} ({survey_logic.language_name(code)})",
                required=False,
                max_length=max_length,
                initial=(initial or {}).get(code, ""),
                help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code})
                if textarea
                else forms.TextInput(attrs={"lang": code}),
            )

    def texts(self, name: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{name}_{code}", "") for code in self.languages}


class SurveyForm(_LanguageFieldsMixin, forms.Form):
    extra_languages = forms.MultipleChoiceField(
        label=_("More languages"),
        choices=EXTRA_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "English and Spanish are always offered. Another language is offered to "
            "residents once all its texts are written."
        ),
    )
    opens_on = forms.DateField(label=_("Opens on"), required=False, widget=_date_widget())
    closes_on = forms.DateField(
        label=_("Closes on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Responses are accepted until the end of this day."),
    )
    response_cap = forms.IntegerField(
        label=_("Response limit"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=_("Optional. The survey stops taking responses when it is reached."),
    )

    def __init__(self, *args: Any, survey: Survey | None = None, **kwargs: Any) -> None:
        if survey is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "extra_languages": [c for c in survey.languages if c not in REQUIRED_LANGUAGES],
                "opens_on": survey.opens_on,
                "closes_on": survey.closes_on,
                "response_cap": survey.response_cap,
            }
        super().__init__(*args, **kwargs)
        self.languages = list(survey.languages) if survey else list(REQUIRED_LANGUAGES)
        self.add_text_fields("title", _("Title"), initial=survey.title if survey else None)
        self.add_text_fields(
            "introduction",
            _("Introduction"),
            initial=survey.introduction if survey else None,
            textarea=True,
            max_length=4000,
            help_text=_("What the survey is for, who runs it, and how long it takes."),
        )
        self.add_text_fields(
            "consent_statement",
            _("Consent statement"),
            initial=survey.consent_statement if survey else None,
            textarea=True,
            max_length=4000,
            help_text=_("What residents agree to before answering: how answers are used and kept."),
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(
                Fieldset(
                    survey_logic.language_name(code),
                    f"title_{code}",
                    f"introduction_{code}",
                    f"consent_statement_{code}",
                )
                for code in self.languages
            ),
            Fieldset(_("When and how many"), "opens_on", "closes_on", "response_cap"),
            Fieldset(_("Languages"), "extra_languages"),
        )

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "languages": [*REQUIRED_LANGUAGES, *data["extra_languages"]],
            "title": self.texts("title"),
            "introduction": self.texts("introduction"),
            "consent_statement": self.texts("consent_statement"),
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "response_cap": data["response_cap"],
        }


class QuestionForm(_LanguageFieldsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    show_if = forms.ChoiceField(
        label=_("Show this question"),
        required=False,
        help_text=_("Residents see it only when an earlier question has this answer."),
    )

    def __init__(
        self,
        *args: Any,
        survey: Survey,
        earlier: Sequence[SurveyQuestion],
        source: survey_logic.OptionSource,
        question: SurveyQuestion | None = None,
        locked: bool = False,
        **kwargs: Any,
    ) -> None:
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": question.kind,
                "required": question.required,
                "show_if": (
                    f"{question.show_if_question.uuid}:{question.show_if_value}"
                    if question.show_if_question
                    else ""
                ),
            }
        super().__init__(*args, **kwargs)
        self.languages = list(survey.languages)
        self.locked = locked
        self._rules: dict[str, tuple[SurveyQuestion, str, set[str]]] = {}
        choices: list[tuple[str, str]] = [("", str(_("Always")))]
        for other in earlier:
            if other.is_text:
                continue
            options = survey_logic.question_options(other, "en", source, include_retired=True)
            keys = {key for key, _label in options}
            for key, label in options:
                value = f"{other.uuid}:{key}"
                self._rules[value] = (other, key, keys)
                choices.append(
                    (
                        value,
                        str(
                            _(
                                "Only if question %(number)s (“%(question)s”) is answered “%(option)s”"
                            )
                            % {
                                "number": other.position,
                                "question": other.display_label("en")[:60],
                                "option": label,
                            }
                        ),
                    )
                )
        self.fields["show_if"].choices = choices  # type: ignore[attr-defined]
        self.add_text_fields(
            "label",
            _("Question"),
            initial=question.label if question else None,
            max_length=500,
        )
        self.add_text_fields(
            "help",
            _("Help text"),
            initial=question.help_text if question else None,
            max_length=1000,
        )
        for code in self.languages:
            lines = [o.get("label", {}).get(code, "") for o in question.options] if question else []
            self.fields[f"options_{code}"] = forms.CharField(
                label=_("Options (%(language)s)") % {"language": survey_logic.language_name(code)},
                required=False,
                initial="\n".join(lines).strip("\n") if any(lines) else "",
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                help_text=_(
                    "For single and multiple choice only. One option per line, in the same "
                    "order in every language."
                ),
            )
        if locked:
            for name in ("kind", "required", "show_if"):
                self.fields[name].disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("The question"), "kind", "required", "show_if"),
            *(
                Fieldset(
                    survey_logic.language_name(code),
                    f"label_{code}",
                    f"help_{code}",
                    f"options_{code}",
                )
                for code in self.languages
            ),
        )

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        rule = self._rules.get(data.get("show_if") or "")
        return {
            "kind": data["kind"],
            "required": data["required"],
            "label": self.texts("label"),
            "help_text": self.texts("help"),
            "option_lines": {
                code: (data.get(f"options_{code}") or "").splitlines() for code in self.languages
            },
            "show_if_question": rule[0] if rule else None,
            "show_if_value": rule[1] if rule else "",
            "option_keys": rule[2] if rule else set(),
        }


class NeighborhoodsForm(forms.Form):
    names = forms.CharField(
        label=_("Neighborhoods"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "One per line, in the order residents should see them. Removing a name retires "
            "it: earlier answers keep it."
        ),
    )

    def service_fields(self) -> dict[str, Any]:
        return {"names": self.cleaned_data["names"].splitlines()}


class ResultFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_widget())
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("All languages")),
            *((code, survey_logic.language_name(code)) for code in survey.languages),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> ResultFilters:
        if not self.is_valid():
            return ResultFilters()
        data = self.cleaned_data
        return ResultFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            language=data.get("language") or "",
        )


class AnswerSearchForm(ResultFilterForm):
    q = forms.CharField(label=_("Search the answers"), required=False, max_length=200)


class PromoteForm(forms.Form):
    themes = ThemeChoiceField(
        queryset=Theme.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label=_("Themes"),
        error_messages={"required": _("Choose at least one theme.")},
    )
    nature = forms.ChoiceField(label=_("Describes"), choices=Nature.choices)
    summary = forms.CharField(label=_("Short summary"), required=False, max_length=300)
    area = forms.CharField(
        label=_("Neighborhood or area"),
        required=False,
        max_length=120,
        help_text=_("A neighborhood or part of town. Never a street address."),
    )

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "themes": list(data["themes"]),
            "nature": data["nature"],
            "summary": data["summary"],
            "area": data["area"],
        }


class QuoteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Testimony) -> str:
        return f"{obj.short_ref}: {obj.redacted_quote[:200]}"


class SummaryPublishForm(forms.Form):
    quotes = QuoteChoiceField(
        queryset=Testimony.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Quotes to show"),
        help_text=_(
            "Only answers promoted to testimony, with consent to quote, a redacted quote "
            "and a review, can be shown."
        ),
    )

    def __init__(self, *args: Any, quotable: Sequence[Testimony], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quotes"].queryset = Testimony.objects.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in quotable]
        )
