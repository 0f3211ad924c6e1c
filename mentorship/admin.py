"""The committee's admin: a UI over services, with a fixed number of queries per page."""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from mentorship import graduation, roster, services
from mentorship.models import (
    AuditLog,
    BusinessUnit,
    Cohort,
    Enrollment,
    GraduationGuide,
    Meeting,
    Profile,
    Promotion,
    Role,
    Team,
    User,
)
from toolkit.models import Category

# Importing creates and changes enrollments; whoever may change them may import.
IMPORT_ROSTER_PERMISSION = "mentorship.change_enrollment"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]


# --- Cohorts and the roster import ------------------------------------------------------


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file (CSV)",
        help_text=(
            "One row per person below a header row naming the columns. "
            f"Up to {roster.megabytes(roster.MAX_ROSTER_BYTES)}."
        ),
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Check only (dry run): look for problems without importing anything",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read: the size comes from the upload's headers.
        if upload.size > roster.MAX_ROSTER_BYTES:
            raise ValidationError(
                roster.FILE_TOO_LARGE,
                code="too_large",
                params={
                    "size": roster.megabytes(upload.size),
                    "limit": roster.megabytes(roster.MAX_ROSTER_BYTES),
                },
            )
        return upload


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
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
    actions = ["open_intake", "start_matching", "mark_active", "close"]

    def get_queryset(self, request):
        submitted = Q(enrollments__status=Enrollment.Status.SUBMITTED)
        return (
            super()
            .get_queryset(request)
            .annotate(
                apm_count=Count("enrollments", filter=submitted & Q(enrollments__role=Role.APM)),
                mentor_count=Count(
                    "enrollments", filter=submitted & Q(enrollments__role=Role.MENTOR)
                ),
            )
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

    @admin.action(description="Start matching (closes intake)", permissions=["change"])
    def start_matching(self, request, queryset):
        self._transition(request, queryset, Cohort.Status.MATCHING)

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
                services.cohort_transition(
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
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_roster": request.user.has_perm(IMPORT_ROSTER_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

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


# --- Enrollments ------------------------------------------------------------------------


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["user", "topics"]
    actions = ["export_csv"]

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
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:mentorship_enrollment_changelist"))
        return _roster_csv_response(changelist.get_queryset(request))


def _roster_csv_response(queryset) -> HttpResponse:
    """The enrollments as a roster file that imports back as it is."""
    enrollments = queryset.select_related(
        "user__profile__business_unit", "user__profile__team", "user__profile__manager"
    ).prefetch_related("topics")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"roster-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads a CSV file as UTF-8 only with this mark
    csv.writer(response).writerows(
        roster.roster_export_rows(enrollments.iterator(chunk_size=roster.BATCH_SIZE))
    )
    return response


# --- People and the organisation ------------------------------------------------------


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user_name",
        "user_email",
        "title",
        "business_unit",
        "team",
        "manager",
        "time_zone",
    ]
    list_filter = ["business_unit"]
    search_fields = ["user__full_name", "user__email", "title"]
    list_select_related = ["user", "business_unit", "team__business_unit", "manager"]
    autocomplete_fields = ["user", "manager", "business_unit", "team"]

    @admin.display(description="Name", ordering="user__full_name")
    def user_name(self, profile):
        return profile.user.full_name

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, profile):
        return profile.user.email


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["name"]
    extra = 0
    show_change_link = True


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "team_count", "people_count"]
    search_fields = ["name"]
    inlines = [TeamInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                team_count=Count("teams", distinct=True),
                people_count=Count("profiles", distinct=True),
            )
        )

    @admin.display(description="Teams", ordering="team_count")
    def team_count(self, unit):
        return unit.team_count

    @admin.display(description="People", ordering="people_count")
    def people_count(self, unit):
        return unit.people_count


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "business_unit", "people_count"]
    list_filter = ["business_unit"]
    search_fields = ["name", "business_unit__name"]
    list_select_related = ["business_unit"]
    autocomplete_fields = ["business_unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(people_count=Count("profiles"))

    @admin.display(description="People", ordering="people_count")
    def people_count(self, team):
        return team.people_count


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the log is the record of what the committee did, so no one edits it."""

    list_display = ["created_at", "action", "actor", "target", "summary"]
    list_filter = ["action"]
    search_fields = ["summary"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Dates and counts for the committee; the pair's notes are never shown here."""

    list_display = ["pair", "occurred_on", "duration_minutes", "topic_count", "next_meeting_on"]
    list_filter = ["match__cohort"]
    list_select_related = ["match__apm__user", "match__mentor__user"]
    search_fields = ["match__apm__user__full_name", "match__apm__user__email",
                     "match__mentor__user__full_name", "match__mentor__user__email"]  # fmt: skip
    date_hierarchy = "occurred_on"
    fields = ["match", "occurred_on", "duration_minutes", "next_meeting_on", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(topic_total=Count("topics")).defer("notes")

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


# --- Promotions and graduation ----------------------------------------------------------


def _report(request, done: int, verb: str, errors: list[str]) -> None:
    if done:
        messages.success(request, f"{verb} {done}.")
    for error in errors:
        messages.error(request, error)


class PromotionAdminForm(forms.ModelForm):
    class Meta:
        model = Promotion
        fields = ["user", "cohort", "from_title", "to_title", "promoted_on"]
        labels = {"user": "Person", "promoted_on": "Date of the promotion"}
        help_texts = {
            "cohort": "Leave blank for the cohort the person is in as an APM.",
            "from_title": "Their title before the promotion.",
        }

    def clean_promoted_on(self):
        day = self.cleaned_data["promoted_on"]
        if day > timezone.localdate():
            raise ValidationError(graduation.PROMOTION_IN_FUTURE, code="future")
        return day

    def clean(self):
        cleaned = super().clean()
        before, after = cleaned.get("from_title"), cleaned.get("to_title")
        if before and after and before.strip().casefold() == after.strip().casefold():
            self.add_error("to_title", ValidationError(graduation.PROMOTION_SAME_TITLE))
        return cleaned


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    """Record a promotion (confirmed at once), confirm reported ones, and graduate.

    Saved promotions are records: they change only through the actions below.
    """

    form = PromotionAdminForm
    list_display = ["user", "from_title", "to_title", "promoted_on", "status", "cohort",
                    "reported_by", "confirmed_by"]  # fmt: skip
    list_filter = ["status", "cohort"]
    search_fields = ["user__full_name", "user__email", "from_title", "to_title"]
    list_select_related = ["user", "cohort", "reported_by", "confirmed_by"]
    # A plain select for the (few) cohorts: select2 leaves an empty choice without a name.
    autocomplete_fields = ["user"]
    date_hierarchy = "promoted_on"
    actions = ["confirm_selected", "graduate_selected"]
    add_fields = ["user", "cohort", "from_title", "to_title", "promoted_on"]
    record_fields = [*add_fields, "status", "reported_by", "confirmed_by", "confirmed_at",
                     "created_at"]  # fmt: skip

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_confirm_permission(self, request):
        return request.user.has_perm("mentorship.change_promotion")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # From the journey page's "Record a promotion": start from the profile's title.
        if initial.get("user") and not initial.get("from_title"):
            profile = Profile.objects.filter(user_id=initial["user"]).only("title").first()
            initial["from_title"] = profile.title if profile else ""
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return
        promotion = graduation.promotion_record(
            user=obj.user,
            cohort=obj.cohort,
            from_title=obj.from_title,
            to_title=obj.to_title,
            promoted_on=obj.promoted_on,
            acting_user=request.user,
        )
        obj.pk = promotion.pk
        obj.refresh_from_db()

    @admin.action(description="Confirm selected promotions", permissions=["confirm"])
    def confirm_selected(self, request, queryset):
        done, errors = 0, []
        for promotion in queryset.select_related("user"):
            try:
                graduation.promotion_confirm(promotion=promotion, acting_user=request.user)
                done += 1
            except ValidationError as error:
                errors.append(" ".join(error.messages))
        _report(request, done, "Confirmed", errors)

    @admin.action(
        description="Graduate the selected people (ends their active match as graduated)",
        permissions=["confirm"],
    )
    def graduate_selected(self, request, queryset):
        done, errors = 0, []
        for user in User.objects.filter(pk__in=queryset.values("user")).distinct():
            try:
                graduation.apm_graduate_by_user(user=user, acting_user=request.user)
                done += 1
            except ValidationError as error:
                errors.append(" ".join(error.messages))
        _report(request, done, "Graduated", errors)


@admin.register(GraduationGuide)
class GraduationGuideAdmin(admin.ModelAdmin):
    """The graduates' progress; only the graduate ticks steps, so this is read-only."""

    list_display = ["graduate", "apm_cohort", "progress", "created_at", "full_circle_at",
                    "mentor_cohort"]  # fmt: skip
    list_filter = ["apm_enrollment__cohort", ("full_circle_at", admin.EmptyFieldListFilter)]
    search_fields = ["apm_enrollment__user__full_name", "apm_enrollment__user__email"]
    list_select_related = ["apm_enrollment__user", "apm_enrollment__cohort",
                           "mentor_enrollment__cohort"]  # fmt: skip
    fields = ["apm_enrollment", "steps_done", "mentor_enrollment", "full_circle_at", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Graduate", ordering="apm_enrollment__user__full_name")
    def graduate(self, guide):
        return guide.apm_enrollment.user

    @admin.display(description="Graduated from", ordering="apm_enrollment__cohort__name")
    def apm_cohort(self, guide):
        return guide.apm_enrollment.cohort

    @admin.display(description="Steps done")
    def progress(self, guide):
        return f"{graduation.guide_progress(guide)} of {len(graduation.GUIDE_STEPS)}"

    @admin.display(description="Mentor in")
    def mentor_cohort(self, guide):
        return guide.mentor_enrollment.cohort if guide.mentor_enrollment else "—"
