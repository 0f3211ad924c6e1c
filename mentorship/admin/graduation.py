"""Promotions and graduation guides."""

from django import forms
from django.contrib import admin

from mentorship import graduation
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.forms import PromotionCheckMixin
from mentorship.models import (
    GraduationGuide,
    Profile,
    Promotion,
    User,
)


class PromotionAdminForm(PromotionCheckMixin, forms.ModelForm):
    class Meta:
        model = Promotion
        fields = ["user", "cohort", "from_title", "to_title", "promoted_on"]
        labels = {"user": "Person", "promoted_on": "Date of the promotion"}
        help_texts = {
            "cohort": "Leave blank for the cohort the person is in as an APM.",
            "from_title": "Their title before the promotion.",
        }


@admin.register(Promotion)
class PromotionAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
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
        apply_each(
            request,
            queryset.select_related("user"),
            lambda promotion: graduation.promotion_confirm(
                promotion=promotion, acting_user=request.user
            ),
            "Confirmed",
            lambda promotion: promotion.user,
        )

    @admin.action(
        description="Graduate the selected people (ends their active match as graduated)",
        permissions=["confirm"],
    )
    def graduate_selected(self, request, queryset):
        apply_each(
            request,
            User.objects.filter(pk__in=queryset.values("user")).distinct(),
            lambda user: graduation.apm_graduate_by_user(user=user, acting_user=request.user),
            "Graduated",
        )


@admin.register(GraduationGuide)
class GraduationGuideAdmin(AdminInputMixin, admin.ModelAdmin):
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
