"""The audit log: read-only for the committee."""

from django.contrib import admin

from mentorship.models import (
    AuditLog,
)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the log is the record of what the committee did, so no one edits it."""

    list_display = ["created_at", "action", "actor", "target", "summary"]
    list_filter = ["action"]
    search_fields = ["summary"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
