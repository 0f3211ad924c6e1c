"""The main pages under the Content-Security-Policy, in Chromium, scripts running.

A participant and a committee member go through the pages they use most, with the
widgets that need JavaScript actually used: the toolkit's live search (htmx), the
admin's autocomplete, date picker and prepopulated slug, the run page polling for its
status. Any violation the browser reports fails the test (the csp_violations fixture).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import services as matching
from matching.models import MatchingRun
from mentorship.models import Profile, Role
from surveys import services as surveys
from surveys.models import Ballot, Question, Survey
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, CohortFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched and surveyed in a cohort whose intake has closed."""
    return active_cohort


@pytest.fixture
def pair(cohort, make_apm, make_mentor, committee):
    apm = make_apm(user__full_name="Avery Park")
    mentor = make_mentor(user__full_name="Morgan Lee")
    return matching.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)


@pytest.fixture
def survey(pair, committee):
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=pair.cohort, title="Check-in", audience="both", is_anonymous=True,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=14),
    )  # fmt: skip
    Question.objects.create(
        survey=survey, position=1, kind="yes_no", text="Are your conversations useful?"
    )
    surveys.survey_open(survey=survey, acting_user=committee)
    return survey


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def no_violations(page, violations):
    page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)


def test_participant_pages_run_under_the_policy(page, csp_violations, pair, survey):
    CohortFactory(name="Spring 2027", slug="spring-2027")  # taking intake
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    sign_in(page, pair.apm.user)
    expect(page.get_by_role("heading", name="Your mentor: Morgan Lee")).to_be_visible()

    # Bootstrap's own script: the account menu opens.
    page.get_by_role("button", name="Avery Park").click()
    expect(page.get_by_role("link", name="Email preferences")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    page.get_by_role("link", name="Fill the APM intake").click()
    expect(page).to_have_url(re.compile(rf"/intake/spring-2027/{Role.APM}/$"))
    expect(page.locator("form").last).to_be_visible()

    # htmx: typing in the search swaps in the results without a page load.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Toolkit").click()
    page.get_by_label("Search topics").fill("feedback")
    expect(page.locator("#result-count")).to_contain_text("for “feedback”")
    page.locator("#results").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Questions to ask each other")).to_be_visible()

    # A survey, answered and sent: the form posts to the site itself (form-action 'self').
    page.goto(f"/surveys/{survey.pk}/")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert Ballot.objects.filter(survey=survey).count() == 1  # anonymous: mixed in a batch

    no_violations(page, csp_violations)


def test_committee_pages_run_under_the_policy(page, csp_violations, pair, committee):
    sign_in(page, committee)
    page.goto("/admin/")
    expect(page.locator("#program-journey-module")).to_be_visible()

    # The prepopulated slug and the date picker of a change form.
    page.goto("/admin/mentorship/cohort/add/")
    page.locator("#id_name").press_sequentially("Autumn cohort 2027")
    expect(page.locator("#id_slug")).to_have_value("autumn-cohort-2027")
    page.locator("#calendarlink0").click()
    calendar = page.locator("#calendarbox0")
    expect(calendar).to_be_visible()
    calendar.get_by_role("link", name="Today").click()
    expect(page.locator("#id_intake_opens_at_0")).to_have_value(timezone.localdate().isoformat())

    # Autocomplete (select2 asking the admin for matches as you type).
    profile = Profile.objects.get(user=pair.apm.user)
    page.goto(f"/admin/mentorship/profile/{profile.pk}/change/")
    page.locator(".field-manager .select2-selection").click()
    page.locator(".select2-search__field").press_sequentially("Morgan")
    page.locator(".select2-results__option", has_text="Morgan Lee").click()
    expect(page.locator(".field-manager .select2-selection__rendered")).to_contain_text(
        "Morgan Lee"
    )

    # The run page polls for its status (htmx) and shows the result when it comes.
    queued = MatchingRun.objects.create(cohort=pair.cohort, started_by=committee)
    page.goto(f"/admin/matching/matchingrun/{queued.pk}/change/")
    status = page.locator("#run-status")
    expect(status).to_contain_text("Queued since")
    with page.expect_response(re.compile(rf"/matchingrun/{queued.pk}/status/$")):
        pass
    MatchingRun.objects.filter(pk=queued.pk).update(
        status=MatchingRun.Status.FAILED, error="The worker stopped."
    )
    expect(status).to_contain_text("Failed. The worker stopped.")

    # Starting a run posts the form; the worker (inline here) finishes it.
    page.goto("/admin/matching/matchingrun/add/")
    page.get_by_label("Cohort").select_option(label=pair.cohort.name)
    page.get_by_role("button", name="Start the matching run").click()
    expect(page.locator("#run-status")).to_contain_text("Finished.", timeout=30_000)

    for path in (
        f"/admin/mentorship/cohort/{pair.cohort.pk}/import-roster/",
        "/admin/matching/match/add/",
        "/committee/journey/",
        "/surveys/outcomes/",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1).first).to_be_visible()

    no_violations(page, csp_violations)
