"""Matching runs: start one, watch it, read what it could not match."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from matching import review, selectors, services
from matching.forms import RunForm
from matching.models import MatchingRun
from mentorship.common import charts
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.numbers import percent

# Shown on the run: the committee member is in the audit row.
MARKED_FAILED_REASON = "Marked as failed by the committee."


@admin.register(MatchingRun)
class MatchingRunAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["__str__", "cohort", "status", "started_by", "created_at", "apm_count",
                    "matched_count", "unmatched_count", "total_score", "optimal"]  # fmt: skip
    list_filter = ["status", "cohort"]
    list_select_related = ["cohort", "started_by"]
    # The run's page is drawn from run_context, never from stale fields (issue 14).
    readonly_fields = fields = ["cohort", "status"]
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, unquote(object_id))
        if run is not None and self.has_view_permission(request, run):
            # Named without its status, which the live line below keeps up to date.
            page = request.GET.get("unmatched") or 1
            extra_context = {
                **(extra_context or {}),
                **run_context(run, unmatched_page=page),
                "subtitle": run_name(run),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def status_view(self, request, run_id):
        """The run's panel and status line, which the run page polls while it is queued or
        running: the last answer, once it is done, has the results and no more polling."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            MatchingRun.objects.select_related("cohort", "started_by"), pk=run_id
        )
        return TemplateResponse(
            request, "admin/matching/matchingrun/_status.html", {"run": run, **run_context(run)}
        )


def run_name(run: MatchingRun) -> str:
    return f"Run #{run.pk} for {run.cohort.name}"


def run_context(run: MatchingRun, unmatched_page=1) -> dict:
    """What the run's page shows beside the run: how long it has taken, and once it has
    succeeded, its report and the chart of its scores."""
    now = timezone.now()
    context = {
        "elapsed": int((now - run.started_at).total_seconds()) if run.started_at else 0,
        "duration": run.duration_seconds,
    }
    if run.status != MatchingRun.Status.SUCCEEDED:
        return context
    report = selectors.run_report(run=run, unmatched_page=unmatched_page)
    stats = run.stats if isinstance(run.stats, dict) else {}
    steps = [("reading the cohort", "read_seconds"), ("matching", "total_seconds"),
             ("writing the proposals", "write_seconds")]  # fmt: skip
    timings = [
        f"{what} {stats[key]:.2f} s"
        for what, key in steps
        if isinstance(stats.get(key), int | float)
    ]
    gap = stats.get("gap")
    rounds, edges = stats.get("rounds"), stats.get("edges")
    engine = ""
    if type(rounds) is int and type(edges) is int:
        engine = (
            f"{rounds} round{'s' if rounds != 1 else ''} of solving over {edges:,} candidate "
            "pairs (each APM's best mentors, and more where the proof asked for them)"
        )
    return {
        **context,
        "engine": engine,
        "changes": review.desk_counts(run)["changes"],
        "report": report,
        "chart": score_chart(run, report),
        "timings": ", ".join(timings),
        "gap": gap if isinstance(gap, int | float) else None,
    }


def score_chart(run: MatchingRun, report: dict):
    """The proposed pairs per score band, as a bar chart of shares (None without scores)."""
    scores = report["scores"]
    bands = scores.get("bands") if scores else None
    if not isinstance(bands, list) or not run.matched_count:
        return None
    total = sum(band.get("count", 0) for band in bands if isinstance(band, dict)) or 1
    bars = [
        charts.Bar(
            label=f"{band['low']:g} to {band['high']:g}",
            value=100 * band["count"] / total,
            text=f"{band['count']:,} ({percent(band['count'], total, digits=0)}%)",
        )
        for band in bands
        if isinstance(band, dict) and {"low", "high", "count"} <= set(band)
    ]
    return charts.bar_chart(
        title=f"Scores of the {run.matched_count:,} pair{'s' if run.matched_count != 1 else ''} "
        f"proposed by run #{run.pk}",
        bars=bars,
        chart_id=f"run-{run.pk}-scores",
    )
