from django.contrib.auth.models import Group
from django.db import transaction

from mentorship.models import User
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
