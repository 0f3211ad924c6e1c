"""Delete confirmations name a few rows of each kind and count the rest (issue 13).

The cohorts are drafts: a cohort whose intake has opened is history and is not deleted
(tests/mentorship/test_admin_history.py).
"""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.common.admin_deletion import SHOWN_PER_MODEL, deleted_objects_summary
from mentorship.models import Cohort
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

MORE = 5


def flat(lines):
    for line in lines:
        if isinstance(line, list):
            yield from flat(line)
        else:
            yield str(line)


def delete_page(client, cohort):
    return client.get(reverse("admin:mentorship_cohort_delete", args=[cohort.pk]))


def test_cohort_delete_confirmation_names_a_few_enrollments_and_counts_all(admin_client):
    cohort = CohortFactory(name="Big cohort", status=Cohort.Status.DRAFT)
    EnrollmentFactory.create_batch(SHOWN_PER_MODEL + MORE, cohort=cohort)

    response = delete_page(admin_client, cohort)

    assert response.status_code == 200
    lines = list(flat(response.context["deleted_objects"]))
    named = [line for line in lines if line.startswith("Enrollment: ")]
    assert len(named) == SHOWN_PER_MODEL
    total = SHOWN_PER_MODEL + MORE
    assert f"… and {MORE} more enrollments ({total} in all)" in lines
    assert dict(response.context["model_count"])["enrollments"] == total
    assert "Big cohort" in response.text


def test_cohort_delete_confirmation_queries_do_not_grow_with_the_enrollments(admin_client):
    small, large = (CohortFactory(status=Cohort.Status.DRAFT) for _ in range(2))
    EnrollmentFactory.create_batch(3, cohort=small)
    EnrollmentFactory.create_batch(SHOWN_PER_MODEL * 3, cohort=large)
    delete_page(admin_client, small)  # fills per-process caches

    counts = []
    for cohort in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert delete_page(admin_client, cohort).status_code == 200
        counts.append(len(captured))
    # Each enrollment named costs its person's name: at most SHOWN_PER_MODEL of them.
    assert counts[1] - counts[0] <= 2 * (SHOWN_PER_MODEL - 3)
    assert counts[1] < SHOWN_PER_MODEL * 3


def test_delete_summary_still_checks_permission_for_every_kind_of_row():
    cohort = CohortFactory()
    EnrollmentFactory.create_batch(SHOWN_PER_MODEL + MORE, cohort=cohort)
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="delete_cohort"))
    request = RequestFactory().get("/")
    request.user = user

    _, _, perms_needed, _ = deleted_objects_summary(
        Cohort.objects.filter(pk=cohort.pk), request, admin.site
    )

    assert "enrollment" in perms_needed


def test_a_topic_people_saved_and_discussed_counts_its_rows_without_loading_them(
    admin_client, make_apm, make_mentor
):
    from matching.models import Match, Meeting
    from toolkit.models import Bookmark, Category, Topic

    category = Category.objects.create(name="Craft", slug="craft", order=1)
    few, many = (
        Topic.objects.create(title=title, slug=title, category=category, summary="s", body="b")
        for title in ("few", "many")
    )
    apm, mentor = make_apm(), make_mentor()
    pair = Match.objects.create(cohort=apm.cohort, apm=apm, mentor=mentor)
    meetings = Meeting.objects.bulk_create(
        Meeting(match=pair, occurred_on=date(2026, 1, 1) + timedelta(days=n), duration_minutes=30)
        for n in range(SHOWN_PER_MODEL * 3)
    )
    for topic, people in ((few, 2), (many, SHOWN_PER_MODEL * 3)):
        Bookmark.objects.bulk_create(
            Bookmark(user=UserFactory(), topic=topic) for _ in range(people)
        )
        Meeting.topics.through.objects.bulk_create(
            Meeting.topics.through(meeting=meeting, topic=topic) for meeting in meetings[:people]
        )
    url = lambda topic: reverse("admin:toolkit_topic_delete", args=[topic.pk])  # noqa: E731
    admin_client.get(url(few))  # fills per-process caches

    counts = []
    for topic, people in ((few, 2), (many, SHOWN_PER_MODEL * 3)):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(url(topic))
        counts.append(len(captured))
        lines = list(flat(response.context["deleted_objects"]))
        assert f"{people:,} bookmarks" in lines
        assert not [line for line in lines if line.startswith("Bookmark: ")]
        assert dict(response.context["model_count"])["bookmarks"] == people
        assert f"{people:,} meeting-topic relationships" in lines
        assert not [line for line in lines if "relationship:" in line.lower()]
    assert counts[0] == counts[1]

    response = admin_client.post(url(many), {"post": "yes"})
    assert response.status_code == 302
    assert not Topic.objects.filter(pk=many.pk).exists()
    assert Bookmark.objects.filter(topic=few).count() == 2
    assert not Bookmark.objects.filter(topic_id=many.pk).exists()
    assert not Meeting.topics.through.objects.filter(topic_id=many.pk).exists()
    assert Meeting.topics.through.objects.filter(topic=few).count() == 2
    assert Meeting.objects.count() == len(meetings)  # the meetings stay, without the topic
