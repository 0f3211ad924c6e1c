from django.db import migrations


def add_topics(apps, schema_editor):
    from toolkit.content import starter_topics_install

    starter_topics_install(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0003_topic_bookmark")]
    # Reversing keeps the topics: they may have been edited by the committee since.
    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
