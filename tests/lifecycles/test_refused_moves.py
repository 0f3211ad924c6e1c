"""A refused move changes nothing and writes no audit row, and says why in plain words."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matching import services as matching
from matching.models import BannedPair, Match, MatchingRun, RematchRequest
from mentorship import cohorts, graduation
from mentorship.common.lifecycle import transition
from mentorship.models import Cohort, Promotion
from surveys import services as surveys
from surveys.models import Question, Survey
from tests.factories import CohortFactory
from tests.lifecycles.support import audit_mark, audit_rows_since, messages_of, post_action

pytestmark = pytest.mark.django_db

COHORTS = reverse("admin:mentorship_cohort_changelist")
MATCHES = reverse("admin:matching_match_changelist")


@pytest.fixture
def cohort(active_cohort):
    return active_cohort


@pytest.fixture
def match(cohort, make_apm, make_mentor):
    return Match.objects.create(cohort=cohort, apm=make_apm(), mentor=make_mentor())


def row_values(obj) -> dict:
    return type(obj).objects.filter(pk=obj.pk).values().get()


def refused_without_a_trace(obj, attempt) -> list[str]:
    """Run ``attempt``, expect a refusal; ``obj`` and the audit log are as they were."""
    before, mark = row_values(obj), audit_mark()
    with pytest.raises(ValidationError) as error:
        attempt()
    assert row_values(obj) == before
    assert not audit_rows_since(mark).exists()
    return error.value.messages


def cohort_refusal(current, target) -> str:
    labels = {"current": Cohort.Status(current).label, "target": Cohort.Status(target).label}
    return cohorts.COHORT_TRANSITION_NOT_ALLOWED % labels


def test_the_lifecycle_helper_refuses_a_move_it_does_not_declare(committee):
    draft = CohortFactory(status=Cohort.Status.DRAFT)
    before, mark = row_values(draft), audit_mark()

    with pytest.raises(ValidationError) as error:
        transition(draft, to=Cohort.Status.CLOSED, actor=committee, action="x", summary="x")

    assert error.value.error_list[0].code == "transition_not_allowed"
    assert row_values(draft) == before
    assert not audit_rows_since(mark).exists()


def test_closing_a_draft_cohort_is_refused(committee):
    draft = CohortFactory(status=Cohort.Status.DRAFT)

    messages = refused_without_a_trace(
        draft,
        lambda: cohorts.cohort_transition(
            cohort=draft, to_status=Cohort.Status.CLOSED, acting_user=committee
        ),
    )

    assert messages == [cohort_refusal(Cohort.Status.DRAFT, Cohort.Status.CLOSED)]


def test_the_close_action_on_a_draft_cohort_says_why_and_changes_nothing(committee_client):
    draft = CohortFactory(status=Cohort.Status.DRAFT)
    before, mark = row_values(draft), audit_mark()

    response = post_action(committee_client, COHORTS, "close", draft)

    refusal = cohort_refusal(Cohort.Status.DRAFT, Cohort.Status.CLOSED)
    assert messages_of(response) == [f"{draft.name}: {refusal}"]
    assert row_values(draft) == before
    assert not audit_rows_since(mark).exists()


def test_closing_intake_twice_is_refused(committee):
    matching_cohort = CohortFactory(status=Cohort.Status.MATCHING)

    messages = refused_without_a_trace(
        matching_cohort,
        lambda: cohorts.cohort_close_intake(cohort=matching_cohort, acting_user=committee),
    )

    assert messages == [cohort_refusal(Cohort.Status.MATCHING, Cohort.Status.MATCHING)]


def test_ending_an_ended_match_is_refused(match, committee):
    matching.match_end(match=match, acting_user=committee, reason="Moved teams", ban=False)

    messages = refused_without_a_trace(
        match,
        lambda: matching.match_end(match=match, acting_user=committee, reason="Again"),
    )

    assert messages == [Match.lifecycle.refused % {"current": "Ended"}]
    assert not BannedPair.objects.exists()


def test_the_end_action_on_an_ended_match_says_why_and_changes_nothing(
    match, committee, committee_client
):
    matching.match_end(match=match, acting_user=committee, reason="Moved teams")
    before, mark = row_values(match), audit_mark()

    response = post_action(committee_client, MATCHES, "end_selected", match, confirm_end="yes")

    assert messages_of(response) == [f"{match}: {Match.lifecycle.refused % {'current': 'Ended'}}"]
    assert row_values(match) == before
    assert not audit_rows_since(mark).exists()


def test_graduating_a_graduated_match_is_refused(match, committee):
    graduation.promotion_record(
        user=match.apm.user, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(), acting_user=committee,
    )  # fmt: skip
    graduation.apm_graduate(match=match, acting_user=committee)

    messages = refused_without_a_trace(
        match, lambda: graduation.apm_graduate(match=match, acting_user=committee)
    )

    assert messages == [
        graduation.GRADUATION_MATCH_NOT_ACTIVE
        % {
            "apm": match.apm.user.display_name,
            "mentor": match.mentor.user.display_name,
            "status": "graduated",
        }
    ]


@pytest.mark.parametrize("handle", ["resolve", "decline"])
def test_handling_a_rematch_request_twice_is_refused(handle, match, committee):
    request = matching.rematch_request_create(
        match=match, requested_by=match.apm.user, reason="We never meet."
    )
    matching.rematch_request_decline(request=request, acting_user=committee)
    service = {
        "resolve": matching.rematch_request_resolve,
        "decline": matching.rematch_request_decline,
    }[handle]

    messages = refused_without_a_trace(
        request, lambda: service(request=request, acting_user=committee)
    )

    assert messages == [RematchRequest.lifecycle.refused % {"current": "Declined"}]
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE


def test_confirming_a_confirmed_promotion_is_refused(match, committee):
    promotion = graduation.promotion_record(
        user=match.apm.user, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(), acting_user=committee,
    )  # fmt: skip

    messages = refused_without_a_trace(
        promotion, lambda: graduation.promotion_confirm(promotion=promotion, acting_user=committee)
    )

    assert messages == [graduation.PROMOTION_ALREADY_CONFIRMED % {"person": match.apm.user}]
    assert promotion.status == Promotion.Status.CONFIRMED


@pytest.fixture
def draft_survey(cohort, match):
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=cohort, title="Check-in", audience="both",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="text", text="How is it going?")
    return survey


def test_closing_a_survey_that_was_never_sent_is_refused(draft_survey, committee):
    messages = refused_without_a_trace(
        draft_survey, lambda: surveys.survey_close(survey=draft_survey, acting_user=committee)
    )

    assert messages == [surveys.SURVEY_NOT_SENT % {"survey": draft_survey}]


def test_sending_or_closing_a_closed_survey_is_refused(draft_survey, committee):
    surveys.survey_open(survey=draft_survey, acting_user=committee)
    surveys.survey_close(survey=draft_survey, acting_user=committee)

    sent_again = refused_without_a_trace(
        draft_survey, lambda: surveys.survey_open(survey=draft_survey, acting_user=committee)
    )
    closed_again = refused_without_a_trace(
        draft_survey, lambda: surveys.survey_close(survey=draft_survey, acting_user=committee)
    )

    assert sent_again == [surveys.SURVEY_ALREADY_SENT % {"survey": draft_survey}]
    assert closed_again == [surveys.SURVEY_ALREADY_CLOSED % {"survey": draft_survey}]


@pytest.mark.parametrize("status", [MatchingRun.Status.RUNNING, MatchingRun.Status.SUCCEEDED])
def test_executing_a_run_that_is_not_queued_does_nothing(status, cohort):
    run = MatchingRun.objects.create(cohort=cohort, status=status)
    before, mark = row_values(run), audit_mark()

    assert matching.run_execute(run_id=run.pk) is None

    assert row_values(run) == before
    assert not audit_rows_since(mark).exists()
