"""Results for the committee: the figures, the privacy threshold, charts, CSV, queries."""

import csv
import io

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match
from surveys import services
from surveys.models import Invitation, Tally
from surveys.results import NOT_ENOUGH, cohort_results, survey_results
from tests.surveys.conftest import answers_for, close, mix, promote, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_apm, make_mentor):
    """APMs shared out between mentors, all matched."""

    def make(*, apms, mentors):
        mentor_rows = [make_mentor(capacity=3) for _ in range(mentors)]
        apm_rows = [make_apm() for _ in range(apms)]
        for index, apm in enumerate(apm_rows):
            Match.objects.create(cohort=apm.cohort, apm=apm, mentor=mentor_rows[index % mentors])
        return apm_rows, mentor_rows

    return make


def answer_all(survey, *, role=None, limit=None, **values):
    """Everyone (or the first ``limit`` of a role) answers; their ballots are then mixed."""
    invitations = Invitation.objects.filter(survey=survey, completed_on=None)
    if role:
        invitations = invitations.filter(role=role)
    for invitation in list(invitations)[:limit]:
        services.response_submit(invitation=invitation, answers=answers_for(survey, **values))
    mix(survey)


def measure(results, name):
    return next(m for m in results.measures if m.measure == name)


def by_label(rows):
    return {row.group.label: row for row in rows}


def test_participation_is_answered_out_of_invited_for_everyone_and_each_group(people, open_survey):
    people(apms=8, mentors=4)
    survey = open_survey()
    answer_all(survey, role="apm", limit=6)
    answer_all(survey, role="mentor", limit=1)
    rows = by_label(survey_results(survey=survey).participation)
    assert (rows["Everyone"].invited, rows["Everyone"].completed) == (12, 7)
    assert rows["Everyone"].rate == 58.3
    assert (rows["APMs"].completed, rows["Mentors"].completed) == (6, 1)
    assert (rows["Veterans"].invited, rows["Health"].invited) == (8, 4)


def test_answers_stay_hidden_while_the_survey_is_open(people, open_survey, client, committee):
    people(apms=6, mentors=2)
    survey = open_survey()
    answer_all(survey)
    results = survey_results(survey=survey)
    assert not results.released
    assert results.questions == []
    client.force_login(committee)
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert "Answers appear when the survey closes" in page
    assert "8 of 8" in page


def test_a_closed_survey_shows_answers_only_once_its_last_ballots_are_mixed(
    people, open_survey, committee, client
):
    people(apms=6, mentors=2)
    survey = open_survey()
    for invitation in Invitation.objects.filter(survey=survey):
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    close(survey, committee)  # its seal task has not run yet: 8 ballots wait
    results = survey_results(survey=survey)
    assert (results.released, results.closed_and_waiting, results.waiting) == (False, True, 8)
    assert results.questions == []
    assert results.completed == 8  # participation comes from invitations
    client.force_login(committee)
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert "The last answers are being added" in page
    assert "8 answers are waiting to be added in the last batch" in page
    assert "Answers appear when the survey closes" not in page
    rows = csv_rows(client.get(reverse("surveys:results_csv", args=[survey.pk])))
    assert rows[-1][-1].startswith("the survey has closed; its last answers are being added")
    cohort_page = client.get(reverse("surveys:cohort_results", args=[survey.cohort_id]))
    assert "Closed: its last answers are being added" in cohort_page.content.decode()

    assert services.survey_seal_responses(survey_id=survey.pk)  # the seal task
    results = survey_results(survey=survey)
    assert results.released
    assert measure(results, "recommend").overall.n == 8


def test_recommendation_nps_and_promotion_credit(people, open_survey, committee):
    apms, _ = people(apms=10, mentors=5)
    for apm in apms[:6]:
        promote(apm.user, apm.cohort)
    survey = open_survey(audience="apms")
    credit = question(survey, "promotion_credit")
    invitations = list(Invitation.objects.filter(survey=survey).order_by("user_id"))
    promoted = {apm.user_id for apm in apms[:6]}
    plan = [(1, 10)] * 5 + [(1, 8)] * 3 + [(1, 3), (0, 2)]  # (recommend, nps)
    credits = iter([1, 1, 1, 1, 1, 0])
    for invitation, (recommend, nps) in zip(invitations, plan, strict=True):
        answers = answers_for(survey, recommend=recommend, nps=nps)
        if invitation.user_id in promoted:
            answers[credit.pk] = next(credits)
        services.response_submit(invitation=invitation, answers=answers)
    mix(survey)
    results = survey_results(survey=close(survey, committee))
    assert measure(results, "recommend").text(measure(results, "recommend").overall) == (
        "90% (9 of 10)"
    )
    nps = measure(results, "nps")
    assert nps.figure(nps.overall) == 30  # 5 promoters, 2 detractors, 10 answers
    credit_row = measure(results, "promotion_credit")
    assert credit_row.text(credit_row.overall) == "83.3% (5 of 6)"


def test_a_small_group_reads_not_enough_responses_and_cannot_be_subtracted(
    people, open_survey, committee, client
):
    people(apms=8, mentors=3)
    survey = open_survey()
    answer_all(survey)
    results = survey_results(survey=close(survey, committee))
    recommend = by_label(measure(results, "recommend").rows)
    assert recommend["Everyone"].shown
    assert recommend["Everyone"].n == 11
    assert not recommend["Mentors"].shown
    # Everyone minus APMs would be the mentors: the APMs are hidden too, and so are the
    # business units that coincide with the roles.
    assert not recommend["APMs"].shown
    assert not recommend["Health"].shown
    assert not recommend["Veterans"].shown
    client.force_login(committee)
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert f"Mentors</th><td><em>{NOT_ENOUGH}</em>" in page
    assert "Mentors</text>" in page  # the chart names the hidden group...
    assert f"{NOT_ENOUGH}</text>" in page  # ...and says why it has no bar
    assert "Mentors</th><td>100%" not in page


@override_settings(SURVEY_PRIVACY_THRESHOLD=3)
def test_the_privacy_threshold_is_a_setting(people, open_survey, committee):
    people(apms=8, mentors=3)
    survey = open_survey()
    answer_all(survey)
    results = survey_results(survey=close(survey, committee))
    assert by_label(measure(results, "recommend").rows)["Mentors"].shown


def test_fewer_answers_than_the_threshold_show_nothing_but_participation(
    people, open_survey, committee
):
    people(apms=6, mentors=2)
    survey = open_survey()
    answer_all(survey, limit=4, text="Only four of us wrote this")
    results = survey_results(survey=close(survey, committee))
    assert results.completed == 4
    assert all(not q.shown for q in results.questions)
    assert all(not q.texts for q in results.questions)
    assert all(row.status == NOT_ENOUGH for m in results.measures for row in m.rows)


def test_free_text_is_shown_shuffled_and_undated_only_when_enough_people_wrote(
    people, open_survey, committee, client
):
    people(apms=10, mentors=5)
    survey = open_survey(audience="apms")
    invitations = list(Invitation.objects.filter(survey=survey))
    for index, invitation in enumerate(invitations):
        text = f"Idea number {index}" if index < 6 else ""
        services.response_submit(invitation=invitation, answers=answers_for(survey, text=text))
    mix(survey)
    results = survey_results(survey=close(survey, committee))
    texts = question_result(results, "text").texts
    assert sorted(texts) == sorted(f"Idea number {i}" for i in range(6))
    client.force_login(committee)
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert "Idea number 5" in page
    assert "without dates" in page


def test_free_text_from_too_few_people_stays_hidden(people, open_survey, committee):
    people(apms=10, mentors=5)
    survey = open_survey(audience="apms")
    for index, invitation in enumerate(Invitation.objects.filter(survey=survey)):
        text = "Something identifying" if index < 4 else ""
        services.response_submit(invitation=invitation, answers=answers_for(survey, text=text))
    mix(survey)
    result = question_result(survey_results(survey=close(survey, committee)), "text")
    assert result.texts == []
    assert not result.shown


def question_result(results, kind):
    return next(q for q in results.questions if q.question.kind == kind)


def test_every_question_has_a_chart_with_a_title_beside_a_data_table(
    people, open_survey, committee, client
):
    people(apms=6, mentors=6)
    survey = open_survey()
    answer_all(survey, multiple=["Contracting", "Career growth"])
    close(survey, committee)
    client.force_login(committee)
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    charted = survey.questions.exclude(kind="text").exclude(only_for_promoted=True).count()
    # And three more: participation, recommendation rate, promotion credit.
    assert page.count('<svg class="survey-chart" role="img"') == charted + 3
    assert page.count('<figcaption id="') == charted + 3
    assert "<caption>Answers to question" in page
    multiple = question_result(survey_results(survey=survey), "multiple")
    assert multiple.overall.rows == [("Contracting", 12, 100.0), ("Frameworks", 0, 0.0),
                                     ("Career growth", 12, 100.0)]  # fmt: skip


def test_the_results_page_costs_the_same_queries_for_few_or_many_answers(
    people, open_survey, committee, client
):
    people(apms=20, mentors=10)
    few, many = open_survey(title="Few"), open_survey(title="Many")
    answer_all(few, limit=6, text="x")
    answer_all(many, text="y", multiple=["Contracting"])
    client.force_login(committee)

    def queries(survey):
        close(survey, committee)
        url = reverse("surveys:results", args=[survey.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    # 15: one of them asks whether a closed survey still has ballots waiting to be mixed.
    assert queries(few) == queries(many) <= 15


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response).decode("utf-8-sig") if response.streaming else (
        response.content.decode("utf-8-sig"))  # fmt: skip
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_has_the_same_figures_and_hides_the_same_groups(
    people, open_survey, committee, client
):
    people(apms=8, mentors=3)
    survey = open_survey()
    answer_all(survey, text="never exported")
    close(survey, committee)
    client.force_login(committee)
    response = client.get(reverse("surveys:results_csv", args=[survey.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["section", "survey", "group"]
    recommend = [r for r in rows if r[0] == "Would recommend the program"]
    assert [recommend[0][2], recommend[0][5], recommend[0][6]] == ["Everyone", "11", "100"]
    mentors = next(r for r in recommend if r[2] == "Mentors")
    assert mentors[5:7] == ["", ""]
    assert mentors[7] == NOT_ENOUGH
    assert not any("never exported" in cell for row in rows for cell in row)


def test_csv_cells_cannot_be_read_as_spreadsheet_formulas(people, make_survey, committee, client):
    people(apms=6, mentors=2)
    survey = make_survey(
        audience="apms",
        title="=HYPERLINK(\"http://evil.example\")",
        questions=[("single", "+SUM(A1:A9)", {"options": "@cmd\n-2+3\nSafe"}),
                   ("nps", "-How likely?", {"measures": "nps"})],
    )  # fmt: skip
    services.survey_open(survey=survey, acting_user=committee)
    for invitation in Invitation.objects.filter(survey=survey):
        services.response_submit(invitation=invitation, answers={
            survey.questions.get(kind="single").pk: "@cmd",
            survey.questions.get(kind="nps").pk: 0,
        })  # fmt: skip
    mix(survey)
    close(survey, committee)
    client.force_login(committee)
    rows = csv_rows(client.get(reverse("surveys:results_csv", args=[survey.pk])))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert "'+SUM(A1:A9)" in cells
    assert "'@cmd" in cells
    assert "'-2+3" in cells
    assert "'-How likely?" in cells
    assert "-100" in cells  # an NPS we computed stays a number
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and c != "-100")]


def test_cohort_figures_add_up_only_what_each_survey_shows(people, open_survey, committee):
    people(apms=8, mentors=3)
    first = open_survey(title="First")
    answer_all(first)
    second = open_survey(title="Second", audience="apms")
    answer_all(second, recommend=0)
    close(first, committee)
    close(second, committee)
    combined = cohort_results(cohort=first.cohort)["combined"]
    recommend = by_label(combined.measure("recommend").rows)
    # First shows only everyone (11 yes); second shows its 8 APMs, all in Veterans (all no).
    assert (recommend["Everyone"].n, recommend["Everyone"].counts[1]) == (19, 11)
    assert (recommend["Veterans"].n, recommend["Veterans"].counts[1]) == (8, 0)
    assert not recommend["Mentors"].shown
    assert not recommend["APMs"].shown
    assert (combined.invited, combined.completed) == (19, 19)


def test_committee_pages_are_not_found_for_anyone_else(client, people, open_survey, outsider):
    apms, _ = people(apms=1, mentors=1)
    survey = open_survey()
    for user in (outsider, apms[0].user):
        client.force_login(user)
        for url in (reverse("surveys:results", args=[survey.pk]),
                    reverse("surveys:results_csv", args=[survey.pk]),
                    reverse("surveys:cohort_results", args=[survey.cohort_id]),
                    reverse("surveys:cohort_results_csv", args=[survey.cohort_id])):  # fmt: skip
            assert client.get(url).status_code == 404


def test_committee_pages_answer_get_only(client, committee, people, open_survey):
    people(apms=1, mentors=1)
    survey = open_survey()
    client.force_login(committee)
    assert client.post(reverse("surveys:results", args=[survey.pk])).status_code == 405
    assert (
        client.get(reverse("surveys:cohort_results", args=[survey.cohort_id])).status_code == 200
    )
    csv_response = client.get(reverse("surveys:cohort_results_csv", args=[survey.cohort_id]))
    assert csv_rows(csv_response)[0][0] == "section"


def closed_with_answers(people, open_survey, committee, *, apms=6, mentors=2, **survey):
    people(apms=apms, mentors=mentors)
    released = open_survey(**survey)
    answer_all(released)
    close(released, committee)
    services.survey_seal_responses(survey_id=released.pk)
    return released


def test_released_results_are_counted_once_and_never_change(people, open_survey, committee):
    survey = closed_with_answers(people, open_survey, committee, is_anonymous=False)
    first = survey_results(survey=survey)
    tally = Tally.objects.get(survey=survey)
    assert sum(row[-1] for row in tally.invitations) == 8

    # An account deleted later (issue 16) leaves the published figures as they were.
    Invitation.objects.filter(survey=survey).first().user.delete()
    with CaptureQueriesContext(connection) as captured:
        again = survey_results(survey=survey)

    assert measure(again, "recommend").overall.n == measure(first, "recommend").overall.n == 8
    assert again.completed == first.completed == 8
    counted = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counted if "surveys_answer" in sql or "surveys_invitation" in sql]
    assert Tally.objects.filter(survey=survey).count() == 1


def test_nothing_is_tallied_before_the_results_are_released(people, open_survey, committee):
    people(apms=6, mentors=2)
    survey = open_survey()
    answer_all(survey, limit=3)
    assert not survey_results(survey=survey).released
    for invitation in Invitation.objects.filter(survey=survey, completed_on=None):
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    close(survey, committee)  # ballots wait for the seal
    assert survey_results(survey=survey).completed == 8

    assert not Tally.objects.exists()
    services.survey_seal_responses(survey_id=survey.pk)
    assert measure(survey_results(survey=survey), "recommend").overall.n == 8
    assert Tally.objects.filter(survey=survey).exists()


def test_the_outcomes_and_cohort_figures_read_the_same_tally(
    people, open_survey, committee, client
):
    survey = closed_with_answers(people, open_survey, committee)
    client.force_login(committee)
    client.get(reverse("surveys:outcomes"))
    # The outcomes read only the measures, but the tally counts every question.
    tally = Tally.objects.get(survey=survey)
    counted = {row[0] for row in tally.values}

    assert question(survey, "scale").pk in counted
    assert not question(survey, "scale").measures
    assert measure(cohort_results(cohort=survey.cohort)["surveys"][0], "recommend").overall.n == 8
    assert measure(survey_results(survey=survey), "recommend").overall.n == 8


def test_the_committee_pages_ask_for_the_persons_roles_once(
    people, open_survey, committee, client
):
    """The page's own check and the navigation share one reading of the roles."""
    people(apms=3, mentors=1)
    survey = open_survey()
    client.force_login(committee)
    pages = {
        reverse("surveys:results", args=[survey.pk]): 1,
        reverse("surveys:cohort_results", args=[survey.cohort_id]): 1,
        reverse("surveys:results_csv", args=[survey.pk]): 1,
        reverse("surveys:cohort_results_csv", args=[survey.cohort_id]): 1,
    }
    for url, readings in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        roles_read = [
            q["sql"] for q in captured.captured_queries
            if 'DISTINCT "mentorship_enrollment"."role"' in q["sql"]
        ]  # fmt: skip
        assert len(roles_read) == readings, url
