"""Fixtures for survey tests: matched pairs, surveys with every kind of question, answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Match
from mentorship.models import Promotion
from surveys import services
from surveys.models import Question, Survey

RECOMMEND = "Would you recommend the program to other product managers?"
PROMOTION = "Did the program contribute to your promotion?"

QUESTIONS = [
    ("scale", "Our conversations helped me grow.", {}),
    ("nps", "How likely are you to recommend the program to a colleague?", {"measures": "nps"}),
    ("yes_no", RECOMMEND, {"measures": "recommend"}),
    ("yes_no", PROMOTION, {"measures": "promotion_credit", "only_for_promoted": True}),
    ("single", "Would you mentor in a future cohort?", {"options": "Yes\nMaybe later\nNo"}),
    ("multiple", "Which topics were most useful?",
     {"options": "Contracting\nFrameworks\nCareer growth", "required": False}),
    ("text", "What should the committee change?", {"required": False}),
]  # fmt: skip


@pytest.fixture
def cohort(active_cohort):
    """Surveys ask about a program that has started."""
    return active_cohort


@pytest.fixture
def make_pair(make_apm, make_mentor):
    """An APM and a mentor in an active match (no introduction email)."""

    def make(*, apm_kwargs=None, mentor_kwargs=None, status=Match.Status.ACTIVE):
        apm = make_apm(**(apm_kwargs or {}))
        mentor = make_mentor(**(mentor_kwargs or {}))
        return Match.objects.create(cohort=apm.cohort, apm=apm, mentor=mentor, status=status)

    return make


@pytest.fixture
def make_survey(cohort):
    def make(*, questions=QUESTIONS, opens_in=timedelta(days=-1), closes_in=timedelta(days=7),
             **fields):  # fmt: skip
        now = timezone.now()
        defaults = {"title": "End-of-cohort survey", "audience": "both", "is_anonymous": True}
        survey = Survey.objects.create(
            cohort=cohort, opens_at=now + opens_in, closes_at=now + closes_in,
            **{**defaults, **fields},
        )  # fmt: skip
        for position, (kind, text, extra) in enumerate(questions, start=1):
            Question.objects.create(survey=survey, position=position, kind=kind, text=text,
                                    **extra)  # fmt: skip
        return survey

    return make


@pytest.fixture
def open_survey(make_survey, committee):
    """Make a survey and send it (invitations are created; emails wait for commit)."""

    def make(**kwargs):
        survey = make_survey(**kwargs)
        services.survey_open(survey=survey, acting_user=committee)
        survey.refresh_from_db()
        return survey

    return make


def question(survey, kind_or_measure) -> Question:
    questions = survey.questions.all()
    return next(q for q in questions if kind_or_measure in (q.measures, q.kind))


def answers_for(survey, *, recommend=1, nps=9, scale=4, single="Yes", multiple=None, text=""):
    """Valid answers to every question a non-promoted person is asked."""
    values = {"recommend": recommend, "nps": nps, "scale": scale, "single": single,
              "multiple": multiple or [], "text": text}  # fmt: skip
    answers = {}
    for q in survey.questions.all():
        if q.only_for_promoted:
            continue
        key = q.measures if q.measures in values else q.kind
        if key in values and values[key] not in (None, "", []):
            answers[q.pk] = values[key]
    return answers


def promote(user, cohort, *, status=Promotion.Status.CONFIRMED):
    return Promotion.objects.create(
        user=user, cohort=cohort, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(), status=status,
    )  # fmt: skip


def mix(survey) -> int:
    """Write every waiting ballot of an anonymous survey as a response now.

    Submitting an anonymous survey stores a sealed ballot; responses appear in batches
    (surveys.ballots). Tests that read responses mix explicitly, as sealing does.
    """
    return services.ballots_mix(survey_id=survey.pk, final=True)


def close(survey, committee):
    services.survey_close(survey=survey, acting_user=committee)
    survey.refresh_from_db()
    return survey
