"""A page asks for the person's roles once (mentorship.selectors.request_roles)."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.accounts import committee_member_add
from mentorship.selectors import COMMITTEE, request_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def role_queries(captured) -> int:
    return sum('"mentorship_enrollment"."role"' in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize("page", ["journey", "surveys:outcomes"])
def test_a_committee_page_and_its_navigation_ask_for_the_roles_once(client, committee, page):
    client.force_login(committee)
    client.get(reverse(page))

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(page))

    assert response.status_code == 200
    assert 'href="/committee/journey/"' in response.content.decode()  # the committee's menu
    assert role_queries(captured) == 1


def test_a_request_that_may_change_roles_asks_each_time():
    person = UserFactory(is_staff=True, totp=True)
    posted = RequestFactory().post("/")
    posted.user = person
    assert COMMITTEE not in request_roles(posted)

    committee_member_add(user=person)

    assert COMMITTEE in request_roles(posted)


def test_a_page_read_keeps_the_roles_it_first_asked_for():
    person = UserFactory(is_staff=True, totp=True)
    read = RequestFactory().get("/")
    read.user = person
    assert COMMITTEE not in request_roles(read)

    committee_member_add(user=person)

    assert COMMITTEE not in request_roles(read)  # this request's answer; the next asks again
    again = RequestFactory().get("/")
    again.user = person
    assert COMMITTEE in request_roles(again)
