"""The rules of a survey that don't touch the database: each question's options in a
language, which questions a show-if rule hides, and which translations are missing.

Theme and neighborhood options come from an `OptionSource` that the caller loads once
(see `consultations.selectors.survey_option_source`), so none of this runs a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from consultations.models import (
    OPTION_KINDS,
    REQUIRED_LANGUAGES,
    ConsentLevel,
    Language,
    QuestionKind,
    Survey,
    SurveyQuestion,
    tr,
)

RATING_KEYS = ("1", "2", "3", "4", "5")
YES_NO_KEYS = ("yes", "no")
QUOTE_CONSENT_KEYS = (ConsentLevel.INTERNAL, ConsentLevel.ANONYMOUS, ConsentLevel.NAMED)


@dataclass(frozen=True)
class NamedOption:
    key: str
    name_en: str
    name_es: str = ""
    active: bool = True

    def name(self, language: str) -> str:
        return self.name_es if language.startswith("es") and self.name_es else self.name_en


@dataclass
class OptionSource:
    """The shared option lists: the theme taxonomy and the city's neighborhoods."""

    themes: list[NamedOption] = field(default_factory=list)
    neighborhoods: list[NamedOption] = field(default_factory=list)


def _fixed_labels(kind: str, language: str) -> list[tuple[str, str]]:
    # Fixed options are translated by the portal's own catalogue, in the survey's language.
    with translation.override(language if language in ("en", "es") else "en"):
        if kind == QuestionKind.RATING:
            return [
                ("1", _("1 – Very poor")),
                ("2", _("2 – Poor")),
                ("3", _("3 – Fair")),
                ("4", _("4 – Good")),
                ("5", _("5 – Very good")),
            ]
        if kind == QuestionKind.YES_NO:
            return [("yes", _("Yes")), ("no", _("No"))]
        if kind == QuestionKind.QUOTE_CONSENT:
            return [
                (ConsentLevel.INTERNAL.value, _("No: my answers are for the city team only")),
                (ConsentLevel.ANONYMOUS.value, _("Yes, without my name")),
                (ConsentLevel.NAMED.value, _("Yes, with my name")),
            ]
    return []


def question_options(
    question: SurveyQuestion,
    language: str,
    source: OptionSource,
    *,
    include_retired: bool = False,
) -> list[tuple[str, str]]:
    """`(key, label)` pairs for a choice question; empty for text questions.

    Retired themes and neighborhoods are offered to nobody, but results still label them.
    """
    if question.kind in OPTION_KINDS:
        return [(o["key"], tr(o.get("label"), language)) for o in question.options]
    if question.kind == QuestionKind.THEME:
        return [(t.key, t.name(language)) for t in source.themes if t.active or include_retired]
    if question.kind == QuestionKind.NEIGHBORHOOD:
        return [
            (n.key, n.name(language)) for n in source.neighborhoods if n.active or include_retired
        ]
    return _fixed_labels(question.kind, language)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def visible_question_ids(questions: Sequence[SurveyQuestion], answers: dict[str, Any]) -> set[int]:
    """The questions a resident with these answers is shown.

    A question with a rule is shown only when its controlling question is itself shown
    and was answered with the rule's option. Controllers always come first, so one pass
    in order decides every question.
    """
    by_id = {q.pk: q for q in questions}
    visible: set[int] = set()
    for question in questions:
        controller_id = question.show_if_question_id
        if controller_id is None:
            visible.add(question.pk)
            continue
        controller = by_id.get(controller_id)
        if controller is None or controller.pk not in visible:
            continue
        if question.show_if_value in _as_list(answers.get(str(controller.uuid))):
            visible.add(question.pk)
    return visible


@dataclass(frozen=True)
class MissingText:
    language: str
    where: str  # "Title", "Question 3: help text", ...

    @property
    def language_name(self) -> str:
        return language_name(self.language)


def language_name(code: str) -> str:
    return str(dict(Language.choices).get(code, code))


def _check(
    texts: dict[str, str] | None, languages: Iterable[str], where: str, *, optional: bool
) -> list[MissingText]:
    texts = texts or {}
    if optional and not any((texts.get(code) or "").strip() for code in texts):
        return []
    return [MissingText(code, where) for code in languages if not (texts.get(code) or "").strip()]


def missing_translations(survey: Survey, questions: Sequence[SurveyQuestion]) -> list[MissingText]:
    """Every text that lacks a version in one of the survey's languages, in page order."""
    langs = list(survey.languages)
    out = _check(survey.title, langs, _("Title"), optional=False)
    out += _check(survey.introduction, langs, _("Introduction"), optional=True)
    out += _check(survey.consent_statement, langs, _("Consent statement"), optional=False)
    for question in questions:
        prefix = _("Question %(number)s") % {"number": question.position}
        out += _check(question.label, langs, prefix, optional=False)
        out += _check(question.help_text, langs, prefix + ": " + _("help text"), optional=True)
        for index, option in enumerate(question.options, start=1):
            where = prefix + ": " + _("option %(number)s") % {"number": index}
            out += _check(option.get("label"), langs, where, optional=False)
    return out


def blocking_translations(missing: Iterable[MissingText]) -> list[MissingText]:
    """Missing texts that stop a survey opening: those in English or Spanish."""
    return [m for m in missing if m.language in REQUIRED_LANGUAGES]


def complete_languages(survey: Survey, missing: Iterable[MissingText]) -> list[str]:
    """The survey's languages a resident can be offered: every text translated."""
    incomplete = {m.language for m in missing}
    return [code for code in survey.languages if code not in incomplete]
