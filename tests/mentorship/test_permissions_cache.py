"""Each person's permissions are read once per change (mentorship.common.permissions)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COHORTS = reverse("admin:mentorship_cohort_changelist")


def permission_queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    return status, sum('"auth_permission"' in q["sql"] for q in captured.captured_queries)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(db):
    """Staff who may look at cohorts, through a group."""
    person = UserFactory(is_staff=True, totp=True)
    group = Group.objects.create(name="Cohort viewers")
    group.permissions.add(Permission.objects.get(codename="view_cohort"))
    person.groups.add(group)
    return person


def test_later_pages_do_not_read_the_permissions_again(viewer):
    client = signed_in(viewer)
    assert permission_queries(client, COHORTS) == (200, 2)  # their own, their groups'

    assert permission_queries(client, COHORTS) == (200, 0)
    assert permission_queries(client, reverse("admin:index")) == (200, 0)


def test_a_permission_taken_away_in_the_admin_closes_the_page_at_once(
    viewer, admin_client, django_capture_on_commit_callbacks
):
    theirs = signed_in(viewer)
    assert theirs.get(COHORTS).status_code == 200
    group = viewer.groups.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:auth_group_change", args=[group.pk]),
            {"name": group.name, "permissions": []},
        )
    assert response.status_code == 302
    assert not group.permissions.exists()

    assert theirs.get(COHORTS).status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        "group loses the permission",
        "person leaves the group",
        "group deleted",
        "person given the permission directly",
    ],
)
def test_a_grant_changed_anywhere_through_the_orm_counts_at_once(
    viewer, change, django_capture_on_commit_callbacks
):
    theirs = signed_in(viewer)
    assert theirs.get(COHORTS).status_code == 200
    add_cohort = Permission.objects.get(codename="add_cohort")
    group = viewer.groups.get()

    with django_capture_on_commit_callbacks(execute=True):  # a shell, a command, a service
        if change == "group loses the permission":
            group.permissions.clear()
        elif change == "person leaves the group":
            viewer.groups.remove(group)
        elif change == "group deleted":
            group.delete()
        else:
            viewer.user_permissions.add(add_cohort)

    if change == "person given the permission directly":
        assert theirs.get(reverse("admin:mentorship_cohort_add")).status_code == 200
    else:
        assert theirs.get(COHORTS).status_code == 403


def test_each_person_keeps_their_own_permissions_and_inactive_people_have_none(viewer):
    other = UserFactory(is_staff=True, totp=True)
    assert signed_in(viewer).get(COHORTS).status_code == 200

    assert signed_in(other).get(COHORTS).status_code == 403
    assert User.objects.get(pk=viewer.pk).has_perm("mentorship.view_cohort")
    viewer.is_active = False
    assert not viewer.has_perm("mentorship.view_cohort")
