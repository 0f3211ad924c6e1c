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

COMMITTEE_OWN_MEMBERSHIP = (
    "You cannot add yourself to the committee or remove yourself from it. "
    "Ask another administrator to do it."
)
COMMITTEE_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can add people to the committee or remove them. "
    "Ask an administrator to do it."
)
USER_ACCESS_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can change someone's staff, superuser, group or "
    "permission settings. Ask an administrator to do it."
)


def _committee_change_check(*, user: User, acting_user: User | None) -> None:
    # No acting user means code with no person behind it (seed_demo, a shell, test
    # fixtures); whoever runs that already holds the keys.
    if acting_user is None:
        return
    if acting_user.pk == user.pk:
        raise ValidationError(COMMITTEE_OWN_MEMBERSHIP, code="own_membership")
    if not acting_user.is_superuser:
        raise ValidationError(COMMITTEE_SUPERUSERS_ONLY, code="superusers_only")


def _committee_state(user: User, group: Group) -> dict:
    return {"is_staff": user.is_staff, "committee": user.groups.filter(pk=group.pk).exists()}


def _committee_change(*, user: User, acting_user: User | None, join: bool) -> User:
    _committee_change_check(user=user, acting_user=acting_user)
    group = Group.objects.get(name=COMMITTEE_GROUP)
    # Lock the row so that two administrators acting at once record true old values.
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = _committee_state(locked, group)
    if join:
        locked.groups.add(group)
        locked.is_staff = True
    else:
        locked.groups.remove(group)
        # A superuser keeps admin access: it is theirs, not the committee's.
        locked.is_staff = locked.is_superuser
    if locked.is_staff != before["is_staff"]:
        locked.save(update_fields=["is_staff"])
    after = _committee_state(locked, group)
    if after != before:
        audit_record(
            actor=acting_user,
            action="committee.member_added" if join else "committee.member_removed",
            target=locked,
            summary=(
                f"Added {locked} to the committee"
                if join
                else f"Removed {locked} from the committee"
            ),
            **{"from": before, "to": after},
        )
    user.is_staff = locked.is_staff
    return user


@transaction.atomic
def committee_member_add(*, user: User, acting_user: User | None = None) -> User:
    """Make a person a committee member: staff (admin access) in the committee group.

    Only a superuser may do it, and not for themself; refusals are ValidationErrors.
    Writes an audit row with the old and new state, unless they were already a member.
    """
    return _committee_change(user=user, acting_user=acting_user, join=True)


@transaction.atomic
def committee_member_remove(*, user: User, acting_user: User | None = None) -> User:
    """Take a person off the committee, and their admin access unless they are a superuser.

    Same rules and audit row as ``committee_member_add``.
    """
    return _committee_change(user=user, acting_user=acting_user, join=False)


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
