"""Survey work a crash or an outage could leave half-done: each claim commits with its work.

A survey email is claimed (``invited_email_sent_at``, ``reminder_count``) in the same
transaction that writes it to the outbox, sealing sets ``sealed_at`` in the same
transaction that rewrites the answers, and mixing deletes ballots in the same
transaction that writes them as responses. A worker that dies in between (SIGKILL, the time
limit, a database outage) rolls the claim back with the work, and the hourly schedule
or the task's retry does it again. These tests break each one in the middle.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorship.models import Notification
from surveys import emails, services, tasks
from surveys.models import Answer, Invitation, Response
from tests.surveys.conftest import answers_for, close, mix

pytestmark = pytest.mark.django_db

LOST = "server closed the connection unexpectedly"


def connection_lost(*args, **kwargs):
    raise OSError(LOST)


@pytest.fixture
def invitation(make_pair, open_survey):
    """An invitation whose email task has not run yet (nothing was committed)."""
    make_pair()
    survey = open_survey()
    return Invitation.objects.filter(survey=survey).select_related("user").first()


def test_an_invitation_email_that_breaks_after_its_claim_is_not_lost(invitation, monkeypatch):
    monkeypatch.setattr(emails, "notification_queue", connection_lost)
    with pytest.raises(OSError, match=LOST):
        emails.invitation_email_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.invited_email_sent_at is None  # the claim went with the work
    assert not Notification.objects.filter(kind="survey_invitation").exists()

    monkeypatch.undo()
    assert tasks.send_survey_invitation(invitation.pk) is True  # the task's retry
    assert tasks.send_survey_invitation(invitation.pk) is False
    assert Notification.objects.filter(kind="survey_invitation", user=invitation.user).count() == 1


def test_the_hourly_schedule_resends_invitations_whose_task_was_lost(
    invitation, django_capture_on_commit_callbacks
):
    # The email tasks of survey_open never reached a worker (broker down, worker killed).
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run_survey_schedule()["invited"] == 1
    invitation.refresh_from_db()
    assert invitation.invited_email_sent_at is not None
    people = Invitation.objects.filter(survey=invitation.survey).count()
    assert Notification.objects.filter(kind="survey_invitation").count() == people


def test_a_reminder_that_breaks_after_its_claim_is_sent_by_the_retry(invitation, monkeypatch):
    long_ago = timezone.now() - timedelta(days=30)
    Invitation.objects.filter(pk=invitation.pk).update(invited_email_sent_at=long_ago)
    monkeypatch.setattr(emails, "notification_queue", connection_lost)
    with pytest.raises(OSError, match=LOST):
        emails.reminder_email_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert (invitation.reminder_count, invitation.last_reminded_at) == (0, None)

    monkeypatch.undo()
    assert tasks.send_survey_reminder(invitation.pk) is True
    invitation.refresh_from_db()
    assert invitation.reminder_count == 1
    assert Notification.objects.filter(kind="survey_reminder").count() == 1


def test_sealing_that_breaks_midway_keeps_every_answer_and_the_schedule_seals_it_later(
    make_pair, open_survey, committee, monkeypatch
):
    for _ in range(3):
        make_pair()
    survey = open_survey()
    for invitation in Invitation.objects.filter(survey=survey):
        services.response_submit(invitation=invitation, answers=answers_for(survey, text="x"))
    mix(survey)  # every answer is a response already: this breaks the rewrite itself
    close(survey, committee)  # its seal task never ran: nothing was committed
    columns = ("id", "response_id", "question_id", "number", "choice", "text")
    before = sorted(Answer.objects.values_list(*columns))
    midway = []

    def break_midway(rows, **kwargs):
        midway.append((Response.objects.count(), Answer.objects.count()))
        raise OSError(LOST)

    monkeypatch.setattr(Answer.objects, "bulk_create", break_midway)
    with pytest.raises(OSError, match=LOST):
        services.survey_seal_responses(survey_id=survey.pk)
    assert midway == [(6, 0)]  # responses rewritten, answers deleted: the very middle
    survey.refresh_from_db()
    assert survey.sealed_at is None
    assert sorted(Answer.objects.values_list(*columns)) == before
    assert Response.objects.filter(survey=survey).count() == 6

    monkeypatch.undo()
    assert tasks.run_survey_schedule()["sealed"] == 1  # the hourly schedule, eager here
    survey.refresh_from_db()
    assert survey.sealed_at is not None
    assert sorted(Answer.objects.values_list(*columns)) == before
    assert tasks.run_survey_schedule()["sealed"] == 0
