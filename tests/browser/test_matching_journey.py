import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from matching.models import Match
from mentorship.demo import DEMO_PASSWORD
from tests.browser.signin import enter_two_factor_code

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, email)  # the demo committee account has an authenticator app
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def admin_content(axe_check, page):
    # Django's own admin chrome is outside our control; check the part we render.
    axe_check(page, context={"include": [["#content"]]})


def test_committee_runs_matching_approves_all_and_everyone_sees_their_match(
    page, axe_check, mailoutbox
):
    call_command("seed_demo")
    sign_in(page, "committee@example.com")
    # Matching waits for intake to close: the committee closes it first.
    page.goto("/admin/mentorship/cohort/")
    page.get_by_role("row", name=re.compile("Demo cohort 2026")).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("close_intake")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist").last).to_contain_text(
        "Intake closed for Demo cohort 2026: 40 APMs and 25 mentors are in."
    )
    admin_content(axe_check, page)
    page.goto("/admin/matching/matchingrun/add/")
    admin_content(axe_check, page)
    page.get_by_label("Cohort").select_option(label="Demo cohort 2026")
    page.get_by_role("button", name="Start the matching run").click()

    status = page.locator("#run-status")
    expect(status).to_contain_text("Finished.", timeout=30_000)
    expect(status).to_contain_text("40 of 40 APMs have a proposed mentor")
    admin_content(axe_check, page)

    page.get_by_role("link", name="the plain list").click()
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text(re.compile(r"Shared interests|Different business unit"))
    admin_content(axe_check, page)

    # The list shows 25 a page: select this page, then every proposal across pages.
    page.locator("#action-toggle").check()
    page.get_by_text("Select all 40 proposals").click()
    page.locator("select[name=action]").select_option("approve_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist").last).to_contain_text("Approved 40.")
    expect(page.locator("#content")).to_contain_text("Every APM in Demo cohort 2026 has a mentor")
    assert Match.objects.filter(status="active").count() == 40
    assert len(mailoutbox) == 80

    page.context.clear_cookies()
    sign_in(page, "apm@example.com")
    mentor_heading = page.get_by_role("heading", name=re.compile("^Your mentor: "))
    expect(mentor_heading).to_be_visible()
    why = page.locator("p", has_text="Why you two:")
    expect(why).to_be_visible()
    expect(why).not_to_contain_text("(+")  # words for the APM; the points are the committee's
    expect(page.get_by_text("Next step: book your first meeting.")).to_be_visible()
    axe_check(page)

    mentor = Match.objects.get(apm__user__email="apm@example.com").mentor.user
    page.context.clear_cookies()
    sign_in(page, mentor.email)
    expect(page.get_by_role("heading", name="Your mentees")).to_be_visible()
    expect(page.get_by_role("heading", name="Avery Park", exact=True)).to_be_visible()
    axe_check(page)
