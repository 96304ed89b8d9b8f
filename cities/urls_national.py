from django.urls import path

from cities.views import national
from consultations.views import testimony

app_name = "national"
urlpatterns = [
    path("", national.console, name="console"),
    path("cities/new/", national.city_create, name="city_create"),
    path("cities/<uuid:city_uuid>/edit/", national.city_edit, name="city_edit"),
    path("invite/", national.invite, name="invite"),
    path(
        "invitations/<uuid:invitation_uuid>/revoke/",
        national.invitation_revoke,
        name="invitation_revoke",
    ),
    path("cycles/", national.cycles, name="cycles"),
    path("cycles/new/", national.cycle_create, name="cycle_create"),
    path("cycles/<uuid:cycle_uuid>/edit/", national.cycle_edit, name="cycle_edit"),
    path(
        "cycles/<uuid:cycle_uuid>/make-current/",
        national.cycle_make_current,
        name="cycle_make_current",
    ),
    path("themes/", national.themes, name="themes"),
    path("themes/new/", national.theme_create, name="theme_create"),
    path("themes/<uuid:theme_uuid>/edit/", national.theme_edit, name="theme_edit"),
    path("testimony/", testimony.national_list, name="testimony"),
    path("activity/", national.activity, name="activity"),
]
