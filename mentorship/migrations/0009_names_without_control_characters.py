from django.db import migrations

from mentorship.common.text import CONTROL_CHARACTERS, strip_control_characters

BATCH_SIZE = 1000


def _clean(queryset, field: str, *, unique_within: tuple[str, ...] | None = None) -> None:
    """Strip control and bidirectional characters from one name column.

    With ``unique_within`` (the columns the name is unique with), a name whose cleaned
    form another row already has is left as it is: the committee renames it in the
    admin, whose form points at the hidden character.
    """
    changed, taken = [], set()
    for row in queryset.only("pk", field, *(unique_within or ())).iterator(chunk_size=BATCH_SIZE):
        name = getattr(row, field)
        if not CONTROL_CHARACTERS.search(name):
            continue
        cleaned = strip_control_characters(name)
        if unique_within is not None:
            scope = {column: getattr(row, column) for column in unique_within}
            key = (*scope.values(), cleaned)
            if key in taken or queryset.filter(**scope, **{field: cleaned}).exists():
                continue
            taken.add(key)
        setattr(row, field, cleaned)
        changed.append(row)
    queryset.model.objects.bulk_update(changed, [field], batch_size=BATCH_SIZE)


def names_without_control_characters(apps, schema_editor):
    _clean(apps.get_model("mentorship", "User").objects.all(), "full_name")
    _clean(apps.get_model("mentorship", "BusinessUnit").objects.all(), "name", unique_within=())
    _clean(
        apps.get_model("mentorship", "Team").objects.all(),
        "name",
        unique_within=("business_unit_id",),
    )


class Migration(migrations.Migration):
    """Names stored before they were cleaned on save lose their control and bidirectional
    characters (an override makes a name read backwards in every list). Data only."""

    dependencies = [
        ("mentorship", "0008_outbox_claims"),
    ]

    operations = [
        migrations.RunPython(names_without_control_characters, migrations.RunPython.noop),
    ]
