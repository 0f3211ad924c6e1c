"""The cohort's page shows where it is in its lifecycle and its one next action
(mentorship.journey.lifecycle; issue 14, part 1)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from matching import services as matching
from matching.models import Match, Meeting
from mentorship.admin.cohorts import MOVE_UNKNOWN
from mentorship.common import changes
from mentorship.models import AuditLog, Cohort, Role
from surveys.models import Survey
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def page(client, cohort):
    return client.get(reverse("admin:mentorship_cohort_change", args=[cohort.pk])).content.decode()


def move(client, cohort, to):
    return client.post(
        reverse("admin:mentorship_cohort_move", args=[cohort.pk]), {"to": to}, follow=True
    )


def current_step(html):
    return re.search(r'aria-current="step">.*?<span class="step-label">([^<]+)', html, re.S)[1]


def test_a_draft_cohort_is_at_the_first_step_and_opens_intake_from_the_button(
    committee_client, committee
):
    cohort = CohortFactory(status=Cohort.Status.DRAFT, name="<i>Spring</i> 2027")

    html = page(committee_client, cohort)

    assert current_step(html) == "Draft"
    assert f"Where {escape(cohort.name)} is" in html
    assert "<i>Spring</i>" not in html
    assert '<input type="hidden" name="to" value="intake_open">' in html
    response = move(committee_client, cohort, "intake_open")
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.INTAKE_OPEN
    assert escape(f"{cohort.name} is now “Intake open”.") in response.content.decode()
    audit = AuditLog.objects.get(action="cohort.transition")
    assert (audit.actor, audit.target) == (committee, f"mentorship.cohort:{cohort.pk}")
    assert current_step(response.content.decode()) == "Intake open"


def test_closing_intake_from_the_page_says_who_is_in(
    committee_client, cohort, make_apm, make_mentor
):
    cohort.status = Cohort.Status.INTAKE_OPEN
    cohort.save()
    make_apm(), make_apm(), make_mentor(capacity=1)

    html = page(committee_client, cohort)
    assert re.search(r"Mentor places</dt><dd>1 for 2 APMs \(1 short\)", html)
    response = move(committee_client, cohort, "matching")

    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.MATCHING
    assert "Intake closed for" in response.content.decode()
    assert "2 APMs and 1 mentors are in." in response.content.decode()


def test_matching_leads_from_run_to_review_to_active(
    committee_client, committee, cohort, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    cohort.status = Cohort.Status.MATCHING
    cohort.save()
    apm, mentor = make_apm(), make_mentor()
    add_run = reverse("admin:matching_matchingrun_add") + f"?cohort={cohort.pk}"
    assert f'href="{escape(add_run)}">Run matching</a>' in page(committee_client, cohort)

    run = matching.run_request(cohort=cohort, acting_user=committee)
    assert ">Watch the run</a>" in page(committee_client, cohort)
    matching.run_execute(run_id=run.pk)
    changes.mark_changed()  # as the worker's task does once the run is done
    html = page(committee_client, cohort)
    assert ">Review the 1 proposal</a>" in html
    desk = reverse("admin:matching_proposal_desk") + f"?run={run.pk}"
    assert f'href="{desk}">Review the 1 proposal</a>' in html

    proposal = run.proposals.get()
    with django_capture_on_commit_callbacks(execute=True):
        matching.proposal_approve(proposal=proposal, acting_user=committee)
    changes.mark_changed()  # as the admin's approval (a POST) does
    html = page(committee_client, cohort)
    assert "Every APM has a mentor: the program can start." in html
    assert re.search(r"APMs matched</dt><dd>1 of 1</dd>", html)
    move(committee_client, cohort, "active")
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.ACTIVE
    assert (apm.pk, mentor.pk) == tuple(Match.objects.values_list("apm", "mentor").get())


def test_an_active_cohort_sends_its_survey_then_closes(committee_client, active_cohort):
    html = page(committee_client, active_cohort)
    assert ">Send the survey</a>" in html
    assert f"cohort__id__exact={active_cohort.pk}" in html

    now = timezone.now()
    Survey.objects.create(
        cohort=active_cohort, title="End of cohort", status="open",
        opens_at=now, closes_at=now + timedelta(days=14),
    )  # fmt: skip
    changes.mark_changed()  # as sending it from the admin (a POST) does
    html = page(committee_client, active_cohort)
    assert '<input type="hidden" name="to" value="closed">' in html
    move(committee_client, active_cohort, "closed")
    active_cohort.refresh_from_db()
    assert active_cohort.status == Cohort.Status.CLOSED
    assert "This cohort is closed" in page(committee_client, active_cohort)


def test_a_step_the_page_does_not_offer_changes_nothing_and_says_so(committee_client):
    cohort = CohortFactory(status=Cohort.Status.DRAFT)

    for to in ("draft", "nonsense", ""):
        assert escape(MOVE_UNKNOWN) in move(committee_client, cohort, to).content.decode()
    refused = move(committee_client, cohort, "closed").content.decode()  # skips steps

    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.DRAFT
    assert re.search(r'<li class="danger">A cohort cannot move from “Draft” to “Closed”', refused)
    assert not AuditLog.objects.filter(action="cohort.transition").exists()


def test_the_move_answers_only_a_post_from_someone_who_may_change_cohorts(
    committee_client, client
):
    cohort = CohortFactory(status=Cohort.Status.DRAFT)
    url = reverse("admin:mentorship_cohort_move", args=[cohort.pk])
    assert committee_client.get(url).status_code == 405

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    client.force_login(viewer)
    assert client.post(url, {"to": "intake_open"}).status_code == 403
    assert 'name="to"' not in page(client, cohort)  # no button they cannot use
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.DRAFT


def test_the_stepper_costs_the_same_queries_with_more_people_and_meetings(
    committee_client, active_cohort
):
    def add_pairs(n):
        for _ in range(n):
            apm = EnrollmentFactory(cohort=active_cohort, role=Role.APM)
            mentor = EnrollmentFactory(cohort=active_cohort, role=Role.MENTOR)
            match = Match.objects.create(cohort=active_cohort, apm=apm, mentor=mentor, score=50)
            Meeting.objects.create(
                match=match, logged_by=apm.user, occurred_on="2026-11-01", duration_minutes=30
            )

    add_pairs(1)
    page(committee_client, active_cohort)
    changes.mark_changed()
    with CaptureQueriesContext(connection) as few:
        page(committee_client, active_cohort)
    add_pairs(5)
    changes.mark_changed()
    with CaptureQueriesContext(connection) as many:
        html = page(committee_client, active_cohort)
    assert re.search(r"First meetings</dt><dd>6 of 6 pairs", html)
    assert len(many) == len(few)


def test_the_stepper_counts_from_a_copy_until_something_changes(
    committee_client, committee, cohort, make_apm, make_mentor
):
    cohort.status = Cohort.Status.INTAKE_OPEN
    cohort.save()
    make_apm(), make_mentor(capacity=1)
    page(committee_client, cohort)
    changes.mark_changed()
    with CaptureQueriesContext(connection) as built:
        page(committee_client, cohort)
    make_apm()  # not through a request: nothing says the data changed
    with CaptureQueriesContext(connection) as copied:
        html = page(committee_client, cohort)
    assert len(copied) < len(built)
    assert not [q for q in copied if '"mentorship_enrollment"' in q["sql"]]
    assert re.search(r"Mentor places</dt><dd>1 for 1 APMs", html)

    # Any successful form renews it, whatever it changed: here the committee's own.
    committee_client.post(reverse("notification_preferences"), {"nudges_enabled": "on"})
    html = page(committee_client, cohort)
    assert re.search(r"Mentor places</dt><dd>1 for 2 APMs \(1 short\)", html)
    # And a run's progress is read afresh every time.
    cohort.status = Cohort.Status.MATCHING
    cohort.save()
    page(committee_client, cohort)
    matching.run_request(cohort=cohort, acting_user=committee)
    assert ">Watch the run</a>" in page(committee_client, cohort)
