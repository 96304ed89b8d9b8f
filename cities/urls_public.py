from django.urls import path

from cities.views import public

app_name = "public"
urlpatterns = [
    path("", public.directory, name="directory"),
    path("<slug:slug>/", public.city_page, name="city"),
]
