"""The audit log: append-only; only a superuser may delete rows."""

from django.contrib import admin

from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import IndexedValuesListFilter, LargeTableAdminMixin
from mentorship.models import (
    AuditLog,
)


@admin.register(AuditLog)
class AuditLogAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """Append-only: the log is the record of what the committee did, so no one edits it.

    Rows are written by services only. A superuser may delete rows (say, to erase
    personal data on request); the committee may not remove its own traces.
    """

    list_display = ["created_at", "action", "actor", "target", "summary"]
    # Dates as a filter (today, past 7 days, this month, this year): no query to draw.
    # A date hierarchy reads every row's year (SELECT DISTINCT over the whole log).
    list_filter = [("created_at", admin.DateFieldListFilter), ("action", IndexedValuesListFilter)]
    search_fields = ["summary"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
