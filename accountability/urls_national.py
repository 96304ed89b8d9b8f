from django.urls import path

from accountability.views import national

app_name = "national_recommendations"
urlpatterns = [
    path("import/", national.import_start, name="import_start"),
    path("import/<uuid:import_uuid>/", national.import_detail, name="import"),
    path("import/<uuid:import_uuid>/apply/", national.import_apply, name="import_apply"),
    path("import/<uuid:import_uuid>/discard/", national.import_discard, name="import_discard"),
    path("themes/", national.mapping_list, name="mapping"),
    path("themes/<uuid:mapping_uuid>/", national.mapping_edit, name="mapping_edit"),
]
