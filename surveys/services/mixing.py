"""Mixing: an anonymous survey's sealed ballots become responses, in batches.

``surveys.ballots`` gives the argument (why ballots, why batches of at least the privacy
threshold of each kind, why some are kept back); this module is the one transaction
that does it.
"""

import logging
import random
from collections import defaultdict

from django.db import transaction

from mentorship.models import BusinessUnit
from surveys import ballots
from surveys.models import Answer, Ballot, Question, Response, Survey, privacy_threshold

logger = logging.getLogger(__name__)

UNREADABLE_BALLOT = (
    "Survey %s: ballot %s could not be decrypted with SECRET_KEY or any key in "
    "SECRET_KEY_FALLBACKS, so it was left in place, not mixed (nothing is lost). Put the "
    "key it was sealed with back, as SECRET_KEY or in SECRET_KEY_FALLBACKS, and the next "
    "run mixes it."
)

# Which ballots are kept back and the order rows are written in must follow nobody.
_random = random.SystemRandom()
_shuffle = _random.shuffle


def answer_rows(*, response: Response, questions, cleaned: dict) -> list[Answer]:
    """The Answer rows of one set of cleaned answers ({question id: value}), unsaved."""
    kinds = {question.pk: question.kind for question in questions}
    rows = []
    for question_id, value in cleaned.items():
        kind = kinds[question_id]
        if kind == Question.Kind.MULTIPLE:
            rows.extend(
                Answer(response=response, question_id=question_id, choice=choice)
                for choice in value
            )
        elif kind == Question.Kind.SINGLE:
            rows.append(Answer(response=response, question_id=question_id, choice=value))
        elif kind == Question.Kind.TEXT:
            rows.append(Answer(response=response, question_id=question_id, text=value))
        else:
            rows.append(Answer(response=response, question_id=question_id, number=value))
    return rows


def _opened(ballot: Ballot) -> dict | None:
    try:
        payload = ballots.decrypt(ballot.sealed)
        payload["kind"] = (payload["role"], payload["business_unit"], tuple(payload["asked"]))
    except (ballots.UnreadableError, KeyError, TypeError, ValueError):
        logger.error(UNREADABLE_BALLOT, ballot.survey_id, ballot.pk)
        return None
    return payload


def _batch(opened: list[tuple[Ballot, dict]], *, final: bool) -> list[tuple[Ballot, dict]]:
    """The ballots to write now: every kind with 2t waiting, less a random t; or all."""
    if final:
        return opened
    threshold = privacy_threshold()
    by_kind = defaultdict(list)
    for ballot, payload in opened:
        by_kind[payload["kind"]].append((ballot, payload))
    batch = []
    for group in by_kind.values():
        if len(group) >= 2 * threshold:
            # Kept back so that the last batch of this kind, at close, has t as well.
            _shuffle(group)
            batch += group[threshold:]
    return batch


@transaction.atomic
def ballots_mix(*, survey_id: int, final: bool = False) -> int:
    """Write an anonymous survey's waiting ballots as responses once they make a batch.

    One transaction: lock the survey row against other mixers (not against
    submissions), decrypt the waiting ballots, pick the batch, write its responses and
    then its answers with one bulk insert each from shuffled lists, delete its ballots.
    A batch holds, of every kind of response (role, business unit, questions asked)
    with at least twice the privacy threshold waiting, all but a random threshold's
    worth; ``final`` takes every ballot and is for sealing, in its transaction, once
    the survey has closed (a closed survey's last ballots wait for it). A ballot no key
    opens stays in place and is logged. Returns how many responses were written; a
    crash anywhere rolls all of it back.

    Idempotent: the lock serialises mixers, and a second run finds the batch gone.
    """
    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey_id)
    if not survey.is_anonymous:
        return 0
    waiting = Ballot.objects.filter(survey=survey).select_for_update(skip_locked=True).order_by()
    opened = [(ballot, payload) for ballot in waiting if (payload := _opened(ballot)) is not None]
    batch = _batch(opened, final=final)
    if not batch:
        return 0
    questions = list(survey.questions.all())
    units = {payload["business_unit"] for _, payload in batch} - {None}
    # A unit deleted since the answer was sealed is not recorded (as the FK would do).
    existing = set(BusinessUnit.objects.filter(pk__in=units).values_list("pk", flat=True))
    responses, answers = [], []
    for _, payload in batch:
        unit = payload["business_unit"] if payload["business_unit"] in existing else None
        response = Response(survey=survey, role=payload["role"], business_unit_id=unit)
        cleaned = {int(key): value for key, value in payload["answers"].items()}
        answers += answer_rows(response=response, questions=questions, cleaned=cleaned)
        responses.append(response)
    _shuffle(responses)
    _shuffle(answers)
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
    Ballot.objects.filter(pk__in=[ballot.pk for ballot, _ in batch]).delete()
    return len(responses)
