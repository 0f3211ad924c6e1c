"""Proposals: the committee reviews, approves and rejects what the engine suggests."""

from django.contrib import admin

from matching import selectors, services
from matching.models import (
    Proposal,
)
from mentorship.common.admin_actions import apply_each, report
from mentorship.common.admin_input import AdminInputMixin, ValidatedListFilter
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.models import BusinessUnit


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
    list_defer = ["parts", "run__weights", "run__stats", "run__error"]
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

    def has_approve_permission(self, request):
        return request.user.has_perm("matching.approve_proposal")
