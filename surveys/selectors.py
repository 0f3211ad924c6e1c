"""Reads for surveys that need care: who is invited, who may see what.

The results (aggregates with privacy thresholds) live in ``surveys.results`` and the
committee's outcomes dashboard in ``surveys.outcomes``; both are re-exported here.
"""

import logging

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from matching.models import Match
from mentorship.graduation import credited_promotions
from mentorship.models import Cohort, Enrollment, Role
from mentorship.selectors import COMMITTEE
from surveys import ballots
from surveys.models import Invitation, Response, Survey
from surveys.outcomes import outcomes_dashboard
from surveys.results import cohort_results, results_for, survey_results

__all__ = [
    "cohort_results",
    "home_invitations",
    "outcomes_dashboard",
    "results_for",
    "survey_results",
]

logger = logging.getLogger(__name__)

# People who are or were in a pair of the cohort are asked about it.
INVITED_MATCH_STATUSES = (Match.Status.ACTIVE, Match.Status.GRADUATED, Match.Status.ENDED)


def survey_audience(*, survey: Survey) -> list[dict]:
    """Who a survey asks: one row per person, ``user_id``, ``role`` and ``business_unit``.

    Submitted enrollments of the survey's cohort in the audience's roles, with a match
    in that cohort (active, graduated or ended). Someone who is both an APM and a mentor
    in the cohort is asked once, as an APM.
    """
    roles = survey.roles
    matched = Q()
    if Role.APM in roles:
        matched |= Q(role=Role.APM, apm_matches__status__in=INVITED_MATCH_STATUSES)
    if Role.MENTOR in roles:
        matched |= Q(role=Role.MENTOR, mentor_matches__status__in=INVITED_MATCH_STATUSES)
    rows = (
        Enrollment.objects.filter(
            cohort_id=survey.cohort_id, status=Enrollment.Status.SUBMITTED, role__in=roles
        )
        .filter(matched)
        .values_list("user_id", "role", "user__profile__business_unit_id")
        .distinct()
    )
    people: dict[int, dict] = {}
    for user_id, role, unit_id in sorted(rows, key=lambda row: row[1] != Role.APM):
        people.setdefault(user_id, {"user_id": user_id, "role": role, "business_unit": unit_id})
    return list(people.values())


def promoted_user_ids(*, cohort: Cohort, user_ids=None) -> set[int]:
    """People whose promotion counts for the program in the cohort (dated on or after
    their match started)."""
    promotions = credited_promotions(cohort=cohort)
    if user_ids is not None:
        promotions = promotions.filter(user_id__in=user_ids)
    return set(promotions.values_list("user_id", flat=True))


def is_promoted_apm(*, invitation: Invitation) -> bool:
    if invitation.role != Role.APM:
        return False
    cohort = invitation.survey.cohort
    return bool(promoted_user_ids(cohort=cohort, user_ids=[invitation.user_id]))


def questions_for(*, invitation: Invitation, questions=None) -> list:
    """The questions this person is asked, in order (promotion questions only if promoted)."""
    questions = list(questions if questions is not None else invitation.survey.questions.all())
    if any(q.only_for_promoted for q in questions) and not is_promoted_apm(invitation=invitation):
        questions = [q for q in questions if not q.only_for_promoted]
    return questions


# --- What a participant may see ----------------------------------------------------------


def get_survey_for_participant(*, survey_id) -> Survey:
    """A survey that has been sent; templates and drafts are invisible (404)."""
    try:
        return (
            Survey.objects.select_related("cohort")
            .exclude(status=Survey.Status.DRAFT)
            .get(pk=survey_id, is_template=False)
        )
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404("No such survey.") from None


def get_own_invitation(*, user, survey: Survey) -> Invitation | None:
    invitation = Invitation.objects.filter(survey=survey, user=user).first()
    if invitation is not None:
        invitation.survey = survey
    return invitation


def draft_answers(*, invitation: Invitation) -> dict:
    """The answers saved in a person's draft, {question id (str): value}, for the form.

    Anonymous surveys keep drafts encrypted (a token string); a plain dict is an
    attributed survey's draft, or one saved before drafts were encrypted. A draft no key
    opens is shown as empty (and logged): the person answers again.
    """
    draft = invitation.draft
    if isinstance(draft, str):
        try:
            draft = ballots.decrypt(draft)
        except ballots.UnreadableError:
            logger.warning("Invitation %s: its draft could not be decrypted", invitation.pk)
            return {}
    return draft if isinstance(draft, dict) else {}


def home_invitations(*, user) -> list[Invitation]:
    """Surveys the person can answer now, soonest closing first (one query)."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    return list(
        Invitation.objects.filter(
            user=user,
            completed_on=None,
            survey__status=Survey.Status.OPEN,
            survey__opens_at__lte=now,
            survey__closes_at__gt=now,
        )
        .select_related("survey__cohort")
        .order_by("survey__closes_at", "survey_id")
    )


def own_invitations(*, user) -> list[Invitation]:
    """Every survey the person was asked to answer, newest first."""
    return list(
        Invitation.objects.filter(user=user)
        .exclude(survey__status=Survey.Status.DRAFT)
        .select_related("survey__cohort")
        .order_by("-survey__opens_at", "-survey_id")
    )


def own_response(*, user, survey: Survey) -> Response | None:
    """The person's own answers to an attributed survey (anonymous ones have no owner)."""
    if survey.is_anonymous:
        return None
    return (
        Response.objects.filter(survey=survey, user=user)
        .prefetch_related("answers__question")
        .first()
    )


# --- What the committee may see ----------------------------------------------------------


def get_survey_for_committee(*, roles, survey_id) -> Survey:
    """A survey (not a template) for a committee member; 404 for everyone else.

    ``roles`` are the person's (``request_roles``: a page asks for them once, the
    navigation too)."""
    if COMMITTEE not in roles:
        raise Http404("No such survey.")
    try:
        return Survey.objects.select_related("cohort").get(pk=survey_id, is_template=False)
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404("No such survey.") from None


def get_cohort_for_committee(*, roles, cohort_id) -> Cohort:
    """A cohort for a committee member (``roles`` as above); 404 for everyone else."""
    if COMMITTEE not in roles:
        raise Http404("No such cohort.")
    try:
        return Cohort.objects.get(pk=cohort_id)
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cohort.") from None


def attributed_responses(*, survey: Survey) -> list[Response]:
    """Every response to an attributed survey with its person and answers, by name."""
    if survey.is_anonymous:
        return []
    return list(
        Response.objects.filter(survey=survey)
        .select_related("user", "business_unit")
        .prefetch_related("answers")
        .order_by("user__full_name", "user__email")
    )


def answers_by_question(*, response: Response, questions) -> list[tuple]:
    """(question, [readable answers]) in question order, for one response."""
    by_question: dict[int, list] = {}
    for answer in response.answers.all():
        by_question.setdefault(answer.question_id, []).append(answer)
    rows = []
    for question in questions:
        answers = by_question.get(question.pk, [])
        values = []
        for answer in answers:
            if answer.number is not None:
                values.append(question.value_label(answer.number))
            elif answer.choice:
                values.append(answer.choice)
            elif answer.text:
                values.append(answer.text)
        if question.kind == question.Kind.MULTIPLE:
            order = {option: i for i, option in enumerate(question.option_list)}
            values.sort(key=lambda v: order.get(v, len(order)))
        rows.append((question, values))
    return rows
