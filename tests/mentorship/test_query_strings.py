"""Query parameters lose control characters before any view reads them, on every page."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from mentorship.common.middleware import QueryStringMiddleware


def through_middleware(query: str):
    seen = {}

    def view(request):
        seen["GET"], seen["query"] = request.GET, request.META["QUERY_STRING"]

    QueryStringMiddleware(view)(RequestFactory().get(f"/toolkit/?{query}"))
    return seen["GET"], seen["query"]


def test_query_parameters_lose_control_characters_in_names_and_values():
    params, query = through_middleware("q=%00plain%E2%80%AE+talk&a%01b=1&a%01b=2&o=1%0A2")

    assert params["q"] == "plain talk"
    assert params.getlist("ab") == ["1", "2"]
    assert params["o"] == "1 2"  # a line break becomes a space
    assert "%00" not in query
    assert "%E2%80%AE" not in query


def test_a_clean_query_is_left_exactly_as_it_came():
    params, query = through_middleware("q=plain+language&category=career-growth")

    assert query == "q=plain+language&category=career-growth"
    assert params["q"] == "plain language"


# --- On the pages ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["\x00", "plain\x00", "\u202eplain", "plain\tlanguage\n"])
def test_the_toolkit_search_ignores_control_characters(client, outsider, query):
    # PostgreSQL refuses a NUL in a query outright: this was an error page.
    client.force_login(outsider)
    cleaned = query.replace("\x00", "").replace("\u202e", "").replace("\t", " ").strip()

    response = client.get(reverse("toolkit:topics"), {"q": query})
    expected = client.get(reverse("toolkit:topics"), {"q": cleaned})

    assert response.status_code == 200
    assert [t.slug for t in response.context["topics"]] == [
        t.slug for t in expected.context["topics"]
    ]


@pytest.mark.django_db
def test_the_toolkit_filters_ignore_control_characters(client, outsider):
    client.force_login(outsider)

    response = client.get(
        reverse("toolkit:topics"), {"category": "career-growth\x00", "stage": "\u202e"}
    )

    assert response.status_code == 200
    assert {t.category.slug for t in response.context["topics"]} == {"career-growth"}


@pytest.mark.django_db
def test_the_journey_filter_ignores_control_characters(client, committee, active_cohort):
    client.force_login(committee)

    response = client.get(
        reverse("journey"), {"cohort": f"{active_cohort.slug}\x00", "days": "7\x00"}
    )

    assert response.status_code == 200
    assert response.context["cohort"] == active_cohort
    assert response.context["days"] == 7
