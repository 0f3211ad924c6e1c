"""The committee's survey admin: build surveys (questions inline), send, close, read results.

Sending and closing go through surveys.services. Responses and answers are not in the
admin at all: the committee reads them as results, where the privacy rules apply.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from mentorship import roster
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_deletion import KeepsHistoryMixin, SummarisedDeletionMixin
from mentorship.common.admin_input import (
    AdminInputMixin,
    CheckedInlineFormSet,
    ValidatedListFilter,
)
from mentorship.common.admin_paging import LargeTableAdminMixin, row_count
from surveys import eligible, services
from surveys.forms import EligibleUploadForm, FromTemplateForm, SurveyAdminForm
from surveys.models import EligiblePerson, EligiblePromotion, Invitation, Question, Survey


class QuestionInline(admin.TabularInline):
    formset = CheckedInlineFormSet
    model = Question
    fields = ["position", "text", "kind", "required", "options", "measures",
              "only_for_promoted", "help_text"]  # fmt: skip
    extra = 0
    ordering = ["position", "id"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "options":
            field.widget.attrs.update(rows=3, cols=28)
        if db_field.name in ("text", "help_text"):
            field.widget.attrs.update(size=40)
        return field

    # Once sent, the questions are what people answered: they cannot change.
    @staticmethod
    def _editable(obj) -> bool:
        return obj is None or obj.is_template or obj.status == Survey.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class KindFilter(ValidatedListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("surveys", "Surveys"), ("templates", "Templates")]

    def queryset(self, request, queryset):
        if self.value() == "surveys":
            return queryset.filter(is_template=False)
        if self.value() == "templates":
            return queryset.filter(is_template=True)
        return queryset


@admin.register(Survey)
class SurveyAdmin(AdminInputMixin, KeepsHistoryMixin, SummarisedDeletionMixin, admin.ModelAdmin):
    form = SurveyAdminForm
    list_display = ["title", "cohort", "audience", "is_anonymous", "state", "opens_at",
                    "closes_at", "answered", "results_link"]  # fmt: skip
    list_filter = [KindFilter, "status", "audience", "is_anonymous", "cohort"]
    list_select_related = ["cohort"]
    search_fields = ["title", "cohort__name"]
    inlines = [QuestionInline]
    actions = ["send_selected", "close_selected"]
    change_list_template = "admin/surveys/survey/change_list.html"
    history_reason = (
        "once a survey is sent, its invitations and answers are the program's history "
        "and its results are counted in the outcomes. Close the survey instead."
    )

    def history_filter(self):
        return Q(is_template=False) & ~Q(status=Survey.Status.DRAFT)

    def is_history(self, survey):
        return not survey.is_template and survey.status != Survey.Status.DRAFT

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                invited_count=row_count(Invitation.objects.all(), "survey"),
                answered_count=row_count(
                    Invitation.objects.filter(completed_on__isnull=False), "survey"
                ),
            )
        )

    def has_change_permission(self, request, obj=None):
        # A closed survey's results are final: it can be read, never reopened.
        if obj is not None and obj.has_closed():
            return False
        return super().has_change_permission(request, obj)

    def get_inlines(self, request, obj):
        # A sent survey's questions are read-only: shown as one table (questions_asked),
        # which costs a fraction of a formset of read-only forms.
        return self.inlines if QuestionInline._editable(obj) else []

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_template:
            return ["title", "intro", "audience", "is_anonymous", "start_link"]
        fields = ["cohort", "title", "intro", "audience", "is_anonymous", "opens_at",
                  "closes_at", "state", "created_from", "results_link", "waiting"]  # fmt: skip
        if not QuestionInline._editable(obj):
            fields.append("questions_asked")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["state", "created_from", "results_link", "start_link", "waiting",
                    "questions_asked"]  # fmt: skip
        if QuestionInline._editable(obj):
            return readonly
        # Sent: who is asked and how answers are stored are settled.
        readonly += ["cohort", "audience", "is_anonymous"]
        now = timezone.now()
        if obj.opens_at <= now:
            readonly.append("opens_at")
        if obj.has_closed(now):
            readonly += ["title", "intro", "closes_at"]
        return readonly

    @admin.display(description="State")
    def state(self, survey):
        return survey.state_label()

    @admin.display(description="Answered")
    def answered(self, survey):
        if survey.is_template:
            return "—"
        return f"{survey.answered_count} of {survey.invited_count}"

    @admin.display(description="Answers waiting")
    def waiting(self, survey):
        if survey.pk is None or not survey.is_anonymous or survey.is_template:
            return "—"
        count = survey.ballots.count()
        if not count:
            return "None: every answer received is stored as a response."
        return (
            f"{count} answer{'s are' if count != 1 else ' is'} waiting to be added, in a batch, "
            "to keep them anonymous. All are added when the survey closes."
        )

    @admin.display(description="Questions (as sent; they can no longer change)")
    def questions_asked(self, survey):
        if survey.pk is None:
            return "—"
        return render_to_string(
            "admin/surveys/survey/questions_asked.html",
            {"questions": survey.questions.order_by("position", "id")},
        )

    @admin.display(description="Results")
    def results_link(self, survey):
        if survey.pk is None:
            return "—"
        if survey.is_template:
            url = reverse("admin:surveys_survey_start", args=[survey.pk])
            return format_html('<a href="{}">Start a survey from this template</a>', url)
        url = reverse("surveys:results", args=[survey.pk])
        return format_html('<a href="{}">Results</a>', url)

    @admin.display(description="Use")
    def start_link(self, survey):
        if survey.pk is None:
            return "—"
        url = reverse("admin:surveys_survey_start", args=[survey.pk])
        return format_html('<a href="{}">Start a survey for a cohort from this template</a>', url)

    @staticmethod
    def _verb(verb: str, done: int) -> str:
        return f"{verb} {done} survey{'s' if done != 1 else ''}."

    @admin.action(
        description="Send selected surveys (invites everyone in the audience when it opens)"
    )
    def send_selected(self, request, queryset):
        confirmed = request.POST.get("confirm_early") == "yes"
        surveys = list(queryset.select_related("cohort", "created_from"))
        early = [s for s in surveys if not s.is_template and s.cohort and
                 services.survey_is_early_end_of_cohort(s)]  # fmt: skip
        if early and not confirmed:
            # Sending an end-of-cohort survey in the cohort's first weeks is most
            # likely a slip: ask before anyone is invited.
            context = {
                **self.admin_site.each_context(request),
                "title": "Send an end-of-cohort survey this early?",
                "opts": self.model._meta,
                "early": early,
                "surveys": surveys,
                "action": "send_selected",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/surveys/survey/confirm_early.html", context)
        done = apply_each(
            request,
            surveys,
            lambda survey: services.survey_open(
                survey=survey, acting_user=request.user, confirm_early=confirmed
            ),
            "",
        )
        if done:
            messages.success(request, self._verb("Sent", done))
        return None

    @admin.action(description="Close selected surveys now (results become final)")
    def close_selected(self, request, queryset):
        done = apply_each(
            request,
            queryset,
            lambda survey: services.survey_close(survey=survey, acting_user=request.user),
            "",
        )
        if done:
            messages.success(request, self._verb("Closed", done))

    def get_urls(self):
        return [
            path(
                "<int:template_id>/start/",
                self.admin_site.admin_view(self.start_view),
                name="surveys_survey_start",
            ),
            *super().get_urls(),
        ]

    def start_view(self, request, template_id):
        """Start a survey for a cohort from a template: a copy the committee then edits."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        template = get_object_or_404(Survey, pk=template_id, is_template=True)
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"title": template.title, "opens_at": now, "closes_at": now + timedelta(days=14)}
        form = FromTemplateForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                survey = services.survey_create_from_template(
                    template=template, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"“{survey.title}” is ready as a draft. Check the questions, then send it "
                    "from the survey list.",
                )
                return HttpResponseRedirect(
                    reverse("admin:surveys_survey_change", args=[survey.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Start a survey from “{template.title}”",
            "form": form,
            "template": template,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/surveys/survey/start.html", context)


class AnsweredFilter(ValidatedListFilter):
    title = "answered"
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", "Answered"), ("no", "Not yet")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(completed_on=None)
        if self.value() == "no":
            return queryset.filter(completed_on=None)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """Who was asked and whether they answered (never what they answered, nor drafts)."""

    list_display = ["person", "survey", "role", "business_unit", "invited_email_sent_at",
                    "reminder_count", "has_answered"]  # fmt: skip
    list_filter = [AnsweredFilter, "role", "survey__cohort", "survey"]
    list_select_related = ["user", "survey", "business_unit"]
    # Newest first, from the primary key: the model's order (survey, then name) spans
    # three tables, so every page sorted all invitations.
    ordering = ["-id"]
    search_fields = ["user__full_name", "user__email", "survey__title"]
    fields = ["survey", "user", "role", "business_unit", "created_at", "invited_email_sent_at",
              "reminder_count", "last_reminded_at", "has_answered"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Person", ordering="user__full_name")
    def person(self, invitation):
        return invitation.user.display_name

    @admin.display(description="Answered", boolean=True)
    def has_answered(self, invitation):
        return invitation.completed_on is not None


# --- The eligible population (the outcomes' comparison group) ---------------------------

# Importing adds and changes eligible people; whoever may add them may import.
IMPORT_ELIGIBLE_PERMISSION = "surveys.add_eligibleperson"


@admin.register(EligiblePerson)
class EligiblePersonAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """Read-only rows: the population changes only by importing the HR file again (the
    whole organisation: no full count, 25 a page)."""

    list_display = ["email", "title", "level", "hired_on", "promotion_count"]
    list_filter = ["level"]
    search_fields = ["email", "title"]
    date_hierarchy = "hired_on"
    readonly_fields = ["email", "title", "level", "hired_on", "promotion_dates"]
    fields = readonly_fields
    change_list_template = "admin/surveys/eligibleperson/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(promotion_count=row_count(EligiblePromotion.objects.all(), "person"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Promotions", ordering="promotion_count")
    def promotion_count(self, person):
        return person.promotion_count

    @admin.display(description="Promotion dates")
    def promotion_dates(self, person):
        dates = person.promotions.values_list("promoted_on", flat=True)
        return ", ".join(day.isoformat() for day in dates) or "none"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": request.user.has_perm(IMPORT_ELIGIBLE_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="surveys_eligibleperson_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The roster import's page, for the eligible population: check, then save."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(IMPORT_ELIGIBLE_PERMISSION):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            form = EligibleUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                result = eligible.eligible_import(
                    data=upload.read(),
                    dry_run=form.cleaned_data["dry_run"],
                    acting_user=request.user,
                )
                if result.ok and not result.dry_run:
                    self.message_user(
                        request, f"Imported {upload.name}. {result.summary()}", messages.SUCCESS
                    )
                    for note in result.notes:
                        self.message_user(request, note, messages.WARNING)
                    return HttpResponseRedirect(reverse("admin:surveys_eligibleperson_changelist"))
        else:
            form = EligibleUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Import eligible population",
            "opts": self.opts,
            "form": form,
            "result": result,
            "columns": eligible.COLUMNS,
            "levels": EligiblePerson._meta.get_field("level").choices,
            "limit": roster.megabytes(roster.MAX_ROSTER_BYTES),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/surveys/eligibleperson/import.html", context)
