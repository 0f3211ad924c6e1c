"""Sign-up, sign-in and the admin's front door, including the bad-input cases."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from mentorship.adapters import SIGNUP_DOMAIN_NOT_ALLOWED
from mentorship.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("account_signup")
LOGIN_URL = reverse("account_login")


def signup(client, email, password=PASSWORD, name="Avery Park", **extra):
    data = {"full_name": name, "email": email, "password1": password, "password2": password}
    return client.post(SIGNUP_URL, data, **extra)


def test_signup_sends_a_confirmation_link_that_enables_sign_in(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_SIGNUP_DOMAINS = ["adhoc.example"]
    settings.SITE_URL = "http://127.0.0.1:8101"
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        response = signup(client, "new.apm@adhoc.example")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.apm@adhoc.example")
    assert not EmailAddress.objects.get(user=user).verified
    # Mandatory verification: no session until the address is confirmed.
    assert "_auth_user_id" not in client.session

    # The link is on the configured site, not on the host the request came to.
    body = mailoutbox[0].body
    assert "testserver" not in body
    assert "to register an account on 127.0.0.1:8101." in body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    assert link.startswith("http://127.0.0.1:8101/accounts/confirm-email/")
    path = link.removeprefix("http://127.0.0.1:8101")
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(LOGIN_URL, {"login": "new.apm@adhoc.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_asks_the_name_first_and_the_account_carries_it(client):
    form = client.get(SIGNUP_URL).context["form"]
    assert list(form.fields)[:2] == ["full_name", "email"]
    assert signup(client, "named@adhoc.example", name="  Noor   Haddad ").status_code == 302
    assert User.objects.get(email="named@adhoc.example").full_name == "Noor Haddad"


def test_signup_without_a_name_is_refused_and_nothing_is_created(client):
    response = signup(client, "nameless@adhoc.example", name="")
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert '<a href="#id_full_name">Your name: This field is required.</a>' in (
        response.content.decode()
    )
    assert not User.objects.filter(email="nameless@adhoc.example").exists()


def test_signup_with_disallowed_domain_is_refused_with_a_clear_message(client, settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["adhoc.example"]
    response = signup(client, "someone@gmail.com")

    assert response.status_code == 200
    expected = SIGNUP_DOMAIN_NOT_ALLOWED % {"domains": "@adhoc.example"}
    assert expected in response.context["form"].errors["email"]
    assert not User.objects.filter(email="someone@gmail.com").exists()


def test_any_domain_may_sign_up_when_no_allow_list_is_set(client, settings):
    settings.ALLOWED_SIGNUP_DOMAINS = []
    assert signup(client, "someone@agency.example").status_code == 302
    assert User.objects.filter(email="someone@agency.example").exists()


def test_duplicate_signup_creates_no_account_and_warns_the_owner(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://mentors.example.gov"
    existing = UserFactory(email="taken@adhoc.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "TAKEN@adhoc.example")

    # allauth does not reveal which addresses have accounts; the owner is told instead.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="taken@adhoc.example").count() == 1
    assert mailoutbox[-1].to == [existing.email]
    assert "already" in mailoutbox[-1].body.lower()
    assert "https://mentors.example.gov/accounts/password/reset/" in mailoutbox[-1].body
    assert "testserver" not in mailoutbox[-1].body


def test_weak_password_is_refused_with_the_reason(client):
    response = signup(client, "weak@adhoc.example", password="password")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password1"])
    assert "too common" in errors
    assert not User.objects.filter(email="weak@adhoc.example").exists()


def test_email_is_the_login_and_is_case_insensitive(client, outsider):
    response = client.post(LOGIN_URL, {"login": outsider.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(outsider.pk)


def test_login_ignores_an_off_site_next_url(client, outsider):
    response = client.post(
        f"{LOGIN_URL}?next=https://evil.example/steal",
        {"login": outsider.email, "password": PASSWORD, "next": "https://evil.example/steal"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.url
    assert response.url == reverse("home")


def test_login_follows_a_local_next_url(client, outsider):
    response = client.post(
        LOGIN_URL, {"login": outsider.email, "password": PASSWORD, "next": "/accounts/email/"}
    )
    assert response.url == "/accounts/email/"


def test_post_without_csrf_token_gets_a_friendly_403_and_changes_nothing(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        SIGNUP_URL, {"email": "x@adhoc.example", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 403
    assert "That form expired" in response.content.decode()
    assert not User.objects.filter(email="x@adhoc.example").exists()


def test_repeated_failed_logins_are_rate_limited(client, outsider):
    for _ in range(5):
        client.post(LOGIN_URL, {"login": outsider.email, "password": "wrong-password-1"})
    response = client.post(LOGIN_URL, {"login": outsider.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_rate_limits_key_on_the_real_client_behind_a_proxy(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/m/ip"}

    def attempt(ip):
        return client.post(
            SIGNUP_URL, {"email": "bad"}, HTTP_X_FORWARDED_FOR=ip, REMOTE_ADDR="10.0.0.1"
        ).status_code

    assert [attempt("198.51.100.7") for _ in range(3)] == [200, 200, 429]
    # Another person behind the same proxy is not locked out.
    assert attempt("203.0.113.9") == 200


def test_sessions_expire_after_twelve_hours_by_default(settings, client, outsider):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    client.force_login(outsider)
    assert client.session.get_expiry_age() == 12 * 3600


def test_logout_ends_the_session(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link(
    client, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": outsider.email})
    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


class TestAdminSignIn:
    def test_anonymous_admin_visit_goes_through_allauth_login(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302
        assert response.url.startswith(LOGIN_URL)

    def test_a_participant_cannot_open_the_admin(self, client, apm):
        client.force_login(apm)
        assert client.get("/admin/login/").status_code == 403
        assert client.get("/admin/").status_code == 302  # admin sends non-staff to login

    def test_committee_members_with_two_factor_reach_the_admin(self, client, committee):
        client.force_login(committee)
        response = client.get("/admin/")
        assert response.status_code == 200
        assert "turn on two-factor sign-in" not in response.content.decode()
        assert client.get("/admin/mentorship/cohort/").status_code == 200

    def test_committee_members_without_two_factor_are_sent_to_turn_it_on(
        self, client, committee_without_totp
    ):
        client.force_login(committee_without_totp)
        response = client.get("/admin/")
        assert response["Location"] == "/accounts/2fa/totp/activate/?next=%2Fadmin%2F"


def test_a_whole_office_behind_one_address_can_sign_in_within_a_minute(client):
    people = [UserFactory() for _ in range(60)]
    for person in people:
        person.set_password(PASSWORD)
        person.save()
    signed_in = 0
    for person in people:
        client.logout()
        client.post(
            LOGIN_URL, {"login": person.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
        )
        signed_in += "_auth_user_id" in client.session
    assert signed_in == 60


def test_six_wrong_passwords_still_lock_that_account_from_an_office_address(client, outsider):
    for _ in range(5):
        client.post(
            LOGIN_URL, {"login": outsider.email, "password": "wrong-1"}, REMOTE_ADDR="192.0.2.10"
        )
    response = client.post(
        LOGIN_URL, {"login": outsider.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
