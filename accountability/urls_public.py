from django.urls import path

from accountability.views import public

app_name = "recommendations"
urlpatterns = [
    path("", public.recommendation_list, name="list"),
    path("cities/", public.comparison, name="comparison"),
    path("<uuid:recommendation_uuid>/", public.recommendation_detail, name="detail"),
]
