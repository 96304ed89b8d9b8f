"""Read-mostly admin for the people who run the server. Day-to-day work happens in the portal."""

from django.contrib import admin

from cities.models import (
    AuditEvent,
    City,
    Invitation,
    Membership,
    Participation,
    ReviewCycle,
    Theme,
)


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "is_current", "local_report_due")


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "slug")
    search_fields = ("name", "state")
    inlines = [ParticipationInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "city", "role")
    list_filter = ("role", "city")
    raw_id_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "city", "role", "status", "email_status", "expires_at")
    list_filter = ("status", "role")
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):  # invitations are created in the portal
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "city", "action", "target_label")
    list_filter = ("action",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_es", "slug", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_en", "name_es", "slug")
