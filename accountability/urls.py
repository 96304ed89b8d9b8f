from django.urls import path

from accountability.views import city

app_name = "accountability"
urlpatterns = [
    path("", city.index, name="index"),
    path("recommendations/", city.recommendation_browse, name="browse"),
    path("take-up/", city.take_up, name="take_up"),
    path("plans/<uuid:plan_uuid>/", city.plan_detail, name="plan"),
    path("plans/<uuid:plan_uuid>/edit/", city.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_uuid>/delete/", city.plan_delete, name="plan_delete"),
    path("plans/<uuid:plan_uuid>/actions/new/", city.action_create, name="action_create"),
    path("plans/<uuid:plan_uuid>/links/new/", city.response_link_create, name="link_create"),
    path("actions/<uuid:action_uuid>/edit/", city.action_edit, name="action_edit"),
    path("actions/<uuid:action_uuid>/delete/", city.action_delete, name="action_delete"),
    path(
        "actions/<uuid:action_uuid>/indicators/new/", city.indicator_create, name="indicator_create"
    ),
    path("actions/<uuid:action_uuid>/progress/new/", city.progress_add, name="progress_add"),
    path("indicators/<uuid:indicator_uuid>/edit/", city.indicator_edit, name="indicator_edit"),
    path(
        "indicators/<uuid:indicator_uuid>/delete/", city.indicator_delete, name="indicator_delete"
    ),
    path("progress/<uuid:update_uuid>/evidence/", city.evidence_download, name="evidence_download"),
    path("links/<uuid:link_uuid>/revoke/", city.response_link_revoke, name="link_revoke"),
    path("responses/<uuid:response_uuid>/hide/", city.official_response_hide, name="response_hide"),
    path("ours/new/", city.local_create, name="local_create"),
    path("ours/from-report/", city.local_from_report, name="local_from_report"),
    path("ours/<uuid:local_uuid>/", city.local_detail, name="local"),
    path("ours/<uuid:local_uuid>/edit/", city.local_edit, name="local_edit"),
    path("ours/<uuid:local_uuid>/delete/", city.local_delete, name="local_delete"),
    path("ours/<uuid:local_uuid>/decide/", city.local_link_decide, name="local_decide"),
    path(
        "testimony/<uuid:testimony_uuid>/recommendations/",
        city.testimony_links,
        name="testimony_links",
    ),
    path(
        "testimony/<uuid:testimony_uuid>/recommendations/decide/",
        city.testimony_link_decide,
        name="testimony_decide",
    ),
    path("evidence-links/<uuid:link_uuid>/remove/", city.link_remove, name="link_remove"),
]
