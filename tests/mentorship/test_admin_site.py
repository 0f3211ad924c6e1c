"""The admin's navigation is built once per person and rebuilt by any change
(mentorship.common.admin_site)."""

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from mentorship.common.admin_site import APP_ORDER, plain_app_list
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
COHORTS = reverse("admin:mentorship_cohort_changelist")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def djangos_app_list(user):
    request = RequestFactory().get(INDEX)
    request.user = user
    return AdminSite.get_app_list(admin.site, request)


def test_the_sections_come_in_the_order_of_the_committees_work(committee):
    page = signed_in(committee).get(COHORTS)

    labels = [app["app_label"] for app in page.context["available_apps"]]
    assert labels == [label for label in APP_ORDER if label in labels]
    assert labels[:4] == ["mentorship", "matching", "surveys", "toolkit"]
    names = {app["app_label"]: app["name"] for app in page.context["available_apps"]}
    assert names["auth"] == "Groups and permissions"  # one line at 1280 px


@pytest.mark.parametrize("who", ["committee", "admin_user"])
def test_the_navigation_lists_what_djangos_own_would(request, who):
    user = request.getfixturevalue(who)

    page = signed_in(user).get(COHORTS)

    assert page.status_code == 200
    expected = plain_app_list(djangos_app_list(user))
    shown = page.context["available_apps"]
    assert sorted(shown, key=lambda app: app["app_label"]) == sorted(
        expected, key=lambda app: app["app_label"]
    )
    assert {m["object_name"] for app in expected for m in app["models"]} >= {"Cohort", "Match"}
    for app in expected:
        for model in app["models"]:
            assert f'href="{model["admin_url"]}"' in page.content.decode()


def test_later_pages_reuse_the_navigation_and_the_index_builds_it_once(committee):
    client = signed_in(committee)
    with mock.patch.object(
        AdminSite, "_build_app_dict", autospec=True, side_effect=AdminSite._build_app_dict
    ) as build:
        assert client.get(INDEX).status_code == 200
        assert build.call_count == 1  # the index's list and the sidebar: one build
        assert client.get(COHORTS).status_code == 200
        assert client.get(reverse("admin:matching_match_changelist")).status_code == 200
    assert build.call_count == 1


def test_a_permission_given_through_the_admin_shows_in_that_persons_navigation_at_once(
    admin_client,
):
    outsider = UserFactory(is_staff=True, totp=True)
    theirs = signed_in(outsider)
    before = theirs.get(INDEX)
    assert before.status_code == 200
    assert f'href="{COHORTS}"' not in before.content.decode()  # nothing to see yet

    view_cohort = Permission.objects.get(codename="view_cohort")
    given = admin_client.post(
        reverse("admin:mentorship_user_change", args=[outsider.pk]),
        {"email": outsider.email, "full_name": outsider.full_name, "is_active": "on",
         "is_staff": "on", "user_permissions": [view_cohort.pk]},
    )  # fmt: skip
    assert given.status_code == 302

    after = theirs.get(INDEX)
    assert f'href="{COHORTS}"' in after.content.decode()
    assert theirs.get(COHORTS).status_code == 200


def test_each_person_has_their_own_navigation(committee):
    staff = UserFactory(is_staff=True, totp=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    assert signed_in(committee).get(INDEX).status_code == 200

    theirs = signed_in(staff).get(INDEX)

    names = [m["object_name"] for app in theirs.context["available_apps"] for m in app["models"]]
    assert names == ["Cohort"]
