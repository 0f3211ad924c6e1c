"""The local run's mailbox (/dev/mail/) and the demo's reset: developer conveniences
that must never reach a real site."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from mentorship.demo import DEMO_APM_EMAIL
from mentorship.models import Cohort, User
from mentorship.outbox import devmail
from tests.mentorship.test_deploy import manage

pytestmark = pytest.mark.django_db

BACKEND = "mentorship.outbox.devmail.MailboxBackend"


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def send(subject, body, attach=None):
    message = mail.EmailMessage(
        subject, body, to=["new.apm@adhoc.example"], connection=mail.get_connection(BACKEND)
    )
    if attach:
        message.attach(*attach)
    message.send()


def test_a_sent_email_is_listed_newest_first_with_its_links(client, mailbox):
    send("First", "Nothing to click.")
    send(
        "Confirm your address <script>",
        "Go to http://127.0.0.1:8101/accounts/confirm-email/abc/ to confirm.",
        attach=("invite.ics", "BEGIN:VCALENDAR", "text/calendar"),
    )

    page = client.get(reverse("dev_mail")).content.decode()
    assert page.index("Confirm your address &lt;script&gt;") < page.index("First")
    assert "<script>" not in page.split("<main", 1)[-1].split("</main>")[0]

    (newest, _) = devmail.mailbox_messages()
    one = client.get(reverse("dev_mail_message", args=[newest["name"]])).content.decode()
    link = "http://127.0.0.1:8101/accounts/confirm-email/abc/"
    assert f'<a href="{link}">{link}</a>' in one
    assert "invite.ics" in one
    assert "new.apm@adhoc.example" in one


def test_the_mailbox_keeps_only_the_newest_messages(mailbox, monkeypatch):
    monkeypatch.setattr(devmail, "KEEP", 3)
    for number in range(5):
        send(f"Message {number}", "text")
    assert len(list(mailbox.glob("*.eml"))) == 3
    assert [m["subject"] for m in devmail.mailbox_messages()] == [
        "Message 4",
        "Message 3",
        "Message 2",
    ]


def test_an_empty_mailbox_says_what_to_do(client, mailbox):
    page = client.get(reverse("dev_mail")).content.decode()
    assert "No mail yet." in page


@pytest.mark.parametrize("name", ["notes.txt", "..", "20260101-abc.eml", "%2e%2e"])
def test_a_name_the_mailbox_did_not_write_is_not_found(client, mailbox, name):
    send("Kept", "text")
    assert client.get(f"/dev/mail/{name}/").status_code == 404


def test_nothing_is_reachable_with_debug_off(client, mailbox, settings, committee):
    send("Kept", "text")
    (message,) = devmail.mailbox_messages()
    settings.DEBUG = False
    client.force_login(committee)
    assert client.get(reverse("dev_mail")).status_code == 404
    assert client.get(reverse("dev_mail_message", args=[message["name"]])).status_code == 404


def test_a_local_run_keeps_mail_in_the_mailbox_and_a_mail_server_wins():
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {"DEBUG": "1", "DATABASE_URL": "sqlite://", "EMAIL_URL": "",
           "DJANGO_SETTINGS_MODULE": "mentorship.settings"}  # fmt: skip
    local = manage("shell", "-c", code, env=env).stdout.strip().splitlines()[-1]
    assert local == BACKEND
    smtp = manage("shell", "-c", code, env={**env, "EMAIL_URL": "smtp://mail.example:25"})
    assert smtp.stdout.strip().splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend"
    production = manage("shell", "-c", code, env={**env, "DEBUG": "0", "SECRET_KEY": "k" * 50,
                                                  "SITE_URL": "https://m.example"})  # fmt: skip
    assert production.stdout.strip().splitlines()[-1] != BACKEND


# --- seed_demo --reset ----------------------------------------------------------------


def test_reset_refuses_with_debug_off_and_changes_nothing(settings):
    call_command("seed_demo", stdout=None)
    User.objects.create_user(email="kept@adhoc.example", password="x")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG=1"):
        call_command("seed_demo", "--reset")
    assert User.objects.filter(email="kept@adhoc.example").exists()


@pytest.mark.django_db(transaction=True)
def test_reset_erases_what_was_added_and_seeds_the_demo_afresh(settings, capsys):
    call_command("seed_demo")
    fresh = (User.objects.count(), Cohort.objects.count())
    User.objects.create_user(email="added@adhoc.example", password="x")
    Cohort.objects.update(name="Renamed by a test")
    capsys.readouterr()
    settings.DEBUG = True

    call_command("seed_demo", "--reset")

    assert not User.objects.filter(email="added@adhoc.example").exists()
    assert (User.objects.count(), Cohort.objects.count()) == fresh
    assert User.objects.get(email=DEMO_APM_EMAIL).enrollments.count() == 1
    printed = capsys.readouterr().out
    assert "A first tour" in printed
    assert "/dev/mail/" in printed
    assert "Renamed by a test" not in printed
