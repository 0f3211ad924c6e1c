import pytest
from django.core import mail
from playwright.sync_api import expect

from mentorship.models import Notification
from tests.factories import PASSWORD, CohortFactory, UserFactory
from tests.reminders import daily_scan

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_turns_nudges_off_and_no_longer_receives_them(page, axe_check):
    CohortFactory(name="Spring 2027")
    quiet, other = UserFactory(), UserFactory()
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(quiet.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("button", name=quiet.display_name).click()
    page.get_by_role("link", name="Email preferences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email preferences")
    axe_check(page)
    page.get_by_label("Send me reminders and nudges").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status").first).to_contain_text("no longer get reminders")
    axe_check(page)

    mail.outbox.clear()
    daily_scan()  # intake for Spring 2027 is open: a nudge is due for both people
    recipients = [message.to[0] for message in mail.outbox]
    assert other.email in recipients
    assert quiet.email not in recipients
    assert Notification.objects.get(user=quiet, kind="intake_open").status == "skipped"
