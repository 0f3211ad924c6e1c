"""A committee member without two-factor sign-in opens the admin and sets it up (issue 12)."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from mentorship.accounts import committee_member_add
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = "/tmp/two-factor-{}.png"  # noqa: S108 (for a person to look at, not a secret)


def test_committee_member_is_sent_to_set_up_two_factor_and_comes_back_to_the_admin(
    page, axe_check
):
    member = committee_member_add(user=UserFactory(full_name="Nico Nofactor"))
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("status").first).to_contain_text("they open only")

    page.goto("/admin/mentorship/enrollment/")
    # allauth checks the password again before an authenticator is added.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    expect(page.locator(".messages")).to_contain_text("so they need two-factor sign-in")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    expect(page.get_by_role("status")).to_contain_text("open only with two-factor sign-in")
    axe_check(page)
    page.screenshot(path=SCREENSHOTS.format("setup"), full_page=True)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    expect(page.get_by_label("Unused codes")).to_be_visible()
    axe_check(page)
    page.screenshot(path=SCREENSHOTS.format("recovery-codes"), full_page=True)
    page.get_by_role("link", name="carry on to the page you asked for").click()

    expect(page).to_have_url(re.compile(r"/admin/mentorship/enrollment/$"))
    assert set(Authenticator.objects.filter(user=member).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
