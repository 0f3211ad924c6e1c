"""Writes for participants: drafts and answers, stored once.

Exactly once: a person's answers are stored by ``response_submit``, which first claims
the invitation with a conditional update (``completed_on`` from empty to today). Only the
request that wins the claim writes its answers, in the same transaction, so a double
click or twenty parallel posts store one set; attributed surveys also have a unique
(survey, user) constraint as a backstop.

Anonymous surveys: what the claim's transaction writes is a sealed Ballot, never a
Response; the mixer (``surveys.services.mixing``) turns ballots into responses in
batches. Drafts of anonymous surveys are encrypted too. ``surveys.ballots`` says why.
"""

import random

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from mentorship.common.background import enqueue_on_commit
from mentorship.graduation.guide import guide_survey_answered
from surveys import ballots, selectors
from surveys.models import (
    Answer,
    Ballot,
    Invitation,
    Question,
    Response,
    Survey,
    privacy_threshold,
)
from surveys.services.mixing import answer_rows
from surveys.services.sending import when_text

MIX_TASK = "surveys.tasks.mix_survey_ballots"

SURVEY_NOT_OPEN_YET = "This survey opens on %(opens)s. Come back then: your invitation will wait."
SURVEY_CLOSED = (
    "This survey closed on %(closes)s, so answers can no longer be sent. Thank you all the same."
)
ALREADY_ANSWERED = "You have already answered this survey. Each person answers once: thank you."
QUESTION_NOT_IN_SURVEY = (
    "Some answers were for questions that are not in this survey, so nothing was saved. "
    "Reload the page and answer again."
)
ANSWER_REQUIRED = "Please answer “%(question)s”."
ANSWER_OUT_OF_RANGE = "“%(value)s” is not a possible answer to “%(question)s”."
ANSWER_TOO_LONG = "Keep your answer to “%(question)s” under %(limit)s characters."
TEXT_LIMIT = 4000

# Answers are written in random order: nothing about their rows should echo the form.
_shuffle = random.SystemRandom().shuffle


def _check_open(survey: Survey) -> None:
    now = timezone.now()
    if survey.status == Survey.Status.OPEN and survey.opens_at > now:
        raise ValidationError(
            SURVEY_NOT_OPEN_YET, code="not_open_yet", params={"opens": when_text(survey.opens_at)}
        )
    if not survey.is_open(now):
        raise ValidationError(
            SURVEY_CLOSED, code="closed", params={"closes": when_text(survey.closes_at)}
        )


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _clean_value(question: Question, value):
    """The value to store, or a ValidationError if it is not a possible answer."""

    def out_of_range():
        return ValidationError(
            ANSWER_OUT_OF_RANGE,
            code="out_of_range",
            params={"value": str(value)[:50], "question": question.text},
        )

    kind = question.kind
    if kind in (Question.Kind.SCALE, Question.Kind.NPS, Question.Kind.YES_NO):
        if isinstance(value, bool):
            raise out_of_range()
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise out_of_range() from None
        if str(number) != str(value).strip() or number not in question.values():
            raise out_of_range()
        return number
    if kind == Question.Kind.SINGLE:
        if not isinstance(value, str) or value not in question.option_list:
            raise out_of_range()
        return value
    if kind == Question.Kind.MULTIPLE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or any(
            not isinstance(v, str) or v not in question.option_list for v in values
        ):
            raise out_of_range()
        return list(dict.fromkeys(values))
    if not isinstance(value, str):
        raise out_of_range()
    text = value.strip()
    if len(text) > TEXT_LIMIT:
        raise ValidationError(
            ANSWER_TOO_LONG,
            code="too_long",
            params={"question": question.text, "limit": f"{TEXT_LIMIT:,}"},
        )
    return text


def clean_answers(*, questions: list[Question], answers: dict, require_all: bool) -> dict:
    """Check answers against the questions asked; {question id: value} without blanks.

    Raises one ValidationError listing every problem. An answer to a question that was
    not asked (not in the survey, or for promoted APMs only) is refused outright.
    """
    by_id = {question.pk: question for question in questions}
    try:
        answer_ids = {int(key) for key in answers}
    except (TypeError, ValueError):
        raise ValidationError(QUESTION_NOT_IN_SURVEY, code="unknown_question") from None
    if not answer_ids <= by_id.keys():
        raise ValidationError(QUESTION_NOT_IN_SURVEY, code="unknown_question")
    values = {int(key): value for key, value in answers.items()}
    cleaned, errors = {}, []
    for question in questions:
        value = values.get(question.pk)
        if not _is_blank(value):
            try:
                value = _clean_value(question, value)
            except ValidationError as error:
                errors.append(error)
                continue
        if _is_blank(value):
            if require_all and question.required:
                errors.append(
                    ValidationError(
                        ANSWER_REQUIRED, code="required", params={"question": question.text}
                    )
                )
            continue
        cleaned[question.pk] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _fresh_survey(invitation: Invitation, *, hold_open: bool = False) -> Survey:
    """Read the survey again: the committee may have closed it since the page loaded.

    ``hold_open`` keeps it from closing until this transaction ends: a share lock on its
    row (FOR KEY SHARE, so submissions do not wait for each other or for the mixer),
    which closing and sealing (FOR UPDATE) wait for. Then no ballot can commit after
    sealing has mixed the last ones. SQLite needs nothing: its transactions are
    IMMEDIATE, one writer at a time.
    """
    if hold_open and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Survey._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
                [invitation.survey_id],
            )
    survey = Survey.objects.select_related("cohort").get(pk=invitation.survey_id)
    invitation.survey = survey
    return survey


def draft_encode(*, survey: Survey, draft: dict, questions: list[Question]):
    """What ``Invitation.draft`` stores: the dict, or for anonymous surveys a token
    padded like the survey's ballots (``questions``: all of the survey's)."""
    if not survey.is_anonymous:
        return draft
    return ballots.encrypt(draft, length=ballots.padded_length(questions))


@transaction.atomic
def invitation_save_draft(*, invitation: Invitation, answers: dict) -> Invitation:
    """Keep unfinished answers with the invitation (required ones may still be missing).

    Drafts are the one place answers sit next to a name: encrypted for anonymous
    surveys, and deleted when the person submits.
    """
    survey = _fresh_survey(invitation)
    _check_open(survey)
    all_questions = list(survey.questions.all())
    questions = selectors.questions_for(invitation=invitation, questions=all_questions)
    cleaned = clean_answers(questions=questions, answers=answers, require_all=False)
    draft = draft_encode(
        survey=survey,
        draft={str(key): value for key, value in cleaned.items()},
        questions=all_questions,
    )
    saved = Invitation.objects.filter(pk=invitation.pk, completed_on=None).update(draft=draft)
    if saved != 1:
        raise ValidationError(ALREADY_ANSWERED, code="already_answered")
    invitation.draft = draft
    return invitation


def _stored_unit(invitation: Invitation, survey: Survey) -> int | None:
    """The business unit kept on an anonymous response, if its group is large enough.

    Only if at least the privacy threshold of people in this role and unit were asked:
    otherwise the unit would narrow the response down to a handful of people.
    """
    if invitation.business_unit_id is None:
        return None
    peers = Invitation.objects.filter(
        survey=survey, role=invitation.role, business_unit_id=invitation.business_unit_id
    ).count()
    return invitation.business_unit_id if peers >= privacy_threshold() else None


@transaction.atomic
def response_submit(*, invitation: Invitation, answers: dict) -> Response | Ballot:
    """Store a person's answers once, and record on the invitation that they answered.

    Attributed surveys: the response, with the person and the day, at once. Anonymous
    surveys: a sealed Ballot (role, business unit if its group is large enough, the
    answers; no person, no time) in the claim's transaction, and a mix task queued for
    after commit that writes it as a Response once there are enough to make a batch.
    The invitation gets the day only.
    """
    survey = _fresh_survey(invitation, hold_open=True)
    _check_open(survey)
    all_questions = list(survey.questions.all())
    questions = selectors.questions_for(invitation=invitation, questions=all_questions)
    cleaned = clean_answers(questions=questions, answers=answers, require_all=True)
    today = timezone.localdate()
    # The claim: only one request moves completed_on from empty to today.
    claimed = Invitation.objects.filter(pk=invitation.pk, completed_on=None).update(
        completed_on=today, draft=None
    )
    if claimed != 1:
        raise ValidationError(ALREADY_ANSWERED, code="already_answered")
    invitation.completed_on, invitation.draft = today, None
    guide_survey_answered(user=invitation.user, cohort_id=survey.cohort_id)
    if survey.is_anonymous:
        payload = {
            "role": invitation.role,
            "business_unit": _stored_unit(invitation, survey),
            "asked": sorted(question.pk for question in questions),
            "answers": {str(key): value for key, value in cleaned.items()},
        }
        sealed = ballots.encrypt(payload, length=ballots.padded_length(all_questions))
        ballot = Ballot.objects.create(survey=survey, sealed=sealed)
        enqueue_on_commit(MIX_TASK, survey.pk)
        return ballot
    response = Response.objects.create(
        survey=survey,
        user=invitation.user,
        role=invitation.role,
        business_unit_id=invitation.business_unit_id,
        submitted_on=today,
    )
    rows = answer_rows(response=response, questions=questions, cleaned=cleaned)
    _shuffle(rows)
    Answer.objects.bulk_create(rows)
    return response
