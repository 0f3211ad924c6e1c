"""Adding an address in the browser: the password again, then a notice (issue 12)."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from mentorship.models import Notification
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_adding_an_address_asks_for_the_password_and_tells_the_owner(page, axe_check, mailoutbox):
    owner = UserFactory(email="owner@adhoc.example")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")

    page.goto("/accounts/email/")
    page.locator("#id_email").fill("owner.home@adhoc.example")
    page.get_by_role("button", name="Add Email").click()
    # Signing in a moment ago is not enough.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm Access")
    axe_check(page)
    assert not EmailAddress.objects.filter(email="owner.home@adhoc.example").exists()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Email Addresses")
    expect(page.get_by_role("status")).to_contain_text("Confirmation email sent to owner.home")
    expect(page.get_by_text("owner.home@adhoc.example Unverified")).to_be_visible()
    axe_check(page)

    added = Notification.objects.get(object_key="account/email/email_added")
    assert (added.to_email, added.user) == (owner.email, owner)
    notice = next(m for m in mailoutbox if "Email Address Added" in m.subject)
    assert notice.to == [owner.email]
    assert "owner.home@adhoc.example was added to your account" in notice.body
