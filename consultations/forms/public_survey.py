"""The resident's survey form: one field per question, the show-if rules enforced again
on the server, a consent box, a honeypot and a signed form token.

The token holds a random submission id and the time the form was served, signed with the
survey's UUID as salt. The id makes a re-sent form harmless (see
`services.survey_response_submit`); the time is the minimum-fill-time check.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from consultations import survey_logic
from consultations.models import TEXT_MAX_LENGTH, QuestionKind, Survey, SurveyQuestion, tr

HONEYPOT = "website"


@dataclass(frozen=True)
class FormToken:
    submission_id: uuid.UUID
    served_at: float


def _salt(survey: Survey) -> str:
    return f"survey-form:{survey.uuid}"


def token_make(survey: Survey, *, submission_id: uuid.UUID | None = None) -> str:
    return signing.dumps(
        {"s": (submission_id or uuid.uuid4()).hex, "t": round(time.time(), 3)},
        salt=_salt(survey),
    )


def token_read(survey: Survey, token: str, *, max_age: int) -> FormToken | None:
    """The token's contents, or None when it was tampered with, is for another survey, or
    is older than `max_age` seconds."""
    try:
        data = signing.loads(token, salt=_salt(survey), max_age=max_age)
        return FormToken(uuid.UUID(hex=str(data["s"])), float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


@dataclass
class QuestionItem:
    """What the template needs to draw one question."""

    question: SurveyQuestion
    field: forms.BoundField
    label: str
    help_text: str
    is_group: bool  # radios or checkboxes: a fieldset with a legend
    anchor: str  # the id the error summary links to
    show_if_name: str
    show_if_value: str


class SurveyAnswerForm(forms.Form):
    consent = forms.BooleanField(required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(
        self,
        *args: Any,
        survey: Survey,
        questions: Sequence[SurveyQuestion],
        language: str,
        source: survey_logic.OptionSource,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.questions = list(questions)
        self.language = language
        self.answers: dict[str, Any] = {}
        consent = self.fields["consent"]
        consent.label = _("I have read this and I agree to take part")
        for question in self.questions:
            self.fields[question.field_name] = self._field(question, source)

    def _field(self, question: SurveyQuestion, source: survey_logic.OptionSource) -> forms.Field:
        kind = question.kind
        common: dict[str, Any] = {
            "required": False,
            "label": tr(question.label, self.language),
            "help_text": tr(question.help_text, self.language),
        }
        if kind in TEXT_MAX_LENGTH:
            limit = TEXT_MAX_LENGTH[QuestionKind(kind)]
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 5, "maxlength": limit})
                if kind == QuestionKind.LONG_TEXT
                else forms.TextInput(attrs={"maxlength": limit})
            )
            return forms.CharField(max_length=limit, widget=widget, **common)
        choices = survey_logic.question_options(question, self.language, source)
        messages = {"invalid_choice": _("Choose one of the answers listed.")}
        if question.is_multi:
            return forms.MultipleChoiceField(
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=messages,
                **common,
            )
        if kind == QuestionKind.NEIGHBORHOOD:
            return forms.ChoiceField(
                choices=[("", _("Choose a neighborhood")), *choices],
                widget=forms.Select,
                error_messages=messages,
                **common,
            )
        return forms.ChoiceField(
            choices=choices, widget=forms.RadioSelect, error_messages=messages, **common
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get(HONEYPOT):
            raise forms.ValidationError(
                _("This form could not be sent. Please check your answers and send it again."),
                code="honeypot",
            )
        if not data.get("consent"):
            self.add_error(
                "consent", _("Tick the box to agree to the statement before sending your answers.")
            )
        raw = {str(q.uuid): data.get(q.field_name) for q in self.questions}
        visible = survey_logic.visible_question_ids(self.questions, raw)
        answers: dict[str, Any] = {}
        for question in self.questions:
            name = question.field_name
            if question.pk not in visible:
                # Hidden by a show-if rule: whatever was sent is dropped, errors included,
                # and it is not required.
                self.errors.pop(name, None)
                data.pop(name, None)
                continue
            if name in self.errors:
                continue
            value = raw[str(question.uuid)]
            if isinstance(value, str):
                value = value.strip()
            if value in (None, "", []):
                if question.required:
                    self.add_error(name, _required_message(question))
                continue
            answers[str(question.uuid)] = value
        self.answers = answers
        return data

    def items(self) -> list[QuestionItem]:
        by_id = {q.pk: q for q in self.questions}
        out = []
        for question in self.questions:
            field = self[question.field_name]
            is_group = isinstance(
                field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple
            )
            controller = by_id.get(question.show_if_question_id or 0)
            out.append(
                QuestionItem(
                    question=question,
                    field=field,
                    label=str(field.label),
                    help_text=str(field.help_text),
                    is_group=is_group,
                    anchor=f"{field.auto_id}_0" if is_group else field.auto_id,
                    show_if_name=controller.field_name if controller else "",
                    show_if_value=question.show_if_value if controller else "",
                )
            )
        return out

    def error_links(self, items: list[QuestionItem] | None = None) -> list[tuple[str, str]]:
        """`(anchor, message)` for the error summary, in page order. Pass `items()` when
        already built."""
        links: list[tuple[str, str]] = []
        for error in self.non_field_errors():
            links.append(("survey-form", str(error)))
        if "consent" in self.errors:
            links.append((self["consent"].auto_id, str(self.errors["consent"][0])))
        for item in items if items is not None else self.items():
            if item.field.errors:
                links.append((item.anchor, f"{item.label}: {item.field.errors[0]}"))
        return links


def _required_message(question: SurveyQuestion) -> Any:
    if question.is_text:
        return _("Answer this question, please.")
    if question.is_multi:
        return _("Choose at least one answer.")
    return _("Choose an answer.")
