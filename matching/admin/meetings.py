"""Meetings: dates and counts for the committee, never the pair's notes."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from matching.models import Meeting
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin


@admin.register(Meeting)
class MeetingAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """Dates and counts for the committee; the pair's notes are never shown here."""

    list_display = ["pair", "occurred_on", "duration_minutes", "topic_count", "next_meeting_on"]
    # Dates as a filter rather than a date hierarchy, whose links read every meeting.
    list_filter = ["match__cohort", "occurred_on"]
    list_select_related = ["match__apm__user", "match__mentor__user"]
    list_defer = ["match__reasons", "match__apm__goals", "match__apm__notes_for_committee",
                  "match__mentor__goals", "match__mentor__notes_for_committee"]  # fmt: skip
    search_fields = ["match__apm__user__full_name", "match__apm__user__email",
                     "match__mentor__user__full_name", "match__mentor__user__email"]  # fmt: skip
    fields = ["match", "occurred_on", "duration_minutes", "next_meeting_on", "created_at"]
    readonly_fields = fields
    change_select_related = ["match__apm__user", "match__mentor__user"]

    def get_queryset(self, request):
        # A count per row, not a join grouped over every meeting: the page reads its
        # 25 meetings by the ordering's index and counts their topics alone.
        topics = (
            Meeting.topics.through.objects.filter(meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(topic_total=Coalesce(Subquery(topics), 0))
            .defer("notes")
        )

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
