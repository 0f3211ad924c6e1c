from django.db import migrations


class Migration(migrations.Migration):
    """Meeting moves to the matching app (matching 0002); its tables stay where they are.

    State only: the model leaves this app's state, no table is dropped.
    """

    dependencies = [
        ("mentorship", "0006_outbox_and_graduation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Meeting")],
            database_operations=[],
        ),
    ]
