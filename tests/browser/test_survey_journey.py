"""Survey journeys in a real browser: an APM answers; the committee reads the results."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Match
from mentorship.models import Role
from surveys import services
from surveys.models import Ballot, Invitation, Question, Response, Survey
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, EnrollmentFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched and surveyed in a cohort whose intake has closed."""
    return active_cohort


QUESTIONS = [
    ("scale", "Our conversations helped me grow.", {}),
    ("nps", "How likely are you to recommend the program to a colleague?", {"measures": "nps"}),
    ("yes_no", "Would you recommend the program to other product managers?",
     {"measures": "recommend"}),
    ("multiple", "Which topics were most useful?",
     {"options": "Government contracting\nProduct frameworks\nCareer growth", "required": False}),
    ("text", "What should the committee change?", {"required": False}),
]  # fmt: skip


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def pair_up(cohort, *, apm_team, mentor_team, apm_name=None):
    apm_kwargs = {"user__full_name": apm_name} if apm_name else {}
    apm = EnrollmentFactory(cohort=cohort, role=Role.APM, profile__team=apm_team, **apm_kwargs)
    mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR, profile__team=mentor_team)
    return Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)


def sent_survey(cohort, committee, **fields):
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=cohort, title="End-of-cohort survey", audience="both", is_anonymous=True,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=14), **fields,
    )  # fmt: skip
    for position, (kind, text, extra) in enumerate(QUESTIONS, start=1):
        Question.objects.create(survey=survey, position=position, kind=kind, text=text, **extra)
    services.survey_open(survey=survey, acting_user=committee)
    return survey


@pytest.fixture
def teams(db):
    return (TeamFactory(name="Benefits Portal", business_unit__name="Veterans"),
            TeamFactory(name="Marketplace", business_unit__name="Health"))  # fmt: skip


def test_apm_sees_the_invitation_at_home_saves_a_draft_and_submits(
    page, axe_check, cohort, committee, teams
):
    pair = pair_up(cohort, apm_team=teams[0], mentor_team=teams[1], apm_name="Avery Park")
    survey = sent_survey(cohort, committee)
    apm = pair.apm.user
    sign_in(page, apm)

    link = page.get_by_role("link", name="Answer “End-of-cohort survey”")
    expect(link).to_be_visible()
    expect(page.get_by_role("heading", name="Surveys for you")).to_be_visible()
    axe_check(page)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-cohort survey")
    expect(page.get_by_text("Anonymous.")).to_be_visible()
    axe_check(page)

    page.get_by_label("4 · Agree").check()
    page.get_by_role("group", name=re.compile("How likely")).get_by_label("9", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    expect(page.get_by_label("4 · Agree")).to_be_checked()
    axe_check(page)
    draft = Invitation.objects.get(survey=survey, user=apm).draft
    assert isinstance(draft, str)  # anonymous: kept encrypted
    assert not Response.objects.exists()
    assert not Ballot.objects.exists()

    page.get_by_role("button", name="Submit answers").click()  # the yes/no is still missing
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    missing = page.get_by_role("alert").get_by_role(
        "link", name=re.compile("^Would you recommend")
    )
    expect(missing).to_contain_text("Please answer this question.")
    missing.click()  # the summary's link leads to the question's first answer
    first = page.locator(missing.get_attribute("href"))
    expect(first).to_be_focused()
    expect(page.get_by_text("Please answer this question.", exact=True)).to_be_visible()
    axe_check(page)
    assert not Response.objects.exists()

    recommend = page.get_by_role("group", name=re.compile("Would you recommend"))
    recommend.get_by_label("Yes").check()
    page.get_by_label("Career growth").check()
    page.get_by_label("What should the committee change?").fill("More cross-unit pairs.")
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("status").first).to_contain_text("stored without your name")
    expect(page.get_by_role("link", name="Answer “End-of-cohort survey”")).to_have_count(0)
    axe_check(page)
    invitation = Invitation.objects.get(survey=survey, user=apm)
    assert invitation.completed_on
    assert invitation.draft is None
    # Anonymous: a sealed ballot until there are enough for a batch, or the survey closes.
    assert Ballot.objects.filter(survey=survey).count() == 1
    assert not Response.objects.exists()
    assert services.ballots_mix(survey_id=survey.pk, final=True) == 1
    response = Response.objects.get(survey=survey)
    assert response.user is None
    assert response.answers.count() == 5


def test_committee_reads_participation_and_recommendation_charts_with_a_small_group_hidden(
    page, axe_check, cohort, committee, teams
):
    pairs = []
    mentors = [
        EnrollmentFactory(cohort=cohort, role=Role.MENTOR, capacity=3, profile__team=teams[1])
        for _ in range(3)
    ]
    for index in range(8):
        apm = EnrollmentFactory(cohort=cohort, role=Role.APM, profile__team=teams[0])
        pairs.append(Match.objects.create(cohort=cohort, apm=apm, mentor=mentors[index % 3]))
    survey = sent_survey(cohort, committee)
    for index, invitation in enumerate(Invitation.objects.filter(survey=survey)):
        if index == 10:
            continue  # one person does not answer
        services.response_submit(invitation=invitation, answers={
            survey.questions.get(kind="scale").pk: 4,
            survey.questions.get(kind="nps").pk: 9,
            survey.questions.get(kind="yes_no").pk: 1,
        })  # fmt: skip
    services.survey_close(survey=survey, acting_user=committee)

    sign_in(page, committee)
    page.goto("/admin/surveys/survey/")
    axe_check(page, context={"include": [["#content"]]})
    page.get_by_role("link", name="Results", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results: End-of-cohort survey")

    participation = page.get_by_role("img", name=re.compile("^Participation"))
    expect(participation).to_be_visible()
    expect(page.get_by_text("10 of 11", exact=True)).to_be_visible()
    recommendation = page.get_by_role("img", name=re.compile("^Would recommend the program"))
    expect(recommendation).to_be_visible()
    expect(recommendation).to_contain_text("100% (10 of 10)")
    table = page.get_by_role("table", name="Would recommend the program by group")
    expect(table.get_by_role("row", name=re.compile("^Mentors"))).to_contain_text(
        "not enough responses to show"
    )
    expect(recommendation).to_contain_text("not enough responses to show")
    axe_check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these results (CSV)").click()
    assert "not enough responses to show" in Path(download.value.path()).read_text("utf-8-sig")
