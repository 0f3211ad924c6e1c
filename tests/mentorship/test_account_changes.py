"""Changes to one's own account: the password again, and every verified address told.

Issue 12: someone at an unlocked laptop added their own address to the account with no
password and without the owner hearing of it, then reset the password through it.
Adding, removing and making an address primary need the password entered on
allauth's reauthentication page within the last five minutes (signing in does not
count); changing the password needs the current one. Each change queues a notice in
the outbox to every verified address of the account.
"""

import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.urls import reverse

from mentorship.models import Notification
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
EMAIL_URL = reverse("account_email")
REAUTH_URL = reverse("account_reauthenticate")
CHANGE_PASSWORD_URL = reverse("account_change_password")
NEW_PASSWORD = "a-different-long-passphrase-9"
RECORDS = "account_authentication_methods"  # allauth's session key for sign-in records


@pytest.fixture
def owner(db):
    """Two verified addresses (the first is primary) and one nobody has confirmed."""
    user = UserFactory(email="owner@adhoc.example")
    EmailAddress.objects.create(user=user, email="owner.home@adhoc.example", verified=True)
    EmailAddress.objects.create(user=user, email="typo@adhoc.example", verified=False)
    return user


VERIFIED = {"owner@adhoc.example", "owner.home@adhoc.example"}


@pytest.fixture
def signed_in(client, owner):
    """The owner signed in with their password a moment ago, as on the sign-in page."""
    response = client.post(LOGIN_URL, {"login": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    return client


def reauthenticate(client, password=PASSWORD, next_url=EMAIL_URL):
    return client.post(f"{REAUTH_URL}?next={next_url}", {"password": password, "next": next_url})


def age_session(client, seconds):
    """Move every sign-in and re-authentication of this session ``seconds`` back."""
    session = client.session
    session[RECORDS] = [{**record, "at": record["at"] - seconds} for record in session[RECORDS]]
    session.save()


def notices(object_key):
    rows = Notification.objects.filter(kind=Notification.Kind.ACCOUNT, object_key=object_key)
    return {row.to_email for row in rows}


def account_rows():
    return Notification.objects.filter(kind=Notification.Kind.ACCOUNT).count()


def add(client, email="intruder@adhoc.example"):
    return client.post(EMAIL_URL, {"action_add": "", "email": email})


def remove(client, email="owner.home@adhoc.example"):
    return client.post(EMAIL_URL, {"action_remove": "", "email": email})


def make_primary(client, email="owner.home@adhoc.example"):
    return client.post(EMAIL_URL, {"action_primary": "", "email": email})


def change_password(client, old=PASSWORD):
    return client.post(
        CHANGE_PASSWORD_URL,
        {"oldpassword": old, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def assert_sent_to_reauthentication(response):
    assert response.status_code == 302
    assert response.url == f"{REAUTH_URL}?next={EMAIL_URL.replace('/', '%2F')}"


# --- Adding an address ------------------------------------------------------------------


def test_adding_an_address_right_after_signing_in_asks_for_the_password(signed_in, owner):
    response = add(signed_in)

    assert_sent_to_reauthentication(response)
    assert not EmailAddress.objects.filter(email="intruder@adhoc.example").exists()
    assert account_rows() == 0


def test_adding_an_address_an_hour_after_re_entering_the_password_asks_again(signed_in, owner):
    assert reauthenticate(signed_in).status_code == 302
    age_session(signed_in, 3600)

    assert_sent_to_reauthentication(add(signed_in))
    assert not EmailAddress.objects.filter(email="intruder@adhoc.example").exists()
    assert account_rows() == 0


def test_a_wrong_password_on_the_reauthentication_page_adds_nothing(signed_in, owner):
    add(signed_in)
    response = reauthenticate(signed_in, password="not-the-password-1")

    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not EmailAddress.objects.filter(email="intruder@adhoc.example").exists()
    assert account_rows() == 0


def test_adding_an_address_with_the_password_tells_every_verified_address(
    signed_in, owner, django_capture_on_commit_callbacks
):
    assert_sent_to_reauthentication(add(signed_in, "new.work@adhoc.example"))
    with django_capture_on_commit_callbacks(execute=True):
        # allauth kept the refused request and carries it out once the password is in.
        response = reauthenticate(signed_in)

    assert response.status_code == 302
    added = EmailAddress.objects.get(email="new.work@adhoc.example")
    assert (added.user, added.verified, added.primary) == (owner, False, False)
    assert notices("account/email/email_added") == VERIFIED
    # The new address is asked to confirm itself; the unconfirmed one hears nothing.
    assert notices("account/email/email_confirmation") == {"new.work@adhoc.example"}
    notice = next(m for m in mail.outbox if m.to == ["owner.home@adhoc.example"])
    assert "Email Address Added" in notice.subject
    assert "new.work@adhoc.example was added to your account" in notice.body


def test_the_password_holds_for_five_minutes(signed_in, owner):
    reauthenticate(signed_in)
    age_session(signed_in, 4 * 60)
    assert add(signed_in, "new.work@adhoc.example").url == EMAIL_URL

    age_session(signed_in, 2 * 60)
    assert_sent_to_reauthentication(add(signed_in, "new.home@adhoc.example"))
    added = EmailAddress.objects.filter(email__startswith="new.").values_list("email", flat=True)
    assert list(added) == ["new.work@adhoc.example"]


# --- Removing an address and making one primary -----------------------------------------


def test_removing_an_address_without_the_password_is_refused(signed_in, owner):
    assert_sent_to_reauthentication(remove(signed_in))

    assert EmailAddress.objects.filter(email="owner.home@adhoc.example").exists()
    assert account_rows() == 0


def test_removing_an_address_with_the_password_tells_it_and_the_others(signed_in, owner):
    remove(signed_in)
    assert reauthenticate(signed_in).status_code == 302

    assert not EmailAddress.objects.filter(email="owner.home@adhoc.example").exists()
    # The removed address hears of it too: it may be the owner's, and the only one left.
    assert notices("account/email/email_deleted") == VERIFIED


def test_removing_an_unconfirmed_address_tells_only_the_verified_ones(signed_in, owner):
    reauthenticate(signed_in)
    remove(signed_in, "typo@adhoc.example")

    assert not EmailAddress.objects.filter(email="typo@adhoc.example").exists()
    assert notices("account/email/email_deleted") == VERIFIED


def test_making_an_address_primary_without_the_password_is_refused(signed_in, owner):
    assert_sent_to_reauthentication(make_primary(signed_in))

    owner.refresh_from_db()
    assert owner.email == "owner@adhoc.example"
    assert EmailAddress.objects.get(primary=True).email == "owner@adhoc.example"
    assert account_rows() == 0


def test_making_an_address_primary_with_the_password_tells_the_old_and_new_ones(signed_in, owner):
    make_primary(signed_in)
    reauthenticate(signed_in)

    owner.refresh_from_db()
    assert owner.email == "owner.home@adhoc.example"
    assert notices("account/email/email_changed") == VERIFIED


# --- The password -----------------------------------------------------------------------


@pytest.mark.parametrize("old", ["", "not-the-password-1"])
def test_changing_the_password_without_the_current_one_is_refused(signed_in, owner, old):
    response = change_password(signed_in, old=old)

    assert response.status_code == 200
    assert "oldpassword" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert account_rows() == 0


def test_changing_the_password_tells_every_verified_address(
    signed_in, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(signed_in)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert notices("account/email/password_changed") == VERIFIED
    rows = Notification.objects.filter(object_key="account/email/password_changed")
    assert {row.user for row in rows} == {owner}  # the other address is not User.email
    # Sent by the outbox's worker after commit, one email to each address.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(VERIFIED)
    assert all(
        row.status == Notification.Status.SENT
        for row in Notification.objects.filter(object_key="account/email/password_changed")
    )


def test_a_password_reset_tells_every_verified_address(
    client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": owner.email})
    body = mail.outbox[0].body
    link = re.search(r"http://127.0.0.1:8000(/accounts/password/reset/key/\S+/)", body)
    form_url = client.get(link.group(1)).url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert notices("account/email/password_reset") == VERIFIED


# --- What the notice says ---------------------------------------------------------------


def test_the_notice_says_what_changed_when_and_what_to_do_if_it_was_not_them(
    signed_in, owner, settings, django_capture_on_commit_callbacks
):
    settings.COMMITTEE_EMAIL = "committee@adhoc.example"
    with django_capture_on_commit_callbacks(execute=True):
        change_password(signed_in)

    body = mail.outbox[0].body
    assert "Your password has been changed." in body
    assert re.search(r"When: \w+day \d+ \w+ 20\d\d, \d\d:\d\d E[SD]T", body)
    assert "From IP address: 127.0.0.1" in body
    assert "Choose a new password now: http://127.0.0.1:8000/accounts/password/reset/" in body
    assert "remove any address you do not recognize: http://127.0.0.1:8000/accounts/email/" in body
    assert "Tell the program committee at committee@adhoc.example" in body


# --- Who may re-authenticate how --------------------------------------------------------


def test_the_password_is_the_way_back_in_and_an_emailed_code_is_not_offered(owner, rf):
    methods = get_adapter(rf.get("/")).get_reauthentication_methods(owner)

    assert [method["id"] for method in methods] == ["reauthenticate"]


def test_with_two_factor_on_a_code_from_the_app_also_re_authenticates(client, owner, rf):
    secret = generate_totp_secret()
    TOTP.activate(owner, secret)
    methods = get_adapter(rf.get("/")).get_reauthentication_methods(owner)
    assert [method["id"] for method in methods] == ["reauthenticate", "mfa_reauthenticate"]

    client.force_login(owner)
    # (allauth lets no address be added to an account with two-factor on; it has to be
    # confirmed first. Making one primary still asks.)
    assert_sent_to_reauthentication(make_primary(client))
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))  # now
    response = client.post(
        f"{reverse('mfa_reauthenticate')}?next={EMAIL_URL}", {"code": code, "next": EMAIL_URL}
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "owner.home@adhoc.example"
