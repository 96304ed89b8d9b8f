"""Importing UN recommendation files, and the mapping from source themes to ours.

An import is two steps. `recommendations_check` reads the file and records what applying
it would do (new, changed, unchanged, merged, normalised, unparsable rows) without
touching any recommendation. `recommendations_apply` then writes it, keyed by each
recommendation's identity in the cycle, so applying the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import upr_import
from accountability.models import (
    ImportStatus,
    Recommendation,
    RecommendationImport,
    SourceFormat,
    ThemeMapping,
)
from accountability.theme_seeds import SEED_MAPPINGS
from cities.models import AuditAction, ReviewCycle, Theme
from cities.services import audit_record

if TYPE_CHECKING:
    from accounts.models import User

# Fields an import sets; a recommendation whose fields all match is left untouched.
_IMPORTED_FIELDS = (
    "paragraph",
    "text",
    "states",
    "response",
    "source_format",
    "source_themes",
    "action_category",
    "position",
)
# The source document is set when a recommendation is created; a later import of the same
# recommendation (the same file under another name, say) doesn't make it "changed".


def default_source_document(*, result: upr_import.ParseResult, filename: str) -> str:
    if result.format == upr_import.FORMAT_UPR_INFO:
        if result.session:
            return _("UPR Info database export, session %(session)s") % {"session": result.session}
        return _("UPR Info database export")
    return filename[:200] or _("Recommendations list")


def _parse(content: bytes) -> upr_import.ParseResult:
    if len(content) > upr_import.MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Split it, or remove unrelated columns.")
            % {"mb": upr_import.MAX_BYTES // (1024 * 1024)}
        )
    try:
        return upr_import.parse(content)
    except upr_import.ImportFileError as exc:
        raise ValidationError(str(exc)) from exc


def _values(
    parsed: upr_import.ParsedRecommendation, *, fmt: str, source: str, position: int
) -> dict[str, Any]:
    return {
        "paragraph": parsed.paragraph,
        "text": parsed.text,
        "states": list(parsed.states),
        "response": parsed.response,
        "source_format": fmt,
        "source_themes": list(parsed.source_themes),
        "action_category": parsed.action_category,
        "source_document": source,
        "position": position,
    }


def _plan(
    *, cycle: ReviewCycle, result: upr_import.ParseResult, source: str
) -> tuple[list[tuple[upr_import.ParsedRecommendation, dict[str, Any]]], dict[str, Recommendation]]:
    existing = {
        r.key: r
        for r in Recommendation.objects.filter(
            cycle=cycle, key__in=[p.key for p in result.recommendations]
        )
    }
    rows = [
        (parsed, _values(parsed, fmt=result.format, source=source, position=index))
        for index, parsed in enumerate(result.recommendations, start=1)
    ]
    return rows, existing


def _is_same(recommendation: Recommendation, values: dict[str, Any]) -> bool:
    return all(getattr(recommendation, name) == values[name] for name in _IMPORTED_FIELDS)


def _unmapped_new_themes(fmt: str, themes: Iterable[str]) -> list[str]:
    known = set(
        ThemeMapping.objects.filter(vocabulary=fmt, source_theme__in=list(themes)).values_list(
            "source_theme", flat=True
        )
    )
    seeds = SEED_MAPPINGS.get(fmt, {})
    return [t for t in themes if t not in known and not seeds.get(t)]


@transaction.atomic
def recommendations_check(
    *,
    actor: User,
    cycle: ReviewCycle,
    filename: str,
    content: bytes,
    source_document: str = "",
) -> RecommendationImport:
    """Read an uploaded file and record what importing it into `cycle` would do.

    Raises ValidationError when the file can't be read at all. Writes only the import
    row (status preview) and an audit event; no recommendation changes.
    """
    result = _parse(content)
    source = (source_document or "").strip() or default_source_document(
        result=result, filename=filename
    )
    rows, existing = _plan(cycle=cycle, result=result, source=source)
    new = sum(1 for parsed, _v in rows if parsed.key not in existing)
    unchanged = sum(
        1 for parsed, v in rows if parsed.key in existing and _is_same(existing[parsed.key], v)
    )
    notes = [asdict(note) for note in result.notes]
    summary = {
        "rows": result.row_count,
        "recommendations": len(result.recommendations),
        "new": new,
        "changed": len(rows) - new - unchanged,
        "unchanged": unchanged,
        "merged_rows": result.merged_rows,
        "normalised": sum(1 for n in result.notes if n.kind == "normalised"),
        "errors": len(result.errors),
        "themes": result.themes(),
        "unmapped_themes": _unmapped_new_themes(result.format, result.themes()),
        "state_under_review": result.state_under_review or "",
    }
    batch = RecommendationImport(
        cycle=cycle,
        format=result.format,
        filename=filename[:200],
        source_document=source[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        row_count=result.row_count,
        summary=summary,
        notes=notes,
        uploaded_by=actor,
    )
    batch.full_clean(exclude=["content"])
    batch.save()
    audit_record(
        actor=actor,
        action=AuditAction.RECOMMENDATIONS_CHECKED,
        target=batch,
        target_label=batch.filename,
        details={"cycle": cycle.number, "rows": result.row_count, "errors": len(result.errors)},
    )
    return batch


def _mappings_ensure(fmt: str, themes: Iterable[str]) -> None:
    """Create a mapping for every source theme not met before, from the seeds if known."""
    seeds = SEED_MAPPINGS.get(fmt, {})
    slugs_to_theme = {t.slug: t for t in Theme.objects.all()}
    for source_theme in themes:
        mapping, created = ThemeMapping.objects.get_or_create(
            vocabulary=fmt, source_theme=source_theme
        )
        if created:
            seeded = [slugs_to_theme[s] for s in seeds.get(source_theme, []) if s in slugs_to_theme]
            mapping.themes.set(seeded)


def recommendation_themes_sync(*, recommendation_ids: Iterable[int]) -> int:
    """Set each recommendation's portal themes from its source themes' mappings.

    Writes only the differences, so a sync with nothing to change writes nothing.
    Returns how many theme links were added or removed.
    """
    ids = list(recommendation_ids)
    if not ids:
        return 0
    through = Recommendation.themes.through
    recommendations = list(
        Recommendation.objects.filter(id__in=ids).values_list(
            "id", "source_format", "source_themes"
        )
    )
    mapped: dict[tuple[str, str], set[int]] = {}
    for vocabulary, source_theme, theme_id in ThemeMapping.objects.filter(
        themes__isnull=False
    ).values_list("vocabulary", "source_theme", "themes"):
        mapped.setdefault((vocabulary, source_theme), set()).add(theme_id)
    desired = {
        (rec_id, theme_id)
        for rec_id, fmt, source_themes in recommendations
        for source_theme in source_themes
        for theme_id in mapped.get((fmt, source_theme), set())
    }
    current = set(
        through.objects.filter(recommendation_id__in=ids).values_list(
            "recommendation_id", "theme_id"
        )
    )
    stale = current - desired
    for rec_id, theme_id in stale:
        through.objects.filter(recommendation_id=rec_id, theme_id=theme_id).delete()
    through.objects.bulk_create(
        [through(recommendation_id=r, theme_id=t) for r, t in sorted(desired - current)]
    )
    return len(stale) + len(desired - current)


@transaction.atomic
def recommendations_apply(*, actor: User, batch: RecommendationImport) -> RecommendationImport:
    """Write a checked import: create new recommendations, update changed ones, leave the
    rest untouched; create mappings for source themes met for the first time.

    Precondition: the import is still a preview (a second confirmation is refused).
    Side effects: an audit event with the counts.
    """
    batch = RecommendationImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("This file has already been imported or discarded."))
    result = _parse(bytes(batch.content))
    rows, existing = _plan(cycle=batch.cycle, result=result, source=batch.source_document)
    created = updated = unchanged = 0
    touched: list[int] = []
    for parsed, values in rows:
        current = existing.get(parsed.key)
        if current is None:
            recommendation = Recommendation(
                cycle=batch.cycle, key=parsed.key, import_batch=batch, **values
            )
            recommendation.full_clean(exclude=["search_document"])
            recommendation.save()
            created += 1
            touched.append(recommendation.id)
        elif _is_same(current, values):
            unchanged += 1
            touched.append(current.id)
        else:
            for name in _IMPORTED_FIELDS:
                setattr(current, name, values[name])
            current.import_batch = batch
            current.full_clean(exclude=["search_document"])
            current.save()
            updated += 1
            touched.append(current.id)
    _mappings_ensure(result.format, result.themes())
    recommendation_themes_sync(recommendation_ids=touched)
    batch.status = ImportStatus.APPLIED
    batch.applied_by = actor
    batch.applied_at = timezone.now()
    batch.summary = {**batch.summary, "created": created, "updated": updated, "kept": unchanged}
    batch.save(update_fields=["status", "applied_by", "applied_at", "summary"])
    audit_record(
        actor=actor,
        action=AuditAction.RECOMMENDATIONS_IMPORTED,
        target=batch,
        target_label=batch.filename,
        details={
            "cycle": batch.cycle.number,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "errors": len(result.errors),
        },
    )
    return batch


@transaction.atomic
def recommendations_discard(*, actor: User, batch: RecommendationImport) -> RecommendationImport:
    """Drop a checked file without importing it. The row stays, for the record."""
    batch = RecommendationImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("This file has already been imported or discarded."))
    batch.status = ImportStatus.DISCARDED
    batch.content = b""
    batch.save(update_fields=["status", "content"])
    audit_record(
        actor=actor,
        action=AuditAction.RECOMMENDATIONS_DISCARDED,
        target=batch,
        target_label=batch.filename,
    )
    return batch


@transaction.atomic
def theme_mapping_update(
    *, actor: User, mapping: ThemeMapping, themes: Iterable[Theme], not_applicable: bool
) -> ThemeMapping:
    """Point a source theme at portal themes (or mark that none applies), and re-theme the
    recommendations that carry it. Choosing themes clears `not_applicable`."""
    chosen = list(themes)
    before = sorted(mapping.themes.values_list("slug", flat=True))
    mapping.not_applicable = bool(not_applicable) and not chosen
    mapping.updated_by = actor
    mapping.full_clean()
    mapping.save()
    mapping.themes.set(chosen)
    after = sorted(t.slug for t in chosen)
    affected = Recommendation.objects.filter(
        source_format=mapping.vocabulary, source_themes__contains=[mapping.source_theme]
    ).values_list("id", flat=True)
    recommendation_themes_sync(recommendation_ids=affected)
    audit_record(
        actor=actor,
        action=AuditAction.THEME_MAPPING_UPDATED,
        target=mapping,
        target_label=mapping.source_theme[:200],
        details={
            "vocabulary": mapping.vocabulary,
            "before": before,
            "after": after,
            "not_applicable": mapping.not_applicable,
        },
    )
    return mapping


def source_format_label(value: str) -> str:
    return str(SourceFormat(value).label)
