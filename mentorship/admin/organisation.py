"""People's profiles, business units and teams."""

from django.contrib import admin

from mentorship.common.admin_deletion import SummarisedDeletionMixin
from mentorship.common.admin_input import AdminInputMixin, CheckedInlineFormSet
from mentorship.common.admin_paging import LargeTableAdminMixin, row_count
from mentorship.models import (
    BusinessUnit,
    Profile,
    Team,
)


@admin.register(Profile)
class ProfileAdmin(
    AdminInputMixin, SummarisedDeletionMixin, LargeTableAdminMixin, admin.ModelAdmin
):
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
    # Newest first, from the primary key: ordering by name (another table) sorted every
    # profile on each page. The name column still sorts when clicked.
    ordering = ["-id"]
    autocomplete_fields = ["user", "manager", "business_unit", "team"]

    @admin.display(description="Name", ordering="user__full_name")
    def user_name(self, profile):
        return profile.user.full_name

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, profile):
        return profile.user.email


class TeamInline(admin.TabularInline):
    formset = CheckedInlineFormSet
    model = Team
    fields = ["name"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each row's change link is titled with the team's name, which names its unit.
        return super().get_queryset(request).select_related("business_unit")


@admin.register(BusinessUnit)
class BusinessUnitAdmin(AdminInputMixin, SummarisedDeletionMixin, admin.ModelAdmin):
    list_display = ["name", "team_count", "people_count"]
    search_fields = ["name"]
    inlines = [TeamInline]

    def get_queryset(self, request):
        # Counted each on its own: joining both multiplied teams by people (100 x 10,000
        # rows for a dozen units, 44 ms, and as much again for the list's count).
        return (
            super()
            .get_queryset(request)
            .annotate(
                team_count=row_count(Team.objects.all(), "business_unit"),
                people_count=row_count(Profile.objects.all(), "business_unit"),
            )
        )

    @admin.display(description="Teams", ordering="team_count")
    def team_count(self, unit):
        return unit.team_count

    @admin.display(description="People", ordering="people_count")
    def people_count(self, unit):
        return unit.people_count


@admin.register(Team)
class TeamAdmin(AdminInputMixin, SummarisedDeletionMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["name", "business_unit", "people_count"]
    list_filter = ["business_unit"]
    search_fields = ["name", "business_unit__name"]
    list_select_related = ["business_unit"]
    autocomplete_fields = ["business_unit"]

    def get_queryset(self, request):
        people = row_count(Profile.objects.all(), "team")
        return super().get_queryset(request).annotate(people_count=people)

    @admin.display(description="People", ordering="people_count")
    def people_count(self, team):
        return team.people_count
