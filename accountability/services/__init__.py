"""Writes for recommendations, evidence links, action plans and officials' responses.

Every function is keyword-only and atomic. Callers have already checked that the actor
may act (views do that through `cities.permissions`); services enforce the domain rules.
"""

from accountability.services.handout import handout_get_or_render, handout_html
from accountability.services.links import (
    evidence_link_decide,
    evidence_link_remove,
    local_recommendation_delete,
    local_recommendation_save,
    local_recommendations_from_report,
    recommendation_items,
)
from accountability.services.officials import (
    LinkUnusable,
    action_reminders_send,
    official_respond,
    official_response_hide,
    response_link_create,
    response_link_revoke,
)
from accountability.services.plans import (
    ACTION_EDITABLE,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    INDICATOR_EDITABLE,
    action_delete,
    action_save,
    evidence_file_check,
    indicator_delete,
    indicator_save,
    plan_create,
    plan_delete,
    plan_update,
    progress_add,
)
from accountability.services.recommendations import (
    default_source_document,
    recommendation_themes_sync,
    recommendations_apply,
    recommendations_check,
    recommendations_discard,
    theme_mapping_update,
)

__all__ = [
    "ACTION_EDITABLE",
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "INDICATOR_EDITABLE",
    "LinkUnusable",
    "action_delete",
    "action_reminders_send",
    "action_save",
    "default_source_document",
    "evidence_file_check",
    "evidence_link_decide",
    "evidence_link_remove",
    "handout_get_or_render",
    "handout_html",
    "indicator_delete",
    "indicator_save",
    "local_recommendation_delete",
    "local_recommendation_save",
    "local_recommendations_from_report",
    "official_respond",
    "official_response_hide",
    "plan_create",
    "plan_delete",
    "plan_update",
    "progress_add",
    "recommendation_items",
    "recommendation_themes_sync",
    "recommendations_apply",
    "recommendations_check",
    "recommendations_discard",
    "response_link_create",
    "response_link_revoke",
    "theme_mapping_update",
]
