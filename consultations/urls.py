"""Consultation, testimony and import pages of one city (mounted under app/cities/<city_uuid>/)."""

from django.urls import path

from consultations.views import events, imports, surveys, testimony

app_name = "consultations"
T = "testimony/<uuid:testimony_uuid>/"
S = "surveys/<uuid:survey_uuid>/"
Q = S + "questions/<uuid:question_uuid>/"
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
    path("neighborhoods/", surveys.neighborhoods, name="neighborhoods"),
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path(S, surveys.survey_detail, name="survey_detail"),
    path(S + "edit/", surveys.survey_edit, name="survey_edit"),
    path(S + "status/", surveys.survey_status, name="survey_status"),
    path(S + "copy/", surveys.survey_copy, name="survey_copy"),
    path(S + "delete/", surveys.survey_delete, name="survey_delete"),
    path(S + "preview/", surveys.survey_preview, name="survey_preview"),
    path(S + "qr.<str:fmt>", surveys.survey_qr, name="survey_qr"),
    path(S + "questions/new/", surveys.question_create, name="question_create"),
    path(Q + "edit/", surveys.question_edit, name="question_edit"),
    path(Q + "delete/", surveys.question_delete, name="question_delete"),
    path(Q + "move/", surveys.question_move, name="question_move"),
    path(S + "results/", surveys.survey_results, name="survey_results"),
    path(S + "results/<uuid:question_uuid>/", surveys.survey_answers, name="survey_answers"),
    path(S + "export.csv", surveys.survey_export_csv, name="survey_export_csv"),
    path(S + "export.xlsx", surveys.survey_export_xlsx, name="survey_export_xlsx"),
    path(
        S + "responses/<uuid:response_uuid>/promote/<uuid:question_uuid>/",
        surveys.answer_promote,
        name="answer_promote",
    ),
    path(S + "summary/", surveys.survey_summary, name="survey_summary"),
]
