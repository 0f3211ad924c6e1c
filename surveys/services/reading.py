"""Reading one person's attributed answers: a dedicated permission, and every read audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mentorship.common.audit import audit_record
from mentorship.models import User
from surveys import selectors
from surveys.models import Survey

ANONYMOUS_NOT_READABLE = "Anonymous answers cannot be read one by one."
ATTRIBUTED_PERMISSION = "surveys.view_attributed_answers"
ATTRIBUTED_NEEDS_PERMISSION = (
    "Reading individual answers needs a dedicated permission, which an administrator "
    "grants to named people."
)


@transaction.atomic
def attributed_answers_read(*, survey: Survey, acting_user: User) -> list[tuple]:
    """Each person's answers to an attributed survey, as (response, rows) pairs.

    Refused for anonymous surveys and for anyone without the permission; a read that
    happens is written to the audit log, with whose answers were read.
    """
    if survey.is_anonymous:
        raise ValidationError(ANONYMOUS_NOT_READABLE, code="anonymous")
    if not acting_user.has_perm(ATTRIBUTED_PERMISSION):
        raise PermissionDenied(ATTRIBUTED_NEEDS_PERMISSION)
    responses = selectors.attributed_responses(survey=survey)
    questions = list(survey.questions.all())
    people = [
        (response, selectors.answers_by_question(response=response, questions=questions))
        for response in responses
    ]
    audit_record(
        actor=acting_user,
        action="surveys.attributed_answers_viewed",
        target=survey,
        summary=f"{acting_user} read the individual answers of {len(people)} people to "
        f"“{survey.title}”",
        people=[response.user_id for response in responses],
    )
    return people


def can_read_attributed(*, user: User, survey: Survey) -> bool:
    return not survey.is_anonymous and user.has_perm(ATTRIBUTED_PERMISSION)
