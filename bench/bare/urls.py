from django.urls import path

from bench.bare import views

app_name = "bench_bare"
urlpatterns = [
    path("submit/", views.bare_submit, name="submit"),
    path("thanks/", views.bare_thanks, name="thanks"),
    path("list/", views.bare_list, name="list"),
]
