"""The committee releases a stuck run from the admin: "Mark as failed"."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from matching import services
from matching.admin.runs import MARKED_FAILED_REASON
from matching.models import MatchingRun
from mentorship.models import AuditLog
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:matching_matchingrun_changelist"


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def mark_failed(client, *runs, follow=True):
    return client.post(
        reverse(CHANGELIST),
        {"action": "mark_failed", "_selected_action": [run.pk for run in runs]},
        follow=follow,
    )


def test_the_committee_marks_a_stuck_run_failed_and_can_start_another(
    cohort, committee, committee_client
):
    stuck = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.RUNNING)
    response = mark_failed(committee_client, stuck)

    assert response.status_code == 200
    assert "Runs marked as failed: 1." in response.content.decode()
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == (MatchingRun.Status.FAILED, MARKED_FAILED_REASON)
    audit = AuditLog.objects.get(action="matching.run_marked_failed")
    assert (audit.actor, audit.target) == (committee, f"matching.matchingrun:{stuck.pk}")
    assert (audit.details["from"], audit.details["to"]) == ("running", "failed")
    page = committee_client.get(
        reverse("admin:matching_matchingrun_change", args=[stuck.pk])
    ).content.decode()
    assert "Failed." in page
    assert MARKED_FAILED_REASON in page
    assert 'hx-trigger="every' not in page  # no more polling
    assert services.run_request(cohort=cohort, acting_user=committee).is_active


def test_marking_a_finished_run_failed_is_refused_with_the_reason(
    cohort, committee_client, committee
):
    done = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
    stuck = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.QUEUED)
    response = mark_failed(committee_client, done, stuck)

    html = response.content.decode()
    refusal = services.RUN_ALREADY_FINISHED % {"run": done.pk, "status": "succeeded"}
    assert escape(f"{cohort.name}: {refusal}") in html
    assert "Runs marked as failed: 1." in html  # the other one went through
    done.refresh_from_db()
    assert done.status == MatchingRun.Status.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.FAILED
    assert AuditLog.objects.filter(action="matching.run_marked_failed").count() == 1


def test_the_refusal_shows_a_cohort_name_escaped(committee_client):
    cohort = CohortFactory(name="<script>alert(1)</script> cohort", status="matching")
    done = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.FAILED)
    html = mark_failed(committee_client, done).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert escape("<script>alert(1)</script> cohort: Run #") in html


def test_staff_who_cannot_start_runs_cannot_mark_them_failed(cohort, client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_matchingrun"))
    client.force_login(viewer)
    stuck = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.RUNNING)

    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "mark_failed" not in page
    mark_failed(client, stuck)
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.RUNNING
    assert not AuditLog.objects.filter(action="matching.run_marked_failed").exists()


def test_an_outsider_cannot_mark_a_run_failed(cohort, client, outsider):
    client.force_login(outsider)
    stuck = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.RUNNING)
    response = mark_failed(client, stuck, follow=False)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.RUNNING


def test_the_action_only_answers_a_post(cohort, committee_client):
    stuck = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.RUNNING)
    response = committee_client.get(
        reverse(CHANGELIST), {"action": "mark_failed", "_selected_action": [stuck.pk]}
    )
    # The list keeps only the parameters it offers, so a GET only shows the list.
    assert response.status_code == 200
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.RUNNING
