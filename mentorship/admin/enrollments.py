"""Enrollments: the intake answers, filters and the roster export."""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from mentorship import intake, roster
from mentorship.common.admin_deletion import KeepsHistoryMixin, SummarisedDeletionMixin
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.common.spreadsheets import csv_response
from mentorship.models import (
    Enrollment,
)


class EnrollmentAdminForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = list(intake.COMMITTEE_EDITABLE_FIELDS)

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        intake.enrollment_check_capacity(enrollment=self.instance, capacity=capacity)
        return capacity


@admin.register(Enrollment)
class EnrollmentAdmin(
    AdminInputMixin,
    KeepsHistoryMixin,
    SummarisedDeletionMixin,
    LargeTableAdminMixin,
    admin.ModelAdmin,
):
    """Intake answers the committee may correct; the workflow fields are read-only.

    Enrollments come from the intake and the roster import, so there is no add form.
    One that was proposed or matched is history: deleting it would take its matches,
    meetings and the outcomes that count them.
    """

    history_reason = (
        "once a person was proposed or matched, their matches and meetings are the "
        "program's history. End the match or withdraw the person instead."
    )

    form = EnrollmentAdminForm
    list_display = [
        "user_name",
        "user_email",
        "cohort",
        "role",
        "status",
        "business_unit",
        "capacity",
        "submitted_at",
    ]
    list_filter = ["cohort", "role", "status", "user__profile__business_unit"]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["cohort", "user__profile__business_unit"]
    list_defer = ["goals", "notes_for_committee"]
    # Newest first, from the primary key: the model's order (cohort, role, name) spans
    # three tables, so no index serves it and every page sorted all enrollments.
    # Each column still sorts when clicked, and the cohort filter narrows the list.
    ordering = ["-id"]
    autocomplete_fields = ["topics"]
    readonly_fields = ["user", "cohort", "role", "status", "submitted_at", "shared_with_mentor"]
    fields = [*readonly_fields, *intake.COMMITTEE_EDITABLE_FIELDS]
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False

    def history_filter(self):
        def exists(relation):
            # A subquery per relation (matching's models, without importing matching).
            rel = Enrollment._meta.get_field(relation)
            return Exists(rel.related_model.objects.filter(**{rel.field.name: OuterRef("pk")}))

        return (
            Q(exists("apm_proposals"))
            | Q(exists("mentor_proposals"))
            | Q(exists("apm_matches"))
            | Q(exists("mentor_matches"))
        )

    def is_history(self, enrollment):
        return Enrollment.objects.filter(self.history_filter(), pk=enrollment.pk).exists()

    def save_model(self, request, obj, form, change):
        intake.enrollment_update_by_committee(
            enrollment=obj, changed=form.changed_data, acting_user=request.user
        )

    @admin.display(description="Name", ordering="user__full_name")
    def user_name(self, enrollment):
        return enrollment.user.full_name

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, enrollment):
        return enrollment.user.email

    @admin.display(description="Business unit", ordering="user__profile__business_unit__name")
    def business_unit(self, enrollment):
        try:
            return enrollment.user.profile.business_unit
        except ObjectDoesNotExist:
            return None

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="mentorship_enrollment_export",
            ),
            *super().get_urls(),
        ]

    @admin.action(description="Export selected enrollments as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return _roster_csv_response(queryset)

    def export_view(self, request):
        """Every enrollment the changelist shows with its current filters and search."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist_url = reverse("admin:mentorship_enrollment_changelist")
        if self.list_parameters(request)[1]:
            # A filter the list would leave out: a file with more people than asked for
            # is worse than none, so show the list, with its note on what was left out.
            return HttpResponseRedirect(f"{changelist_url}?{request.GET.urlencode()}")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(changelist_url)
        return _roster_csv_response(changelist.get_queryset(request))


def _roster_csv_response(queryset) -> HttpResponse:
    """The enrollments as a roster file that imports back as it is."""
    enrollments = queryset.select_related(
        "user__profile__business_unit", "user__profile__team", "user__profile__manager"
    ).prefetch_related("topics")
    return csv_response(
        filename=f"roster-{timezone.localdate():%Y-%m-%d}.csv",
        rows=roster.roster_export_rows(enrollments.iterator(chunk_size=roster.BATCH_SIZE)),
    )
