"""The data step of moving Meeting from mentorship to matching (matching 0002)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from mentorship.roles import COMMITTEE_GROUP

pytestmark = pytest.mark.django_db

move = importlib.import_module("matching.migrations.0002_meeting_from_mentorship")


class SchemaEditor:
    connection = connection


def meeting_type(app_label):
    return ContentType.objects.filter(app_label=app_label, model="meeting").first()


def test_an_existing_database_keeps_the_meeting_permissions_under_the_new_label():
    # A database migrated before the move has the content type under the old label.
    meeting_type("matching").delete()
    old_type = ContentType.objects.create(app_label="mentorship", model="meeting")
    permission = Permission.objects.create(
        content_type=old_type, codename="view_meeting", name="Can view meeting"
    )
    group = Group.objects.get(name=COMMITTEE_GROUP)
    group.permissions.add(permission)

    move.forwards(apps, SchemaEditor())

    assert meeting_type("mentorship") is None
    assert meeting_type("matching").pk == old_type.pk
    assert group.permissions.filter(
        content_type__app_label="matching", codename="view_meeting"
    ).exists()


def test_moving_back_restores_the_old_label():
    new_type = meeting_type("matching")

    move.backwards(apps, SchemaEditor())

    assert meeting_type("matching") is None
    assert meeting_type("mentorship").pk == new_type.pk


def test_a_stale_old_label_is_left_for_remove_stale_contenttypes():
    new_type = meeting_type("matching")
    old_type = ContentType.objects.create(app_label="mentorship", model="meeting")

    move.forwards(apps, SchemaEditor())

    assert meeting_type("matching").pk == new_type.pk
    assert meeting_type("mentorship").pk == old_type.pk
