"""Promotions, the closed end-of-cohort survey with its answers, and an open check-in.

The closed survey is anonymous and sealed: its responses and answers are written
directly, in a random order and with random keys, which is what the seal leaves behind
whatever path the answers took while it was open. The open survey has invitations only:
how answers to an open survey are stored is the answering service's business.
"""

from collections import Counter
from datetime import timedelta

from django.db.models import Count

from mentorship.common.models import AuditLog
from mentorship.management.organisation.bulk import bulk_insert
from mentorship.management.organisation.context import Person, Seed
from mentorship.models import Notification, Profile, Promotion, Role
from surveys.models import Answer, Invitation, Question, Response, Survey, privacy_threshold

PROMOTED_SHARE = 0.06
REPORTED_SHARE = 0.01
CLOSED_TEMPLATE = "end-of-cohort-apm"
OPEN_TEMPLATE = "mid-point-check-in"
CLOSED_OPENED, CLOSED_CLOSED = 30, 9
OPEN_OPENED, OPEN_CLOSES_IN = 3, 11
SCALE_WEIGHTS = [3, 7, 15, 40, 35]
NPS_WEIGHTS = [1, 1, 1, 2, 2, 4, 6, 12, 22, 25, 24]
SUGGESTIONS = [
    "More structure for the first meeting.",
    "A mid-point event with the other pairs would help.",
    "Match earlier so we have the whole program together.",
    "Keep the toolkit: it made the first conversations easy.",
    "Monthly was not enough for us; suggest every two weeks.",
]


def promotions_create(seed: Seed) -> None:
    """A few APMs promoted during the program (confirmed), and a few reported, waiting."""
    rng, committee = seed.rng, seed.committee
    matched_on = {apm.user.pk: match.created_at for apm, _, match in seed.pairs}
    count = round(seed.size.apms * PROMOTED_SHARE)
    reported = round(seed.size.apms * REPORTED_SHARE)
    chosen = rng.sample(seed.apms, min(seed.size.apms, count + reported))
    rows, audits, retitled = [], [], []
    for index, person in enumerate(chosen):
        start = matched_on[person.user.pk] + timedelta(days=20)
        moment = seed.moment_between(start, seed.days_ago(CLOSED_OPENED + 5))
        confirmed = index < count
        rows.append(
            Promotion(
                user=person.user, cohort=seed.cohort, from_title=person.profile.title,
                to_title="Product Manager", promoted_on=moment.date(),
                status=Promotion.Status.CONFIRMED if confirmed else Promotion.Status.REPORTED,
                reported_by=None if confirmed else person.user,
                confirmed_by=committee if confirmed else None,
                confirmed_at=moment + timedelta(days=2) if confirmed else None,
                created_at=moment, updated_at=moment + timedelta(days=2 if confirmed else 0),
            )
        )  # fmt: skip
        if confirmed:
            seed.promotions[person.user.pk] = moment.date()
            person.profile.title = "Product Manager"
            retitled.append(person.profile)
    promotions = bulk_insert(Promotion, rows)
    Profile.objects.bulk_update(retitled, ["title"], batch_size=1000)
    for promotion in promotions:
        name = promotion.user.full_name
        if promotion.status == Promotion.Status.CONFIRMED:
            audits.append(
                AuditLog(
                    actor=committee, action="promotion.recorded",
                    target=f"mentorship.promotion:{promotion.pk}",
                    created_at=promotion.confirmed_at,
                    summary=f"Recorded the promotion of {name}: {promotion.from_title} → "
                    f"{promotion.to_title}",
                    details={"promoted_on": promotion.promoted_on.isoformat()},
                )
            )  # fmt: skip
        else:
            audits.append(
                AuditLog(
                    actor=promotion.user, action="promotion.reported",
                    target=f"mentorship.promotion:{promotion.pk}", created_at=promotion.created_at,
                    summary=f"{name} reported a promotion: {promotion.from_title} → "
                    f"{promotion.to_title}",
                    details={"promoted_on": promotion.promoted_on.isoformat()},
                )
            )  # fmt: skip
    seed.audit += audits


def _survey_from_template(seed: Seed, key: str, *, opens, closes, status, sealed=None):
    template = Survey.objects.get(template_key=key, is_template=True)
    created = opens - timedelta(days=4)
    survey = bulk_insert(
        Survey,
        [
            Survey(
                cohort=seed.cohort, title=f"{template.title} · {seed.cohort.name}",
                intro=template.intro, audience=template.audience, is_anonymous=True,
                opens_at=opens, closes_at=closes, status=status, created_from=template,
                sealed_at=sealed, created_at=created, updated_at=sealed or opens,
            )
        ],
    )[0]  # fmt: skip
    questions = bulk_insert(
        Question,
        (
            Question(
                survey=survey, position=q.position, kind=q.kind, text=q.text,
                help_text=q.help_text, required=q.required, options=q.options,
                measures=q.measures, only_for_promoted=q.only_for_promoted,
            )
            for q in template.questions.order_by("position", "id")
        ),
    )  # fmt: skip
    audience = survey.get_audience_display()
    seed.audit += [
        AuditLog(
            actor=seed.committee, action="surveys.created_from_template",
            target=f"surveys.survey:{survey.pk}", created_at=created,
            summary=f"{survey.title}: started from the template “{template.title}”",
            details={"template": template.pk},
        ),
        AuditLog(
            actor=seed.committee, action="surveys.sent", target=f"surveys.survey:{survey.pk}",
            created_at=opens - timedelta(days=1),
            summary=f"{survey.title}: sent to {audience} of {seed.cohort.name}",
            details={"from": Survey.Status.DRAFT, "to": Survey.Status.OPEN,
                     "confirmed_early": False},
        ),
    ]  # fmt: skip
    return survey, questions


def _invitation_emails(seed: Seed, invitations, survey: Survey) -> None:
    rows = []
    for invitation in invitations:
        user = invitation.user
        common = {"user": user, "to_email": user.email,
                  "object_key": f"surveys.invitation:{invitation.pk}"}  # fmt: skip
        rows.append(
            _sent_email(
                seed, at=invitation.invited_email_sent_at,
                kind=Notification.Kind.SURVEY_INVITATION,
                subject=f"[APM Mentorship Program] Please answer: {survey.title}",
                body_text=f"Hello {user.full_name},\n\nPlease answer “{survey.title}”. It takes "
                "five minutes and your answers are stored without your name.\n",
                **common,
            )
        )  # fmt: skip
        for number in range(1, invitation.reminder_count + 1):
            at = invitation.invited_email_sent_at + timedelta(days=7 * number)
            rows.append(
                _sent_email(
                    seed, at=at, kind=Notification.Kind.SURVEY_REMINDER,
                    period=f"reminder-{number}",
                    subject=f"[APM Mentorship Program] Reminder: {survey.title}",
                    body_text=f"Hello {user.full_name},\n\nA reminder: “{survey.title}” is "
                    "still waiting for your answers.\n",
                    **common,
                )
            )  # fmt: skip
    bulk_insert(Notification, rows)


def _sent_email(seed: Seed, *, at, **fields) -> Notification:
    sent_at = at + timedelta(seconds=seed.rng.uniform(2, 60))
    return Notification(
        status=Notification.Status.SENT, attempts=1, claimed_at=sent_at, sent_at=sent_at,
        created_at=at, updated_at=sent_at, **fields,
    )  # fmt: skip


def closed_survey_create(seed: Seed) -> Survey:
    """The APMs' end-of-cohort survey: sent, answered by ``survey_responses`` APMs, closed
    and sealed."""
    rng = seed.rng
    opens, closes = seed.days_ago(CLOSED_OPENED), seed.days_ago(CLOSED_CLOSED)
    survey, questions = _survey_from_template(
        seed, CLOSED_TEMPLATE, opens=opens, closes=closes, status=Survey.Status.CLOSED,
        sealed=closes + timedelta(minutes=1),
    )  # fmt: skip
    count = min(seed.size.survey_responses, seed.size.apms)
    responders = {person.user.pk for person in rng.sample(seed.apms, count)}
    invitations = []
    for person in seed.apms:
        answered = person.user.pk in responders
        sent = opens + timedelta(minutes=rng.uniform(1, 30))
        reminders = rng.choice([0, 0, 1, 2]) if answered else 2
        completed = None
        if answered:
            completed = seed.moment_between(opens + timedelta(days=7 * reminders), closes).date()
        invitations.append(
            Invitation(
                survey=survey, user=person.user, role=Role.APM,
                business_unit_id=person.profile.business_unit_id,
                created_at=opens, invited_email_sent_at=sent, reminder_count=reminders,
                last_reminded_at=sent + timedelta(days=7 * reminders) if reminders else None,
                completed_on=completed,
            )
        )  # fmt: skip
    invitations = bulk_insert(Invitation, invitations)
    _invitation_emails(seed, invitations, survey)
    _responses_create(seed, survey, questions, [p for p in seed.apms if p.user.pk in responders])
    seed.audit.append(
        AuditLog(
            actor=seed.committee, action="surveys.closed", target=f"surveys.survey:{survey.pk}",
            created_at=closes, summary=f"{survey.title}: closed early by the committee",
            details={"from": Survey.Status.OPEN, "to": Survey.Status.CLOSED},
        )
    )  # fmt: skip
    return survey


def _responses_create(seed: Seed, survey: Survey, questions, responders: list[Person]) -> None:
    """One anonymous response per responder, with answers the way the form stores them."""
    rng = seed.rng
    invited = Counter(
        dict(
            Invitation.objects.filter(survey=survey, role=Role.APM)
            .values_list("business_unit")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    threshold = privacy_threshold()
    responses, answers = [], []
    rng.shuffle(responders)
    for person in responders:
        unit = person.profile.business_unit_id
        response = Response(
            survey=survey, role=Role.APM,
            business_unit_id=unit if invited[unit] >= threshold else None,
        )  # fmt: skip
        responses.append(response)
        promoted = person.user.pk in seed.promotions
        for question in questions:
            if question.only_for_promoted and not promoted:
                continue
            answers += _answers(rng, response, question)
    bulk_insert(Response, responses)
    rng.shuffle(answers)
    bulk_insert(Answer, answers)


def _answers(rng, response: Response, question: Question) -> list[Answer]:
    kind = question.kind
    if not question.required and rng.random() < (0.8 if kind == Question.Kind.TEXT else 0.25):
        return []
    if kind == Question.Kind.SCALE:
        return [Answer(response=response, question=question,
                       number=rng.choices(range(1, 6), SCALE_WEIGHTS)[0])]  # fmt: skip
    if kind == Question.Kind.NPS:
        return [Answer(response=response, question=question,
                       number=rng.choices(range(11), NPS_WEIGHTS)[0])]  # fmt: skip
    if kind == Question.Kind.YES_NO:
        yes = rng.random() < (0.7 if question.only_for_promoted else 0.88)
        return [Answer(response=response, question=question,
                       number=Question.YES if yes else Question.NO)]  # fmt: skip
    options = question.option_list
    if kind == Question.Kind.SINGLE:
        weights = ([6, 3, 1] + [1] * len(options))[: len(options)]
        return [Answer(response=response, question=question,
                       choice=rng.choices(options, weights)[0])]  # fmt: skip
    if kind == Question.Kind.MULTIPLE:
        picked = rng.sample(options, rng.randint(1, min(3, len(options))))
        return [Answer(response=response, question=question, choice=c) for c in picked]
    return [Answer(response=response, question=question, text=rng.choice(SUGGESTIONS))]


def open_survey_create(seed: Seed) -> Survey:
    """The mid-point check-in, open now: everyone matched is invited, nobody answered yet."""
    rng = seed.rng
    opens = seed.days_ago(OPEN_OPENED)
    # Only people in a pair are asked (surveys.selectors.survey_audience), each once.
    matched_mentors = list({mentor.user.pk: mentor for _, mentor, _ in seed.pairs}.values())
    survey, _ = _survey_from_template(
        seed, OPEN_TEMPLATE, opens=opens, closes=seed.now + timedelta(days=OPEN_CLOSES_IN),
        status=Survey.Status.OPEN,
    )  # fmt: skip
    invitations = bulk_insert(
        Invitation,
        (
            Invitation(
                survey=survey, user=person.user, role=role,
                business_unit_id=person.profile.business_unit_id, created_at=opens,
                invited_email_sent_at=opens + timedelta(minutes=rng.uniform(1, 30)),
            )
            for role, people in ((Role.APM, seed.apms), (Role.MENTOR, matched_mentors))
            for person in people
        ),
    )  # fmt: skip
    _invitation_emails(seed, invitations, survey)
    return survey
