"""The program's history cannot be deleted from the admin (issue 13 and 14).

A cohort whose intake has opened, a survey that was sent, matching runs and proposals,
an enrollment that was proposed or matched: deleting them would take every enrollment,
match and answer the outcomes count. A category that holds topics protects them. The
admin refuses in words, before Django's collector walks thousands of rows.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchingRun, Proposal
from mentorship.models import Cohort, Enrollment
from surveys.models import Survey
from tests.factories import CohortFactory, EnrollmentFactory
from toolkit.models import Category, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def delete_selected(client, model, *rows, confirm=False):
    data = {"action": "delete_selected", "_selected_action": [row.pk for row in rows]}
    if confirm:
        data["post"] = "yes"
    return client.post(reverse(f"admin:{model}_changelist"), data)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def survey(cohort, **fields):
    now = timezone.now()
    return Survey.objects.create(
        cohort=cohort, title="End of cohort", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7), **fields,
    )  # fmt: skip


@pytest.mark.parametrize("client_name", ["committee_client", "admin_client"])
def test_a_cohort_whose_intake_opened_is_not_deleted_and_the_reason_is_given(request, client_name):
    client = request.getfixturevalue(client_name)
    cohort = CohortFactory(name="Spring", status=Cohort.Status.ACTIVE)
    EnrollmentFactory.create_batch(3, cohort=cohort)

    response = delete_selected(client, "mentorship_cohort", cohort, confirm=True)

    assert response.status_code == 302
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    assert Enrollment.objects.filter(cohort=cohort).count() == 3
    (message,) = messages_of(response)
    assert message.startswith("The cohort “Spring” cannot be deleted: once intake has opened")
    assert "Close the cohort instead." in message


def test_the_refusal_costs_the_same_queries_whatever_the_cohort_holds(committee_client):
    small, large = (CohortFactory(status=Cohort.Status.INTAKE_OPEN) for _ in range(2))
    EnrollmentFactory.create_batch(1, cohort=small)
    EnrollmentFactory.create_batch(30, cohort=large)
    delete_selected(committee_client, "mentorship_cohort", small)  # fills per-process caches

    counts = []
    for cohort in (small, large):
        with CaptureQueriesContext(connection) as captured:
            delete_selected(committee_client, "mentorship_cohort", cohort)
        counts.append(len(captured))

    assert counts[0] == counts[1]
    # Django's collector would read the enrollments themselves.
    assert not any('FROM "mentorship_enrollment"' in q["sql"] for q in captured.captured_queries)


def test_a_mixed_selection_deletes_nothing(committee_client):
    draft = CohortFactory(name="Draft", status=Cohort.Status.DRAFT)
    opened = CohortFactory(name="Opened", status=Cohort.Status.INTAKE_OPEN)

    response = delete_selected(committee_client, "mentorship_cohort", draft, opened, confirm=True)

    assert Cohort.objects.filter(pk__in=[draft.pk, opened.pk]).count() == 2
    (message,) = messages_of(response)
    assert message.startswith("Nothing was deleted: the cohort “Opened” cannot be deleted")


def test_a_draft_cohort_can_still_be_deleted(committee_client):
    draft = CohortFactory(status=Cohort.Status.DRAFT)

    confirmation = delete_selected(committee_client, "mentorship_cohort", draft)
    assert confirmation.status_code == 200
    assert "Are you sure" in confirmation.text
    delete_selected(committee_client, "mentorship_cohort", draft, confirm=True)

    assert not Cohort.objects.filter(pk=draft.pk).exists()


def test_the_change_form_has_no_delete_link_and_the_delete_page_goes_back(committee_client):
    cohort = CohortFactory(status=Cohort.Status.CLOSED)
    change = reverse("admin:mentorship_cohort_change", args=[cohort.pk])
    delete = reverse("admin:mentorship_cohort_delete", args=[cohort.pk])

    assert delete not in committee_client.get(change).text
    response = committee_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == change
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    assert "cannot be deleted" in messages_of(response)[0]


def test_the_refusal_escapes_the_cohort_name(committee_client):
    cohort = CohortFactory(name="<script>alert(1)</script>", status=Cohort.Status.ACTIVE)

    response = delete_selected(committee_client, "mentorship_cohort", cohort, confirm=True)
    page = committee_client.get(response["Location"])

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_sent_survey_is_not_deleted_but_a_draft_and_a_template_are(committee_client):
    cohort = CohortFactory(status=Cohort.Status.ACTIVE)
    sent = survey(cohort, status=Survey.Status.OPEN)
    draft = survey(cohort, status=Survey.Status.DRAFT)
    template = survey(None, status=Survey.Status.DRAFT, is_template=True)

    response = delete_selected(committee_client, "surveys_survey", sent, confirm=True)
    assert Survey.objects.filter(pk=sent.pk).exists()
    assert "once a survey is sent" in messages_of(response)[0]
    delete_selected(committee_client, "surveys_survey", draft, template, confirm=True)

    assert not Survey.objects.filter(pk__in=[draft.pk, template.pk]).exists()


@pytest.mark.parametrize("model", ["matching_matchingrun", "matching_proposal"])
def test_runs_and_proposals_have_no_delete_action_or_page(admin_client, model):
    cohort = CohortFactory(status=Cohort.Status.MATCHING)
    run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
    apm = EnrollmentFactory(cohort=cohort)
    mentor = EnrollmentFactory(cohort=cohort, role="mentor")
    proposal = Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=1)
    row = run if model == "matching_matchingrun" else proposal

    changelist = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert "delete_selected" not in changelist.text
    delete = admin_client.post(reverse(f"admin:{model}_delete", args=[row.pk]), {"post": "yes"})

    assert delete.status_code == 403
    assert MatchingRun.objects.filter(pk=run.pk).exists()
    assert Proposal.objects.filter(pk=proposal.pk).exists()


def test_a_category_that_holds_topics_is_refused_without_loading_them(committee_client):
    small, large = (Category.objects.create(name=name, slug=name) for name in ("Small", "Large"))
    for category, count in ((small, 1), (large, 30)):
        Topic.objects.bulk_create(
            Topic(title=f"{category.name} {i}", slug=f"{category.slug}-{i}", category=category,
                  summary="s", body="b")
            for i in range(count)
        )  # fmt: skip
    delete = lambda c: reverse("admin:toolkit_category_delete", args=[c.pk])  # noqa: E731
    # Fills per-process caches. A refusal is a redirect, which stamps a change as any
    # successful form does (mentorship.common.changes): each post below then reads the
    # permissions afresh, the first as the second.
    committee_client.post(delete(small), {"post": "yes"})

    counts = []
    for category in (small, large):
        with CaptureQueriesContext(connection) as captured:
            response = committee_client.post(delete(category), {"post": "yes"})
        counts.append(len(captured))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:toolkit_category_change", args=[category.pk])
        # The latest message (the warm-up's refusal is still in the session).
        assert messages_of(response)[-1] == (
            f"The category “{category.name}” cannot be deleted: it still holds topics. "
            "Move them to another category first."
        )
    assert counts[0] == counts[1]
    assert not any('FROM "toolkit_topic" WHERE' in q["sql"] and "LIMIT 1" not in q["sql"]
                   for q in captured.captured_queries)  # fmt: skip
    assert Topic.objects.filter(category=large).count() == 30

    response = delete_selected(committee_client, "toolkit_category", small, large, confirm=True)
    assert Category.objects.filter(pk__in=[small.pk, large.pk]).count() == 2
    assert messages_of(response)[-1].startswith("Nothing was deleted: the categories")


def test_an_empty_category_can_still_be_deleted(committee_client):
    empty = Category.objects.create(name="Empty", slug="empty")

    committee_client.post(
        reverse("admin:toolkit_category_delete", args=[empty.pk]), {"post": "yes"}
    )

    assert not Category.objects.filter(pk=empty.pk).exists()


@pytest.mark.parametrize("kept_by", ["match", "proposal"])
def test_an_enrollment_that_was_proposed_or_matched_is_not_deleted(committee_client, kept_by):
    cohort = CohortFactory(status=Cohort.Status.ACTIVE)
    apm = EnrollmentFactory(cohort=cohort, user__full_name="Ada Apm")
    mentor = EnrollmentFactory(cohort=cohort, role="mentor", user__full_name="Max Mentor")
    loner = EnrollmentFactory(cohort=cohort)
    if kept_by == "match":
        Match.objects.create(cohort=cohort, apm=apm, mentor=mentor, status=Match.Status.ACTIVE)
    else:
        run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
        Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=1)
    change = reverse("admin:mentorship_enrollment_change", args=[mentor.pk])

    assert reverse("admin:mentorship_enrollment_delete", args=[mentor.pk]) not in (
        committee_client.get(change).text
    )
    for person in (apm, mentor):
        response = committee_client.post(
            reverse("admin:mentorship_enrollment_delete", args=[person.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert (
            "cannot be deleted: once a person was proposed or matched"
            in (messages_of(response)[-1])
        )
    response = delete_selected(committee_client, "mentorship_enrollment", apm, loner, confirm=True)

    assert messages_of(response)[-1].startswith("Nothing was deleted: the enrollment")
    assert Enrollment.objects.filter(pk__in=[apm.pk, mentor.pk, loner.pk]).count() == 3
    assert (Match if kept_by == "match" else Proposal).objects.filter(apm=apm).exists()
    delete_selected(committee_client, "mentorship_enrollment", loner, confirm=True)
    assert not Enrollment.objects.filter(pk=loner.pk).exists()
