"""Matching runs: start one, watch it, read what it could not match."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from matching import services
from matching.forms import RunForm
from matching.models import (
    MatchingRun,
    UnmatchedApm,
)
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin, CheckedInlineFormSet

# Shown on the run: the committee member is in the audit row.
MARKED_FAILED_REASON = "Marked as failed by the committee."


class UnmatchedInline(admin.TabularInline):
    formset = CheckedInlineFormSet
    model = UnmatchedApm
    fields = ["apm", "reason", "fix"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "APMs this run could not match"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("apm__user")


@admin.register(MatchingRun)
class MatchingRunAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["__str__", "cohort", "status", "started_by", "created_at", "apm_count",
                    "matched_count", "unmatched_count", "total_score", "optimal"]  # fmt: skip
    list_filter = ["status", "cohort"]
    list_select_related = ["cohort", "started_by"]
    readonly_fields = ["cohort", "status", "started_by", "weights", "created_at", "started_at",
                       "finished_at", "duration", "apm_count", "mentor_count", "matched_count",
                       "unmatched_count", "total_score", "optimal", "stats", "error",
                       "enqueued_at", "lease_expires_at", "proposals_link"]  # fmt: skip
    fields = readonly_fields
    inlines = [UnmatchedInline]
    actions = ["mark_failed"]
    change_form_template = "admin/matching/matchingrun/change_form.html"

    def has_change_permission(self, request, obj=None):
        return False  # runs are records; they change only by running

    def has_delete_permission(self, request, obj=None):
        return False  # history: what was proposed, and the matches approved from it

    @admin.action(
        description="Mark as failed (a stuck run; frees the cohort for a new run)",
        permissions=["add"],
    )
    def mark_failed(self, request, queryset):
        apply_each(
            request,
            queryset.select_related("cohort"),
            lambda run: services.run_mark_failed(
                run=run, acting_user=request.user, reason=MARKED_FAILED_REASON
            ),
            "Runs marked as failed:",
            lambda run: run.cohort.name,
        )

    @admin.display(description="Duration")
    def duration(self, run):
        seconds = run.duration_seconds
        return f"{seconds:.2f} s" if seconds is not None else "—"

    @admin.display(description="Proposals")
    def proposals_link(self, run):
        url = reverse("admin:matching_proposal_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">Review the {} proposals of this run</a>', url,
                           run.matched_count)  # fmt: skip

    def add_view(self, request, form_url="", extra_context=None):
        """Start a run: pick the cohort (and weights), then watch it on the run's page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"cohort": request.GET.get("cohort")}
        form = RunForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.run_request(
                    cohort=form.cleaned_data["cohort"],
                    acting_user=request.user,
                    weights=form.weights(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Matching run #{run.pk} started.")
                return HttpResponseRedirect(
                    reverse("admin:matching_matchingrun_change", args=[run.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a matching run",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/matching/matchingrun/start.html", context)

    def get_urls(self):
        return [
            path(
                "<int:run_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="matching_matchingrun_status",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request, run_id):
        """The status fragment the run page polls while the run is queued or running."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(MatchingRun, pk=run_id)
        return TemplateResponse(request, "admin/matching/matchingrun/_status.html", {"run": run})
