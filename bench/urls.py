"""The portal's URLs plus the bare yardstick views under /bench/bare/ (bench settings only)."""

from django.urls import include, path

from upr_portal.urls import handler500
from upr_portal.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler500", "urlpatterns"]

urlpatterns = [
    path("bench/bare/", include("bench.bare.urls")),
    *portal_urlpatterns,
]
