from django.urls import path

from accountability.views import public as accountability_public
from cities.views import public
from consultations.views import survey_public
from reports.views import public as reports_public

app_name = "public"
urlpatterns = [
    path("", public.directory, name="directory"),
    path("<slug:slug>/", public.city_page, name="city"),
    path(
        "<slug:slug>/surveys/<uuid:survey_uuid>/",
        survey_public.survey_summary_public,
        name="survey_summary",
    ),
    path(
        "<slug:slug>/reports/<uuid:publication_uuid>/",
        reports_public.publication_download,
        name="report_download",
    ),
    path(
        "<slug:slug>/un-recommendations/<str:language>.pdf",
        accountability_public.handout_download,
        name="handout",
    ),
]
