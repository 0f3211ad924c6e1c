"""The admin and the address bar: odd filters, dates, ordering, pages, searches and ids
answer with the list (and a note on what was left out), never with an error page."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.options import ModelAdmin
from django.template.response import SimpleTemplateResponse
from django.test.html import parse_html
from django.urls import reverse

from mentorship.common.admin_input import (
    FILTER_VALUE_IGNORED,
    SEARCH_WORD_LIMIT,
    AdminInputMixin,
    ValidatedListFilter,
)
from mentorship.models import AuditLog, Cohort, Profile, Promotion, Role, Team
from tests.factories import CohortFactory, EnrollmentFactory, TeamFactory, UserFactory
from toolkit.models import Topic

pytestmark = pytest.mark.django_db

AUDIT_LOG = reverse("admin:mentorship_auditlog_changelist")
ENROLLMENTS = reverse("admin:mentorship_enrollment_changelist")
LEFT_OUT = "was left out"


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def notes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def shown_count(response) -> int:
    return response.context["cl"].result_count


# --- Every admin, every custom filter ---------------------------------------------------


def test_every_registered_admin_checks_what_the_address_bar_sends():
    unchecked = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, AdminInputMixin)
    ]
    assert unchecked == []


def test_every_custom_list_filter_applies_only_the_values_it_offers():
    unvalidated = [
        f"{type(model_admin).__name__}: {list_filter.__name__}"
        for model_admin in admin.site._registry.values()
        for list_filter in model_admin.list_filter
        if isinstance(list_filter, type)
        and issubclass(list_filter, SimpleListFilter)
        and not issubclass(list_filter, ValidatedListFilter)
    ]
    assert unvalidated == []


# --- Filters and lookups ----------------------------------------------------------------


@pytest.fixture
def audit_rows(committee):
    AuditLog.objects.create(action="cohort.open", summary="Opened", actor=committee)
    AuditLog.objects.create(action="proposal.approve", summary="Approved", actor=committee)


@pytest.mark.parametrize(
    "query",
    [
        {"summary__regex": "("},  # a broken regular expression
        {"id__range": "1"},  # a range of one
        {"details__contains": "x"},  # not on SQLite
        {"created_at__iso_year": "99999"},  # past the last year
        {"actor__password__startswith": "md5"},  # a relation no filter offers
        {"no_such_field": "1"},
    ],
    ids=lambda query: next(iter(query)),
)
def test_a_lookup_no_filter_offers_is_left_out_with_a_note(committee_client, audit_rows, query):
    response = committee_client.get(AUDIT_LOG, query)

    assert response.status_code == 200
    assert shown_count(response) == AuditLog.objects.count()
    (note,) = notes(response)
    assert LEFT_OUT in note
    assert next(iter(query)) in note


def test_the_filters_the_list_offers_still_filter(committee_client, audit_rows):
    response = committee_client.get(AUDIT_LOG, {"action__exact": "cohort.open", "q": "Opened"})

    assert shown_count(response) == 1
    assert notes(response) == []


def test_a_filter_value_its_field_cannot_hold_is_left_out(committee_client, cohort):
    EnrollmentFactory(cohort=cohort)
    EnrollmentFactory(cohort=CohortFactory())

    for value in ("abc", "99999999999999999999999", "-1.5"):
        response = committee_client.get(ENROLLMENTS, {"cohort__id__exact": value})
        assert response.status_code == 200, value
        assert shown_count(response) == 2
        assert any("cohort__id__exact" in note for note in notes(response))

    filtered = committee_client.get(ENROLLMENTS, {"cohort__id__exact": cohort.pk})
    assert shown_count(filtered) == 1


def test_an_empty_field_filter_takes_only_yes_or_no(committee_client):
    url = reverse("admin:mentorship_graduationguide_changelist")

    response = committee_client.get(url, {"full_circle_at__isempty": "maybe"})

    assert response.status_code == 200
    assert any("full_circle_at__isempty" in note for note in notes(response))
    assert notes(committee_client.get(url, {"full_circle_at__isempty": "1"})) == []


def test_a_custom_filter_ignores_a_value_it_does_not_offer(committee_client, units):
    url = reverse("admin:matching_proposal_changelist")

    response = committee_client.get(url, {"apm_unit": "abc"})

    assert response.status_code == 200
    assert notes(response) == [
        FILTER_VALUE_IGNORED % {"value": "abc", "title": "APM's business unit"}
    ]


# --- Dates, ordering, pages, searches --------------------------------------------------


@pytest.fixture
def promotions(committee):
    # The promotion list has a date hierarchy (the audit log filters its dates instead).
    for day in (date(2026, 3, 1), date(2026, 3, 20)):
        Promotion.objects.create(
            user=UserFactory(), from_title="APM", to_title="PM", promoted_on=day
        )


PROMOTIONS = reverse("admin:mentorship_promotion_changelist")


@pytest.mark.parametrize(
    "query",
    [
        {"promoted_on__year": "9999"},  # Django would compute the year 10000
        {"promoted_on__year": "9999", "promoted_on__month": "12", "promoted_on__day": "31"},
        {"promoted_on__year": "2026", "promoted_on__month": "2", "promoted_on__day": "31"},
        {"promoted_on__year": "abc"},
        {"promoted_on__year": "0"},
        {"promoted_on__month": "5"},  # a month without its year
        {"promoted_on__year": "2026", "promoted_on__month": "99999999999999999999"},
    ],
)
def test_a_date_the_hierarchy_cannot_show_is_left_out(committee_client, promotions, query):
    response = committee_client.get(PROMOTIONS, query)

    assert response.status_code == 200
    assert shown_count(response) == Promotion.objects.count()
    assert any(LEFT_OUT in note for note in notes(response))


def test_a_date_the_hierarchy_can_show_filters_the_list(committee_client, promotions):
    query = {"promoted_on__year": 2026, "promoted_on__month": 3}

    response = committee_client.get(PROMOTIONS, query)

    assert shown_count(response) == Promotion.objects.count() == 2
    assert notes(response) == []
    assert shown_count(committee_client.get(PROMOTIONS, {"promoted_on__year": 2001})) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"o": "abc"},
        {"o": "99"},
        {"o": "-0.1.--2.99999999999999999999"},
        {"p": "abc"},
        {"p": "-1"},
        {"p": "99999999999999999999"},
        {"all": "abc"},
        {"_facets": "abc"},
    ],
)
def test_odd_ordering_and_pages_answer_with_the_list(committee_client, audit_rows, query):
    response = committee_client.get(AUDIT_LOG, query, follow=True)

    assert response.status_code == 200


def test_a_search_of_very_many_words_uses_the_first_ones(committee_client, audit_rows):
    many = committee_client.get(AUDIT_LOG, {"q": " ".join(["Opened"] * 1000)})
    first_ones = [*(["Opened"] * SEARCH_WORD_LIMIT), "nowhere"]
    beyond_the_limit = committee_client.get(AUDIT_LOG, {"q": " ".join(first_ones)})

    assert shown_count(many) == 1
    assert shown_count(beyond_the_limit) == 1  # "nowhere" was not searched


def test_a_search_for_a_null_character_answers(committee_client, audit_rows):
    response = committee_client.get(AUDIT_LOG, {"q": "\x00"})

    assert response.status_code == 200
    assert shown_count(response) == AuditLog.objects.count()


def test_the_page_for_unusable_filters_does_not_blame_the_database():
    page = SimpleTemplateResponse("admin/invalid_setup.html", {"title": "Database error"})

    text = page.render().content.decode()
    assert "This list can't use those filters" in text
    assert "database installation" not in text


# --- Selected rows, pre-filled forms, autocomplete widgets ------------------------------


def test_an_action_on_ids_that_are_not_ids_changes_nothing(committee_client, cohort):
    url = reverse("admin:mentorship_cohort_changelist")

    response = committee_client.post(
        url,
        {
            "action": "open_intake",
            "index": "0",
            "_selected_action": ["abc", "99999999999999999999999"],
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Items must be selected" in " ".join(notes(response))
    assert Cohort.objects.get().status == cohort.status


def test_an_action_keeps_the_real_ids_among_forged_ones(committee_client):
    draft = CohortFactory(status=Cohort.Status.DRAFT)

    committee_client.post(
        reverse("admin:mentorship_cohort_changelist"),
        {"action": "open_intake", "index": "0", "_selected_action": ["abc", draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.status == Cohort.Status.INTAKE_OPEN


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("admin:mentorship_promotion_add", {"user": "abc", "promoted_on": "someday"}),
        ("admin:mentorship_promotion_add", {"user": "99999999999999999999999"}),
        ("admin:mentorship_profile_add", {"team": "abc", "manager": "1,x", "time_zone": "\x00"}),
        ("admin:mentorship_cohort_add", {"intake_opens_at": "abc", "program_starts_on": "9999"}),
        ("admin:matching_match_add", {"apm": "abc", "mentor": "-"}),
        ("admin:toolkit_topic_add", {"category": "x", "prompts": "[", "no_such_field": "1"}),
    ],
)
def test_an_add_form_takes_only_the_pre_filled_values_its_fields_can_hold(
    committee_client, url, query
):
    response = committee_client.get(reverse(url), query)

    assert response.status_code == 200


def test_an_add_form_still_starts_from_the_journeys_values(committee_client):
    person = EnrollmentFactory(role=Role.APM, profile__title="Associate PM").user

    response = committee_client.get(
        reverse("admin:mentorship_promotion_add"), {"user": person.pk, "promoted_on": "2026-03-01"}
    )

    form = response.context["adminform"].form
    assert form.initial["user"] == person.pk
    assert form.initial["from_title"] == "Associate PM"
    assert str(form.initial["promoted_on"]) == "2026-03-01"


def test_a_forged_autocomplete_value_is_an_error_on_the_form(committee_client):
    response = committee_client.post(
        reverse("admin:mentorship_profile_add"),
        {"user": "abc", "team": "1 OR 1=1", "time_zone": "America/New_York"},
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Profile.objects.exists()


def test_a_forged_hand_match_keeps_the_form(committee_client):
    response = committee_client.post(
        reverse("admin:matching_match_add"), {"apm": "abc", "mentor": "\x00"}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"apm", "mentor"}


def test_the_enrollment_export_with_a_value_left_out_goes_to_the_list_first(committee_client):
    url = reverse("admin:mentorship_enrollment_export")

    response = committee_client.get(url, {"cohort__id__exact": "abc"}, follow=True)

    assert response.redirect_chain[0][0] == f"{ENROLLMENTS}?cohort__id__exact=abc"
    assert any("cohort__id__exact" in note for note in notes(response))


def test_promotion_dates_in_the_hierarchy_far_in_the_future_are_left_out(committee_client):
    UserFactory()
    url = reverse("admin:mentorship_promotion_changelist")

    response = committee_client.get(url, {"promoted_on__year": "9999"})

    assert response.status_code == 200
    assert shown_count(response) == Promotion.objects.count()


def test_an_emptied_json_box_saves_an_empty_list_rather_than_failing(committee_client):
    profile = EnrollmentFactory(profile__agencies=["VA"]).user.profile
    url = reverse("admin:mentorship_profile_change", args=[profile.pk])
    data = {"user": profile.user_id, "time_zone": profile.time_zone, "domains": "null",
            "agencies": "", "team": profile.team_id, "business_unit": profile.business_unit_id,
            "title": profile.title}  # fmt: skip

    response = committee_client.post(url, data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.agencies, profile.domains) == ([], [])


def test_a_topic_whose_prompts_are_not_a_list_is_refused_on_its_page(committee_client):
    topic = Topic.objects.order_by("pk").first()
    url = reverse("admin:toolkit_topic_change", args=[topic.pk])
    page = committee_client.get(url)
    data = {**page.context["adminform"].form.initial, "category": topic.category_id,
            "prompts": "5", "reading": "[]"}  # fmt: skip

    response = committee_client.post(url, {k: v for k, v in data.items() if v is not None})

    assert response.status_code == 200
    assert "prompts" in response.context["adminform"].form.errors
    topic.refresh_from_db()
    assert isinstance(topic.prompts, list)


@pytest.mark.parametrize("name", ["Plain", 'A <b>"x"</b> & y'])
def test_the_row_checkbox_is_djangos_markup_without_its_template(name):
    cohort = Cohort(pk=7, name=name)
    cohort_admin = admin.site._registry[Cohort]

    ours = cohort_admin.action_checkbox(cohort)
    assert parse_html(ours) == parse_html(ModelAdmin.action_checkbox(cohort_admin, cohort))
    assert "<b>" not in ours


@pytest.mark.parametrize("initial", ["-1", "0"])
def test_an_inline_whose_hidden_counts_were_changed_saves_nothing_and_says_so(
    admin_client, initial
):
    team = TeamFactory(name="Benefits")
    unit = team.business_unit
    url = reverse("admin:mentorship_businessunit_change", args=[unit.pk])
    data = {
        "name": unit.name, "teams-TOTAL_FORMS": "1", "teams-INITIAL_FORMS": initial,
        "teams-MIN_NUM_FORMS": "0", "teams-MAX_NUM_FORMS": "1000",
        "teams-0-id": str(team.pk), "teams-0-business_unit": str(unit.pk),
        "teams-0-name": "Benefits",
    }  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "This list was changed outside the page" in response.text
    assert list(Team.objects.filter(business_unit=unit).values_list("name", flat=True)) == [
        "Benefits"
    ]


def test_an_inline_with_honest_counts_still_saves(admin_client):
    team = TeamFactory(name="Benefits")
    unit = team.business_unit
    url = reverse("admin:mentorship_businessunit_change", args=[unit.pk])
    data = {
        "name": unit.name, "teams-TOTAL_FORMS": "2", "teams-INITIAL_FORMS": "1",
        "teams-MIN_NUM_FORMS": "0", "teams-MAX_NUM_FORMS": "1000",
        "teams-0-id": str(team.pk), "teams-0-business_unit": str(unit.pk),
        "teams-0-name": "Benefits and pay", "teams-1-business_unit": str(unit.pk),
        "teams-1-name": "Payroll",
    }  # fmt: skip

    assert admin_client.post(url, data).status_code == 302
    names = set(Team.objects.filter(business_unit=unit).values_list("name", flat=True))
    assert names == {"Benefits and pay", "Payroll"}
