from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_committee_group(apps, schema_editor):
    from mentorship.roles import committee_group_sync_permissions

    # Permissions are normally created after the whole migrate run; create them now
    # so that the group gets them on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    committee_group_sync_permissions(apps)


def remove_committee_group(apps, schema_editor):
    from mentorship.roles import COMMITTEE_GROUP

    apps.get_model("auth", "Group").objects.filter(name=COMMITTEE_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("toolkit", "0002_starter_categories"),
    ]

    operations = [migrations.RunPython(create_committee_group, remove_committee_group)]
