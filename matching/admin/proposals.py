"""Proposals: the committee reviews, approves and rejects what the engine suggests."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from matching import review, selectors, services
from matching.models import (
    Proposal,
)
from mentorship.common.admin_actions import apply_each, report
from mentorship.common.admin_input import AdminInputMixin, ValidatedListFilter
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.models import BusinessUnit, Enrollment, Role


def _pair(proposal) -> str:
    return f"{proposal.apm.user} ↔ {proposal.mentor.user}"


class BusinessUnitFilter(ValidatedListFilter):
    role = "apm"

    def lookups(self, request, model_admin):
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
class ProposalAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["apm_name", "mentor_name", "score_display", "reasons", "status", "run"]
    list_filter = ["status", "cohort", "run", ApmUnitFilter, MentorUnitFilter]
    list_select_related = ["apm__user", "mentor__user", "run", "run__cohort"]
    list_defer = ["parts", "alternatives", "run__weights", "run__stats", "run__error"]
    search_fields = ["apm__user__full_name", "apm__user__email", "mentor__user__full_name",
                     "mentor__user__email"]  # fmt: skip
    readonly_fields = ["run", "cohort", "apm", "mentor", "score", "reasons", "parts", "status",
                       "decided_by", "decided_at"]  # fmt: skip
    fields = readonly_fields
    change_select_related = ["run__cohort", "cohort", "apm__user", "apm__cohort",
                             "mentor__user", "mentor__cohort", "decided_by"]  # fmt: skip
    actions = ["approve_selected", "reject_selected"]

    def has_delete_permission(self, request, obj=None):
        return False  # history: what each run proposed, approved or not

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
        # Best pairs first: where two compete for a mentor's last place, the better one wins.
        ids = list(queryset.order_by("-score", "pk").values_list("pk", flat=True))
        outcome = services.proposals_approve(proposal_ids=ids, acting_user=request.user)
        refused = {proposal.pk: error for proposal, error in outcome.refused}
        named = Proposal.objects.filter(pk__in=refused).select_related("apm__user", "mentor__user")
        pairs = {proposal.pk: _pair(proposal) for proposal in named}
        errors = [
            f"{pairs.get(pk, f'Proposal #{pk}')}: {' '.join(error.messages)}"
            for pk, error in refused.items()
        ]
        report(request, done=len(outcome.approved), errors=errors, verb="Approved")

    @admin.action(description="Reject selected proposals", permissions=["approve"])
    def reject_selected(self, request, queryset):
        apply_each(
            request,
            queryset.select_related("apm__user", "mentor__user"),
            lambda item: services.proposal_reject(proposal=item, acting_user=request.user),
            "Rejected",
            _pair,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "progress": selectors.coverage_banner()}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        desk = self.admin_site.admin_view(ReviewDesk(self))
        return [path("desk/", desk, name="matching_proposal_desk"), *super().get_urls()]

    def has_approve_permission(self, request):
        return request.user.has_perm("matching.approve_proposal")


DESK_TEMPLATE = "admin/matching/proposal/desk.html"
DESK_DONE = {
    "approve": "Approved {apm} with {mentor}.",
    "reject": "Rejected {apm} with {mentor}.",
    "swap": "Now proposed: {apm} with {mentor}. Approve the pair when it suits.",
}
DESK_UNKNOWN = "That proposal is no longer waiting for review; the desk shows those that are."
DESK_BAD_INPUT = "That is not something the desk offers, so nothing changed."


class ReviewDesk:
    """The committee's review desk (matching.review): GET shows a page of cards, POST does
    one thing (approve, reject or swap one card, or approve every waiting proposal of the
    run) through the services, then comes back to the same page with what happened."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def __call__(self, request):
        admin_ = self.model_admin
        if not admin_.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not admin_.has_approve_permission(request):
                raise PermissionDenied
            self.act(request)
            return HttpResponseRedirect(request.get_full_path())
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "POST"])
        return self.show(request)

    @staticmethod
    def whole(value) -> int | None:
        # isascii: "²" is a digit to str.isdigit but not to int().
        usable = isinstance(value, str) and value.isascii() and value.isdigit()
        return int(value) if usable and len(value) < 10 else None

    def filters(self, request) -> dict:
        units = dict(BusinessUnit.objects.values_list("pk", "name"))
        unit = self.whole(request.GET.get("unit"))
        band = request.GET.get("band")
        return {
            "units": units,
            "unit": unit if unit in units else None,
            "band": band if band in review.BANDS else None,
            "look": request.GET.get("look") == "1",
        }

    def show(self, request):
        run = review.desk_run(self.whole(request.GET.get("run")))
        chosen = self.filters(request)
        context = {
            **self.model_admin.admin_site.each_context(request),
            "title": "Review desk",
            "opts": self.model_admin.model._meta,
            "run": run,
            "bands": review.BANDS,
            "can_approve": self.model_admin.has_approve_permission(request),
            **chosen,
        }
        if run is not None:
            counts = review.desk_counts(run)
            page, cards = review.desk_page(
                run, unit=chosen["unit"], band=chosen["band"], look=chosen["look"],
                page=request.GET.get("page") or 1, counts=counts,
            )  # fmt: skip
            context.update(page=page, cards=cards, most=review.most_points(run), **counts)
        return TemplateResponse(request, DESK_TEMPLATE, context)

    def act(self, request):
        action = request.POST.get("action")
        if action == "approve_all":
            run_id = self.whole(request.POST.get("run"))
            run = review.desk_run(run_id) if run_id is not None else None
            if run is None:
                messages.error(request, DESK_BAD_INPUT)
                return
            ids = list(
                review.waiting_proposals(run).order_by("-score", "pk").values_list("pk", flat=True)
            )
            outcome = services.proposals_approve(proposal_ids=ids, acting_user=request.user)
            errors = [f"{_pair(p)}: {' '.join(e.messages)}" for p, e in outcome.refused]
            report(request, done=len(outcome.approved), errors=errors, verb="Approved")
            return
        proposal = (
            Proposal.objects.filter(
                pk=self.whole(request.POST.get("proposal")), status=Proposal.Status.PROPOSED
            )
            .select_related("apm__user", "mentor__user")
            .first()
        )
        if action not in DESK_DONE:
            messages.error(request, DESK_BAD_INPUT)
            return
        if proposal is None:
            messages.error(request, DESK_UNKNOWN)
            return
        try:
            if action == "approve":
                services.proposal_approve(proposal=proposal, acting_user=request.user)
                mentor = proposal.mentor
            elif action == "reject":
                services.proposal_reject(proposal=proposal, acting_user=request.user)
                mentor = proposal.mentor
            else:
                mentor = Enrollment.objects.filter(
                    pk=self.whole(request.POST.get("mentor")), role=Role.MENTOR
                ).select_related("user").first()  # fmt: skip
                if mentor is None:
                    messages.error(request, DESK_BAD_INPUT)
                    return
                services.proposal_swap(proposal=proposal, mentor=mentor, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, f"{_pair(proposal)}: {' '.join(error.messages)}")
            return
        messages.success(
            request,
            DESK_DONE[action].format(
                apm=proposal.apm.user.display_name, mentor=mentor.user.display_name
            ),
        )
