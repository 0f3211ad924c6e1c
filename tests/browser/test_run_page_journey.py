"""The committee steps a cohort through from its page, watches a run finish without
reloading, and fixes an APM the run could not match from the run's page (issue 14)."""

import re

import pytest
from playwright.sync_api import expect

from matching import services
from matching.models import Match, MatchingRun
from mentorship.models import Cohort
from tests.browser.signin import sign_in
from tests.factories import PASSWORD, TeamFactory, committee_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_committee_closes_intake_watches_the_run_and_hand_matches_the_one_left(
    page, axe_check, cohort, make_apm, make_mentor, units
):
    committee = committee_member(full_name="Casey Committee")
    # Ada takes Mina (the only mentor she may have: Milo is on her team); Milo is banned
    # for Bea, who scores less with Mina than Ada does: Bea is left without a mentor.
    team = TeamFactory(name="Platform", business_unit=units[1])
    mina = make_mentor(capacity=1, user__full_name="Mina One")
    milo = make_mentor(capacity=1, team=team, user__full_name="Milo Two")
    make_apm(team=team, user__full_name="Ada One")
    bea = make_apm(user__full_name="Bea Three", topics=())
    services.banned_pair_create(
        apm_user=bea.user, mentor_user=milo.user, reason="Asked not to", acting_user=committee
    )
    sign_in(page, committee.email, PASSWORD)

    # The cohort's page: intake is open, and closing it is the next step.
    page.goto(f"/admin/mentorship/cohort/{cohort.pk}/change/")
    stepper = page.locator(".cohort-lifecycle")
    expect(stepper.locator('[aria-current="step"]')).to_contain_text("Intake open")
    axe_check(page)
    stepper.get_by_role("button", name="Close intake").click()
    expect(page.locator(".messagelist")).to_contain_text("2 APMs and 2 mentors are in.")
    expect(stepper.locator('[aria-current="step"]')).to_contain_text("Matching")
    expect(stepper.get_by_role("link", name="Run matching")).to_be_visible()
    axe_check(page)

    # A run waiting for a worker: its page says so and updates by itself.
    run = MatchingRun.objects.create(cohort=cohort, started_by=committee)
    page.goto(f"/admin/matching/matchingrun/{run.pk}/change/")
    status = page.locator("#run-status")
    expect(status).to_contain_text("Queued")
    axe_check(page)
    services.run_execute(run_id=run.pk)  # the worker, while the page stays open
    expect(status).to_contain_text("1 of 2 APMs have a proposed mentor", timeout=15_000)
    expect(status).to_contain_text("1 could not be matched")
    unmatched = page.locator(".run-unmatched")
    expect(unmatched).to_contain_text("Bea Three")
    expect(unmatched).to_contain_text("Lift the ban on Milo Two")
    expect(page.locator(".chart-title")).to_contain_text("Scores of the 1 pair proposed")
    axe_check(page)

    # Approve Ada's proposal from the list, then follow the fix for Bea.
    page.goto(f"/admin/matching/proposal/?run__id__exact={run.pk}")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("approve_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist").last).to_contain_text("Approved 1.")

    page.goto(f"/admin/matching/matchingrun/{run.pk}/change/")
    unmatched.get_by_role("link", name="Hand-match with Mina One").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hand-match an APM and a mentor")
    expect(page.locator(".select2-selection__rendered").first).to_contain_text("Bea Three")
    expect(page.locator(".select2-selection__rendered").nth(1)).to_contain_text("Mina One")
    axe_check(page)
    page.get_by_role("button", name="Check this pair").click()
    expect(page.locator(".admin-note")).to_contain_text("Rules this pair breaks")
    page.get_by_label("Reason to override a rule").fill("Mina offered a third hour a month")
    page.get_by_role("button", name="Check this pair").click()
    page.get_by_role("button", name="Match them").click()
    expect(page.locator(".messagelist")).to_contain_text("Matched Bea Three with Mina One.")
    assert Match.objects.filter(apm=bea, mentor=mina, status=Match.Status.ACTIVE).exists()

    # The banner and the cohort's page both say every APM has a mentor.
    page.goto("/admin/matching/proposal/")
    expect(page.locator("#content")).to_contain_text(
        re.compile(f"Every APM in {re.escape(cohort.name)} has a mentor")
    )
    page.goto(f"/admin/mentorship/cohort/{cohort.pk}/change/")
    expect(stepper).to_contain_text("Every APM has a mentor: the program can start.")
    stepper.get_by_role("button", name="Mark the cohort active").click()
    expect(stepper.locator('[aria-current="step"]')).to_contain_text("Active")
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.ACTIVE
    axe_check(page)
