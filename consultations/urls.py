"""Consultation, testimony and import pages of one city (mounted under app/cities/<city_uuid>/)."""

from django.urls import path

from consultations.views import events, imports, testimony

app_name = "consultations"
T = "testimony/<uuid:testimony_uuid>/"
urlpatterns = [
    path("consultations/", events.consultation_list, name="consultation_list"),
    path("consultations/new/", events.consultation_create, name="consultation_create"),
    path(
        "consultations/<uuid:consultation_uuid>/",
        events.consultation_detail,
        name="consultation_detail",
    ),
    path(
        "consultations/<uuid:consultation_uuid>/edit/",
        events.consultation_edit,
        name="consultation_edit",
    ),
    path("testimony/", testimony.testimony_list, name="testimony_list"),
    path("testimony/export.csv", testimony.testimony_export, name="testimony_export"),
    path("testimony/new/", testimony.testimony_create, name="testimony_create"),
    path(T, testimony.testimony_detail, name="testimony_detail"),
    path(T + "edit/", testimony.testimony_edit, name="testimony_edit"),
    path(T + "restricted/", testimony.testimony_restricted, name="testimony_restricted"),
    path(T + "redact/", testimony.testimony_redact, name="testimony_redact"),
    path(T + "review/", testimony.testimony_review, name="testimony_review"),
    path(T + "withdraw/", testimony.testimony_withdraw, name="testimony_withdraw"),
    path(T + "attachments/", testimony.attachment_upload, name="attachment_upload"),
    path(
        T + "attachments/<uuid:attachment_uuid>/",
        testimony.attachment_download,
        name="attachment_download",
    ),
    path(
        T + "attachments/<uuid:attachment_uuid>/delete/",
        testimony.attachment_delete,
        name="attachment_delete",
    ),
    path("imports/", imports.import_start, name="import_start"),
    path("imports/template.csv", imports.import_template, name="import_template"),
    path("imports/<uuid:batch_uuid>/", imports.import_detail, name="import_detail"),
    path("imports/<uuid:batch_uuid>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<uuid:batch_uuid>/discard/", imports.import_discard, name="import_discard"),
]
