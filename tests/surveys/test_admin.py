"""The committee's survey admin, and who may read attributed answers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorship.models import AuditLog
from surveys import services
from surveys.models import Invitation, Survey
from tests.surveys.conftest import answers_for, close, mix

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:surveys_survey_changelist")


def change_url(survey):
    return reverse("admin:surveys_survey_change", args=[survey.pk])


def test_the_survey_list_links_each_survey_to_its_results(client, committee, open_survey):
    survey = open_survey()
    client.force_login(committee)
    page = client.get(CHANGELIST).content.decode()
    assert reverse("surveys:results", args=[survey.pk]) in page
    assert reverse("surveys:outcomes") in page
    change = client.get(change_url(survey)).content.decode()
    assert reverse("surveys:results", args=[survey.pk]) in change


@pytest.fixture
def answered_survey(make_pair, open_survey):
    """An open survey of one pair, which one of them has answered."""
    make_pair()
    survey = open_survey()
    invitation = Invitation.objects.filter(survey=survey).first()
    services.response_submit(invitation=invitation, answers=answers_for(survey))
    return survey


def test_the_survey_list_counts_answers_without_joining_the_invitations(
    client, committee, answered_survey
):
    survey = answered_survey
    client.force_login(committee)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    (listed,) = [row for row in response.context["cl"].result_list if row.pk == survey.pk]
    assert (listed.invited_count, listed.answered_count) == (
        Invitation.objects.filter(survey=survey).count(),
        1,
    )
    # A join multiplied each survey by its invitations, and the list's count with it.
    joined = [
        q["sql"] for q in captured.captured_queries if 'JOIN "surveys_invitation"' in q["sql"]
    ]
    assert joined == []


def test_the_committee_starts_a_survey_from_a_template_and_sends_it(
    client, committee, make_pair, cohort
):
    make_pair()
    services.survey_templates_install()
    template = Survey.objects.get(template_key="end-of-cohort-apm")
    client.force_login(committee)
    start = reverse("admin:surveys_survey_start", args=[template.pk])
    assert start in client.get(change_url(template)).content.decode()
    now = timezone.localtime()
    response = client.post(start, {
        "cohort": cohort.pk, "title": "APM survey 2026",
        "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    survey = Survey.objects.get(title="APM survey 2026")
    assert response.status_code == 302
    assert response.url == change_url(survey)
    assert survey.questions.count() == template.questions.count()
    response = client.post(
        CHANGELIST, {"action": "send_selected", "_selected_action": [survey.pk]}
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(survey=survey).count() == 1  # the APM only


def test_the_survey_page_says_how_many_anonymous_answers_wait_for_their_batch(
    client, committee, answered_survey
):
    survey = answered_survey
    client.force_login(committee)
    page = client.get(change_url(survey)).content.decode()
    assert "1 answer is waiting to be added, in a batch, to keep them anonymous." in page
    listed = client.get(CHANGELIST).content.decode()
    assert "1 of 2" in listed  # answered counts come from invitations
    mix(survey)
    page = client.get(change_url(survey)).content.decode()
    assert "None: every answer received is stored as a response." in page


def test_questions_cannot_change_once_a_survey_is_sent(client, committee, open_survey):
    survey = open_survey()
    asked = survey.questions.order_by("position", "id").first()
    asked.text, asked.help_text = "<b>Loud</b> question", "<i>help</i>"
    asked.save()
    before = list(survey.questions.values_list("id", "text", "kind", "options"))
    client.force_login(committee)
    page = client.get(change_url(survey))

    # No formset to edit them: a table of what was asked, each question escaped.
    assert page.context["inline_admin_formsets"] == []
    assert "audience" in page.context["adminform"].readonly_fields
    text = page.content.decode()
    assert "Questions (as sent; they can no longer change)" in text
    assert "&lt;b&gt;Loud&lt;/b&gt; question" in text
    assert "<b>Loud</b>" not in text
    assert "&lt;i&gt;help&lt;/i&gt;" in text
    table = text.split('<table class="questions-asked">')[1].split("</table>")[0]
    assert table.count("<tr>") - 1 == len(before)  # one row per question, below the header
    # Saving what may still change leaves the questions as they were.
    closes = timezone.localtime(survey.closes_at) + timedelta(days=1)
    response = client.post(change_url(survey), {
        "title": "Renamed", "intro": survey.intro,
        "closes_at_0": closes.strftime("%Y-%m-%d"), "closes_at_1": closes.strftime("%H:%M:%S"),
    })  # fmt: skip
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.title == "Renamed"
    assert list(survey.questions.values_list("id", "text", "kind", "options")) == before


def test_a_draft_survey_edits_its_questions_inline(client, committee, make_survey):
    survey = make_survey()
    client.force_login(committee)
    page = client.get(change_url(survey))

    (inline,) = page.context["inline_admin_formsets"]
    assert inline.has_add_permission
    assert inline.has_change_permission
    assert "questions_asked" not in page.context["adminform"].form.fields


def test_a_closed_survey_cannot_be_reopened_from_the_admin(client, committee, open_survey):
    survey = close(open_survey(), committee)
    client.force_login(committee)
    page = client.get(change_url(survey))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    now = timezone.localtime()
    response = client.post(change_url(survey), {
        "title": survey.title, "closes_at_0": (now + timedelta(days=9)).strftime("%Y-%m-%d"),
        "closes_at_1": "12:00:00",
    })  # fmt: skip
    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.has_closed()


def test_the_close_action_closes_and_reports_errors_kindly(client, committee, open_survey,
                                                          make_survey):  # fmt: skip
    sent, draft = open_survey(), make_survey(title="Draft")
    client.force_login(committee)
    response = client.post(
        CHANGELIST, {"action": "close_selected", "_selected_action": [sent.pk, draft.pk]},
        follow=True,
    )  # fmt: skip
    text = response.content.decode()
    assert "Closed 1 survey." in text
    assert "has not been sent, so there is nothing to close" in text
    sent.refresh_from_db()
    assert sent.status == "closed"


def test_the_invitation_list_shows_who_answered_never_what_or_drafts(
    client, committee, make_pair, open_survey
):
    pair = make_pair()
    survey = open_survey()
    invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
    text = survey.questions.get(kind="text")
    services.invitation_save_draft(invitation=invitation, answers={text.pk: "Draft secret"})
    client.force_login(committee)
    listing = client.get(reverse("admin:surveys_invitation_changelist"))
    assert listing.context["cl"].result_count == 2
    detail = client.get(reverse("admin:surveys_invitation_change", args=[invitation.pk]))
    assert "Draft secret" not in listing.content.decode() + detail.content.decode()
    assert client.get(reverse("admin:surveys_invitation_add")).status_code == 403


def test_responses_and_answers_are_not_in_the_admin(client, committee):
    client.force_login(committee)
    assert client.get("/admin/surveys/response/").status_code == 404
    assert client.get("/admin/surveys/answer/").status_code == 404


@pytest.fixture
def attributed(make_pair, open_survey):
    pairs = [make_pair() for _ in range(2)]
    survey = open_survey(is_anonymous=False)
    invitation = Invitation.objects.get(survey=survey, user=pairs[0].apm.user)
    services.response_submit(invitation=invitation, answers=answers_for(survey, text="Named view"))
    return survey, pairs


def test_the_committee_alone_cannot_read_individual_answers(client, committee, attributed):
    survey, _ = attributed
    assert not committee.has_perm("surveys.view_attributed_answers")
    client.force_login(committee)
    url = reverse("surveys:attributed_answers", args=[survey.pk])
    page = client.get(url)
    assert page.status_code == 403
    assert "You don't have access to this page" in page.content.decode()
    assert url not in client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert not AuditLog.objects.filter(action="surveys.attributed_answers_viewed").exists()


def test_reading_individual_answers_needs_the_permission_and_each_read_is_audited(
    client, committee, attributed
):
    survey, pairs = attributed
    committee.user_permissions.add(Permission.objects.get(codename="view_attributed_answers"))
    committee = type(committee).objects.get(pk=committee.pk)
    client.force_login(committee)
    url = reverse("surveys:attributed_answers", args=[survey.pk])
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        assert "Named view" in page.content.decode()
        assert pairs[0].apm.user.display_name in page.content.decode()
    logs = AuditLog.objects.filter(action="surveys.attributed_answers_viewed")
    assert logs.count() == 2
    log = logs.first()
    assert (log.actor, log.target) == (committee, f"surveys.survey:{survey.pk}")
    assert log.details["people"] == [pairs[0].apm.user_id]


def test_anonymous_answers_can_never_be_read_one_by_one(client, committee, open_survey):
    survey = open_survey()
    committee.user_permissions.add(Permission.objects.get(codename="view_attributed_answers"))
    client.force_login(type(committee).objects.get(pk=committee.pk))
    assert client.get(reverse("surveys:attributed_answers", args=[survey.pk])).status_code == 404


def test_the_committee_group_has_every_survey_permission_but_attributed_answers():
    from django.contrib.auth.models import Group

    from mentorship.roles import COMMITTEE_GROUP

    codenames = set(
        Group.objects.get(name=COMMITTEE_GROUP)
        .permissions.filter(content_type__app_label="surveys")
        .values_list("codename", flat=True)
    )
    assert {"add_survey", "change_survey", "view_invitation", "view_response"} <= codenames
    assert "view_attributed_answers" not in codenames


def test_a_survey_added_by_hand_needs_a_cohort_and_dates_in_order(client, committee, cohort):
    client.force_login(committee)
    url = reverse("admin:surveys_survey_add")
    base = {"title": "Hand-made", "audience": "both", "is_anonymous": "on",
            "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"}  # fmt: skip
    page = client.post(url, base)
    assert "Choose the cohort this survey is for." in page.content.decode()
    page = client.post(url, base | {
        "cohort": cohort.pk, "opens_at_0": "2026-05-02", "opens_at_1": "09:00:00",
        "closes_at_0": "2026-05-01", "closes_at_1": "09:00:00",
    })  # fmt: skip
    assert "The survey must close after it opens." in page.content.decode()
    assert not Survey.objects.filter(title="Hand-made").exists()
    client.post(url, base | {
        "cohort": cohort.pk, "opens_at_0": "2026-05-01", "opens_at_1": "09:00:00",
        "closes_at_0": "2026-05-15", "closes_at_1": "09:00:00",
    })  # fmt: skip
    assert Survey.objects.get(title="Hand-made").status == "draft"
