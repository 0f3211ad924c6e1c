"""Reset links go only to addresses the person proved are theirs (issue 12).

The insider path: add your own address to someone's account (unconfirmed), ask for a
password reset at it, follow the link. Now an unconfirmed address gets no email and the
page is the one any address gets; a key that reached one earlier no longer works.
"""

import re

import pytest
from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from django.urls import reverse

from mentorship.accounts import user_get_or_create_by_email
from mentorship.models import Notification
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("account_reset_password")
RESET_KEY_MAIL = "account/email/password_reset_key"
NEW_PASSWORD = "a-different-long-passphrase-9"


@pytest.fixture
def owner(db):
    user = UserFactory(email="owner@adhoc.example")
    EmailAddress.objects.create(user=user, email="intruder@adhoc.example", verified=False)
    return user


def ask_for_reset(client, email, capture):
    with capture(execute=True):
        response = client.post(RESET_URL, {"email": email})
    return response, client.get(response.url)


def queued():
    return list(
        Notification.objects.filter(kind=Notification.Kind.ACCOUNT).values_list(
            "to_email", "object_key"
        )
    )


def key_url(user, token):
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": token},
    )


def test_a_reset_for_an_unverified_address_queues_nothing_and_looks_the_same(
    client, owner, django_capture_on_commit_callbacks
):
    refused, refused_page = ask_for_reset(
        client, "intruder@adhoc.example", django_capture_on_commit_callbacks
    )
    assert queued() == []
    assert mail.outbox == []

    unknown, unknown_page = ask_for_reset(
        client, "nobody@adhoc.example", django_capture_on_commit_callbacks
    )
    sent, sent_page = ask_for_reset(
        client, "owner@adhoc.example", django_capture_on_commit_callbacks
    )

    assert sorted(queued()) == [
        ("nobody@adhoc.example", "account/email/unknown_account"),
        ("owner@adhoc.example", RESET_KEY_MAIL),
    ]
    # Same answer, same page, whichever address was typed.
    assert refused.status_code == unknown.status_code == sent.status_code == 302
    assert refused.url == unknown.url == sent.url == reverse("account_reset_password_done")
    assert refused_page.content == unknown_page.content == sent_page.content


def test_a_reset_for_a_verified_address_that_is_not_the_primary_is_sent(
    client, owner, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=owner, email="owner.home@adhoc.example", verified=True)

    ask_for_reset(client, "OWNER.HOME@adhoc.example", django_capture_on_commit_callbacks)

    assert queued() == [("owner.home@adhoc.example", RESET_KEY_MAIL)]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_someone_who_never_signed_in_still_sets_a_first_password_by_reset(
    client, django_capture_on_commit_callbacks
):
    # Imported from a roster or named as a manager: an account, no address rows at all.
    manager = user_get_or_create_by_email(email="manager@adhoc.example")
    assert not EmailAddress.objects.filter(user=manager).exists()

    for _ in range(2):  # and again, if the first email went astray
        ask_for_reset(client, "manager@adhoc.example", django_capture_on_commit_callbacks)

    assert queued() == [("manager@adhoc.example", RESET_KEY_MAIL)] * 2
    path = re.search(r"http://127.0.0.1:8000(/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(path).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)


def test_an_account_with_no_verified_address_answers_only_at_its_own(
    client, django_capture_on_commit_callbacks
):
    # Signed up, never confirmed: the sign-up address may reset, nothing else.
    person = UserFactory(email="new@adhoc.example", verified_email=False)
    EmailAddress.objects.create(user=person, email="new@adhoc.example", primary=True)
    EmailAddress.objects.create(user=person, email="other@adhoc.example")

    ask_for_reset(client, "other@adhoc.example", django_capture_on_commit_callbacks)
    assert queued() == []
    ask_for_reset(client, "new@adhoc.example", django_capture_on_commit_callbacks)
    assert queued() == [("new@adhoc.example", RESET_KEY_MAIL)]


def test_a_key_mailed_to_an_unverified_address_before_this_change_no_longer_works(client, owner):
    # allauth's own generator made the keys it mailed, to any address on the account.
    earlier = EmailAwarePasswordResetTokenGenerator().make_token(owner)

    response = client.get(key_url(owner, earlier))

    assert response.status_code == 200
    assert response.context["token_fail"] is True
    response = client.post(
        key_url(owner, earlier), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_key_stops_working_once_an_address_is_confirmed_or_unconfirmed(
    client, owner, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "owner@adhoc.example", django_capture_on_commit_callbacks)
    path = re.search(r"http://127.0.0.1:8000(/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(path).status_code == 302  # good until the account changes

    EmailAddress.objects.filter(email="intruder@adhoc.example").update(verified=True)

    response = client.get(path)
    assert response.status_code == 200
    assert response.context["token_fail"] is True
