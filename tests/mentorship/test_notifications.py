import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from matching.emails import introductions_sweep
from matching.models import Match, MatchingRun, Meeting, Proposal
from mentorship.models import Notification, NotificationPreference
from mentorship.outbox import sending as notifications
from mentorship.outbox.queue import notification_queue, unsubscribe_token
from mentorship.outbox.sending import notification_send
from tests.factories import CohortFactory, UserFactory
from tests.reminders import daily_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched in a cohort whose intake has closed."""
    return active_cohort


def queue_nudge(user, period="p1", **kwargs):
    return notification_queue(
        kind=Notification.Kind.NO_MEETING,
        user=user,
        subject=kwargs.pop("subject", "Time to catch up?"),
        template="mentorship/email/intake_nudge",
        context={"cohort": CohortFactory(), "closing": False, "join_url": "http://x/"},
        period=period,
        **kwargs,
    )


def test_a_queued_email_is_sent_once_after_commit(outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = queue_nudge(outsider)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [outsider.email]
    assert message.extra_headers["X-Notification-ID"] == str(notification.pk)
    assert message.alternatives
    assert "/notifications/unsubscribe/" in message.body  # every nudge can be stopped
    assert notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_the_same_key_is_never_queued_twice(outsider):
    assert queue_nudge(outsider) is not None
    assert queue_nudge(outsider) is None
    assert Notification.objects.count() == 1


def test_a_rolled_back_change_takes_its_email_with_it(outsider):
    def approve_then_fail():
        with transaction.atomic():
            queue_nudge(outsider)
            raise RuntimeError("the approval failed")

    with pytest.raises(RuntimeError):
        approve_then_fail()
    assert not Notification.objects.exists()


def test_nudges_respect_the_persons_choice_but_introductions_do_not(
    committee, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    apm, mentor = make_apm(), make_mentor()
    NotificationPreference.objects.create(user=apm.user, nudges_enabled=False)
    assert queue_nudge(apm.user).status == Notification.Status.SKIPPED
    with django_capture_on_commit_callbacks(execute=True):
        matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    assert {m.to[0] for m in mail.outbox} == {apm.user.email, mentor.user.email}


def test_names_cannot_inject_headers(outsider):
    notification = queue_nudge(outsider, subject="Hi\r\nBcc: everyone@example.com")
    assert "\n" not in notification.subject
    assert "\r" not in notification.subject


def test_transient_failures_back_off_then_fail_for_good(outsider, monkeypatch):
    notification = queue_nudge(outsider)

    def broken_send(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    assert notification_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert notification.next_attempt_at > timezone.now()
    for _ in range(notifications.MAX_ATTEMPTS - 1):
        # Each retry waits for its backoff; pretend it has passed.
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
        notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == notifications.MAX_ATTEMPTS
    assert "smtp down" in notification.last_error


def test_the_sweep_sends_rows_left_pending(outsider):
    notification = queue_nudge(outsider)  # the on-commit enqueue never ran: a lost message
    assert notifications.notifications_sweep() == 0  # too fresh: a worker may have it
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert notifications.notifications_sweep() == 1  # eager tasks: sent right away
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_with_the_broker_down_approval_succeeds_fast_and_mail_follows_later(
    cohort, committee, make_apm, make_mentor, celery_conf, django_capture_on_commit_callbacks
):
    apm, mentor = make_apm(), make_mentor()
    run = MatchingRun.objects.create(cohort=cohort, status="succeeded")
    proposal = Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=50)
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        matching_services.proposal_approve(proposal=proposal, acting_user=committee)
    assert time.monotonic() - started < 1.0
    # The match is made; its introduction waits for a worker, which the broker cannot reach.
    match = Match.objects.get(proposal=proposal)
    assert match.introduced_at is None
    assert not Notification.objects.exists()
    assert not mail.outbox

    celery_conf(task_always_eager=True)  # the broker is back
    Match.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert introductions_sweep() == 1
    assert len(mail.outbox) == 2
    match.refresh_from_db()
    assert match.introduced_at is not None
    assert introductions_sweep() == 0  # introduced once


class TestDailyScan:
    def test_running_the_scan_twice_queues_each_nudge_once(
        self, outsider, django_capture_on_commit_callbacks
    ):
        CohortFactory()  # taking intake
        with django_capture_on_commit_callbacks(execute=True):
            first = daily_scan()
            second = daily_scan()
        assert first["intake"] >= 1
        assert second == {"intake": 0, "no_meeting": 0}
        assert [m.to for m in mail.outbox].count([outsider.email]) == 1

    def test_intake_closing_soon_is_a_second_distinct_nudge(self, outsider):
        cohort = CohortFactory(intake_closes_at=timezone.now() + timedelta(days=10))
        daily_scan()
        cohort.intake_closes_at = timezone.now() + timedelta(days=2)
        cohort.save()
        daily_scan()
        kinds = set(Notification.objects.filter(user=outsider).values_list("kind", flat=True))
        assert kinds == {"intake_open", "intake_closing"}

    def test_a_silent_pair_nudges_the_apm_and_a_meeting_resets_it(
        self, committee, make_apm, make_mentor
    ):
        match = matching_services.match_create_by_hand(
            apm=make_apm(), mentor=make_mentor(), acting_user=committee
        )
        Notification.objects.all().delete()
        assert daily_scan()["no_meeting"] == 0  # new match: not silent yet
        from matching.models import Match

        Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=31))
        assert daily_scan()["no_meeting"] == 1
        assert Notification.objects.get(kind="no_meeting").user == match.apm.user
        Meeting.objects.create(match=match, occurred_on=timezone.localdate(), duration_minutes=30)
        assert daily_scan()["no_meeting"] == 0


class TestPreferences:
    def test_a_person_turns_nudges_off_and_on(self, client, outsider):
        client.force_login(outsider)
        url = reverse("notification_preferences")
        assert client.get(url).status_code == 200
        client.post(url, {})  # unticked checkbox
        assert NotificationPreference.objects.get(user=outsider).nudges_enabled is False
        client.post(url, {"nudges_enabled": "on"})
        assert NotificationPreference.objects.get(user=outsider).nudges_enabled is True

    def test_the_unsubscribe_link_asks_then_turns_nudges_off_without_sign_in(self, client):
        person = UserFactory()
        url = reverse("notification_unsubscribe", args=[unsubscribe_token(person)])
        assert "Turn nudges off" in client.get(url).content.decode()
        assert not NotificationPreference.objects.exists()  # a GET changes nothing
        client.post(url)
        assert NotificationPreference.objects.get(user=person).nudges_enabled is False

    def test_a_forged_unsubscribe_token_is_refused(self, client):
        response = client.post(reverse("notification_unsubscribe", args=["forged-token"]))
        assert response.status_code == 400
        assert not NotificationPreference.objects.exists()

    def test_preferences_need_sign_in(self, client):
        assert client.get(reverse("notification_preferences")).status_code == 302
