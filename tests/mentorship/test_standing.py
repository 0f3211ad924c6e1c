"""Every status a participant reads is true to where they stand (journey/standing.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.services import match_end
from mentorship.graduation.guide import guide_survey_answered
from mentorship.journey.standing import enrollment_standing
from mentorship.models import Cohort, Enrollment, GraduationGuide
from surveys.models import Invitation, Question, Survey
from surveys.services.answering import response_submit
from tests.mentorship import test_graduation

pytestmark = pytest.mark.django_db
cohort, match, next_cohort = (
    test_graduation.cohort, test_graduation.match, test_graduation.next_cohort
)  # fmt: skip
promoted, guide = test_graduation.promoted, test_graduation.guide


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_a_matched_person_is_told_they_are_matched_everywhere(client, match):
    page = home(client, match.apm.user)
    assert ">Matched</span>" in page
    assert "Intake submitted" not in page
    assert "You&#x27;re matched: see your mentor above." in page
    closed = client.get(reverse("intake", args=[match.cohort.slug, "apm"])).content.decode()
    assert "You&#x27;re matched: see your mentor above." in closed
    assert "working on matches" not in closed


def test_a_graduate_and_their_mentor_read_what_happened(client, match, guide):
    assert ">Graduated</span>" in home(client, match.apm.user)
    match.apm.user.full_name = "Avery <b>Park</b>"
    match.apm.user.save()
    page = home(client, match.mentor.user)
    assert ">Mentee graduated</span>" in page
    assert "Your mentee Avery &lt;b&gt;Park&lt;/b&gt; graduated: thank you for mentoring." in page


def test_an_ended_match_and_a_wait_for_matching_are_said_plainly(
    client, match, committee, make_apm
):
    match_end(match=match, acting_user=committee, reason="Moved teams", ban=False)
    assert ">Match ended</span>" in home(client, match.apm.user)
    waiting = make_apm()
    assert enrollment_standing(waiting).stage == "waiting"
    assert "Intake has closed and your intake is in." in home(client, waiting.user)
    Cohort.objects.filter(pk=waiting.cohort_id).update(status=Cohort.Status.CLOSED)
    waiting.refresh_from_db()
    assert enrollment_standing(waiting).badge == "Cohort ended"
    Enrollment.objects.filter(pk=waiting.pk).update(status=Enrollment.Status.WITHDRAWN)
    waiting.refresh_from_db()
    assert enrollment_standing(waiting).badge == "Withdrawn"


def test_home_reads_every_standing_in_one_query(client, match, make_apm):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = match.apm.user
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for other in (test_graduation.CohortFactory(), test_graduation.CohortFactory()):
        Enrollment.objects.create(user=user, cohort=other, role="apm")
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("home"))
    assert len(three) == len(one)


def test_the_graduation_email_never_praises_meetings_that_did_not_happen(
    match, committee, promoted, next_cohort, mailoutbox, django_capture_on_commit_callbacks
):
    from mentorship import graduation

    with django_capture_on_commit_callbacks(execute=True):
        graduation.apm_graduate(match=match, acting_user=committee)
    (congratulations,) = [m for m in mailoutbox if "Congratulations" in m.subject]
    assert "logged no meetings" in congratulations.body
    assert "the work you put into the program" not in congratulations.body
    (thanks,) = [m for m in mailoutbox if "Thank you for mentoring" in m.subject]
    for body in (thanks.body, thanks.alternatives[0][0]):
        assert "You two logged no meetings in the program" in body
        assert "the time and care it took" not in body


def test_the_mentors_thanks_counts_the_meetings_they_had(
    match, committee, promoted, next_cohort, mailoutbox, django_capture_on_commit_callbacks
):
    from matching.models import Meeting
    from mentorship import graduation

    for days in (30, 10):
        Meeting.objects.create(
            match=match, logged_by=match.apm.user, duration_minutes=30,
            occurred_on=timezone.localdate() - timedelta(days=days),
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        graduation.apm_graduate(match=match, acting_user=committee)
    (thanks,) = [m for m in mailoutbox if "Thank you for mentoring" in m.subject]
    assert "Thank you for mentoring them (2 meetings): the committee knows" in thanks.body
    assert "logged no meetings" not in thanks.body


def test_answering_the_cohorts_survey_ticks_the_guides_survey_step(match, guide):
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=match.cohort, title="End of cohort", audience="both", is_anonymous=True,
        status=Survey.Status.OPEN,
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="text", text="Anything?")
    invitation = Invitation.objects.create(survey=survey, user=match.apm.user, role="apm")
    assert GraduationGuide.Step.SURVEY not in guide.steps_done

    question = survey.questions.get()
    response_submit(invitation=invitation, answers={str(question.pk): "The first meeting."})

    guide.refresh_from_db()
    assert guide.steps_done[GraduationGuide.Step.SURVEY] == timezone.localdate().isoformat()
    # Once only; someone without a guide has nothing to tick.
    assert guide_survey_answered(user=match.apm.user, cohort_id=match.cohort_id) is False
    assert guide_survey_answered(user=match.mentor.user, cohort_id=match.cohort_id) is False
