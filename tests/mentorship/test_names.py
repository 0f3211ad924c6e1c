"""Names (people, business units, teams) are stored without control or bidirectional
characters, however they arrive: forms, the roster import, bulk writes, old rows."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from mentorship import roster
from mentorship.models import BusinessUnit, Team, User
from mentorship.roster import roster_import
from tests.factories import BusinessUnitFactory, TeamFactory, UserFactory
from tests.mentorship.test_roster import mentor, person, to_csv


@pytest.mark.django_db
def test_names_are_saved_without_bidirectional_or_control_characters():
    user = UserFactory(full_name="\u202eAda\x00 Lovelace")
    team = TeamFactory(
        name="Care\u2066ers\u2069", business_unit=BusinessUnitFactory(name="VA\u202d")
    )

    assert user.full_name == "Ada Lovelace"  # the instance is in step with the row
    assert User.objects.get(pk=user.pk).full_name == "Ada Lovelace"
    assert Team.objects.get(pk=team.pk).name == "Careers"
    assert BusinessUnit.objects.get(pk=team.business_unit_id).name == "VA"


@pytest.mark.django_db
def test_names_are_cleaned_by_bulk_writes_and_updates_too():
    unit = BusinessUnitFactory(name="Health")
    BusinessUnit.objects.bulk_create([BusinessUnit(name="Tax\u202e")])
    unit.name = "Heal\u202eth"
    BusinessUnit.objects.bulk_update([unit], ["name"])
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(full_name="Grace\u202e Hopper")

    assert set(BusinessUnit.objects.values_list("name", flat=True)) == {"Health", "Tax"}
    assert User.objects.get(pk=user.pk).full_name == "Grace Hopper"


MIGRATION = "mentorship.migrations.0009_names_without_control_characters"


def stored_as_before(obj, column: str, value: str) -> None:
    """Write a name the way it was stored before names were cleaned on save."""
    table = connection.ops.quote_name(obj._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, obj.pk])  # noqa: S608


def stored_name(obj, column: str) -> str:
    return type(obj).objects.filter(pk=obj.pk).values_list(column, flat=True).get()


@pytest.mark.django_db
def test_the_migration_cleans_names_stored_before():
    cleanup = importlib.import_module(
        "mentorship.migrations.0009_names_without_control_characters"
    )
    unit, taken, clash = (BusinessUnitFactory(name=name) for name in ("Veterans", "Tax", "Health"))
    user = UserFactory()
    stored_as_before(unit, "name", "Vete\u202erans")
    stored_as_before(clash, "name", "Tax\u202e")
    stored_as_before(user, "full_name", "Ada\u202e Lovelace\x1b")

    cleanup.names_without_control_characters(apps, None)

    assert stored_name(unit, "name") == "Veterans"
    assert stored_name(user, "full_name") == "Ada Lovelace"
    assert stored_name(taken, "name") == "Tax"
    # Cleaned it would be "Tax", which is taken: the committee renames it in the admin,
    # whose form points at the hidden character.
    assert stored_name(clash, "name") == "Tax\u202e"


# --- From the roster import -------------------------------------------------------------


@pytest.fixture
def categories_installed(categories):
    """The roster checks interests against the toolkit's categories."""


def test_the_roster_stores_names_without_bidirectional_characters(cohort, categories_installed):
    BusinessUnitFactory(name="Digital Services")
    row = person(full_name="\u202eAda\u202c Lovelace", business_unit="Digital\u2066 Services",
                 team="Bene\u202dfits\x1b")  # fmt: skip

    result = roster_import(data=to_csv(row), cohort=cohort)

    assert result.ok, result.errors
    assert User.objects.get(email="ada@adhoc.example").full_name == "Ada Lovelace"
    # The cleaned unit name is the one already recorded: no second "Digital Services".
    assert list(BusinessUnit.objects.values_list("name", flat=True)) == ["Digital Services"]
    assert Team.objects.get().name == "Benefits"
    again = roster_import(data=to_csv(row), cohort=cohort)
    assert again.counts()["unchanged"] == 1


def test_the_roster_reports_hidden_characters_in_titles_and_goals(cohort, categories_installed):
    rows = [
        person(title="Associate PM", goals="Learn\nand\tgrow"),
        mentor(goals="Coach \u202egrowth"),
    ]

    result = roster_import(data=to_csv(*rows), cohort=cohort)

    # The first row's goals span two lines of the file, so the mentor starts on line 4.
    assert [(e.line, e.column) for e in result.errors] == [(4, "goals")]
    assert result.errors[0].message == roster.VALUE_CONTROL_CHARACTER % {
        "character": "U+202E (right-to-left override)"
    }
    assert not User.objects.exists()


def test_the_roster_reports_a_title_with_a_control_character(cohort, categories_installed):
    result = roster_import(data=to_csv(person(title="Associate\x07 PM")), cohort=cohort)

    assert [(e.line, e.column) for e in result.errors] == [(2, "title")]


def test_the_admin_lists_show_names_as_stored_without_overrides(admin_client):
    team = TeamFactory(name="Bene\u202efits", business_unit=BusinessUnitFactory(name="\u202eVA"))
    UserFactory(full_name="Ada\u202e Lovelace\x00")

    pages = [
        admin_client.get(f"/admin/mentorship/{model}/").content.decode()
        for model in ("user", "businessunit", "team")
    ]

    for page in pages:
        assert "\u202e" not in page
        assert "\x00" not in page
    assert "Ada Lovelace" in pages[0]
    assert team.name == "Benefits"
    assert "VA" in pages[1]
