"""Cohorts, their lifecycle actions and the roster import."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from mentorship import cohorts, roster
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_deletion import KeepsHistoryMixin, SummarisedDeletionMixin
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import row_count
from mentorship.journey.lifecycle import MOVES, cohort_lifecycle
from mentorship.models import (
    Cohort,
    Enrollment,
    Role,
)
from mentorship.roster.forms import CsvUploadForm
from toolkit.models import Category

# Importing creates and changes enrollments; whoever may change them may import.
IMPORT_ROSTER_PERMISSION = "mentorship.change_enrollment"
MOVE_UNKNOWN = (
    "That is not a step this page offers, so nothing changed. Use the button on the cohort's page."
)


class RosterUploadForm(CsvUploadForm):
    file_label = "Roster file (CSV)"


@admin.register(Cohort)
class CohortAdmin(AdminInputMixin, KeepsHistoryMixin, SummarisedDeletionMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "apm_count",
        "mentor_count",
        "intake_opens_at",
        "intake_closes_at",
        "program_starts_on",
    ]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # The status moves only through the actions below, which check the allowed order.
    readonly_fields = ["status"]
    actions = ["open_intake", "close_intake", "mark_active", "close"]
    history_reason = (
        "once intake has opened, a cohort's enrollments, matches and answers are the "
        "program's history. Close the cohort instead."
    )

    def history_filter(self):
        return ~Q(status=Cohort.Status.DRAFT)

    def is_history(self, cohort):
        return cohort.status != Cohort.Status.DRAFT

    def get_queryset(self, request):
        cohorts = super().get_queryset(request)
        match = request.resolver_match
        if match is None or not (match.url_name or "").endswith("_changelist"):
            return cohorts  # one cohort's form or action needs no counts
        # Subqueries over enrollment_cohort_role_idx: a join and GROUP BY counted
        # every enrollment of every cohort (11 ms at 10,000 people).
        submitted = Enrollment.objects.filter(status=Enrollment.Status.SUBMITTED)
        return cohorts.annotate(
            apm_count=row_count(submitted.filter(role=Role.APM), "cohort"),
            mentor_count=row_count(submitted.filter(role=Role.MENTOR), "cohort"),
        )

    @admin.display(description="APMs", ordering="apm_count")
    def apm_count(self, cohort):
        return cohort.apm_count

    @admin.display(description="Mentors", ordering="mentor_count")
    def mentor_count(self, cohort):
        return cohort.mentor_count

    @admin.action(description="Open intake", permissions=["change"])
    def open_intake(self, request, queryset):
        self._transition(request, queryset, Cohort.Status.INTAKE_OPEN)

    @admin.action(description="Close intake (then run matching)", permissions=["change"])
    def close_intake(self, request, queryset):
        # Says how many intakes are in, so the committee knows what matching will see.
        apply_each(
            request,
            queryset,
            lambda cohort: messages.success(
                request, cohorts.cohort_close_intake(cohort=cohort, acting_user=request.user)
            ),
            "",
            lambda cohort: cohort.name,
        )

    @admin.action(description="Mark active", permissions=["change"])
    def mark_active(self, request, queryset):
        self._transition(request, queryset, Cohort.Status.ACTIVE)

    @admin.action(description="Close", permissions=["change"])
    def close(self, request, queryset):
        self._transition(request, queryset, Cohort.Status.CLOSED)

    def _transition(self, request, queryset, to_status):
        moved = []
        for cohort in queryset:
            try:
                cohorts.cohort_transition(
                    cohort=cohort, to_status=to_status, acting_user=request.user
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{cohort.name}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                moved.append(cohort.name)
        if moved:
            label = Cohort.Status(to_status).label
            self.message_user(request, f"Now “{label}”: {', '.join(moved)}.", messages.SUCCESS)

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_roster_view)
        return [
            path(
                "<path:object_id>/import-roster/",
                import_view,
                name="mentorship_cohort_import_roster",
            ),
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(self.move_view),
                name="mentorship_cohort_move",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_roster": request.user.has_perm(IMPORT_ROSTER_PERMISSION),
        }
        cohort = self.get_object(request, unquote(object_id)) if object_id else None
        visible = cohort is not None and self.has_view_permission(request, cohort)
        if visible and request.method in ("GET", "HEAD"):
            extra_context["lifecycle"] = cohort_lifecycle(cohort=cohort)
            extra_context["can_move"] = self.has_change_permission(request, cohort)
        return super().change_view(request, object_id, form_url, extra_context)

    def move_view(self, request, object_id):
        """The stepper's button: one step along the lifecycle, through the services."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cohort = self.get_object(request, unquote(object_id))
        if cohort is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, cohort):
            raise PermissionDenied
        to_status = request.POST.get("to", "")
        if to_status not in MOVES:
            self.message_user(request, MOVE_UNKNOWN, messages.ERROR)
        else:
            try:
                if to_status == Cohort.Status.MATCHING:
                    done = cohorts.cohort_close_intake(cohort=cohort, acting_user=request.user)
                else:
                    cohorts.cohort_transition(
                        cohort=cohort, to_status=to_status, acting_user=request.user
                    )
                    done = f"{cohort.name} is now “{Cohort.Status(to_status).label}”."
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:mentorship_cohort_change", args=[cohort.pk]))

    def import_roster_view(self, request, object_id):
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(IMPORT_ROSTER_PERMISSION):
            raise PermissionDenied
        cohort = self.get_object(request, unquote(object_id))
        if cohort is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

        result = None
        if request.method == "POST":
            form = RosterUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                result = roster.roster_import(
                    data=upload.read(),
                    cohort=cohort,
                    dry_run=form.cleaned_data["dry_run"],
                    acting_user=request.user,
                )
                if result.ok and not result.dry_run:
                    self.message_user(
                        request,
                        f"Imported {upload.name} into {cohort.name}. {result.summary()}",
                        messages.SUCCESS,
                    )
                    for note in result.notes:
                        self.message_user(request, note, messages.WARNING)
                    changelist = reverse("admin:mentorship_enrollment_changelist")
                    query = urlencode({"cohort__id__exact": cohort.pk})
                    return HttpResponseRedirect(f"{changelist}?{query}")
        else:
            form = RosterUploadForm()

        context = {
            **self.admin_site.each_context(request),
            "title": f"Import roster into {cohort.name}",
            "opts": self.opts,
            "cohort": cohort,
            "form": form,
            "result": result,
            "columns": roster.COLUMNS,
            "topic_slugs": Category.objects.values_list("slug", flat=True),
            "has_view_permission": self.has_view_permission(request, cohort),
        }
        return TemplateResponse(request, "admin/mentorship/cohort/import_roster.html", context)
