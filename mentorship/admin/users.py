"""People who sign in: the committee manages accounts, never its own powers.

Nor anyone's sign-in: an address or a password set here lets whoever set it sign in as
that person (a reset link to an address they own), so only superusers change them
(issue 12), through services that write an audit row, and the person is told.
"""

from allauth.account.adapter import get_adapter
from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from mentorship import accounts, privacy
from mentorship.common.admin_actions import apply_each
from mentorship.common.admin_deletion import SummarisedDeletionMixin
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from mentorship.models import (
    User,
)

# What a person may do in the admin. Only superusers edit these, through
# accounts.user_access_change, which records every change.
ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AdminInputMixin, SummarisedDeletionMixin, LargeTableAdminMixin, DjangoUserAdmin):
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
    actions = ["committee_add_selected", "committee_remove_selected", "erase_selected"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # Read-only fields are left out of the form, so a POST that names them is ignored.
        # The address someone signs in with, once the account exists, is theirs to change
        # on their account pages (which ask for the password and tell them), or a
        # superuser's. The committee may still type it when adding a person.
        sign_in = ["email"] if obj is not None else []
        return [*readonly, *ACCESS_FIELDS, *sign_in]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # The password field is only a button to the password page, which they cannot use.
        (name, options), *rest = fieldsets
        fields = [field for field in options["fields"] if field != "password"]
        return [(name, {**options, "fields": fields}), *rest]

    def user_change_password(self, request, id, form_url=""):
        # A password set here needs no current one and nobody is asked: superusers only,
        # for every account, their own included (theirs is on their account pages).
        if not request.user.is_superuser:
            raise PermissionDenied
        user = self.get_object(request, unquote(id))
        if user is None or request.method != "POST":
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        usable = form.is_valid() and form.cleaned_data["set_usable_password"]
        if not form.is_valid() or not (usable or "unset-password" in request.POST):
            # Django's page shows what is wrong and changes nothing.
            return super().user_change_password(request, id, form_url)
        had_password = user.has_usable_password()
        accounts.user_password_set(
            user=user,
            password=form.cleaned_data["password1"] if usable else None,
            acting_user=request.user,
        )
        self.log_change(request, user, self.construct_change_message(request, form, None))
        if usable:
            notice = "password_changed" if had_password else "password_set"
            get_adapter(request).send_notification_mail(f"account/email/{notice}", user)
            messages.success(request, "Password changed successfully.")
        else:
            messages.success(request, "Password-based authentication was disabled.")
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse("admin:mentorship_user_change", args=[user.pk]))

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
        # The email likewise goes through user_email_change.
        if change:
            stored = User.objects.get(pk=obj.pk)
            for name in ("is_staff", "is_superuser", "email"):
                if name in form.cleaned_data:
                    setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            old_email = stored.email
            accounts.user_email_change(
                user=obj, email=form.cleaned_data["email"], acting_user=request.user
            )
            get_adapter(request).send_notification_mail(
                "account/email/email_changed",
                obj,
                {"from_email": old_email, "to_email": obj.email},
                email=old_email,
            )

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

    @admin.action(
        description="Delete accounts at their owners' request (erase personal data)",
        permissions=["change"],
    )
    def erase_selected(self, request, queryset):
        users = list(queryset.order_by("pk")[:100])
        reason = request.POST.get("erase_reason", "").strip()[:500]
        if request.POST.get("confirm_erase") != "yes" or not reason:
            # Erasing cannot be undone: say what goes, and ask how the person asked.
            context = {
                **self.admin_site.each_context(request),
                "title": "Delete these accounts?",
                "opts": self.model._meta,
                "people": users,
                "action": "erase_selected",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "reason": reason,
                "reason_missing": request.POST.get("confirm_erase") == "yes" and not reason,
            }
            return TemplateResponse(request, "admin/mentorship/user/confirm_erase.html", context)
        apply_each(
            request,
            users,
            lambda user: privacy.account_erase(user=user, acting_user=request.user, reason=reason),
            "Deleted the accounts of",
            lambda user: user.display_name,
        )
        return None

    def has_manage_committee_permission(self, request):
        return request.user.is_superuser


# Django's and allauth's own admins, registered again with the same input checks as
# ours (mentorship.common.admin_input): importing their modules above registered them.
admin.site.unregister([Group, EmailAddress, Authenticator])


@admin.register(Group)
class GroupAdmin(AdminInputMixin, DjangoGroupAdmin):
    def get_object(self, request, object_id, from_field=None):
        group = super().get_object(request, object_id, from_field)
        if group is not None:
            # Read-only to the committee, the permissions are listed by name: each name
            # is its model's, one query each without this (122 for the committee's group).
            with_models = Permission.objects.select_related("content_type")
            prefetch_related_objects([group], Prefetch("permissions", queryset=with_models))
        return group


@admin.register(EmailAddress)
class EmailAddressAdmin(AdminInputMixin, LargeTableAdminMixin, AllauthEmailAddressAdmin):
    """Read-only but to superusers, whatever permissions someone was given by hand.

    An address put on an account, or marked verified or primary, is one a reset link
    goes to: whoever owns it can sign in as that person. The committee sees addresses
    (and whether they are confirmed); a superuser's changes go through services that
    write an audit row.
    """

    actions = ["make_verified", "make_primary"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        # Changed by the actions below, each through its service.
        return [*super().get_readonly_fields(request, obj), "verified", "primary"]

    def save_model(self, request, obj, form, change):
        accounts.email_address_save(address=obj, acting_user=request.user)

    def delete_model(self, request, obj):
        accounts.email_address_remove(address=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for address in queryset:
            accounts.email_address_remove(address=address, acting_user=request.user)

    # allauth's action asks for no permission at all, so whoever may look at the list
    # could run it; this one is for those who may change addresses.
    @admin.action(description="Mark as verified", permissions=["change"])
    def make_verified(self, request, queryset):
        apply_each(
            request,
            queryset.filter(verified=False),
            lambda address: accounts.email_address_verify(
                address=address, acting_user=request.user
            ),
            "Marked as verified:",
        )

    @admin.action(description="Make primary (the address they sign in with)",
                  permissions=["change"])  # fmt: skip
    def make_primary(self, request, queryset):
        apply_each(
            request,
            queryset.filter(primary=False),
            lambda address: accounts.email_address_make_primary(
                address=address, acting_user=request.user
            ),
            "Made primary:",
        )


@admin.register(Authenticator)
class AuthenticatorAdmin(AdminInputMixin, AllauthAuthenticatorAdmin):
    """Read-only: who has two-factor sign-in, and when they last used it.

    An authenticator is added or removed by its owner on allauth's pages, or removed by
    the audited break-glass (``manage.py mfa_reset``). Deleting one here would skip the
    audit row, and adding or editing one (its secret is plain JSON) would let an
    administrator sign in as someone else.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
