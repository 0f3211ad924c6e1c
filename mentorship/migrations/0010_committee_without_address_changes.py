from django.db import migrations

from mentorship.roles import committee_group_sync_permissions


def committee_group_sync(apps, schema_editor):
    # Takes account.change_emailaddress (and add or delete, if anyone gave them) from
    # the committee: with it, a member could put their own address on a superuser's
    # account and reset its password (issue 12).
    committee_group_sync_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0009_names_without_control_characters"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    # Going back leaves the group as it is: the permission is not handed back.
    operations = [migrations.RunPython(committee_group_sync, migrations.RunPython.noop)]
