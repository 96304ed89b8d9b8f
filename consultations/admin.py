"""Testimony is deliberately not in the admin: server operators are not on any city's
team, and the admin would show restricted fields. Consultations are listed read-only."""

from django.contrib import admin
from django.http import HttpRequest

from consultations.models import Consultation


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title", "city", "kind", "starts_at", "status", "is_public")
    list_filter = ("status", "kind", "is_public")
    search_fields = ("title",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
