"""The committee pages through a long stalled list and the table of every APM."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentorship import journey
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, committee_member

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, user):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def test_the_committee_pages_through_who_stalled_and_every_apm(
    page, axe_check, cohort, make_apm, monkeypatch
):
    # Pages of one, so that three people make three pages without seeding thousands.
    monkeypatch.setattr(journey.funnel, "STALLED_PER_PAGE", 1)
    monkeypatch.setattr(journey.funnel, "PEOPLE_PER_PAGE", 1)
    committee = committee_member(full_name="Casey Committee")
    for days, name in ((60, "Ari Long"), (50, "Bo Middle"), (40, "Cy Short")):
        make_apm(user__full_name=name, submitted_at=timezone.now() - timedelta(days=days))
    sign_in(page, committee)

    page.goto(f"/committee/journey/?cohort={cohort.slug}")
    stalled = page.locator("#stalled-intake")
    expect(stalled).to_contain_text("Stalled at “Intake submitted” (3)")
    expect(stalled).to_contain_text("Ari Long")  # longest waiting first
    expect(stalled).to_contain_text("Showing 1 to 1 of 3, longest waiting first.")
    axe_check(page)

    stalled.get_by_role("link", name="Next people stalled at Intake submitted").click()
    expect(page.locator("#stalled-intake")).to_contain_text("Bo Middle")
    expect(page.locator("#stalled-intake")).to_contain_text("Page 2 of 3")

    people = page.locator("#people")
    people.locator("summary").click()
    people.get_by_role("link", name="Next APMs").click()
    expect(page.locator("#people details")).to_have_attribute("open", "")
    expect(page.locator("#people tbody")).to_contain_text("Bo Middle")  # by name
    expect(page.locator("#people")).to_contain_text("Showing 2 to 2 of 3, by name.")
    axe_check(page)
