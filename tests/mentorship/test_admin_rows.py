"""Every admin change list draws its rows exactly as Django would (mentorship.common.admin_rows).

The rows are drawn with less work a cell, not differently: for every list the committee
and a superuser can open, on the demo with a small organisation seeded on top (every
kind of row present: matches, proposals, meetings, surveys, audit rows...), each cell is
the same HTML as Django's own ``results``.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.test import RequestFactory
from django.urls import resolve, reverse

from matching.models import Match
from mentorship.common.admin_rows import rows
from mentorship.demo import seed_demo
from mentorship.management.organisation import Size, organisation_seed
from tests.factories import UserFactory
from toolkit.models import Category

pytestmark = pytest.mark.django_db

SMALL = Size(apms=12, mentors=6, survey_responses=8, audit_days=2)


def changelist(model, model_admin, user, query=None):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = RequestFactory().get(url, query or {})
    request.user = user
    request.resolver_match = resolve(url)
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None  # as the change list view sets it
    if cl.list_editable and model_admin.has_change_permission(request):
        formset = model_admin.get_changelist_formset(request)
        cl.formset = formset(queryset=cl.result_list)
    return cl


def cells(found) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in found]


@pytest.fixture
def seeded(db):
    seed_demo()
    organisation_seed(SMALL)


@pytest.mark.parametrize("who", ["committee", "admin_user"])
def test_every_admin_list_draws_the_same_cells_as_django(request, seeded, who):
    user = request.getfixturevalue(who)
    compared = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(_request(user)):
            continue
        cl = changelist(model, model_admin, user)
        ours, djangos = cells(rows(cl)), cells(results(cl))
        assert ours == djangos, model._meta.label
        compared += bool(djangos)
    assert compared >= 20  # the lists had rows to compare


def test_sorted_filtered_and_linked_columns_draw_the_same_cells(seeded, committee):
    model_admin = admin.site._registry[Match]
    # Sorted by the second column, descending, and filtered: the links keep the filter.
    cl = changelist(Match, model_admin, committee, {"o": "-2", "status__exact": "active"})
    assert cl.result_list
    ours = cells(rows(cl))
    assert ours == cells(results(cl))
    assert "status__exact%3Dactive" in ours[0][1]  # the row's link preserves the filter


def test_lists_with_editable_columns_are_left_to_django(seeded, admin_user):
    model_admin = admin.site._registry[Category]
    cl = changelist(Category, model_admin, admin_user)
    assert cl.formset  # the categories' order is edited in the list
    assert cells(rows(cl)) == cells(results(cl))


def test_text_people_typed_is_escaped_in_a_list(committee, client):
    UserFactory(full_name='<img src=x onerror="alert(1)"> Mallory')
    client.force_login(committee)

    page = client.get(reverse("admin:mentorship_user_changelist")).content.decode()

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Mallory" in page


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request
