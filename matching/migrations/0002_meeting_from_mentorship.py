import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import IntegrityError, migrations, models, router, transaction


def move_content_type(apps, schema_editor, from_label, to_label):
    """Relabel the meeting content type, so permissions and admin history follow the model.

    Modelled on Django's RenameContentType. On a fresh database there is nothing to
    move yet: post_migrate creates the content type under its new label.
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not router.allow_migrate_model(db, content_type_model):
        return
    content_types = content_type_model.objects.db_manager(db)
    try:
        content_type = content_types.get(app_label=from_label, model="meeting")
    except content_type_model.DoesNotExist:
        return
    content_type.app_label = to_label
    try:
        with transaction.atomic(using=db):
            content_type.save(using=db, update_fields=["app_label"])
    except IntegrityError:
        # Both labels exist (a database migrated back and forth): the old one is
        # stale. Leave it for remove_stale_contenttypes, as Django does; the committee
        # sync after migrate takes its permissions away from the group.
        return
    # The manager caches content types by natural key; drop the one cached under
    # the old label.
    content_type_model.objects.clear_cache()


def forwards(apps, schema_editor):
    move_content_type(apps, schema_editor, "mentorship", "matching")


def backwards(apps, schema_editor):
    move_content_type(apps, schema_editor, "matching", "mentorship")


class Migration(migrations.Migration):
    """Meeting arrives from the mentorship app (mentorship 0007) with its tables as they are.

    The schema change is state only: the tables keep their names (db_table), so no
    row moves and nothing is recreated. The content type is relabelled so that
    permissions and admin history stay attached to the model.
    """

    dependencies = [
        ("matching", "0001_initial"),
        # The model leaves the mentorship state before it enters this one, so the two
        # never both claim the table or the reverse accessors on Match and Topic.
        ("mentorship", "0007_move_meeting_to_matching"),
        ("toolkit", "0003_topic_bookmark"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Meeting",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("occurred_on", models.DateField(verbose_name="date")),
                        (
                            "duration_minutes",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(5),
                                    django.core.validators.MaxValueValidator(480),
                                ],
                                verbose_name="duration (minutes)",
                            ),
                        ),
                        (
                            "notes",
                            models.TextField(
                                blank=True,
                                help_text="Only the two of you see these.",
                                max_length=5000,
                            ),
                        ),
                        (
                            "next_meeting_on",
                            models.DateField(blank=True, null=True, verbose_name="next meeting"),
                        ),
                        (
                            "logged_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "match",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="meetings",
                                to="matching.match",
                            ),
                        ),
                        (
                            "topics",
                            models.ManyToManyField(
                                blank=True,
                                db_table="mentorship_meeting_topics",
                                related_name="meetings",
                                to="toolkit.topic",
                                verbose_name="topics covered",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "mentorship_meeting",
                        "ordering": ["-occurred_on", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("duration_minutes__gte", 5), ("duration_minutes__lte", 480)
                                ),
                                name="meeting_duration_5_to_480",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
