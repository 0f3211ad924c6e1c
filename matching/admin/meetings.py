"""Meetings: dates and counts for the committee, never the pair's notes."""

from django.contrib import admin
from django.db.models import Count

from matching.models import Meeting
from mentorship.common.admin_input import AdminInputMixin


@admin.register(Meeting)
class MeetingAdmin(AdminInputMixin, admin.ModelAdmin):
    """Dates and counts for the committee; the pair's notes are never shown here."""

    list_display = ["pair", "occurred_on", "duration_minutes", "topic_count", "next_meeting_on"]
    list_filter = ["match__cohort"]
    list_select_related = ["match__apm__user", "match__mentor__user"]
    search_fields = ["match__apm__user__full_name", "match__apm__user__email",
                     "match__mentor__user__full_name", "match__mentor__user__email"]  # fmt: skip
    date_hierarchy = "occurred_on"
    fields = ["match", "occurred_on", "duration_minutes", "next_meeting_on", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(topic_total=Count("topics")).defer("notes")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Pair")
    def pair(self, meeting):
        return f"{meeting.match.apm.user} with {meeting.match.mentor.user}"

    @admin.display(description="Topics", ordering="topic_total")
    def topic_count(self, meeting):
        return meeting.topic_total
