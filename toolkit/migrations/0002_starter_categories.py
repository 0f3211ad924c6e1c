from django.db import migrations


def add_categories(apps, schema_editor):
    from toolkit.categories import starter_categories_install

    starter_categories_install(apps)


def remove_categories(apps, schema_editor):
    from toolkit.categories import STARTER_CATEGORIES

    slugs = [slug for slug, _, _ in STARTER_CATEGORIES]
    apps.get_model("toolkit", "Category").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0001_category")]
    operations = [migrations.RunPython(add_categories, remove_categories)]
