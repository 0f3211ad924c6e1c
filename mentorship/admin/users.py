"""People who sign in: the committee manages accounts, never its own powers."""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from mentorship import accounts
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_input import AdminInputMixin
from mentorship.models import (
    User,
)

# What a person may do in the admin. Only superusers edit these, through
# accounts.user_access_change, which records every change.
ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AdminInputMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access", {"fields": ["is_active", *ACCESS_FIELDS]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    actions = ["committee_add_selected", "committee_remove_selected"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # Read-only fields are left out of the form, so a POST that names them is ignored.
        return [*readonly, *ACCESS_FIELDS]

    def has_change_permission(self, request, obj=None):
        # Whoever can set a superuser's password or email can sign in as them, so only
        # superusers change a superuser's account (password page included); others view it.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The form has already copied the posted staff and superuser flags onto obj;
        # put the stored ones back so that only user_access_change (in save_related)
        # writes them, after checking who asks and with an audit row.
        if change:
            stored = User.objects.get(pk=obj.pk)
            for name in ("is_staff", "is_superuser"):
                if name in form.cleaned_data:
                    setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Taken out of cleaned_data so that save_m2m leaves groups and permissions alone.
        requested = {
            name: form.cleaned_data.pop(name)
            for name in ACCESS_FIELDS
            if name in form.cleaned_data
        }
        super().save_related(request, form, formsets, change)
        if requested:
            accounts.user_access_change(user=form.instance, acting_user=request.user, **requested)

    @admin.action(description="Add to the committee", permissions=["manage_committee"])
    def committee_add_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda user: accounts.committee_member_add(user=user, acting_user=request.user),
            "Added to the committee:",
        )

    @admin.action(description="Remove from the committee", permissions=["manage_committee"])
    def committee_remove_selected(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda user: accounts.committee_member_remove(user=user, acting_user=request.user),
            "Removed from the committee:",
        )

    def has_manage_committee_permission(self, request):
        return request.user.is_superuser


# Django's and allauth's own admins, registered again with the same input checks as
# ours (mentorship.common.admin_input): importing their modules above registered them.
admin.site.unregister([Group, EmailAddress, Authenticator])


@admin.register(Group)
class GroupAdmin(AdminInputMixin, DjangoGroupAdmin):
    pass


@admin.register(EmailAddress)
class EmailAddressAdmin(AdminInputMixin, AllauthEmailAddressAdmin):
    pass


@admin.register(Authenticator)
class AuthenticatorAdmin(AdminInputMixin, AllauthAuthenticatorAdmin):
    pass
