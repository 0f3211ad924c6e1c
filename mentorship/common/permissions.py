"""Each person's permissions read once per change, not once per page.

Django's ModelBackend reads a person's permissions with two queries (their own and
their groups') on every request that checks one: every admin page and every committee
page, about 1.5 ms of a page. ``CachedPermissionsBackend`` keeps the set as a
``current_copy`` per person.

The copy is made old at once by anything that changes a permission through the ORM,
wherever it runs (the admin, a service, a shell, a migration): adding or removing a
person's groups or permissions, a group's permissions, saving or deleting a group or a
permission. Each stamps a change (``changes.mark_changed``) once its transaction has
committed, so no request can rebuild the copy from data about to change. Whether a
person is active or a superuser is read from the person's row on every request as
before; only the permission sets are kept. A change made in SQL by hand waits for the
copy to expire (``PERMISSIONS_SECONDS``).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from mentorship.common.changes import current_copy, mark_changed

PERMISSIONS_SECONDS = 300


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):

            def build():
                return set(ModelBackend.get_all_permissions(self, user_obj))

            user_obj._perm_cache = current_copy(
                f"permissions:{user_obj.pk}", build, max_age=PERMISSIONS_SECONDS
            )
        return user_obj._perm_cache


def _stamp_after_commit(**kwargs):
    transaction.on_commit(mark_changed, robust=True)


def _stamp_when_a_grant_changes(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _stamp_after_commit()


def connect_permission_signals() -> None:
    """Called once from the app's ready()."""
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through,
                    Group.permissions.through):  # fmt: skip
        m2m_changed.connect(
            _stamp_when_a_grant_changes, sender=through,
            dispatch_uid=f"permissions-changed-{through._meta.label}",
        )  # fmt: skip
    for model in (Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(
                _stamp_after_commit, sender=model,
                dispatch_uid=f"permissions-{signal is post_save}-{model._meta.label}",
            )  # fmt: skip
