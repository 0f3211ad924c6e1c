"""Cache-Control: pages that show a person's data are never stored; static files are."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client
from django.urls import reverse

from mentorship.middleware import PRIVATE
from mentorship.outbox.queue import unsubscribe_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STATIC_LINK = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")


def static_links(html: str) -> list[str]:
    return STATIC_LINK.findall(html)


def test_every_page_of_a_signed_in_participant_is_private_and_not_stored(client, apm):
    client.force_login(apm)
    for name in ("home", "join", "toolkit:topics", "surveys:mine", "notification_preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == PRIVATE, name


def test_htmx_fragments_and_error_pages_for_a_signed_in_person_are_private(client, apm):
    client.force_login(apm)
    fragment = client.get(
        reverse("toolkit:topics"), {"q": "feedback"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment["Cache-Control"] == PRIVATE
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert missing["Cache-Control"] == PRIVATE


def test_the_admin_and_its_csv_downloads_are_private_and_not_stored(client, committee):
    # The admin's own never_cache header is replaced by the one rule for personal data.
    client.force_login(committee)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index["Cache-Control"] == PRIVATE
    export = client.get(reverse("admin:mentorship_enrollment_export"))
    assert export["Content-Type"].startswith("text/csv")
    assert export["Cache-Control"] == PRIVATE


def test_signing_in_makes_the_answer_private_and_signing_out_ends_it():
    user = UserFactory()
    client = Client()
    signed_in = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Cache-Control"] == PRIVATE
    client.post(reverse("account_logout"))
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")


def test_links_that_show_one_person_without_a_sign_in_are_private(client, apm):
    unsubscribe = client.get(reverse("notification_unsubscribe", args=[unsubscribe_token(apm)]))
    assert unsubscribe.status_code == 200
    assert unsubscribe["Cache-Control"] == PRIVATE

    address = EmailAddress.objects.create(
        user=UserFactory(verified_email=False), email="new@x.org"
    )
    key = EmailConfirmationHMAC(address).key
    confirm = client.get(reverse("account_confirm_email", args=[key]))
    assert confirm.status_code == 200
    assert "new@x.org" in confirm.content.decode()
    assert confirm["Cache-Control"] == PRIVATE


def test_the_public_home_page_is_not_marked_private(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Cache-Control" not in response


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_home_page_static_files_keep_their_public_cache(client, apm, signed_in):
    if signed_in:
        client.force_login(apm)
    links = static_links(client.get(reverse("home")).content.decode())
    assert any(link.endswith(".css") for link in links)
    assert any(link.endswith(".js") for link in links)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        cache_control = response["Cache-Control"]
        assert "public" in cache_control, link
        assert re.search(r"max-age=[1-9]", cache_control), link
        assert "no-store" not in cache_control
        assert "private" not in cache_control
