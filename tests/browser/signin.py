"""Signing in through the real form, the two-factor stage included, as a person does it.

allauth asks for the code right after the password when someone has an authenticator
app (every committee member must); the code is worked out from the app's secret.
"""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from mentorship.models import User
from tests.factories import totp_code, totp_secret_of

# (person, 30-second period) of each code typed in this test. allauth takes a code once
# (a second use is refused as a replay), so a second sign-in in the same period waits for
# the next code, as a person would. Cleared before each test, as allauth's cache is.
codes_used: set[tuple[int, int]] = set()


def enter_two_factor_code(page, email: str) -> None:
    """Type the current code at the code stage; nothing for someone without an app."""
    user = User.objects.get(email__iexact=email)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    period = mfa_settings.TOTP_PERIOD
    now = time.time()
    # Wait for a fresh code when this one was used, or will expire before the server checks it.
    if (user.pk, int(now) // period) in codes_used or period - now % period < 3:
        time.sleep(period - now % period + 0.2)
        now = time.time()
    codes_used.add((user.pk, int(now) // period))
    page.locator("#id_code").fill(totp_code(totp_secret_of(user), at=now))
    page.get_by_role("button", name="Sign In").click()


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real form, with the two-factor code when the person has an app."""
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
