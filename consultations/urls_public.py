"""The resident's survey: short links for flyers and QR codes, no login."""

from django.urls import path

from consultations.views import survey_public

app_name = "survey_public"
urlpatterns = [
    path("<uuid:survey_uuid>/", survey_public.survey_respond, name="respond"),
    path("<uuid:survey_uuid>/thanks/", survey_public.survey_thanks, name="thanks"),
]
