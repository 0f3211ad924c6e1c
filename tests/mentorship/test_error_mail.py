"""Error mail to ADMINS: one per distinct error per window, and never in the request's way."""

import threading

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from mentorship import views
from mentorship.common import errormail

release = threading.Event()


class BlockingBackend(EmailBackend):
    """A mail server that hangs until the test lets it answer."""

    def send_messages(self, messages):
        release.wait(timeout=10)
        return super().send_messages(messages)


@pytest.fixture
def failing_home(settings, monkeypatch, outsider):
    settings.ADMINS = [("Ops", "ops@example.org")]

    def database_gone(**kwargs):
        raise RuntimeError("the database went away")

    def other_failure(**kwargs):
        raise KeyError("something else")

    monkeypatch.setattr(views.selectors, "home_summary", database_gone)
    client = Client(raise_request_exception=False)
    client.force_login(outsider)

    def get(kind="same"):
        if kind == "other":
            monkeypatch.setattr(views.selectors, "home_summary", other_failure)
        return client.get(reverse("home"))

    return get


def reports(mailoutbox):
    assert errormail.sender.wait()
    return [m for m in mailoutbox if "ops@example.org" in m.to]


def test_the_same_error_is_mailed_once_a_window_and_a_new_one_at_once(failing_home, mailoutbox):
    for _ in range(30):
        assert failing_home().status_code == 500
    sent = reports(mailoutbox)
    assert len(sent) == 1
    assert "RuntimeError" in sent[0].body

    assert failing_home("other").status_code == 500
    sent = reports(mailoutbox)
    assert len(sent) == 2
    assert "KeyError" in sent[1].body


def test_after_the_window_the_next_mail_says_how_many_were_not_mailed(
    failing_home, mailoutbox, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(errormail, "throttle", errormail.ErrorThrottle(clock=lambda: now[0]))
    for _ in range(12):
        failing_home()
    now[0] += errormail.DEFAULT_WINDOW_SECONDS - 1
    failing_home()
    assert len(reports(mailoutbox)) == 1
    now[0] += 2
    failing_home()
    sent = reports(mailoutbox)
    assert len(sent) == 2
    assert "(+12 not mailed)" in sent[1].subject
    assert sent[1].body.startswith("This error happened 12 more times since the last mail")


def test_a_hung_mail_server_does_not_hold_the_request(failing_home, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.BlockingBackend"
    release.clear()
    try:
        # The page answers while the mail server is still hanging on the report.
        assert failing_home().status_code == 500
        assert failing_home("other").status_code == 500
        assert mailoutbox == []
        assert not errormail.sender.wait(timeout=0.2)
    finally:
        release.set()
    assert len(reports(mailoutbox)) == 2


def test_a_full_queue_drops_the_report_instead_of_waiting(monkeypatch):
    release.clear()
    sender = errormail.MailSender(size=2)
    try:
        accepted = [sender.submit(release.wait, 10) for _ in range(6)]
    finally:
        release.set()
    # One is being sent, two wait in the queue; the rest are dropped at once.
    assert accepted.count(True) <= 3
    assert accepted[-1] is False
    assert sender.dropped == accepted.count(False)
    assert sender.wait()


def test_without_admins_nothing_is_rendered_or_queued(failing_home, settings, monkeypatch):
    settings.ADMINS = []
    submitted = []
    monkeypatch.setattr(errormail.sender, "submit", lambda *a, **k: submitted.append(a))
    assert failing_home().status_code == 500
    assert submitted == []


def test_errors_are_told_apart_by_type_and_line():
    import logging
    import sys

    def record_for(error):
        try:
            raise error
        except Exception:
            info = sys.exc_info()
            return logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), info)

    same = [record_for(RuntimeError(f"at {n}")) for n in range(2)]
    assert errormail.error_key(same[0]) == errormail.error_key(same[1])
    assert errormail.error_key(same[0]) != errormail.error_key(record_for(KeyError("k")))
    plain = logging.LogRecord("app", logging.ERROR, "", 0, "Disk %s full", ("a",), None)
    assert errormail.error_key(plain) == ("app", logging.ERROR, "Disk %s full")
