"""A graduate downloads their data, then deletes their account (issue 16, part 2)."""

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Match
from mentorship import graduation
from mentorship.common import changes
from mentorship.models import Cohort, Promotion, User
from surveys.outcomes import outcomes_dashboard
from tests.browser.signin import sign_in
from tests.factories import PASSWORD, committee_member

pytestmark = pytest.mark.django_db(transaction=True)


def figures():
    changes.mark_changed()
    dashboard = outcomes_dashboard(now=timezone.now().replace(microsecond=0))
    return [vars(row) for row in dashboard["cohorts"] + dashboard["years"]]


def test_a_graduate_downloads_their_data_then_deletes_their_account(
    page, axe_check, cohort, make_apm, make_mentor
):
    committee = committee_member(full_name="Casey Committee")
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.ACTIVE)
    apm = make_apm(user__full_name="Avery Park", goals="Learn how task orders work.")
    mentor = make_mentor(user__full_name="Morgan Lee")
    match = Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)
    Promotion.objects.create(
        user=apm.user, cohort=cohort, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(), status=Promotion.Status.CONFIRMED,
    )  # fmt: skip
    graduation.apm_graduate(match=match, acting_user=committee)
    before = figures()
    email = apm.user.email

    sign_in(page, email, PASSWORD)
    page.get_by_role("button", name="Avery Park").click()
    page.get_by_role("link", name="Your data").click()
    # allauth asks for the password again before showing it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    axe_check(page)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.get_by_text("Learn how task orders work.")).to_be_visible()
    axe_check(page)
    page.screenshot(path="/tmp/own-data.png", full_page=True)  # noqa: S108

    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a file (JSON)").click()
    data = json.loads(download.value.path().read_text())
    assert data["account"]["email"] == email
    assert data["matches"][0]["with"] == "Morgan Lee"

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    axe_check(page)
    page.get_by_role("button", name="Delete my account").click()  # the box not ticked
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Tick the box to say you want your account deleted.")
    axe_check(page)
    page.get_by_label("Yes, delete my account and my personal data").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    axe_check(page)

    # Signing in again fails; the program's figures are as they were.
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    assert figures() == before
    assert User.objects.get(pk=apm.user_id).full_name == f"Former participant #{apm.user_id}"

    # The committee reads of it on the admin's dashboard.
    sign_in(page, committee.email, PASSWORD)
    page.goto("/admin/")
    module = page.locator("#deleted-accounts-module")
    expect(module).to_contain_text(f"Deleted the account of Former participant #{apm.user_id}")
    axe_check(page, context={"include": [["#content"]]})
