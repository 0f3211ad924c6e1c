"""A committee member in Tokyo edits a cohort's dates in the admin (issue 15).

The server's zone is New York's; the admin used to warn "You are 14 hours ahead of
server time" beside every date field and read what was typed in New York time.
"""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from mentorship.models import Cohort
from tests.browser.signin import sign_in
from tests.factories import PASSWORD, CohortFactory, committee_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser_zone("Asia/Tokyo")]


def test_the_admin_shows_and_reads_dates_in_the_committee_members_zone(page, axe_check):
    member = committee_member(full_name="Kenji Sato")
    cohort = CohortFactory(
        name="Spring 2027", intake_closes_at=datetime(2026, 12, 24, 3, tzinfo=UTC)
    )
    sign_in(page, member.email, PASSWORD)

    page.goto(f"/admin/mentorship/cohort/{cohort.pk}/change/")
    expect(page.locator(".datetimeshortcuts").first).to_be_attached()  # the admin's script ran
    expect(page.locator(".timezonewarning")).to_have_count(0)
    expect(page.locator("#id_intake_closes_at_0")).to_have_value("2026-12-24")  # noon in Tokyo
    expect(page.locator("#id_intake_closes_at_1")).to_have_value("12:00:00")
    axe_check(page)

    page.locator("#id_intake_closes_at_1").fill("18:30:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.intake_closes_at == datetime(2026, 12, 24, 9, 30, tzinfo=UTC)
