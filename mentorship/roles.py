"""The committee group and its permissions.

APM and mentor are roles a person has through their enrollments in a cohort; the
committee is a Django group whose members are staff, so they reach the admin with
exactly the permissions below.
"""

from django.apps import apps as global_apps

COMMITTEE_GROUP = "Committee"

# The committee runs the program: every model of our apps, plus a look at people's
# email addresses so it can see why someone's confirmation has not arrived.
COMMITTEE_APP_LABELS = ("mentorship", "matching", "toolkit", "surveys")
COMMITTEE_EXTRA_PERMISSIONS = (
    ("account", "view_emailaddress"),
    ("auth", "view_group"),
)
# Whoever can put an address on someone's account, or mark one verified or primary, can
# reset that account's password through it and sign in as them (issue 12). The group
# never holds these; the admin refuses those changes to anyone but a superuser anyway.
COMMITTEE_FORBIDDEN_PERMISSIONS = (
    ("account", "add_emailaddress"),
    ("account", "change_emailaddress"),
    ("account", "delete_emailaddress"),
)
# People are deactivated, never deleted: their history belongs to the program.
# Reading one person's attributed survey answers is a separate, audited permission
# that an administrator grants to named people, never to the whole committee.
COMMITTEE_EXCLUDED_CODENAMES = frozenset({"delete_user", "view_attributed_answers"})


def committee_group_sync_permissions(apps=global_apps):
    """Create the committee group if needed and give it its permissions.

    Takes an ``apps`` registry so that migrations can call it with historical models.
    Permissions of a model that is gone from our apps (a content type left behind by a
    model that moved or was deleted) are taken from the group: they grant nothing, and
    they would show up in the group's permission list as if they did. So are the
    forbidden ones, should someone have given them to the group.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=COMMITTEE_GROUP)
    permissions, stale = [], []
    for permission in permission_model.objects.filter(
        content_type__app_label__in=COMMITTEE_APP_LABELS
    ).select_related("content_type"):
        if not _model_exists(apps, permission.content_type):
            stale.append(permission)
        elif permission.codename not in COMMITTEE_EXCLUDED_CODENAMES:
            permissions.append(permission)
    for app_label, codename in COMMITTEE_EXTRA_PERMISSIONS:
        permissions.extend(
            permission_model.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    for app_label, codename in COMMITTEE_FORBIDDEN_PERMISSIONS:
        stale.extend(
            permission_model.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    group.permissions.add(*permissions)
    group.permissions.remove(*stale)
    return group


def _model_exists(apps, content_type) -> bool:
    try:
        apps.get_model(content_type.app_label, content_type.model)
    except LookupError:
        return False
    return True


def committee_group_sync_after_migrate(sender, apps=global_apps, **kwargs):
    # post_migrate passes the migration state's registry; permissions for the
    # apps just migrated exist by the time this runs.
    committee_group_sync_permissions(apps)
