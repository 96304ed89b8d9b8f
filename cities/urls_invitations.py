from django.urls import path

from cities.views import invitations

app_name = "invitations"
urlpatterns = [
    path("<uuid:invitation_uuid>/<str:token>/", invitations.accept, name="accept"),
]
