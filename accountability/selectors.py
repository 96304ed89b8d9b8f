"""Reads for recommendations, evidence links, action plans, scorecards and handouts.

City-owned rows are always read through a city the caller already resolved with
`cities.selectors.city_access_for_user`; a uuid from another city gives 404 like a
missing one. Public reads expose only what the scorecard may show: no testimony text,
and counts of testimony under 5 are withheld.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchQueryField, SearchRank
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import Func
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accountability import tokens
from accountability.models import (
    Action,
    ActionPlan,
    ActionStatus,
    EvidenceLink,
    ImportStatus,
    Indicator,
    LinkStatus,
    LocalRecommendation,
    OfficialResponse,
    ProgressUpdate,
    Recommendation,
    RecommendationImport,
    ResponseLink,
    ThemeMapping,
    UNResponse,
)
from cities.models import City, ReviewCycle, Theme

PUBLIC_MIN_COUNT = 5  # counts of testimony under this are withheld on public pages
SUGGESTION_LIMIT = 5
_MAX_QUERY_LEXEMES = 200


def _uuid(value: object) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise Http404 from exc


def _get[M: models.Model](qs: QuerySet[M], value: object) -> M:
    try:
        return qs.get(uuid=_uuid(value))
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


# --------------------------------------------------------------------------- recommendations


@dataclass(frozen=True)
class RecommendationFilters:
    query: str = ""
    cycle: int | None = None
    theme: str = ""
    response: str = ""
    state: str = ""

    def is_empty(self) -> bool:
        return not (self.query or self.cycle or self.theme or self.response or self.state)


def recommendation_search(*, filters: RecommendationFilters) -> QuerySet[Recommendation]:
    """Recommendations matching the filters: full-text search (English stemming, web
    search syntax), best match first when searching, else in cycle and paragraph order."""
    qs = Recommendation.objects.select_related("cycle").prefetch_related("themes")
    if filters.cycle:
        qs = qs.filter(cycle__number=filters.cycle)
    if filters.theme:
        qs = qs.filter(themes__slug=filters.theme)
    if filters.response:
        qs = qs.filter(response=filters.response)
    if filters.state:
        qs = qs.filter(states__contains=[filters.state])
    if filters.query:
        query = SearchQuery(filters.query, config="english", search_type="websearch")
        qs = (
            qs.filter(search_document=query)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "-cycle__number", "position")
        )
    return qs


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    count: int
    percent: float
    suppressed: bool = False  # the bar chart include's contract; UN records are never withheld


def _facets(pairs: Iterable[tuple[str, str, int]], total: int) -> list[Facet]:
    return [
        Facet(key=k, label=label, count=c, percent=round(c * 100 / total, 1) if total else 0.0)
        for k, label, c in pairs
    ]


def recommendation_facets(*, qs: QuerySet[Recommendation]) -> dict[str, Any]:
    """Counts of the filtered recommendations per response and per portal theme."""
    ids = qs.order_by().values("id")
    by_response = dict(
        Recommendation.objects.filter(id__in=ids)
        .values_list("response")
        .annotate(n=Count("id"))
        .values_list("response", "n")
    )
    total = sum(by_response.values())
    responses = _facets(
        ((r.value, str(r.label), by_response.get(r.value, 0)) for r in UNResponse), total
    )
    through = Recommendation.themes.through
    by_theme: dict[int, int] = dict(
        through.objects.filter(recommendation_id__in=ids)
        .values("theme_id")
        .annotate(n=Count("recommendation_id"))
        .values_list("theme_id", "n")  # type: ignore[misc]
    )
    themes = sorted(
        (t for t in Theme.objects.filter(id__in=by_theme.keys())),
        key=lambda t: (-by_theme[t.id], t.sort_order),
    )
    return {
        "total": total,
        "responses": responses,
        "themes": _facets(((t.slug, t.name, by_theme[t.id]) for t in themes), total),
    }


@dataclass(frozen=True)
class FilterOptions:
    cycles: list[tuple[int, str]]
    themes: list[Theme]
    states: list[str]


def recommendation_filter_options() -> FilterOptions:
    cycle_numbers = set(Recommendation.objects.values_list("cycle__number", flat=True).distinct())
    cycles = [
        (c.number, c.title)
        for c in ReviewCycle.objects.filter(number__in=cycle_numbers).order_by("-number")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT unnest(states) AS s FROM accountability_recommendation ORDER BY s"
        )
        states = [row[0] for row in cursor.fetchall()]
    return FilterOptions(
        cycles=cycles, themes=list(Theme.objects.filter(is_active=True)), states=states
    )


def recommendation_get_public(*, recommendation_uuid: object) -> Recommendation:
    return _get(
        Recommendation.objects.select_related("cycle").prefetch_related("themes"),
        recommendation_uuid,
    )


@dataclass
class CityActivity:
    city: City
    plan: ActionPlan | None = None
    actions: int = 0
    completed: int = 0
    testimonies: int | None = 0  # None: fewer than PUBLIC_MIN_COUNT, withheld
    local_recommendations: int = 0

    @property
    def testimonies_withheld(self) -> bool:
        return self.testimonies is None


# Evidence that may count in public: the city's own recommendations, and testimony that
# is reviewed and whose consent stands.
_PUBLIC_EVIDENCE = Q(local_recommendation__isnull=False) | Q(
    testimony__review_status="reviewed", testimony__consent_withdrawn_at__isnull=True
)


def recommendation_city_activity(*, recommendation: Recommendation) -> list[CityActivity]:
    """Per city: its plan for this recommendation and how much local evidence it linked.

    Testimony counts only reviewed testimony whose consent stands, and withholds counts
    under 5; no testimony text or detail is read."""
    rows: dict[int, CityActivity] = {}
    for plan in (
        ActionPlan.objects.filter(recommendation=recommendation)
        .select_related("city")
        .annotate(
            n_actions=Count("actions"),
            n_completed=Count("actions", filter=Q(actions__status=ActionStatus.COMPLETED)),
        )
    ):
        rows[plan.city_id] = CityActivity(
            city=plan.city,
            plan=plan,
            actions=plan.n_actions,
            completed=plan.n_completed,
        )
    links = (
        EvidenceLink.objects.filter(recommendation=recommendation, status=LinkStatus.CONFIRMED)
        .filter(_PUBLIC_EVIDENCE)
        .values("city_id")
        .annotate(
            n_testimony=Count("id", filter=Q(testimony__isnull=False)),
            n_local=Count("id", filter=Q(local_recommendation__isnull=False)),
        )
    )
    cities = {c.id: c for c in City.objects.filter(id__in=[r["city_id"] for r in links])}
    for row in links:
        activity = rows.setdefault(row["city_id"], CityActivity(city=cities[row["city_id"]]))
        n = row["n_testimony"]
        activity.testimonies = n if n == 0 or n >= PUBLIC_MIN_COUNT else None
        activity.local_recommendations = row["n_local"]
    return sorted(rows.values(), key=lambda a: a.city.name)


# --------------------------------------------------------------------------- imports & mapping


def import_list() -> QuerySet[RecommendationImport]:
    return RecommendationImport.objects.select_related("cycle", "uploaded_by").defer("content")


def import_get(*, import_uuid: object) -> RecommendationImport:
    return _get(RecommendationImport.objects.select_related("cycle"), import_uuid)


def import_get_preview(*, import_uuid: object) -> RecommendationImport:
    return _get(
        RecommendationImport.objects.select_related("cycle").filter(status=ImportStatus.PREVIEW),
        import_uuid,
    )


@dataclass
class MappingRow:
    mapping: ThemeMapping
    themes: list[Theme]
    recommendations: int

    @property
    def is_unmapped(self) -> bool:
        return not self.themes and not self.mapping.not_applicable


def theme_mapping_rows() -> list[MappingRow]:
    """Every source theme, unmapped ones first, with how many recommendations carry it."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_format, unnest(source_themes) AS t, count(*) "
            "FROM accountability_recommendation GROUP BY 1, 2"
        )
        for fmt, theme, n in cursor.fetchall():
            counts[(fmt, theme)] = n
    rows = [
        MappingRow(
            mapping=m,
            themes=list(m.themes.all()),
            recommendations=counts.get((m.vocabulary, m.source_theme), 0),
        )
        for m in ThemeMapping.objects.prefetch_related("themes")
    ]
    return sorted(
        rows, key=lambda r: (not r.is_unmapped, r.mapping.vocabulary, r.mapping.source_theme)
    )


def theme_mapping_unmapped_count() -> int:
    return ThemeMapping.objects.filter(themes__isnull=True, not_applicable=False).count()


def theme_mapping_get(*, mapping_uuid: object) -> ThemeMapping:
    return _get(ThemeMapping.objects.prefetch_related("themes"), mapping_uuid)


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    recommendation: Recommendation
    shared_themes: list[Theme]
    rank: float


def _lexemes(text: str) -> list[str]:
    """The English lexemes of `text`, as PostgreSQL's own parser and stemmer see them."""
    if not text.strip():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", [text])
        row = cursor.fetchone()
    return list(row[0] or [])[:_MAX_QUERY_LEXEMES] if row else []


def _any_of(lexemes: list[str]) -> str:
    """A tsquery matching any of the lexemes; each quoted, so nothing in them is syntax."""
    return " | ".join(
        "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes
    )


def _suggest(
    *, text: str, theme_ids: list[int], exclude: QuerySet[EvidenceLink], limit: int
) -> list[Suggestion]:
    """Recommendations sharing a theme with the evidence (any when it has no theme),
    ranked by full-text similarity to its text, then by themes shared, newest cycle first.
    Recommendations already confirmed or dismissed for it are left out."""
    qs = Recommendation.objects.exclude(id__in=exclude.values("recommendation_id")).select_related(
        "cycle"
    )
    if theme_ids:
        qs = qs.filter(themes__in=theme_ids).annotate(
            shared=Count("themes", filter=Q(themes__in=theme_ids), distinct=True)
        )
    else:
        qs = qs.annotate(shared=Value(0))
    lexemes = _lexemes(text)
    if lexemes:
        query = Cast(Value(_any_of(lexemes)), output_field=SearchQueryField())
        qs = qs.annotate(
            rank=Func(
                F("search_document"),
                query,
                Value(1),
                function="ts_rank_cd",
                output_field=FloatField(),
            )
        )
    else:
        qs = qs.annotate(rank=Value(0.0, output_field=FloatField()))
    if not theme_ids:
        qs = qs.filter(rank__gt=0)
    picked = list(qs.distinct().order_by("-rank", "-shared", "-cycle__number", "position")[:limit])
    themes = {t.id: t for t in Theme.objects.filter(id__in=theme_ids)}
    shared_by_rec: dict[int, list[Theme]] = defaultdict(list)
    through = Recommendation.themes.through
    for rec_id, theme_id in through.objects.filter(
        recommendation_id__in=[r.id for r in picked], theme_id__in=theme_ids
    ).values_list("recommendation_id", "theme_id"):
        shared_by_rec[rec_id].append(themes[theme_id])
    return [
        Suggestion(recommendation=r, shared_themes=shared_by_rec[r.id], rank=float(r.rank))  # type: ignore[attr-defined]
        for r in picked
    ]


def suggestions_for_testimony(*, testimony: Any, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    return _suggest(
        text=f"{testimony.summary}\n{testimony.narrative}",
        theme_ids=list(testimony.themes.values_list("id", flat=True)),
        exclude=EvidenceLink.objects.filter(testimony=testimony),
        limit=limit,
    )


def suggestions_for_local(
    *, local: LocalRecommendation, limit: int = SUGGESTION_LIMIT
) -> list[Suggestion]:
    return _suggest(
        text=local.text,
        theme_ids=list(local.themes.values_list("id", flat=True)),
        exclude=EvidenceLink.objects.filter(local_recommendation=local),
        limit=limit,
    )


def links_for_testimony(*, testimony: Any) -> QuerySet[EvidenceLink]:
    return EvidenceLink.objects.filter(testimony=testimony).select_related("recommendation__cycle")


def links_for_local(*, local: LocalRecommendation) -> QuerySet[EvidenceLink]:
    return EvidenceLink.objects.filter(local_recommendation=local).select_related(
        "recommendation__cycle"
    )


def evidence_link_get_for_city(*, city: City, link_uuid: object) -> EvidenceLink:
    return _get(
        EvidenceLink.objects.filter(city=city).select_related(
            "recommendation", "testimony", "local_recommendation"
        ),
        link_uuid,
    )


def confirmed_links_for_testimonies(
    *, testimony_ids: Iterable[int]
) -> dict[int, list[Recommendation]]:
    """For a report: which UN recommendations each testimony supports (confirmed links)."""
    result: dict[int, list[Recommendation]] = defaultdict(list)
    for link in EvidenceLink.objects.filter(
        testimony_id__in=list(testimony_ids), status=LinkStatus.CONFIRMED
    ).select_related("recommendation__cycle"):
        result[link.testimony_id].append(link.recommendation)  # type: ignore[index]
    return result


# --------------------------------------------------------------------------- city reads


def local_recommendation_list(
    *, city: City, cycle: ReviewCycle | None = None
) -> QuerySet[LocalRecommendation]:
    qs = LocalRecommendation.objects.filter(city=city).select_related("cycle", "report")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    return qs.prefetch_related("themes", "action_plans").annotate(
        n_links=Count("links", filter=Q(links__status=LinkStatus.CONFIRMED), distinct=True)
    )


def local_recommendation_get_for_city(*, city: City, local_uuid: object) -> LocalRecommendation:
    return _get(LocalRecommendation.objects.filter(city=city).select_related("cycle"), local_uuid)


def _plan_prefetches() -> list[Prefetch[Any]]:
    return [
        Prefetch(
            "actions",
            queryset=Action.objects.prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.prefetch_related(
                        Prefetch(
                            "readings",
                            queryset=ProgressUpdate.objects.order_by("reported_on", "id"),
                        )
                    ),
                ),
                Prefetch("updates", queryset=ProgressUpdate.objects.select_related("indicator")),
            ),
        ),
        Prefetch(
            "official_responses",
            queryset=OfficialResponse.objects.filter(hidden_at__isnull=True).select_related(
                "action"
            ),
            to_attr="visible_responses",
        ),
    ]


def plan_list_for_city(*, city: City) -> QuerySet[ActionPlan]:
    return (
        ActionPlan.objects.filter(city=city)
        .select_related("recommendation__cycle", "local_recommendation")
        .prefetch_related("recommendation__themes", *_plan_prefetches())
    )


def plan_get_for_city(*, city: City, plan_uuid: object) -> ActionPlan:
    return _get(
        ActionPlan.objects.filter(city=city).select_related(
            "recommendation__cycle", "local_recommendation"
        ),
        plan_uuid,
    )


def action_get_for_city(*, city: City, action_uuid: object) -> Action:
    return _get(Action.objects.filter(city=city).select_related("plan"), action_uuid)


def indicator_get_for_city(*, city: City, indicator_uuid: object) -> Indicator:
    return _get(Indicator.objects.filter(city=city).select_related("action__plan"), indicator_uuid)


def progress_get_for_city(*, city: City, update_uuid: object) -> ProgressUpdate:
    return _get(
        ProgressUpdate.objects.filter(city=city).select_related("action__plan"), update_uuid
    )


def response_link_list(*, plan: ActionPlan) -> QuerySet[ResponseLink]:
    return ResponseLink.objects.filter(plan=plan).select_related("action", "response")


def response_link_get_for_city(*, city: City, link_uuid: object) -> ResponseLink:
    return _get(ResponseLink.objects.filter(city=city).select_related("plan"), link_uuid)


def official_response_list(*, plan: ActionPlan) -> QuerySet[OfficialResponse]:
    return OfficialResponse.objects.filter(plan=plan).select_related("action")


def official_response_get_for_city(*, city: City, response_uuid: object) -> OfficialResponse:
    return _get(OfficialResponse.objects.filter(city=city).select_related("plan"), response_uuid)


def response_link_get_by_token(*, link_uuid: object, token: str) -> ResponseLink:
    """The link a URL names, only if the token matches: 404 otherwise, the same as a
    missing link, so a guessed uuid reveals nothing."""
    link = _get(
        ResponseLink.objects.select_related(
            "city", "plan__recommendation__cycle", "plan__local_recommendation", "action"
        ),
        link_uuid,
    )
    if not tokens.response_token_matches(link, token or ""):
        raise Http404
    return link


# --------------------------------------------------------------------------- scorecard


@dataclass
class IndicatorCard:
    indicator: Indicator
    readings: list[ProgressUpdate]
    latest: Decimal | None
    percent: int | None

    @property
    def chart_points(self) -> list[tuple[str, int]]:
        """Each reading as (date, share of the way from baseline to target), oldest first."""
        points = []
        for reading in self.readings:
            percent = self.indicator.progress_percent(reading.value)
            points.append((reading.reported_on.isoformat(), percent or 0))
        return points


@dataclass
class ActionCard:
    action: Action
    overdue: bool
    indicators: list[IndicatorCard]
    updates: list[ProgressUpdate]


@dataclass
class PlanCard:
    plan: ActionPlan
    actions: list[ActionCard]
    responses: list[OfficialResponse]
    completed: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(self.completed * 100 / len(self.actions)) if self.actions else 0


@dataclass
class Scorecard:
    plans: list[PlanCard] = field(default_factory=list)
    actions: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def overdue_actions(self) -> list[tuple[PlanCard, ActionCard]]:
        return [(p, a) for p in self.plans for a in p.actions if a.overdue]


def _plan_card(plan: ActionPlan, today: datetime.date) -> PlanCard:
    actions = []
    for action in plan.actions.all():
        indicators = []
        for indicator in action.indicators.all():
            readings = list(indicator.readings.all())
            latest = readings[-1].value if readings else None
            indicators.append(
                IndicatorCard(
                    indicator=indicator,
                    readings=readings,
                    latest=latest,
                    percent=indicator.progress_percent(latest),
                )
            )
        actions.append(
            ActionCard(
                action=action,
                overdue=action.is_overdue(today),
                indicators=indicators,
                updates=list(action.updates.all()),
            )
        )
    return PlanCard(
        plan=plan,
        actions=actions,
        responses=list(plan.visible_responses),  # type: ignore[attr-defined]
        completed=sum(1 for a in actions if a.action.status == ActionStatus.COMPLETED),
        overdue=sum(1 for a in actions if a.overdue),
    )


def scorecard(*, city: City, today: datetime.date | None = None) -> Scorecard:
    """The city's plans as the public sees them: actions with status and overdue flags,
    indicators with their readings, progress notes and officials' visible responses.
    A fixed number of queries whatever the number of plans."""
    today = today or timezone.localdate()
    card = Scorecard()
    for plan in plan_list_for_city(city=city):
        plan_card = _plan_card(plan, today)
        card.plans.append(plan_card)
        card.actions += len(plan_card.actions)
        card.completed += plan_card.completed
        card.overdue += plan_card.overdue
    return card


def plan_card(*, plan: ActionPlan, today: datetime.date | None = None) -> PlanCard:
    """One plan's card, read the way the scorecard reads it."""
    loaded = plan_list_for_city(city=plan.city).get(pk=plan.pk)
    return _plan_card(loaded, today or timezone.localdate())


def plan_recommendation_ids(*, city: City) -> set[int]:
    """The UN recommendations the city has taken up."""
    return set(
        ActionPlan.objects.filter(city=city, recommendation__isnull=False).values_list(
            "recommendation_id", flat=True
        )
    )


# --------------------------------------------------------------------------- national comparison


@dataclass
class ComparisonCell:
    city: City
    plans: int
    actions: int
    completed: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(self.completed * 100 / self.actions) if self.actions else 0


@dataclass
class ComparisonRow:
    theme: Theme
    cells: list[ComparisonCell]


def national_comparison(*, today: datetime.date | None = None) -> list[ComparisonRow]:
    """Per portal theme, the cities with plans on it and how far their actions are.

    A plan counts under the themes of its recommendation (the UN's, through the mapping,
    or the city's own). Cities without a plan on a theme are left out of its row."""
    today = today or timezone.localdate()
    plans = list(
        ActionPlan.objects.select_related("city")
        .prefetch_related("recommendation__themes", "local_recommendation__themes")
        .annotate(
            n_actions=Count("actions", distinct=True),
            n_completed=Count(
                "actions", filter=Q(actions__status=ActionStatus.COMPLETED), distinct=True
            ),
            n_overdue=Count(
                "actions",
                filter=Q(actions__due_on__lt=today) & ~Q(actions__status=ActionStatus.COMPLETED),
                distinct=True,
            ),
        )
    )
    cells: dict[int, dict[int, ComparisonCell]] = defaultdict(dict)
    themes: dict[int, Theme] = {}
    for plan in plans:
        source = plan.recommendation or plan.local_recommendation
        for theme in source.themes.all() if source is not None else []:
            themes[theme.id] = theme
            cell = cells[theme.id].setdefault(
                plan.city_id,
                ComparisonCell(city=plan.city, plans=0, actions=0, completed=0, overdue=0),
            )
            cell.plans += 1
            cell.actions += plan.n_actions
            cell.completed += plan.n_completed
            cell.overdue += plan.n_overdue
    return [
        ComparisonRow(
            theme=theme, cells=sorted(cells[theme.id].values(), key=lambda c: c.city.name)
        )
        for theme in sorted(themes.values(), key=lambda t: (t.sort_order, t.name_en))
    ]


# --------------------------------------------------------------------------- handout


HANDOUT_MAX_ITEMS = 6
HANDOUT_TEXT_CHARS = 320
HANDOUT_MAX_COMMITMENTS = 2


@dataclass
class HandoutItem:
    recommendation: Recommendation
    text: str
    commitments: list[str]


@dataclass
class Handout:
    city: City
    items: list[HandoutItem]
    more: int
    official_commitments: list[OfficialResponse]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def handout_for_city(*, city: City) -> Handout:
    """What fits on one page: the UN recommendations the city took up (then those its
    evidence supports), each with the US response and up to two of the city's actions;
    the rest is counted, not listed."""
    plans = {
        p.recommendation_id: p
        for p in ActionPlan.objects.filter(
            city=city, recommendation__isnull=False
        ).prefetch_related("actions")
    }
    linked = (
        EvidenceLink.objects.filter(city=city, status=LinkStatus.CONFIRMED)
        .filter(_PUBLIC_EVIDENCE)
        .values("recommendation_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    ordered = list(plans.keys()) + [
        row["recommendation_id"] for row in linked if row["recommendation_id"] not in plans
    ]
    recommendations = Recommendation.objects.select_related("cycle").in_bulk(
        ordered[:HANDOUT_MAX_ITEMS]
    )
    items = []
    for rec_id in ordered[:HANDOUT_MAX_ITEMS]:
        plan = plans.get(rec_id)
        actions = list(plan.actions.all())[:HANDOUT_MAX_COMMITMENTS] if plan else []
        items.append(
            HandoutItem(
                recommendation=recommendations[rec_id],
                text=_clip(recommendations[rec_id].text, HANDOUT_TEXT_CHARS),
                commitments=[
                    _clip(f"{a.description} ({a.responsible}, {a.due_on.isoformat()})", 200)
                    for a in actions
                ],
            )
        )
    official = list(
        OfficialResponse.objects.filter(
            city=city, hidden_at__isnull=True, kind="commitment"
        ).order_by("-submitted_at")[:2]
    )
    return Handout(
        city=city,
        items=items,
        more=max(0, len(ordered) - HANDOUT_MAX_ITEMS),
        official_commitments=official,
    )
