"""Company sign-in with OpenID Connect, and PASSWORD_LOGIN (issue 16).

The browser journey against a real provider is tests/browser/test_oidc_journey.py; these
check the switch, the password rules, the state checks and the adapter's domain rule.
The tests that need the provider's answers start the same real provider process.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from mentorship.models import Notification, User
from mentorship.settings import oidc_app
from mentorship.signin.forms import SIGN_IN_FOR_ADMINISTRATORS_ONLY
from tests.factories import PASSWORD, UserFactory
from tests.mentorship.test_deploy import PRODUCTION_ENV, manage
from tests.oidc_provider import fixtures
from tests.oidc_provider.fixtures import DOMAIN, free_port

pytestmark = pytest.mark.django_db
# The real provider process, for the tests that need its answers.
oidc_provider = fixtures.oidc_provider
company_signin = fixtures.company_signin

LOGIN_URL = reverse("account_login")
PROVIDER_LOGIN = reverse("openid_connect_login", kwargs={"provider_id": "company"})
CALLBACK = reverse("openid_connect_callback", kwargs={"provider_id": "company"})
OIDC_ENV = {
    "OIDC_NAME": "Acme Sign-In",
    "OIDC_SERVER_URL": "https://login.acme.example/oidc",
    "OIDC_CLIENT_ID": "mentorship",
    "OIDC_CLIENT_SECRET": "client-secret-from-the-provider",
}


def configure_provider(settings, *, server_url="https://login.acme.example/oidc"):
    app = oidc_app(name="Acme Sign-In", server_url=server_url, client_id="id", secret="secret")
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- The switch ------------------------------------------------------------------------


def test_without_the_oidc_settings_the_sign_in_page_has_no_provider_button(client):
    page = client.get(LOGIN_URL).content.decode()
    assert "Sign in with" not in page
    assert PROVIDER_LOGIN not in page
    assert 'name="password"' in page


def test_with_a_provider_configured_the_sign_in_page_shows_its_button(client, settings):
    configure_provider(settings)
    page = client.get(LOGIN_URL).content.decode()
    assert "Sign in with Acme Sign-In" in page
    assert f'<form method="post" action="{PROVIDER_LOGIN}?process=login">' in page
    assert 'name="password"' in page  # PASSWORD_LOGIN is on by default
    assert "Create account" in page


def test_the_four_oidc_variables_configure_the_provider_and_its_form_action():
    code = (
        "from django.conf import settings as s;"
        "app = s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0];"
        "print(app['name'], app['client_id'], app['settings']['server_url']);"
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    result = manage("shell", "-c", code, env={**PRODUCTION_ENV, **OIDC_ENV})
    assert result.returncode == 0, result.stderr
    assert "Acme Sign-In mentorship https://login.acme.example/oidc" in result.stdout
    assert "https://login.acme.example" in result.stdout


def test_some_but_not_all_oidc_variables_stop_the_site_with_a_clear_message():
    result = manage("check", env={**PRODUCTION_ENV, "OIDC_NAME": "Acme Sign-In"})
    assert result.returncode != 0
    assert "Company sign-in needs all four of OIDC_NAME" in result.stderr


def test_check_deploy_reports_nothing_with_company_sign_in_on():
    env = {**PRODUCTION_ENV, **OIDC_ENV, "PASSWORD_LOGIN": "0"}
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


# --- PASSWORD_LOGIN=0 ------------------------------------------------------------------


@pytest.fixture
def passwords_off(settings):
    configure_provider(settings)
    settings.PASSWORD_LOGIN = False


def test_passwords_off_the_sign_in_page_shows_only_the_provider_button(client, passwords_off):
    page = client.get(LOGIN_URL).content.decode()
    assert "Sign in with Acme Sign-In" in page
    assert 'name="password"' not in page
    assert "please <a" not in page  # no "sign up first"
    assert "Create account" not in page  # nor in the navigation
    # Superusers still have a way in.
    assert 'name="password"' in client.get(LOGIN_URL + "?password=1").content.decode()


def test_passwords_off_refuse_a_person_who_is_not_a_superuser(client, passwords_off):
    person = UserFactory()
    response = client.post(LOGIN_URL, {"login": person.email, "password": PASSWORD})
    assert response.status_code == 200
    assert SIGN_IN_FOR_ADMINISTRATORS_ONLY in response.content.decode()
    assert not signed_in(client)


def test_passwords_off_still_let_a_superuser_sign_in(client, passwords_off, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    admin = UserFactory(is_staff=True, is_superuser=True, totp=False)
    response = client.post(LOGIN_URL, {"login": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == admin.pk


def test_passwords_on_a_person_signs_in_with_a_password(client, settings):
    configure_provider(settings)
    person = UserFactory()
    client.post(LOGIN_URL, {"login": person.email, "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == person.pk


def test_passwords_off_close_sign_up_by_password(client, passwords_off):
    page = client.get(reverse("account_signup"))
    assert "Sign-up with a password is closed" in page.content.decode()
    client.post(
        reverse("account_signup"),
        {"full_name": "Noor Haddad", "email": "noor@adhoc.example",
         "password1": "a-long-new-password-1", "password2": "a-long-new-password-1"},
    )  # fmt: skip
    assert not User.objects.filter(email="noor@adhoc.example").exists()


def test_passwords_off_send_reset_links_to_superusers_only(
    client, passwords_off, django_capture_on_commit_callbacks
):
    person = UserFactory(email="person@adhoc.example")
    admin = UserFactory(email="admin@adhoc.example", is_superuser=True, is_staff=True)
    for user in (person, admin):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_reset_password"), {"email": user.email})
    sent = Notification.objects.filter(object_key="account/email/password_reset_key")
    assert list(sent.values_list("to_email", flat=True)) == [admin.email]


# --- State and a provider that is down --------------------------------------------------


def test_a_forged_state_ends_on_the_error_page_with_nobody_signed_in(client, settings):
    configure_provider(settings)
    response = client.get(CALLBACK, {"state": "forged-state-value", "code": "anything"})
    assert response.status_code == 401
    assert "We could not sign you in" in response.content.decode()
    assert reverse("account_login") in response.content.decode()
    assert not signed_in(client)


def test_a_replayed_state_ends_on_the_error_page_with_nobody_signed_in(client, company_signin):
    start = client.post(PROVIDER_LOGIN)
    assert start.status_code == 302
    assert start.url.startswith(company_signin.url + "/authorize/")
    state = parse_qs(urlsplit(start.url).query)["state"][0]

    first = client.get(CALLBACK, {"state": state, "code": "a-code-the-provider-never-gave"})
    replay = client.get(CALLBACK, {"state": state, "code": "a-code-the-provider-never-gave"})

    for response in (first, replay):
        assert response.status_code == 401
        assert "We could not sign you in" in response.content.decode()
    assert not signed_in(client)
    assert not User.objects.exists()


def test_a_provider_that_is_down_ends_on_the_error_page_not_a_server_error(client, settings):
    configure_provider(settings, server_url=f"http://127.0.0.1:{free_port()}/o")
    response = client.post(PROVIDER_LOGIN)
    assert response.status_code == 401
    assert "We could not sign you in" in response.content.decode()
    assert not signed_in(client)


# --- The social adapter ------------------------------------------------------------------


def social_login(rf, *, email, name="Robin Quinn", verified=True):
    request = rf.get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    provider = get_social_adapter(request).get_provider(request, "company")
    claims = {"sub": email, "email": email, "email_verified": verified, "name": name}
    sociallogin = provider.sociallogin_from_response(request, {"userinfo": claims})
    sociallogin.lookup()
    return request, sociallogin


def test_the_adapter_refuses_an_address_outside_the_allowed_domains(rf, settings):
    configure_provider(settings)
    settings.ALLOWED_SIGNUP_DOMAINS = [DOMAIN]
    request, sociallogin = social_login(rf, email="sam@gmail.com")
    with pytest.raises(ImmediateHttpResponse) as refused:
        get_social_adapter(request).pre_social_login(request, sociallogin)
    assert refused.value.response.status_code == 403
    page = refused.value.response.content.decode()
    assert "sam@gmail.com" in page
    assert "@adhoc.team" in page


def test_the_adapter_lets_an_allowed_address_in_with_the_providers_name(rf, settings):
    configure_provider(settings)
    settings.ALLOWED_SIGNUP_DOMAINS = [DOMAIN]
    request, sociallogin = social_login(rf, email="robin.quinn@adhoc.team", name=" Robin  Quinn ")
    get_social_adapter(request).pre_social_login(request, sociallogin)  # no refusal
    assert sociallogin.user.full_name == "Robin Quinn"
    assert sociallogin.user.email == "robin.quinn@adhoc.team"


def test_the_adapter_finds_an_existing_account_only_for_a_verified_address(rf, settings):
    configure_provider(settings)
    existing = UserFactory(email="avery@adhoc.example")
    _, verified = social_login(rf, email=existing.email, verified=True)
    _, unverified = social_login(rf, email=existing.email, verified=False)
    assert verified.user == existing
    assert unverified.user.pk is None
    assert not SocialAccount.objects.exists()
