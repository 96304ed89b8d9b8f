"""National coordinators' report pages (mounted under app/national/reports/)."""

from django.urls import path

from reports.views import national

app_name = "national_reports"
C = "compilations/<uuid:compilation_uuid>/"
urlpatterns = [
    path("", national.dashboard, name="dashboard"),
    path("summaries/<uuid:report_uuid>/reopen/", national.summary_reopen, name="reopen"),
    path("compile/", national.compile_start, name="compile"),
    path(C, national.compilation_detail, name="compilation"),
    path(
        C + "jobs/<uuid:job_uuid>/download/",
        national.compilation_download,
        name="compilation_download",
    ),
    path("counts.csv", national.counts_export, name="counts_export"),
]
