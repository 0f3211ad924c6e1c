"""The committee's review of matching: runs, proposals, matches, hand matches, rematches.

Every workflow change goes through matching.services; the admin only shows and asks.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from matching import selectors, services
from matching.forms import HandMatchForm, RunForm
from matching.models import (
    BannedPair,
    Match,
    MatchingRun,
    Proposal,
    RematchRequest,
    UnmatchedApm,
)


def _apply_each(request, items, action, verb: str, describe=str) -> None:
    """Run a service on each selected row; report what worked and each refusal's reason."""
    done, errors = 0, []
    for item in items:
        try:
            action(item)
            done += 1
        except ValidationError as error:
            errors.append(f"{describe(item)}: {error.messages[0]}")
    if done:
        messages.success(request, f"{verb} {done}.")
    for error in errors:
        messages.error(request, error)


def _pair(proposal) -> str:
    return f"{proposal.apm.user} ↔ {proposal.mentor.user}"


class UnmatchedInline(admin.TabularInline):
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
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cohort", "status", "started_by", "created_at", "apm_count",
                    "matched_count", "unmatched_count", "total_score", "optimal"]  # fmt: skip
    list_filter = ["status", "cohort"]
    list_select_related = ["cohort", "started_by"]
    readonly_fields = ["cohort", "status", "started_by", "weights", "created_at", "started_at",
                       "finished_at", "duration", "apm_count", "mentor_count", "matched_count",
                       "unmatched_count", "total_score", "optimal", "stats", "error",
                       "proposals_link"]  # fmt: skip
    fields = readonly_fields
    inlines = [UnmatchedInline]
    change_form_template = "admin/matching/matchingrun/change_form.html"

    def has_change_permission(self, request, obj=None):
        return False  # runs are records; they change only by running

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


class BusinessUnitFilter(admin.SimpleListFilter):
    role = "apm"

    def lookups(self, request, model_admin):
        from mentorship.models import BusinessUnit

        return [(unit.pk, unit.name) for unit in BusinessUnit.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.role}__user__profile__business_unit": self.value()})
        return queryset


class ApmUnitFilter(BusinessUnitFilter):
    title = "APM's business unit"
    parameter_name = "apm_unit"
    role = "apm"


class MentorUnitFilter(BusinessUnitFilter):
    title = "mentor's business unit"
    parameter_name = "mentor_unit"
    role = "mentor"


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["apm_name", "mentor_name", "score_display", "reasons", "status", "run"]
    list_filter = ["status", "cohort", "run", ApmUnitFilter, MentorUnitFilter]
    list_select_related = ["apm__user", "mentor__user", "run", "run__cohort"]
    search_fields = ["apm__user__full_name", "apm__user__email", "mentor__user__full_name",
                     "mentor__user__email"]  # fmt: skip
    readonly_fields = ["run", "cohort", "apm", "mentor", "score", "reasons", "parts", "status",
                       "decided_by", "decided_at"]  # fmt: skip
    fields = readonly_fields
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="APM", ordering="apm__user__full_name")
    def apm_name(self, proposal):
        return proposal.apm.user.display_name

    @admin.display(description="Score", ordering="score")
    def score_display(self, proposal):
        return f"{proposal.score:.1f}"

    @admin.display(description="Mentor", ordering="mentor__user__full_name")
    def mentor_name(self, proposal):
        return proposal.mentor.user.display_name

    @admin.action(description="Approve selected proposals", permissions=["approve"])
    def approve_selected(self, request, queryset):
        _apply_each(
            request,
            queryset.select_related("apm__user", "mentor__user").order_by("-score"),
            lambda item: services.proposal_approve(proposal=item, acting_user=request.user),
            "Approved",
            _pair,
        )

    @admin.action(description="Reject selected proposals", permissions=["approve"])
    def reject_selected(self, request, queryset):
        _apply_each(
            request,
            queryset.select_related("apm__user", "mentor__user"),
            lambda item: services.proposal_reject(proposal=item, acting_user=request.user),
            "Rejected",
            _pair,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "progress": selectors.cohort_match_progress()}
        return super().changelist_view(request, extra_context)

    def has_approve_permission(self, request):
        return request.user.has_perm("matching.approve_proposal")


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["apm_name", "mentor_name", "cohort", "status", "score", "approved_by",
                    "created_at", "introduced_at"]  # fmt: skip
    list_filter = ["status", "cohort"]
    list_select_related = ["apm__user", "mentor__user", "cohort", "approved_by"]
    search_fields = ["apm__user__full_name", "apm__user__email", "mentor__user__full_name",
                     "mentor__user__email"]  # fmt: skip
    readonly_fields = ["cohort", "apm", "mentor", "proposal", "status", "score", "reasons",
                       "approved_by", "override_reason", "created_at", "introduced_at",
                       "ended_at", "end_reason"]  # fmt: skip
    fields = readonly_fields
    actions = ["end_selected", "graduate_selected"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="APM", ordering="apm__user__full_name")
    def apm_name(self, match):
        return match.apm.user.display_name

    @admin.display(description="Mentor", ordering="mentor__user__full_name")
    def mentor_name(self, match):
        return match.mentor.user.display_name

    @admin.action(description="End selected matches (no fault; the pair is not proposed again)")
    def end_selected(self, request, queryset):
        _apply_each(
            request,
            queryset,
            lambda match: services.match_end(
                match=match, acting_user=request.user, reason="Ended by the committee"
            ),
            "Ended",
        )

    @admin.action(description="Graduate the APM of selected matches (needs a confirmed promotion)")
    def graduate_selected(self, request, queryset):
        from mentorship.graduation import apm_graduate

        _apply_each(
            request,
            queryset.select_related("apm__user"),
            lambda match: apm_graduate(match=match, acting_user=request.user),
            "Graduated",
            lambda match: match.apm.user,
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Hand-match: choose a pair, see its score, reasons and broken rules, confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HandMatchForm(
            request.POST if request.method == "POST" else None,
            initial=request.GET.dict(),
            admin_site=self.admin_site,
        )
        preview = None
        if request.method == "POST" and form.is_valid():
            apm, mentor = form.cleaned_data["apm"], form.cleaned_data["mentor"]
            try:
                preview = services.hand_match_preview(apm=apm, mentor=mentor)
                if "confirm" in request.POST:
                    match = services.match_create_by_hand(
                        apm=apm,
                        mentor=mentor,
                        acting_user=request.user,
                        override_reason=form.cleaned_data["override_reason"],
                    )
                    messages.success(request, f"Matched {apm.user} with {mentor.user}.")
                    return HttpResponseRedirect(
                        reverse("admin:matching_match_change", args=[match.pk])
                    )
            except ValidationError as error:
                form.add_error(None, error)
        context = {
            **self.admin_site.each_context(request),
            "title": "Hand-match an APM and a mentor",
            "form": form,
            "preview": preview,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/matching/match/hand_match.html", context)


@admin.register(RematchRequest)
class RematchRequestAdmin(admin.ModelAdmin):
    list_display = ["match", "requested_by", "status", "created_at", "resolved_by"]
    list_filter = ["status"]
    list_select_related = ["match__apm__user", "match__mentor__user", "requested_by",
                           "resolved_by"]  # fmt: skip
    readonly_fields = ["match", "requested_by", "reason", "status", "created_at", "resolved_by",
                       "resolved_at"]  # fmt: skip
    fields = readonly_fields
    actions = ["resolve_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="End the match and put the APM back into matching")
    def resolve_selected(self, request, queryset):
        _apply_each(
            request,
            queryset,
            lambda rematch: services.rematch_request_resolve(
                request=rematch, acting_user=request.user
            ),
            "Resolved",
        )


@admin.register(BannedPair)
class BannedPairAdmin(admin.ModelAdmin):
    list_display = ["apm_user", "mentor_user", "reason", "created_by", "created_at"]
    list_select_related = ["apm_user", "mentor_user", "created_by"]
    search_fields = ["apm_user__email", "apm_user__full_name", "mentor_user__email",
                     "mentor_user__full_name"]  # fmt: skip
    autocomplete_fields = ["apm_user", "mentor_user"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)
