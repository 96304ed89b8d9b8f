"""A city's report and summary (mounted under app/cities/<city_uuid>/reports/)."""

from django.urls import path

from reports.views import city

app_name = "reports"
R = "<uuid:report_uuid>/"
J = R + "jobs/<uuid:job_uuid>/"
V = R + "history/<uuid:revision_uuid>/"
urlpatterns = [
    path("", city.report_index, name="index"),
    path("start/", city.report_start, name="start"),
    path(R, city.report_detail, name="detail"),
    path(R + "save/", city.report_save, name="save"),
    path(R + "draft/", city.report_draft, name="draft"),
    path(R + "evidence/", city.evidence_panel, name="evidence"),
    path(R + "cite/", city.citation_add, name="cite"),
    path(R + "history/", city.report_history, name="history"),
    path(V, city.revision_detail, name="revision"),
    path(V + "restore/", city.revision_restore, name="restore"),
    path(R + "render/", city.render_request, name="render"),
    path(J, city.render_job_status, name="job"),
    path(J + "download/", city.render_job_download, name="download"),
    path(R + "approve/", city.report_approve, name="approve"),
    path(R + "submit/", city.summary_submit, name="submit"),
    path(R + "publish/", city.report_publish, name="publish"),
]
