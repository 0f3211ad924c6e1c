"""Invitation and reminder emails: after commit, once each, at most two reminders."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mentorship.models import NotificationPreference
from surveys import emails, services, tasks
from surveys.models import Invitation, Survey
from tests.surveys.conftest import answers_for, close

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(make_pair, make_survey, committee, django_capture_on_commit_callbacks):
    """A survey sent to one pair, with its invitation emails delivered."""
    pair = make_pair()
    survey = make_survey(title="Year-end\nsurvey")
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_open(survey=survey, acting_user=committee)
    return survey, pair


@override_settings(SITE_URL="https://mentors.example.gov")
def test_sending_a_survey_emails_each_person_once_after_commit(
    make_pair, make_survey, committee, django_capture_on_commit_callbacks
):
    pair = make_pair()
    survey = make_survey(title="Year-end\nsurvey")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.survey_open(survey=survey, acting_user=committee)
    assert mail.outbox == []  # nothing leaves before the transaction commits
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        for callback in callbacks:
            callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.apm.user.email,
                                                          pair.mentor.user.email])  # fmt: skip
    message = mail.outbox[0]
    assert "\n" not in message.subject
    assert "Year-end survey" in message.subject
    link = f"https://mentors.example.gov/surveys/{survey.pk}/"
    assert link in message.body
    assert link in message.alternatives[0][0]
    assert "anonymous" in message.body


def test_running_the_invitation_task_again_sends_nothing(sent):
    survey, _ = sent
    invitation = Invitation.objects.filter(survey=survey).first()
    assert invitation.invited_email_sent_at is not None
    assert tasks.send_survey_invitation(invitation.pk) is False
    assert len(mail.outbox) == 2


def test_a_failed_send_stays_in_the_outbox_and_a_retry_sends_it(make_pair, open_survey):
    from mentorship.models import Notification
    from mentorship.outbox.sending import notification_send

    make_pair()
    survey = open_survey()
    invitation = Invitation.objects.filter(survey=survey).first()
    assert emails.invitation_email_send(invitation_id=invitation.pk) is True
    assert emails.invitation_email_send(invitation_id=invitation.pk) is False  # queued once
    row = Notification.objects.get(kind="survey_invitation", user=invitation.user)
    broken = mock.patch(
        "mentorship.outbox.sending.EmailMultiAlternatives.send", side_effect=OSError("down")
    )
    with broken:
        assert notification_send(notification_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert notification_send(notification_id=row.pk) is False  # waiting for its backoff
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert notification_send(notification_id=row.pk) is True


def test_the_invitation_email_holds_no_answers(sent):
    survey, pair = sent
    invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
    services.invitation_save_draft(invitation=invitation, answers={
        survey.questions.get(kind="text").pk: "My manager is the problem"})  # fmt: skip
    Invitation.objects.filter(pk=invitation.pk).update(
        invited_email_sent_at=timezone.now() - timedelta(days=8)
    )
    assert tasks.send_survey_reminders() >= 1
    from mentorship.models import Notification

    bodies = [n.body_text + n.body_html for n in Notification.objects.all()]
    assert len(bodies) >= 3  # the invitations and the reminders
    assert all("My manager" not in body for body in bodies)


def _age(survey, *, days, reminded_days_ago=None):
    now = timezone.now()
    reminded = None if reminded_days_ago is None else now - timedelta(days=reminded_days_ago)
    Invitation.objects.filter(survey=survey).update(
        invited_email_sent_at=now - timedelta(days=days), last_reminded_at=reminded
    )


def reminders():
    """Reminders queued in the outbox (each is sent once by the outbox worker)."""
    from mentorship.models import Notification

    return list(Notification.objects.filter(kind="survey_reminder"))


def test_a_reminder_goes_after_the_set_number_of_days_and_at_most_twice(sent):
    survey, _ = sent
    _age(survey, days=6)
    assert tasks.send_survey_reminders() == 0
    _age(survey, days=7)
    assert tasks.send_survey_reminders() == 2
    assert tasks.send_survey_reminders() == 0  # the same day: nothing more
    assert len(reminders()) == 2
    _age(survey, days=14, reminded_days_ago=7)
    assert tasks.send_survey_reminders() == 2
    _age(survey, days=21, reminded_days_ago=7)
    assert tasks.send_survey_reminders() == 0
    assert len(reminders()) == 4
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {2}


@override_settings(SURVEY_REMINDER_DAYS=3)
def test_the_reminder_delay_is_a_setting(sent):
    survey, _ = sent
    _age(survey, days=3)
    assert tasks.send_survey_reminders() == 2


def test_a_reminder_task_run_twice_sends_one_reminder(sent):
    survey, _ = sent
    _age(survey, days=8)
    invitation = Invitation.objects.filter(survey=survey).first()
    assert tasks.send_survey_reminder(invitation.pk) is True
    assert tasks.send_survey_reminder(invitation.pk) is False
    assert len(reminders()) == 1


def test_no_reminder_after_answering_after_closing_or_when_reminders_are_off(sent, committee):
    survey, pair = sent
    _age(survey, days=8)
    answered = Invitation.objects.get(survey=survey, user=pair.apm.user)
    services.response_submit(invitation=answered, answers=answers_for(survey))
    NotificationPreference.objects.create(user=pair.mentor.user, nudges_enabled=False)
    assert tasks.send_survey_reminders() == 0
    NotificationPreference.objects.filter(user=pair.mentor.user).update(nudges_enabled=True)
    close(survey, committee)
    assert tasks.send_survey_reminders() == 0
    assert reminders() == []


def test_no_invitation_email_for_a_survey_that_closed_before_the_task_ran(make_pair, open_survey):
    make_pair()
    survey = open_survey()
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    for invitation in Invitation.objects.filter(survey=survey):
        assert tasks.send_survey_invitation(invitation.pk) is False
    assert mail.outbox == []
