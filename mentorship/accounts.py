"""People's accounts, committee membership and who may grant access.

Access (staff, superuser, groups, permissions) decides what a person can do in the
admin, so every change to it made by a person goes through a service here that checks
who is asking and writes an audit row with the old and new values.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from mentorship.common.audit import audit_record
from mentorship.models import Profile, User
from mentorship.roles import COMMITTEE_GROUP

USER_ACCESS_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can change someone's staff, superuser, group or "
    "permission settings. Ask an administrator to do it."
)


@transaction.atomic
def committee_member_add(*, user: User) -> User:
    """Make a person a committee member: staff (admin access) in the committee group."""
    group = Group.objects.get(name=COMMITTEE_GROUP)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(group)
    return user


@transaction.atomic
def committee_member_remove(*, user: User) -> User:
    user.groups.remove(Group.objects.get(name=COMMITTEE_GROUP))
    if user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    return user


def _access_state(user: User) -> dict:
    permissions = user.user_permissions.values_list("content_type__app_label", "codename")
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(f"{app}.{codename}" for app, codename in permissions),
    }


@transaction.atomic
def user_access_change(
    *,
    user: User,
    acting_user: User,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> User:
    """Set a person's access; ``None`` leaves that part as it is. Superusers only.

    Writes one audit row listing the parts that changed, old and new; none if nothing did.
    """
    if not acting_user.is_superuser:
        raise ValidationError(USER_ACCESS_SUPERUSERS_ONLY, code="superusers_only")
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = _access_state(locked)
    if is_staff is not None:
        locked.is_staff = is_staff
    if is_superuser is not None:
        locked.is_superuser = is_superuser
    locked.save(update_fields=["is_staff", "is_superuser"])
    if groups is not None:
        locked.groups.set(groups)
    if user_permissions is not None:
        locked.user_permissions.set(user_permissions)
    after = _access_state(locked)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        audit_record(
            actor=acting_user,
            action="user.access_changed",
            target=locked,
            summary=f"Changed the access of {locked}: {', '.join(changed)}",
            **{
                "from": {name: before[name] for name in changed},
                "to": {name: after[name] for name in changed},
            },
        )
    user.is_staff, user.is_superuser = locked.is_staff, locked.is_superuser
    return user


def user_get_or_create_by_email(*, email: str, full_name: str = "") -> User:
    """Find a person by email, or record them without a password.

    Managers and imported people may not have signed in yet; they set a password
    through "forgot password" when they first come, and their sign-up is verified by
    the same email.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name)
        user.set_unusable_password()
        user.save()
    return user


def profile_for(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile
