"""The outcomes dashboard: per cohort and per year, checkable by hand."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, Meeting
from mentorship.common import changes
from mentorship.models import Enrollment, Role
from surveys import services
from surveys.models import Invitation
from surveys.outcomes import outcomes_dashboard
from tests.factories import CohortFactory, EnrollmentFactory
from tests.surveys.conftest import answers_for, close, mix, promote, question

pytestmark = pytest.mark.django_db
URL = reverse("surveys:outcomes")


@pytest.fixture
def program(make_pair, make_apm, make_mentor, open_survey, committee):
    """A cohort of 7 APMs (6 matched, 5 of them met), 7 mentors, 5 promotions, a survey."""
    pairs = [make_pair() for _ in range(6)]
    make_apm()  # not matched yet
    make_mentor()  # no mentee
    Match.objects.filter(pk=pairs[5].pk).update(status=Match.Status.ENDED)  # no longer matched
    for pair in pairs[:5]:
        Meeting.objects.create(match=pair, occurred_on=date(2026, 1, 5), duration_minutes=45)
    for pair in pairs[:5]:
        promote(pair.apm.user, pair.cohort)
    survey = open_survey(audience="apms")
    credit = question(survey, "promotion_credit")
    promoted = {pair.apm.user_id for pair in pairs[:5]}
    credits = iter([1, 1, 1, 1, 0])  # 4 of the 5 promoted APMs credit the program
    for index, invitation in enumerate(Invitation.objects.filter(survey=survey).order_by("pk")):
        answers = answers_for(survey, recommend=1 if index < 5 else 0)
        if invitation.user_id in promoted:
            answers[credit.pk] = next(credits)
        services.response_submit(invitation=invitation, answers=answers)
    mix(survey)
    close(survey, committee)
    return pairs, survey


def test_each_cohort_shows_the_figures_the_committee_reads(program):
    _pairs, _ = program
    row = outcomes_dashboard()["cohorts"][0]
    assert (row.apms, row.mentors) == (7, 7)
    assert (row.apms_matched, row.matched_share) == (5, 71.4)
    assert (row.pairs, row.pairs_met, row.met_share) == (6, 5, 83.3)
    assert (row.combined.invited, row.combined.completed) == (6, 6)
    assert row.recommendation[:2] == (83.3, 6)
    assert row.promoted_apms == 5
    assert row.promoted_share == 71.4
    assert row.promotion_credit[:2] == (80.0, 5)


def test_each_count_links_to_the_admin_list_it_comes_from(program, client, committee):
    pairs, _ = program
    cohort = pairs[0].cohort
    row = outcomes_dashboard()["cohorts"][0]
    client.force_login(committee)
    listed = client.get(row.links["apms"])
    assert listed.status_code == 200
    assert (
        listed.context["cl"].result_count
        == Enrollment.objects.filter(cohort=cohort, role=Role.APM).count()
        == 7
    )
    matched = client.get(row.links["matched"])
    assert matched.context["cl"].result_count == 5
    invitations = client.get(row.links["invitations"])
    assert invitations.context["cl"].result_count == 6


def test_years_add_up_their_cohorts(program, make_pair, committee):
    pairs, _ = program
    year = pairs[0].cohort.program_starts_on.year
    sibling = CohortFactory(
        program_starts_on=date(year, 1, 2) if pairs[0].cohort.program_starts_on.month > 1
        else date(year, 12, 1),
        program_ends_on=date(year + 1, 6, 1),
    )  # fmt: skip
    apm = EnrollmentFactory(cohort=sibling, role=Role.APM)
    mentor = EnrollmentFactory(cohort=sibling, role=Role.MENTOR)
    Match.objects.create(cohort=sibling, apm=apm, mentor=mentor)
    data = outcomes_dashboard()
    assert len(data["cohorts"]) == 2
    (total,) = data["years"]
    assert (total.label, total.apms, total.mentors, total.apms_matched) == (str(year), 8, 8, 6)
    assert total.recommendation[:2] == (83.3, 6)


def test_open_surveys_count_participation_but_not_answers_yet(make_pair, open_survey):
    make_pair()
    survey = open_survey()
    services.response_submit(
        invitation=Invitation.objects.filter(survey=survey).first(), answers=answers_for(survey)
    )
    row = outcomes_dashboard()["cohorts"][0]
    assert (row.combined.invited, row.combined.completed) == (2, 1)
    assert row.recommendation[0] is None


def test_the_dashboard_costs_the_same_queries_for_one_cohort_or_several(
    program, client, committee
):
    client.force_login(committee)
    client.get(URL)
    changes.mark_changed()  # the counts are worked out again, not read from the copy
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for _ in range(3):
        cohort = CohortFactory()
        apm = EnrollmentFactory(cohort=cohort, role=Role.APM)
        mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
        Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)
    changes.mark_changed()
    with CaptureQueriesContext(connection) as several:
        assert client.get(URL).status_code == 200
    assert len(one) == len(several) <= 18


def test_the_counts_are_read_from_a_copy_until_the_data_changes(program, client, committee):
    pairs, _ = program
    client.force_login(committee)
    client.get(URL)
    with CaptureQueriesContext(connection) as copied:
        assert client.get(URL).context["cohorts"][0].pairs == 6
    assert not [q for q in copied.captured_queries if "COUNT(DISTINCT" in q["sql"]]

    # A pair the committee hand-matches through the site shows on the next view.
    cohort = pairs[0].cohort
    apm = EnrollmentFactory(cohort=cohort, role=Role.APM)
    mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
    Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)
    changes.ChangesMiddleware(lambda request: HttpResponse())(RequestFactory().post("/"))
    with CaptureQueriesContext(connection) as counted:
        assert client.get(URL).context["cohorts"][0].pairs == 7
    assert [q for q in counted.captured_queries if "COUNT(DISTINCT" in q["sql"]]


def test_only_the_committee_sees_the_dashboard(client, committee, outsider, apm):
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    client.force_login(committee)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Year over year" in page.content.decode()
    assert client.post(URL).status_code == 405


def test_a_draft_cohort_is_left_out(committee):
    CohortFactory(status="draft", program_starts_on=timezone.localdate() + timedelta(days=9))
    assert outcomes_dashboard()["cohorts"] == []
