"""The outbox: every email the program sends, read-only, and a retry for the failed ones."""

from django.contrib import admin
from django.utils.text import Truncator

from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.models import Notification
from mentorship.outbox import sending

BODY_NOT_SHOWN = (
    "Not shown: account emails carry sign-in links and codes, which only the person "
    "they were sent to should see."
)


@admin.register(Notification)
class NotificationAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """What went out, what is waiting, and what failed with the mail server's answer.

    Rows are written by the outbox only; the committee's one move is to send a failed
    email again, through the audited service.
    """

    list_display = ["created_at", "kind", "to_email", "subject", "status", "attempts",
                    "next_attempt_at", "sent_at", "short_error"]  # fmt: skip
    # Dates as a filter (today, past 7 days, this month, this year) rather than a date
    # hierarchy, whose links come from reading the date of every email ever sent.
    list_filter = ["status", "kind", "created_at"]
    list_defer = ["body_text", "body_html"]  # a few KB an email, shown on its own page
    search_fields = ["to_email", "subject", "user__email", "user__full_name"]
    list_select_related = ["user"]
    actions = ["retry_selected"]
    fields = ["kind", "user", "to_email", "subject", "status", "attempts", "last_error",
              "next_attempt_at", "claimed_at", "sent_at", "created_at", "object_key",
              "period", "text"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("mentorship.change_notification")

    @admin.display(description="Last error")
    def short_error(self, notification):
        return Truncator(notification.last_error).chars(80) or "—"

    @admin.display(description="Text of the email")
    def text(self, notification):
        if notification.kind in Notification.SECRET_KINDS:
            return BODY_NOT_SHOWN
        return notification.body_text

    @admin.action(description="Send the selected failed emails again", permissions=["retry"])
    def retry_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda notification: sending.notification_retry(
                notification=notification, acting_user=request.user
            ),
            "Queued again",
            lambda notification: f"The email to {notification.to_email}",
        )
