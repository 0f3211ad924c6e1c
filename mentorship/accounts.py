"""People's accounts and committee membership."""

from django.contrib.auth.models import Group
from django.db import transaction

from mentorship.models import Profile, User
from mentorship.roles import COMMITTEE_GROUP


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
