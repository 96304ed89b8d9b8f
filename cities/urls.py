from django.urls import path

from cities.views import team

app_name = "cities"
urlpatterns = [
    path("", team.dashboard, name="dashboard"),
    path("cities/<uuid:city_uuid>/", team.city_home, name="city"),
    path("cities/<uuid:city_uuid>/team/", team.team, name="team"),
    path("cities/<uuid:city_uuid>/team/invite/", team.invite, name="invite"),
    path(
        "cities/<uuid:city_uuid>/team/<uuid:membership_uuid>/role/",
        team.membership_role,
        name="membership_role",
    ),
    path(
        "cities/<uuid:city_uuid>/team/<uuid:membership_uuid>/remove/",
        team.membership_remove,
        name="membership_remove",
    ),
    path(
        "cities/<uuid:city_uuid>/invitations/<uuid:invitation_uuid>/resend/",
        team.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "cities/<uuid:city_uuid>/invitations/<uuid:invitation_uuid>/revoke/",
        team.invitation_revoke,
        name="invitation_revoke",
    ),
    path("cities/<uuid:city_uuid>/activity/", team.activity, name="activity"),
]
