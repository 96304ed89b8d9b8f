from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accountability.views import public as accountability_public
from accounts import views as account_views
from cities.views import public
from upr_portal import views

# The admin has no log-in of its own: it goes through allauth (rate limits, MFA).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "UPR Cities Portal"

handler500 = "upr_portal.views.server_error"

urlpatterns = [
    path("", public.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("cities/", include("cities.urls_public")),
    path("invitations/", include("cities.urls_invitations")),
    path("app/", include("cities.urls")),
    path("app/cities/<uuid:city_uuid>/", include("consultations.urls")),
    path("app/cities/<uuid:city_uuid>/reports/", include("reports.urls")),
    path("app/cities/<uuid:city_uuid>/accountability/", include("accountability.urls")),
    path("s/", include("consultations.urls_public")),
    path("recommendations/", include("accountability.urls_public")),
    path(
        "respond/<uuid:link_uuid>/<str:token>/",
        accountability_public.respond,
        name="official_respond",
    ),
    path("app/national/reports/", include("reports.urls_national")),
    path("app/national/recommendations/", include("accountability.urls_national")),
    path("app/national/", include("cities.urls_national")),
    path("accounts/login/", account_views.login, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
