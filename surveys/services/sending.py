"""Writes for the committee's side of surveys: templates, sending, inviting, closing."""

import random
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone

from mentorship.cohorts import cohort_require_surveyable
from mentorship.common.audit import audit_record
from mentorship.common.background import enqueue_on_commit
from mentorship.common.lifecycle import transition
from mentorship.models import Cohort, User
from surveys import selectors, starter
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.services.mixing import ballots_mix

TEMPLATE_CANNOT_BE_SENT = "A template is not sent: start a survey from it for a cohort."
NOT_A_TEMPLATE = "“%(survey)s” is not a template."
SURVEY_ALREADY_SENT = "“%(survey)s” has already been sent."
SURVEY_HAS_NO_QUESTIONS = "Add at least one question before sending “%(survey)s”."
SURVEY_CLOSES_IN_PAST = (
    "“%(survey)s” closes on %(closes)s, which has passed. Move the closing time later "
    "before sending it."
)
SURVEY_DATES_BACKWARDS = "The survey must close after it opens."
SURVEY_CLOSES_BEFORE_NOW = "Pick a closing time in the future."
SURVEY_EARLY_END_OF_COHORT = (
    "“%(survey)s” is an end-of-cohort survey, and %(cohort)s started on %(starts)s: "
    "people have had little time in the program to answer it. Confirm to send it anyway."
)
# An end-of-cohort survey sent in a cohort's first weeks asks the committee to confirm.
EARLY_WEEKS = 6
END_OF_COHORT_KEY_PREFIX = "end-of-cohort"
INVITE_TASK = "surveys.tasks.send_survey_invitation"
SEAL_TASK = "surveys.tasks.seal_survey_responses"
SURVEY_NOT_SENT = "“%(survey)s” has not been sent, so there is nothing to close."
SURVEY_NOT_OPEN_TO_CLOSE = (
    "“%(survey)s” has not opened yet, so there is nothing to close. Change its opening time "
    "instead."
)
SURVEY_ALREADY_CLOSED = "“%(survey)s” is already closed."

# Sealing rewrites rows in an order nobody can predict, hence a system random source.
_shuffle = random.SystemRandom().shuffle


def when_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def survey_dates_check(
    *, opens_at: datetime | None, closes_at: datetime | None, future: bool = True
) -> None:
    """The rule for a survey's dates, for every form and service that sets them.

    It closes after it opens and, unless ``future`` is off (a draft edited in the
    admin; sending checks again), closes in the future. Raises a ValidationError keyed
    by field, so a form shows it beside ``closes_at``.
    """
    if closes_at and opens_at and closes_at <= opens_at:
        raise ValidationError(
            {"closes_at": ValidationError(SURVEY_DATES_BACKWARDS, code="dates_backwards")}
        )
    if future and closes_at and closes_at <= timezone.now():
        raise ValidationError(
            {"closes_at": ValidationError(SURVEY_CLOSES_BEFORE_NOW, code="closes_in_past")}
        )


def survey_is_early_end_of_cohort(survey: Survey) -> bool:
    """An end-of-cohort survey whose cohort started less than EARLY_WEEKS ago.

    Only for a cohort a survey may be sent to: one whose program has not started is
    refused outright, so the committee is never asked to confirm a send that will fail.
    """
    template = survey.created_from
    if template is None or not template.template_key.startswith(END_OF_COHORT_KEY_PREFIX):
        return False
    if survey.cohort.status not in Cohort.SURVEYABLE_STATUSES:
        return False
    starts = survey.cohort.program_starts_on
    return timezone.localdate() < starts + timedelta(weeks=EARLY_WEEKS)


# --- Templates ---------------------------------------------------------------------------


@transaction.atomic
def survey_templates_install() -> int:
    """Create the program's starter templates that are missing; returns how many.

    Idempotent: templates are found by their key, and one the committee has edited is
    left exactly as it is.
    """
    created = 0
    for spec in starter.TEMPLATES:
        if Survey.objects.filter(template_key=spec["template_key"]).exists():
            continue
        fields = {key: value for key, value in spec.items() if key != "questions"}
        survey = Survey.objects.create(is_template=True, **fields)
        Question.objects.bulk_create(
            Question(survey=survey, position=index * 10, **question)
            for index, question in enumerate(spec["questions"], start=1)
        )
        created += 1
    return created


@transaction.atomic
def survey_create_from_template(
    *,
    template: Survey,
    cohort: Cohort,
    opens_at: datetime,
    closes_at: datetime,
    acting_user: User | None,
    title: str = "",
) -> Survey:
    """A new draft survey for a cohort, with a copy of the template's questions."""
    if not template.is_template:
        raise ValidationError(NOT_A_TEMPLATE, code="not_template", params={"survey": template})
    survey_dates_check(opens_at=opens_at, closes_at=closes_at)
    survey = Survey.objects.create(
        cohort=cohort,
        title=title or f"{template.title} · {cohort.name}",
        intro=template.intro,
        audience=template.audience,
        is_anonymous=template.is_anonymous,
        opens_at=opens_at,
        closes_at=closes_at,
        created_from=template,
    )
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=question.position,
            kind=question.kind,
            text=question.text,
            help_text=question.help_text,
            required=question.required,
            options=question.options,
            measures=question.measures,
            only_for_promoted=question.only_for_promoted,
        )
        for question in template.questions.all()
    )
    audit_record(
        actor=acting_user,
        action="surveys.created_from_template",
        target=survey,
        summary=f"{survey.title}: started from the template “{template.title}”",
        template=template.pk,
    )
    return survey


# --- Sending, inviting, closing ----------------------------------------------------------


@transaction.atomic
def survey_open(
    *, survey: Survey, acting_user: User | None, confirm_early: bool = False
) -> Survey:
    """Send a draft survey: it opens at its opening time and invites its audience then.

    Only to a cohort whose program has started; an end-of-cohort survey in the cohort's
    first weeks needs ``confirm_early``. If the opening time has come, the invitations
    are created now and the emails go out after commit; otherwise
    ``tasks.run_survey_schedule`` invites when it opens.
    """
    locked = (
        # Only the survey's row: a template has no cohort, and PostgreSQL cannot lock
        # the empty side of an outer join.
        Survey.objects.select_for_update(of=("self",))
        .select_related("cohort", "created_from")
        .get(pk=survey.pk)
    )
    now = timezone.now()
    if locked.is_template:
        raise ValidationError(TEMPLATE_CANNOT_BE_SENT, code="template")
    if locked.status != Survey.Status.DRAFT:
        raise ValidationError(SURVEY_ALREADY_SENT, code="already_sent", params={"survey": locked})
    cohort_require_surveyable(locked.cohort)
    if survey_is_early_end_of_cohort(locked) and not confirm_early:
        raise ValidationError(
            SURVEY_EARLY_END_OF_COHORT,
            code="confirm_early",
            params={
                "survey": locked,
                "cohort": locked.cohort.name,
                "starts": formats.date_format(locked.cohort.program_starts_on, "DATE_FORMAT"),
            },
        )
    if not locked.questions.exists():
        raise ValidationError(
            SURVEY_HAS_NO_QUESTIONS, code="no_questions", params={"survey": locked}
        )
    if locked.closes_at <= now:
        raise ValidationError(
            SURVEY_CLOSES_IN_PAST,
            code="closes_in_past",
            params={"survey": locked, "closes": when_text(locked.closes_at)},
        )
    transition(
        locked,
        to=Survey.Status.OPEN,
        actor=acting_user,
        action="surveys.sent",
        summary=f"{locked.title}: sent to {locked.get_audience_display()} of {locked.cohort}, "
        f"open {when_text(locked.opens_at)} to {when_text(locked.closes_at)}",
        lock=False,
        confirmed_early=confirm_early,
    )
    if locked.opens_at <= now:
        survey_invite_audience(survey_id=locked.pk)
    survey.status = locked.status
    return locked


@transaction.atomic
def survey_invite_audience(*, survey_id: int) -> int:
    """Invite everyone in the survey's audience who is not invited yet; returns how many.

    Safe to run again (it is, by the schedule, while a survey is open): people matched
    since the last run are added, nobody is invited twice (a unique constraint), and
    each invitation email is claimed before it is sent.
    """
    # The lock serialises two runs for the same survey.
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if not survey.is_open():
        return 0
    invited = set(Invitation.objects.filter(survey=survey).values_list("user_id", flat=True))
    new = [
        Invitation(
            survey=survey,
            user_id=person["user_id"],
            role=person["role"],
            business_unit_id=person["business_unit"],
        )
        for person in selectors.survey_audience(survey=survey)
        if person["user_id"] not in invited
    ]
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    unsent = Invitation.objects.filter(
        survey=survey, invited_email_sent_at=None, completed_on=None
    )
    for invitation_id in unsent.values_list("pk", flat=True):
        enqueue_on_commit(INVITE_TASK, invitation_id)
    return len(new)


@transaction.atomic
def survey_close(*, survey: Survey, acting_user: User | None) -> Survey:
    """Close a survey now. Its results become final; anonymous answers are then sealed."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    now = timezone.now()
    if locked.status == Survey.Status.DRAFT or locked.is_template:
        raise ValidationError(SURVEY_NOT_SENT, code="not_sent", params={"survey": locked})
    if locked.has_closed(now):
        raise ValidationError(SURVEY_ALREADY_CLOSED, code="closed", params={"survey": locked})
    if locked.opens_at > now:
        raise ValidationError(SURVEY_NOT_OPEN_TO_CLOSE, code="not_open", params={"survey": locked})
    transition(
        locked,
        to=Survey.Status.CLOSED,
        actor=acting_user,
        action="surveys.closed",
        summary=f"{locked.title}: closed early by the committee",
        changes={"closes_at": now},
        lock=False,
    )
    if locked.is_anonymous:
        enqueue_on_commit(SEAL_TASK, locked.pk)
    survey.status, survey.closes_at = locked.status, locked.closes_at
    return locked


@transaction.atomic
def survey_seal_responses(*, survey_id: int) -> bool:
    """Mix a closed anonymous survey's last ballots, then rewrite all its responses and
    answers in a random order.

    Rows sit in a table in the order they were written, and the database keeps that
    order (SQLite's rowid, PostgreSQL's row position and transaction ids) even though no
    column shows it. Once no more answers can arrive, writing them all again, shuffled,
    in one transaction leaves nothing that echoes the order people answered in. The
    ballots still waiting are mixed first, in the same transaction (``final``), so no
    survey is sealed with ballots left and the last batch is written with all the rest.
    The survey row is locked: a submission still in flight finishes first, and none
    starts (``response_submit`` holds the row until it commits).
    Runs once per survey (``sealed_at``), and again only to mix ballots found after that:
    ones no key could open before, once their key is back.
    """
    now = timezone.now()
    survey = (
        Survey.objects.select_for_update()
        .filter(pk=survey_id, is_anonymous=True, is_template=False)
        .filter(Q(status=Survey.Status.CLOSED) | Q(status=Survey.Status.OPEN, closes_at__lte=now))
        .first()
    )
    if survey is None:
        return False
    mixed = ballots_mix(survey_id=survey_id, final=True)
    if survey.sealed_at is not None and not mixed:
        return False
    responses = list(Response.objects.filter(survey_id=survey_id).order_by())
    answers = list(Answer.objects.filter(response__survey_id=survey_id).order_by())
    Answer.objects.filter(response__survey_id=survey_id).delete()
    Response.objects.filter(survey_id=survey_id).delete()
    _shuffle(responses)
    _shuffle(answers)
    Response.objects.bulk_create(responses, batch_size=500)
    Answer.objects.bulk_create(answers, batch_size=1000)
    Survey.objects.filter(pk=survey_id).update(sealed_at=now)
    return True
