"""Writing a report: starting it, saving sections (every save a revision), citations,
and the draft from evidence."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cities.models import AuditAction, City, ReviewCycle, Theme
from consultations import survey_logic
from consultations.models import CHOICE_KINDS, QuestionKind, SurveyQuestion, Testimony
from consultations.selectors import survey_option_source
from reports import markdown
from reports.models import (
    SECTION_ORDER,
    Citation,
    CitationKind,
    DocumentKind,
    Report,
    ReportSection,
    ReportStatus,
    Revision,
    SectionKind,
)
from reports.selectors import city_facts, evidence_testimony, theme_evidence
from reports.services.common import report_audit

if TYPE_CHECKING:
    from accounts.models import User

# An autosave within this time of the same person's last autosave of a section updates
# that revision instead of adding one, so the history shows edits, not keystrokes.
AUTOSAVE_COALESCE = datetime.timedelta(minutes=10)
MAX_SECTION_LENGTH = 60_000


class EditConflict(ValidationError):
    """Someone else saved a section after this person opened it."""


def _facts_paragraph(city: City, cycle: ReviewCycle) -> str:
    facts = city_facts(city=city, cycle=cycle)
    return _(
        "Between %(start)s and today, the %(city)s human rights city team held "
        "%(events)s community consultations with %(people)s participants, recorded "
        "%(testimonies)s testimonies, and received %(responses)s responses to "
        "%(surveys)s online surveys."
    ) % {
        "start": cycle.consultations_open.strftime("%Y-%m-%d"),
        "city": city.name,
        "events": facts.consultations_held,
        "people": facts.participants,
        "testimonies": facts.testimonies,
        "responses": facts.survey_responses,
        "surveys": facts.surveys,
    }


@transaction.atomic
def report_start(
    *, actor: User, city: City, cycle: ReviewCycle, kind: str, language: str = "en"
) -> Report:
    """Create the city's report (or summary) for the cycle with its four sections, the
    context section prefilled with the facts. Starting one that exists returns it."""
    if kind not in DocumentKind.values:
        raise ValidationError(_("Unknown document."))
    report, created = Report.objects.get_or_create(
        city=city,
        cycle=cycle,
        kind=kind,
        defaults={"created_by": actor, "language": language},
    )
    if not created:
        return report
    now = timezone.now()
    with translation.override(report.language):
        for position, section_kind in enumerate(SECTION_ORDER):
            body = _facts_paragraph(city, cycle) if section_kind == SectionKind.CONTEXT else ""
            section = ReportSection.objects.create(
                city=city, report=report, kind=section_kind, position=position, body=body
            )
            if body:
                Revision.objects.create(
                    city=city,
                    report=report,
                    section=section,
                    number=1,
                    body=body,
                    author=actor,
                    note=_("Prefilled with the facts"),
                    created_at=now,
                )
                ReportSection.objects.filter(pk=section.pk).update(version=1)
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_STARTED,
        report=report,
    )
    return report


def _ensure_editable(report: Report) -> None:
    if report.is_locked:
        raise ValidationError(
            _(
                "This summary has been submitted and can't be changed. A national coordinator "
                "can reopen it."
            )
        )


def _withdraw_approval(actor: User, report: Report) -> None:
    if report.status != ReportStatus.APPROVED:
        return
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.DRAFTING, approved_at=None, approved_by=None, approved_hash=""
    )
    report.status = ReportStatus.DRAFTING
    report.approved_at = None
    report.approved_by = None
    report.approved_hash = ""
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_APPROVAL_WITHDRAWN,
        report=report,
    )


@dataclass(frozen=True)
class SectionChange:
    section_uuid: str
    body: str
    version: int  # the version the editor started from


def _write_revision(
    *,
    actor: User,
    report: Report,
    section: ReportSection,
    body: str,
    note: str = "",
    autosave: bool = False,
) -> Revision:
    now = timezone.now()
    last = section.revisions.order_by("-number").first()
    if (
        autosave
        and last is not None
        and last.is_autosave
        and last.author_id == actor.pk
        and now - last.created_at < AUTOSAVE_COALESCE
    ):
        last.body = body
        last.created_at = now
        last.save(update_fields=["body", "created_at"])
        revision = last
    else:
        revision = Revision.objects.create(
            city=report.city,
            report=report,
            section=section,
            number=(last.number + 1) if last else 1,
            body=body,
            author=actor,
            note=note,
            is_autosave=autosave,
            created_at=now,
        )
    section.body = body
    section.version += 1
    section.save(update_fields=["body", "version", "updated_at"])
    return revision


@transaction.atomic
def sections_save(
    *, actor: User, report: Report, changes: list[SectionChange], autosave: bool = False
) -> list[ReportSection]:
    """Save the sections whose text changed, each as a revision.

    A section saved by someone else since this editor loaded it is refused with
    `EditConflict` and nothing is saved, so no one's words are overwritten; the caller
    keeps the text on screen. Editing an approved report withdraws the approval.
    Returns the sections that changed.
    """
    locked = Report.objects.select_for_update().get(pk=report.pk)
    report.status = locked.status
    _ensure_editable(report)
    sections = {
        str(s.uuid): s for s in ReportSection.objects.select_for_update().filter(report=report)
    }
    changed: list[tuple[ReportSection, str]] = []
    conflicts: list[str] = []
    for change in changes:
        section = sections.get(change.section_uuid)
        if section is None:
            raise ValidationError(_("That section is not part of this report."))
        body = change.body.replace("\r\n", "\n")
        if len(body) > MAX_SECTION_LENGTH:
            raise ValidationError(
                _("“%(section)s” is too long: keep it under %(limit)s characters.")
                % {"section": section.get_kind_display(), "limit": MAX_SECTION_LENGTH}
            )
        if body == section.body:
            continue
        if change.version != section.version:
            conflicts.append(str(section.get_kind_display()))
            continue
        changed.append((section, body))
    if conflicts:
        raise EditConflict(
            _(
                "Someone else saved %(sections)s after you opened this page. Nothing was saved: "
                "copy your text, reload the page, and add your changes again."
            )
            % {"sections": ", ".join(f"“{c}”" for c in conflicts)}
        )
    if not changed:
        return []
    for section, body in changed:
        section.report = report
        _write_revision(actor=actor, report=report, section=section, body=body, autosave=autosave)
    _withdraw_approval(actor, report)
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    if not autosave:
        report_audit(
            actor=actor,
            action=AuditAction.REPORT_EDITED,
            report=report,
            details={"sections": [s.kind for s, _body in changed]},
        )
    return [s for s, _body in changed]


@transaction.atomic
def revision_restore(*, actor: User, report: Report, revision: Revision) -> ReportSection:
    """Make an old revision's text the section's current text (as a new revision)."""
    if revision.report_id != report.pk:
        raise ValidationError(_("That revision is not part of this report."))
    locked = Report.objects.select_for_update().get(pk=report.pk)
    report.status = locked.status
    _ensure_editable(report)
    section = ReportSection.objects.select_for_update().get(pk=revision.section_id)
    section.report = report
    _write_revision(
        actor=actor,
        report=report,
        section=section,
        body=revision.body,
        note=_("Restored revision %(number)s") % {"number": revision.number},
    )
    _withdraw_approval(actor, report)
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_EDITED,
        report=report,
        details={"sections": [section.kind], "restored": revision.number},
    )
    return section


def _new_code(report: Report) -> str:
    taken = set(Citation.objects.filter(report=report).values_list("code", flat=True))
    while True:
        code = uuid.uuid4().hex[:8]
        if code not in taken:
            return code


@transaction.atomic
def citation_add(
    *,
    actor: User,
    report: Report,
    section: ReportSection,
    kind: str,
    testimony: Testimony | None = None,
    question: SurveyQuestion | None = None,
    option_key: str = "",
    append: bool = False,
) -> Citation:
    """Record a citation of a quotable testimony or a survey question in a section.

    The caller gets the token to put in the text; with `append` the token is added to the
    end of the section now (for browsers without JavaScript), as a revision.
    """
    if section.report_id != report.pk:
        raise ValidationError(_("That section is not part of this report."))
    locked = Report.objects.select_for_update().get(pk=report.pk)
    report.status = locked.status
    _ensure_editable(report)
    if kind == CitationKind.QUOTE:
        if (
            testimony is None
            or testimony.city_id != report.city_id
            or testimony.cycle_id != report.cycle_id
            or not testimony.is_quotable()
        ):
            raise ValidationError(
                _(
                    "Only reviewed testimony with consent to quote and a redacted quote can be cited."
                )
            )
        question = None
    elif kind in (CitationKind.STATISTIC, CitationKind.CHART):
        if (
            question is None
            or question.city_id != report.city_id
            or question.kind not in CHOICE_KINDS
            or question.kind == QuestionKind.QUOTE_CONSENT
        ):
            raise ValidationError(_("Choose a survey question with answers to choose from."))
        testimony = None
        if kind == CitationKind.STATISTIC:
            source = survey_option_source(city=report.city, questions=[question])
            keys = {key for key, _label in survey_logic.question_options(question, "en", source)}
            if option_key not in keys:
                raise ValidationError(_("Choose the answer whose share you want to quote."))
    else:
        raise ValidationError(_("Unknown kind of citation."))
    citation = Citation(
        city=report.city,
        report=report,
        section=section,
        code=_new_code(report),
        kind=kind,
        testimony=testimony,
        question=question,
        option_key=option_key if kind == CitationKind.STATISTIC else "",
        created_by=actor,
    )
    citation.full_clean()
    citation.save()
    if append:
        section = ReportSection.objects.select_for_update().get(pk=section.pk)
        section.report = report
        body = section.body.rstrip()
        token = markdown.citation_token(citation.code)
        _write_revision(
            actor=actor,
            report=report,
            section=section,
            body=f"{body}\n\n{token}\n" if body else f"{token}\n",
            note=_("Citation inserted"),
        )
        _withdraw_approval(actor, report)
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_CITATION_ADDED,
        report=report,
        label=str(citation.get_kind_display()),
        details={"section": section.kind, "code": citation.code},
    )
    return citation


def _strongest(testimonies: list[Testimony], count: int) -> list[Testimony]:
    # Substantive first: the longest redacted quotes, then the most recently reviewed.
    return sorted(testimonies, key=lambda t: (-len(t.redacted_quote), t.pk))[:count]


@transaction.atomic
def draft_from_evidence(*, actor: User, report: Report) -> list[ReportSection]:
    """Fill the sections with theme headings, ordered by the amount of evidence, and the
    strongest quotable citations under each, for organizers to edit.

    Current text is replaced; it stays in the revision history.
    """
    locked = Report.objects.select_for_update().get(pk=report.pk)
    report.status = locked.status
    _ensure_editable(report)
    is_summary = report.kind == DocumentKind.SUMMARY
    max_themes, per_theme = (4, 1) if is_summary else (6, 2)
    sections = {s.kind: s for s in ReportSection.objects.select_for_update().filter(report=report)}
    evidence = theme_evidence(city=report.city, cycle=report.cycle)
    by_problems = sorted((e for e in evidence if e.problems), key=lambda e: -e.problems)
    by_positives = sorted((e for e in evidence if e.positives), key=lambda e: -e.positives)
    bodies: dict[str, list[str]] = {kind: [] for kind in sections}
    cited = 0

    def quotes(kind: str, theme: Theme, natures: tuple[str, ...], count: int) -> None:
        nonlocal cited
        candidates = evidence_testimony(city=report.city, cycle=report.cycle, theme=theme, limit=50)
        for testimony in _strongest([t for t in candidates if t.nature in natures], count):
            citation = Citation.objects.create(
                city=report.city,
                report=report,
                section=sections[kind],
                code=_new_code(report),
                kind=CitationKind.QUOTE,
                testimony=testimony,
                created_by=actor,
            )
            bodies[kind].append(markdown.citation_token(citation.code))
            cited += 1

    with translation.override(report.language):
        bodies[SectionKind.CONTEXT].append(_facts_paragraph(report.city, report.cycle))
        bodies[SectionKind.CONTEXT].append(
            _("[Describe how the consultations were run and who took part.]")
        )
        for item in by_problems[:max_themes]:
            theme = item.theme
            bodies[SectionKind.PROBLEMS].append(f"## {theme.name}")
            bodies[SectionKind.PROBLEMS].append(
                _("Residents raised %(count)s concerns about %(theme)s. [Summarise them here.]")
                % {"count": item.problems, "theme": theme.name.lower()}
            )
            quotes(SectionKind.PROBLEMS, theme, ("problem", "both"), per_theme)
        for item in by_positives[: max(2, max_themes // 2)]:
            theme = item.theme
            bodies[SectionKind.POSITIVES].append(f"## {theme.name}")
            bodies[SectionKind.POSITIVES].append(
                _("[What is working on %(theme)s, and who made it work?]")
                % {"theme": theme.name.lower()}
            )
            quotes(SectionKind.POSITIVES, theme, ("positive", "both"), 1)
        for item in by_problems[:max_themes]:
            bodies[SectionKind.RECOMMENDATIONS].append(f"## {item.theme.name}")
            bodies[SectionKind.RECOMMENDATIONS].append(
                _(
                    "- [A recommendation to local officials on %(theme)s, with a target, a "
                    "timetable and an indicator.]"
                )
                % {"theme": item.theme.name.lower()}
            )
        if not evidence:
            bodies[SectionKind.PROBLEMS].append(
                _("[No reviewed testimony yet. Review testimony to draft from it.]")
            )

    changed = []
    for kind, parts in bodies.items():
        text = "\n\n".join(parts).strip()
        section = sections[kind]
        section.report = report
        if text and text != section.body:
            _write_revision(
                actor=actor,
                report=report,
                section=section,
                body=text + "\n",
                note=_("Drafted from evidence"),
            )
            changed.append(section)
    _withdraw_approval(actor, report)
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_DRAFTED,
        report=report,
        details={"themes": len(evidence), "citations": cited},
    )
    return changed
