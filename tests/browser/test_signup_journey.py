import re

import pytest
from playwright.sync_api import expect

from mentorship.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-42"


def test_new_person_signs_up_confirms_signs_in_and_out(
    page, axe_check, mailoutbox, settings, live_server
):
    settings.ALLOWED_SIGNUP_DOMAINS = ["adhoc.example"]

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grow as a product manager")
    axe_check(page)

    page.get_by_role("link", name="Create an account").click()
    axe_check(page)
    page.get_by_label("Your name").fill("Noor Haddad")
    page.get_by_label("Email").fill("new.apm@adhoc.example")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify Your Email Address")
    axe_check(page)

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    assert link.startswith(live_server.url + "/")  # the site's address, port and all
    page.goto(link)
    axe_check(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign In")
    axe_check(page)

    page.get_by_label("Email").fill("new.apm@adhoc.example")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Noor Haddad")
    axe_check(page)
    assert User.objects.get(email="new.apm@adhoc.example").emailaddress_set.get().verified

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    axe_check(page)
    assert len(axe_check.checked) == 7


def test_disallowed_domain_is_refused_in_the_browser(page, axe_check, settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["adhoc.example"]
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("someone@gmail.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Email: Sign-up is open to work email addresses only")
    axe_check(page)
    link.click()
    expect(page.get_by_label("Email")).to_be_focused()
    assert not User.objects.filter(email="someone@gmail.com").exists()
