"""Company sign-in in the browser, against a real OpenID Connect provider (issue 16).

The provider is django-oauth-toolkit in a process of its own (tests/oidc_provider/): the
browser really goes to its login page, and the site really exchanges the code, reads
the ID token and the user info over HTTP. Nothing is mocked.
"""

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from mentorship.models import User
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, UserFactory, committee_member
from tests.oidc_provider import fixtures
from tests.oidc_provider.fixtures import PASSWORD as PROVIDER_PASSWORD
from tests.oidc_provider.fixtures import PEOPLE, PROVIDER_NAME

pytestmark = pytest.mark.django_db(transaction=True)
# The provider process (one per test session) and the site's settings pointing at it.
oidc_provider = fixtures.oidc_provider
company_signin = fixtures.company_signin


def sign_in_at_the_provider(page, axe_check, username: str) -> None:
    """From the site's sign-in page, through the provider's login page, and back."""
    page.goto("/accounts/login/")
    axe_check(page)
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Company sign-in")
    axe_check(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def expect_signed_out(page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()


def test_new_person_signs_in_with_the_provider_and_lands_with_their_name(
    page, axe_check, company_signin
):
    sign_in_at_the_provider(page, axe_check, "robin")

    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Robin Quinn")
    axe_check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Robin Quinn")
    axe_check(page)

    user = User.objects.get(email="robin.quinn@adhoc.team")
    assert user.full_name == "Robin Quinn"
    assert not user.has_usable_password()
    assert user.emailaddress_set.get().verified  # the provider said so: no email to confirm
    assert SocialAccount.objects.get(user=user).provider == "company"
    assert len(axe_check.checked) == 4


def test_existing_password_account_with_the_same_address_is_linked_not_duplicated(
    page, axe_check, company_signin
):
    avery = UserFactory(email=PEOPLE["avery"]["email"], full_name="Avery Park")
    people_before = User.objects.count()

    sign_in_at_the_provider(page, axe_check, "avery")

    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Avery Park")
    axe_check(page)
    assert User.objects.count() == people_before
    assert SocialAccount.objects.get().user == avery
    avery.refresh_from_db()
    assert avery.check_password(PASSWORD)  # a verified address: the password still works


def test_address_outside_the_allowed_domains_is_refused_with_a_clear_page(
    page, axe_check, company_signin
):
    people_before = User.objects.count()

    sign_in_at_the_provider(page, axe_check, "sam")

    expect(page.get_by_role("heading", level=1)).to_have_text("This address cannot sign in here")
    expect(page.get_by_role("main")).to_contain_text("sam.outsider@gmail.com")
    expect(page.get_by_role("main")).to_contain_text("@adhoc.team")
    axe_check(page)
    expect_signed_out(page)
    assert User.objects.count() == people_before
    assert not SocialAccount.objects.exists()
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")


def test_wrong_client_secret_ends_on_the_error_page_with_nobody_signed_in(
    page, axe_check, company_signin, settings
):
    settings.SOCIALACCOUNT_PROVIDERS = company_signin.providers_setting(secret="not-the-secret")

    sign_in_at_the_provider(page, axe_check, "robin")

    expect(page.get_by_role("heading", level=1)).to_have_text("We could not sign you in")
    axe_check(page)
    expect_signed_out(page)
    assert not User.objects.filter(email=PEOPLE["robin"]["email"]).exists()
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")


def test_id_token_made_out_to_another_client_is_refused(page, axe_check, company_signin):
    sign_in_at_the_provider(page, axe_check, "drew")

    expect(page.get_by_role("heading", level=1)).to_have_text("We could not sign you in")
    axe_check(page)
    expect_signed_out(page)
    assert not User.objects.filter(email=PEOPLE["drew"]["email"]).exists()


def test_committee_member_signing_in_with_the_provider_still_gives_the_two_factor_code(
    page, axe_check, company_signin
):
    casey = committee_member(email=PEOPLE["casey"]["email"], full_name="Casey Chair")

    sign_in_at_the_provider(page, axe_check, "casey")

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    axe_check(page)
    enter_two_factor_code(page, casey.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Casey Chair")
    axe_check(page)
    assert SocialAccount.objects.get().user == casey
