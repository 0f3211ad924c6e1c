"""Approved matches, hand matches, rematch requests and banned pairs."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from matching import services
from matching.forms import HandMatchForm
from matching.models import (
    BannedPair,
    Match,
    RematchRequest,
)
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.graduation import apm_graduate


@admin.register(Match)
class MatchAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["apm_name", "mentor_name", "cohort", "status", "score", "approved_by",
                    "created_at", "introduced_at"]  # fmt: skip
    list_filter = ["status", "cohort"]
    list_select_related = ["apm__user", "mentor__user", "cohort", "approved_by"]
    list_defer = ["reasons", "override_reason", "end_reason", "apm__goals",
                  "apm__notes_for_committee", "mentor__goals",
                  "mentor__notes_for_committee"]  # fmt: skip
    search_fields = ["apm__user__full_name", "apm__user__email", "mentor__user__full_name",
                     "mentor__user__email"]  # fmt: skip
    readonly_fields = ["cohort", "apm", "mentor", "proposal", "status", "score", "reasons",
                       "approved_by", "override_reason", "created_at", "introduced_at",
                       "ended_at", "end_reason"]  # fmt: skip
    fields = readonly_fields
    change_select_related = ["cohort", "apm__user", "apm__cohort", "mentor__user",
                             "mentor__cohort", "proposal__apm__user", "proposal__mentor__user",
                             "approved_by"]  # fmt: skip
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
        matches = list(queryset.select_related("apm__user", "mentor__user", "cohort"))
        if request.POST.get("confirm_end") != "yes":
            # Ending bans the pair for good: say so, and act only once it is confirmed.
            context = {
                **self.admin_site.each_context(request),
                "title": "End these matches?",
                "opts": self.model._meta,
                "matches": matches,
                "action": "end_selected",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/matching/match/confirm_end.html", context)
        apply_each(
            request,
            matches,
            lambda match: services.match_end(
                match=match, acting_user=request.user, reason="Ended by the committee"
            ),
            "Ended",
        )
        return None

    @admin.action(description="Graduate the APM of selected matches (needs a confirmed promotion)")
    def graduate_selected(self, request, queryset):
        apply_each(
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
            # Pre-filled from the journey's "Hand-match" link (?apm=<enrollment id>).
            initial=self.get_changeform_initial_data(request),
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
class RematchRequestAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["match", "requested_by", "status", "created_at", "resolved_by"]
    list_filter = ["status"]
    list_select_related = ["match__apm__user", "match__mentor__user", "requested_by",
                           "resolved_by"]  # fmt: skip
    list_defer = ["reason", "match__reasons", "match__apm__goals",
                  "match__apm__notes_for_committee", "match__mentor__goals",
                  "match__mentor__notes_for_committee"]  # fmt: skip
    readonly_fields = ["match", "requested_by", "reason", "status", "created_at", "resolved_by",
                       "resolved_at"]  # fmt: skip
    fields = readonly_fields
    change_select_related = ["match__apm__user", "match__mentor__user", "requested_by",
                             "resolved_by"]  # fmt: skip
    actions = ["resolve_selected", "decline_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="End the match and put the APM back into matching")
    def resolve_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda rematch: services.rematch_request_resolve(
                request=rematch, acting_user=request.user
            ),
            "Resolved",
        )

    @admin.action(description="Decline: keep the match as it is (talk to the person who asked)")
    def decline_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda rematch: services.rematch_request_decline(
                request=rematch, acting_user=request.user
            ),
            "Declined",
        )


@admin.register(BannedPair)
class BannedPairAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ["apm_user", "mentor_user", "reason", "created_by", "created_at"]
    list_select_related = ["apm_user", "mentor_user", "created_by"]
    search_fields = ["apm_user__email", "apm_user__full_name", "mentor_user__email",
                     "mentor_user__full_name"]  # fmt: skip
    autocomplete_fields = ["apm_user", "mentor_user"]
    fields = ["apm_user", "mentor_user", "reason", "created_by"]
    readonly_fields = ["created_by"]

    def has_change_permission(self, request, obj=None):
        # A ban is added or lifted (both audited), never edited into another pair.
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        banned = services.banned_pair_create(
            apm_user=obj.apm_user,
            mentor_user=obj.mentor_user,
            reason=obj.reason,
            acting_user=request.user,
        )
        obj.pk = banned.pk

    def delete_model(self, request, obj):
        services.banned_pair_lift(banned_pair=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for banned in queryset.select_related("apm_user", "mentor_user"):
            services.banned_pair_lift(banned_pair=banned, acting_user=request.user)
