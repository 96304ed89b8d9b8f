"""The survey builder: surveys, their questions and translations, opening and closing,
copies to a new version, and the city's neighborhood list.

Once a survey has a response its structure is frozen: questions can't be added, removed,
moved or change kind, options, requirement or show-if rule. Every text can still be
fixed. Structural changes go into a copy (`survey_copy`).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction, City, Neighborhood, ReviewCycle
from cities.services.audit import _apply_changes, audit_record
from consultations import survey_logic
from consultations.models import (
    CHOICE_KINDS,
    OPTION_KINDS,
    REQUIRED_LANGUAGES,
    Language,
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyStatus,
)

if TYPE_CHECKING:
    from accounts.models import User

Texts = dict[str, str]
SURVEY_TEXTS = frozenset({"title", "introduction", "consent_statement"})
SURVEY_SETTINGS = frozenset({"opens_on", "closes_on", "response_cap"})
MAX_QUESTIONS = 60
MAX_OPTIONS = 30
MAX_NEIGHBORHOODS = 200


class SurveyLocked(ValidationError):
    """A structural change to a survey that already has responses."""


def _clean_texts(texts: Texts | None, languages: list[str], *, max_length: int) -> Texts:
    out: Texts = {}
    for code in languages:
        value = ((texts or {}).get(code) or "").strip()
        if len(value) > max_length:
            raise ValidationError(
                _("Keep each text under %(max)s characters.") % {"max": max_length}
            )
        if value:
            out[code] = value
    return out


def _clean_languages(languages: list[str]) -> list[str]:
    known = {
        code for code, _label in Language.choices if code not in (Language.OTHER, Language.ASL)
    }
    out = list(REQUIRED_LANGUAGES)
    for code in languages:
        if code not in known:
            raise ValidationError({"languages": _("Choose languages from the list.")})
        if code not in out:
            out.append(code)
    return out


def survey_audit(
    *, actor: User, action: AuditAction, survey: Survey, details: dict[str, Any] | None = None
) -> None:
    """An audit event on a survey, labelled with its English title."""
    audit_record(
        actor=actor,
        action=action,
        city=survey.city,
        target=survey,
        target_label=survey.display_title("en")[:200],
        details=details,
    )


def _has_responses(survey: Survey) -> bool:
    return survey.responses.exists()


def _lock(survey: Survey) -> Survey:
    """The survey row, locked. A response insert holds a key-share lock on this row for
    its foreign key, so no response can slip in while a structural change is checked."""
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _refuse_if_answered(survey: Survey) -> None:
    if _has_responses(survey):
        raise SurveyLocked(
            _(
                "This survey already has responses, so its questions can't change. "
                "You can still fix any text, or copy the survey to a new version."
            )
        )


def _keep_complete(survey: Survey) -> None:
    """A survey residents can reach keeps every English and Spanish text."""
    if survey.status == SurveyStatus.DRAFT:
        return
    missing = survey_logic.blocking_translations(
        survey_logic.missing_translations(survey, list(survey.questions.all()))
    )
    if missing:
        raise ValidationError(
            _(
                "This survey is open to residents, so every English and Spanish text must "
                "stay filled in. Missing: %(where)s (%(language)s)."
            )
            % {"where": missing[0].where, "language": missing[0].language_name}
        )


def _validate_survey(survey: Survey) -> None:
    # Our own messages first: the model's check constraint would only say it "is violated".
    errors: dict[str, str] = {}
    if not survey.title.get("en") and not survey.title.get("es"):
        errors["title"] = _("Give the survey a title.")
    if survey.opens_on and survey.closes_on and survey.closes_on < survey.opens_on:
        errors["closes_on"] = _("The close date must be on or after the open date.")
    if not survey.consent_statement.get("en") and not survey.consent_statement.get("es"):
        errors["consent_statement"] = _("Write the consent statement residents agree to.")
    if survey.response_cap == 0:
        errors["response_cap"] = _("Leave the limit empty, or enter at least 1.")
    try:
        # The check constraint (dates) is the message above; the database enforces it too.
        survey.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def survey_create(
    *,
    actor: User,
    city: City,
    cycle: ReviewCycle,
    languages: list[str] | None = None,
    title: Texts,
    introduction: Texts | None = None,
    consent_statement: Texts,
    **settings: Any,
) -> Survey:
    """Create a draft survey in the given languages (English and Spanish always)."""
    langs = _clean_languages(languages or [])
    survey = Survey(
        city=city,
        cycle=cycle,
        languages=langs,
        title=_clean_texts(title, langs, max_length=200),
        introduction=_clean_texts(introduction, langs, max_length=4000),
        consent_statement=_clean_texts(consent_statement, langs, max_length=4000),
        created_by=actor,
    )
    _apply_changes(survey, settings, SURVEY_SETTINGS)
    _validate_survey(survey)
    survey.save()
    survey_audit(actor=actor, action=AuditAction.SURVEY_CREATED, survey=survey)
    return survey


@transaction.atomic
def survey_update(
    *,
    actor: User,
    survey: Survey,
    languages: list[str] | None = None,
    title: Texts | None = None,
    introduction: Texts | None = None,
    consent_statement: Texts | None = None,
    **settings: Any,
) -> Survey:
    """Change a survey's texts, dates, limit or languages.

    Languages can be added at any time; one can be removed only before any response.
    Setting a response limit recounts the responses under the row lock.
    """
    survey = _lock(survey)
    changed: list[str] = []
    if languages is not None:
        langs = _clean_languages(languages)
        if langs != survey.languages:
            removed = set(survey.languages) - set(langs)
            if removed and _has_responses(survey):
                raise ValidationError(
                    {"languages": _("A language can't be removed once there are responses.")}
                )
            survey.languages = langs
            changed.append("languages")
    for name, texts, max_length in (
        ("title", title, 200),
        ("introduction", introduction, 4000),
        ("consent_statement", consent_statement, 4000),
    ):
        if texts is not None:
            cleaned = _clean_texts(texts, survey.languages, max_length=max_length)
            if cleaned != getattr(survey, name):
                setattr(survey, name, cleaned)
                changed.append(name)
    changed += _apply_changes(survey, settings, SURVEY_SETTINGS)
    if "response_cap" in changed and survey.response_cap is not None:
        survey.response_count = survey.responses.count()
    _validate_survey(survey)
    survey.save()
    _keep_complete(survey)
    if changed:
        survey_audit(
            actor=actor,
            action=AuditAction.SURVEY_UPDATED,
            survey=survey,
            details={"fields": sorted(changed)},
        )
    return survey


def survey_open_problems(survey: Survey, questions: list[SurveyQuestion]) -> list[str]:
    """Why this survey can't open yet, in words for the team; empty when it can."""
    problems: list[str] = []
    if not questions:
        problems.append(_("Add at least one question."))
    for question in questions:
        if question.kind in OPTION_KINDS and len(question.options) < 2:
            problems.append(
                _("Question %(number)s needs at least two options.") % {"number": question.position}
            )
    missing = survey_logic.blocking_translations(
        survey_logic.missing_translations(survey, questions)
    )
    for language in sorted({m.language for m in missing}):
        count = sum(1 for m in missing if m.language == language)
        problems.append(
            _("%(count)s text(s) have no %(language)s version yet.")
            % {"count": count, "language": survey_logic.language_name(language)}
        )
    if survey.closes_on and survey.closes_on < timezone.localdate():
        problems.append(_("The close date has passed. Change it first."))
    return problems


@transaction.atomic
def survey_open(*, actor: User, survey: Survey) -> Survey:
    """Open a survey to residents, once every English and Spanish text is there."""
    survey = _lock(survey)
    questions = list(survey.questions.all())
    problems = survey_open_problems(survey, questions)
    if problems:
        raise ValidationError(problems)
    if survey.status == SurveyStatus.OPEN:
        return survey
    survey.status = SurveyStatus.OPEN
    if survey.response_cap is not None:
        survey.response_count = survey.responses.count()
    survey.save(update_fields=["status", "response_count", "updated_at"])
    survey_audit(actor=actor, action=AuditAction.SURVEY_OPENED, survey=survey)
    return survey


@transaction.atomic
def survey_close(*, actor: User, survey: Survey) -> Survey:
    """Stop taking responses. It can be opened again."""
    survey = _lock(survey)
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    survey_audit(actor=actor, action=AuditAction.SURVEY_CLOSED, survey=survey)
    return survey


@transaction.atomic
def survey_copy(*, actor: User, survey: Survey) -> Survey:
    """A new draft version with the same texts and questions (and show-if rules), no
    responses, and no dates. The original is left as it is."""
    latest = (
        Survey.objects.filter(city=survey.city, title=survey.title).aggregate(v=Max("version"))["v"]
        or survey.version
    )
    copy = Survey.objects.create(
        city=survey.city,
        cycle=survey.cycle,
        version=max(latest, survey.version) + 1,
        copied_from=survey,
        languages=list(survey.languages),
        title=dict(survey.title),
        introduction=dict(survey.introduction),
        consent_statement=dict(survey.consent_statement),
        created_by=actor,
    )
    old_to_new: dict[int, SurveyQuestion] = {}
    for question in survey.questions.all():
        new = SurveyQuestion.objects.create(
            city=survey.city,
            survey=copy,
            position=question.position,
            kind=question.kind,
            required=question.required,
            label=dict(question.label),
            help_text=dict(question.help_text),
            options=[dict(o) for o in question.options],
            show_if_question=(
                old_to_new.get(question.show_if_question_id)
                if question.show_if_question_id
                else None
            ),
            show_if_value=question.show_if_value if question.show_if_question_id else "",
        )
        old_to_new[question.pk] = new
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_COPIED,
        survey=copy,
        details={"from": str(survey.uuid), "version": copy.version},
    )
    return copy


@transaction.atomic
def survey_delete(*, actor: User, survey: Survey) -> None:
    """Delete a survey that has never had a response. Surveys with responses are
    evidence: close them instead."""
    survey = _lock(survey)
    if _has_responses(survey):
        raise ValidationError(_("A survey with responses can't be deleted. Close it instead."))
    survey_audit(actor=actor, action=AuditAction.SURVEY_DELETED, survey=survey)
    survey.delete()


# --------------------------------------------------------------------------- questions


def _build_options(
    lines: dict[str, list[str]], languages: list[str], previous: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Options from one list of lines per language, the languages matched by position.
    Existing options keep their keys (see `_option_keys`), so answers and show-if rules
    keep pointing at them."""
    cleaned = {code: [" ".join(line.split()) for line in lines.get(code, [])] for code in languages}
    cleaned = {code: [line for line in rows if line] for code, rows in cleaned.items()}
    count = max((len(rows) for rows in cleaned.values()), default=0)
    if any(len(line) > 200 for rows in cleaned.values() for line in rows):
        raise ValidationError({"options": _("Keep each option under 200 characters.")})
    if count > MAX_OPTIONS:
        raise ValidationError(
            {"options": _("Keep it to %(max)s options or fewer.") % {"max": MAX_OPTIONS}}
        )
    for code, rows in cleaned.items():
        if rows and len(rows) != count:
            raise ValidationError(
                {
                    "options": _(
                        "The %(language)s options must be in the same order and number as "
                        "the others: %(count)s lines, one option per line."
                    )
                    % {"language": survey_logic.language_name(code), "count": count}
                }
            )
    return [
        {"key": key, "label": {code: rows[index] for code, rows in cleaned.items() if rows}}
        for index, key in enumerate(_option_keys(cleaned, languages, previous, count))
    ]


def _option_keys(
    cleaned: dict[str, list[str]],
    languages: list[str],
    previous: list[dict[str, Any]],
    count: int,
) -> list[str]:
    """Keys for the new option lines. A line whose text (in any language) is an existing
    option's keeps that option's key, wherever it moved: removing "Bus" from Bus/Car/Bike
    leaves a rule on "Car" on "Car". When the number of options is unchanged, the lines
    left over are renamed options and keep their place's key. Any other line is new."""
    keys: list[str | None] = [None] * count
    unused = list(range(len(previous)))
    for code in languages:
        rows = cleaned.get(code) or []
        for index, text in enumerate(rows):
            if keys[index] is not None:
                continue
            for old in unused:
                if (previous[old].get("label") or {}).get(code, "").strip() == text:
                    keys[index] = previous[old]["key"]
                    unused.remove(old)
                    break
    if count == len(previous):
        for index in range(count):
            if keys[index] is None and index in unused:
                keys[index] = previous[index]["key"]
                unused.remove(index)
    return [key or secrets.token_hex(4) for key in keys]


def _check_rule(
    question: SurveyQuestion,
    controller: SurveyQuestion | None,
    value: str,
    option_keys: set[str],
) -> None:
    if controller is None:
        return
    if controller.survey_id != question.survey_id or controller.pk == question.pk:
        raise ValidationError({"show_if": _("Choose another question of this survey.")})
    if controller.kind not in CHOICE_KINDS:
        raise ValidationError({"show_if": _("A rule can only depend on a question with options.")})
    if question.position and controller.position >= question.position:
        raise ValidationError({"show_if": _("A rule can only depend on an earlier question.")})
    if value not in option_keys:
        raise ValidationError({"show_if": _("Choose one of that question's options.")})


def _validate_question(question: SurveyQuestion) -> None:
    question.full_clean(exclude=["survey", "city", "show_if_question"])
    if not any((question.label.get(code) or "").strip() for code in question.label):
        raise ValidationError({"label": _("Write the question.")})
    if question.kind == QuestionKind.QUOTE_CONSENT:
        others = SurveyQuestion.objects.filter(
            survey_id=question.survey_id, kind=QuestionKind.QUOTE_CONSENT
        ).exclude(pk=question.pk)
        if others.exists():
            raise ValidationError({"kind": _("This survey already asks for permission to quote.")})


def _structure(question: SurveyQuestion) -> tuple[Any, ...]:
    return (
        question.kind,
        question.required,
        [o["key"] for o in question.options],
        question.show_if_question_id,
        question.show_if_value,
    )


@transaction.atomic
def question_create(
    *,
    actor: User,
    survey: Survey,
    kind: str,
    required: bool,
    label: Texts,
    help_text: Texts | None = None,
    option_lines: dict[str, list[str]] | None = None,
    show_if_question: SurveyQuestion | None = None,
    show_if_value: str = "",
    option_keys: set[str] | None = None,
) -> SurveyQuestion:
    """Add a question at the end. `option_keys` are the rule controller's option keys
    (the caller has them from `survey_logic.question_options`)."""
    survey = _lock(survey)
    _refuse_if_answered(survey)
    count = survey.questions.count()
    if count >= MAX_QUESTIONS:
        raise ValidationError(
            _("A survey can have at most %(max)s questions.") % {"max": MAX_QUESTIONS}
        )
    langs = list(survey.languages)
    question = SurveyQuestion(
        city=survey.city,
        survey=survey,
        position=count + 1,
        kind=kind,
        required=required,
        label=_clean_texts(label, langs, max_length=500),
        help_text=_clean_texts(help_text, langs, max_length=1000),
        options=(_build_options(option_lines or {}, langs, []) if kind in OPTION_KINDS else []),
        show_if_question=show_if_question,
        show_if_value=show_if_value if show_if_question else "",
    )
    _check_rule(question, show_if_question, show_if_value, option_keys or set())
    _validate_question(question)
    question.save()
    _keep_complete(survey)
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_QUESTION_ADDED,
        survey=survey,
        details={"position": question.position, "kind": question.kind},
    )
    return question


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: SurveyQuestion,
    kind: str,
    required: bool,
    label: Texts,
    help_text: Texts | None = None,
    option_lines: dict[str, list[str]] | None = None,
    show_if_question: SurveyQuestion | None = None,
    show_if_value: str = "",
    option_keys: set[str] | None = None,
) -> SurveyQuestion:
    """Change a question. With responses, only its texts (and options' texts) may change."""
    survey = _lock(question.survey)
    question = SurveyQuestion.objects.select_for_update().get(pk=question.pk)
    before = _structure(question)
    langs = list(survey.languages)
    question.kind = kind
    question.required = required
    question.label = _clean_texts(label, langs, max_length=500)
    question.help_text = _clean_texts(help_text, langs, max_length=1000)
    question.options = (
        _build_options(option_lines or {}, langs, question.options) if kind in OPTION_KINDS else []
    )
    question.show_if_question = show_if_question
    question.show_if_value = show_if_value if show_if_question else ""
    if _structure(question) != before:
        _refuse_if_answered(survey)
        if question.dependents.exists() and question.kind not in CHOICE_KINDS:
            raise ValidationError(
                {"kind": _("Another question's rule depends on this one. Change that rule first.")}
            )
        _check_rule(question, show_if_question, show_if_value, option_keys or set())
        removed_keys = set(before[2]) - {o["key"] for o in question.options}
        if question.dependents.filter(show_if_value__in=removed_keys).exists():
            raise ValidationError(
                {
                    "options": _(
                        "Another question's rule uses an option you removed. "
                        "Change that rule first."
                    )
                }
            )
    _validate_question(question)
    question.save()
    _keep_complete(survey)
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_QUESTION_UPDATED,
        survey=survey,
        details={"position": question.position},
    )
    return question


@transaction.atomic
def question_delete(*, actor: User, question: SurveyQuestion) -> None:
    """Remove a question and close the gap. Refused while another question's rule
    depends on it, and once the survey has responses."""
    survey = _lock(question.survey)
    _refuse_if_answered(survey)
    if question.dependents.exists():
        raise ValidationError(
            _("Another question's rule depends on this one. Change or remove that rule first.")
        )
    position = question.position
    question.delete()
    for later in survey.questions.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_QUESTION_REMOVED,
        survey=survey,
        details={"position": position},
    )


@transaction.atomic
def question_move(*, actor: User, question: SurveyQuestion, up: bool) -> None:
    """Swap a question with its neighbour. A rule must still depend on an earlier question."""
    survey = _lock(question.survey)
    _refuse_if_answered(survey)
    question = SurveyQuestion.objects.get(pk=question.pk)
    target = question.position - 1 if up else question.position + 1
    other = survey.questions.filter(position=target).first()
    if other is None:
        return
    # After the swap, `rising` comes before `falling`: it can't depend on it.
    rising, falling = (question, other) if up else (other, question)
    if rising.show_if_question_id == falling.pk:
        raise ValidationError(
            _("A question can't move above the question its show-if rule depends on.")
        )
    question.position, other.position = other.position, question.position
    question.save(update_fields=["position"])
    other.save(update_fields=["position"])
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_QUESTION_MOVED,
        survey=survey,
        details={"from": other.position, "to": question.position},
    )


# --------------------------------------------------------------------------- neighborhoods


@transaction.atomic
def neighborhoods_set(*, actor: User, city: City, names: list[str]) -> list[Neighborhood]:
    """Make the city's neighborhood list these names, in this order.

    A name that is dropped is retired, not deleted: earlier answers keep their label.
    A retired name that comes back is brought back into use.
    """
    wanted: list[str] = []
    for name in (" ".join(n.split()) for n in names):
        if not name:
            continue
        if len(name) > 120:
            raise ValidationError(_("Keep each name under 120 characters."))
        if name.casefold() not in {w.casefold() for w in wanted}:
            wanted.append(name)
    if len(wanted) > MAX_NEIGHBORHOODS:
        raise ValidationError(
            _("A city can list at most %(max)s neighborhoods.") % {"max": MAX_NEIGHBORHOODS}
        )
    existing = {
        n.name.casefold(): n for n in Neighborhood.objects.select_for_update().filter(city=city)
    }
    kept: list[Neighborhood] = []
    for order, name in enumerate(wanted):
        row = existing.pop(name.casefold(), None)
        if row is None:
            row = Neighborhood.objects.create(city=city, name=name, sort_order=order)
        else:
            row.name, row.sort_order, row.is_active = name, order, True
            row.save(update_fields=["name", "sort_order", "is_active"])
        kept.append(row)
    retired = [row for row in existing.values() if row.is_active]
    for row in retired:
        row.is_active = False
        row.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.NEIGHBORHOODS_UPDATED,
        city=city,
        target_label=city.name,
        details={"in_use": len(kept), "retired": len(retired)},
    )
    return kept
