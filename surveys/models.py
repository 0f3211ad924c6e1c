"""Surveys, their questions, who is invited, and the answers.

Anonymous surveys are built so that a stored answer cannot be traced to a person:

* completion is recorded on the Invitation (a date, no time), the answers on a
  Response that holds no user, no date and no time;
* Response and Answer use random UUID4 keys, so no key or insertion counter orders them;
* the only attributes a Response keeps are coarse ones (role, business unit) that the
  results pages show only for groups of at least ``SURVEY_PRIVACY_THRESHOLD`` people;
* the transaction that records completion writes the answers only as a sealed Ballot;
  they become Responses later, in batches (``surveys.ballots`` gives the whole argument).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from mentorship.common.lifecycle import Lifecycle
from mentorship.common.models import TimeStampedModel
from mentorship.models import BusinessUnit, Cohort, Profile, Role

DEFAULT_PRIVACY_THRESHOLD = 5
DEFAULT_REMINDER_DAYS = 7
MAX_REMINDERS = 2

OPTIONS_NEEDED = "List at least two options, one per line, for a choice question."
OPTIONS_DUPLICATED = "Each option must be different: “%(option)s” appears twice."
OPTIONS_NOT_USED = "Only choice questions have options; clear the options or change the kind."
MEASURE_WRONG_KIND = "“%(measure)s” must be measured by a %(kind)s question."
PROMOTED_ONLY_FOR_APMS = "A survey for mentors only has no promoted APMs to ask."


def privacy_threshold() -> int:
    return getattr(settings, "SURVEY_PRIVACY_THRESHOLD", DEFAULT_PRIVACY_THRESHOLD)


def reminder_days() -> int:
    return getattr(settings, "SURVEY_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)


class Audience(models.TextChoices):
    APMS = "apms", "APMs"
    MENTORS = "mentors", "Mentors"
    BOTH = "both", "APMs and mentors"

    @classmethod
    def roles(cls, audience: str) -> tuple[str, ...]:
        return {
            cls.APMS: (Role.APM,),
            cls.MENTORS: (Role.MENTOR,),
            cls.BOTH: (Role.APM, Role.MENTOR),
        }[audience]


class Survey(TimeStampedModel):
    """A survey of one cohort, or a template (no cohort) the committee starts from."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Sent"
        CLOSED = "closed", "Closed"

    lifecycle = Lifecycle(
        {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.CLOSED}},
        advice="Surveys go draft → sent → closed.",
    )

    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(
        blank=True, max_length=2000, help_text="Shown above the questions: why it matters."
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    is_anonymous = models.BooleanField(
        "anonymous",
        default=True,
        help_text="Anonymous answers are stored without the person; nobody can read "
        "them one by one, and results show only groups large enough to stay private.",
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_template = models.BooleanField(default=False)
    template_key = models.SlugField(
        max_length=60, blank=True, help_text="Set on templates installed by the program."
    )
    created_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sealed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the anonymous answers were rewritten in random order after closing.",
    )

    class Meta:
        ordering = ["-opens_at", "title"]
        permissions = [
            (
                "view_attributed_answers",
                "Can read one person's answers to an attributed survey (each read is audited)",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_template=True, cohort__isnull=True)
                | Q(is_template=False, cohort__isnull=False),
                name="survey_template_has_no_cohort",
            ),
            models.CheckConstraint(
                condition=Q(is_template=True)
                | Q(opens_at__isnull=False, closes_at__gt=F("opens_at")),
                name="survey_closes_after_it_opens",
            ),
            models.UniqueConstraint(
                fields=["template_key"], condition=~Q(template_key=""), name="survey_template_key"
            ),
        ]

    def __str__(self):
        if self.is_template:
            return f"{self.title} (template)"
        return self.title

    def is_open(self, now=None) -> bool:
        """Participants may answer now: sent, and within its opening hours."""
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and self.opens_at is not None
            and self.opens_at <= now < self.closes_at
        )

    def has_closed(self, now=None) -> bool:
        """No answer can arrive any more, so results are final."""
        now = now or timezone.now()
        if self.is_template:
            return False
        return self.status == self.Status.CLOSED or (
            self.status == self.Status.OPEN and self.closes_at <= now
        )

    def state_label(self, now=None) -> str:
        now = now or timezone.now()
        if self.is_template:
            return "Template"
        if self.status == self.Status.DRAFT:
            return "Draft"
        if self.has_closed(now):
            return "Closed"
        if self.opens_at > now:
            return "Scheduled"
        return "Open"

    @property
    def roles(self) -> tuple[str, ...]:
        return Audience.roles(self.audience)


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", "Agreement, 1 to 5"
        NPS = "nps", "Recommendation, 0 to 10"
        YES_NO = "yes_no", "Yes or no"
        SINGLE = "single", "One choice"
        MULTIPLE = "multiple", "Several choices"
        TEXT = "text", "Free text"

    class Measure(models.TextChoices):
        NONE = "", "—"
        RECOMMEND = "recommend", "Recommendation rate (yes / no)"
        NPS = "nps", "Net promoter score (0 to 10)"
        PROMOTION_CREDIT = "promotion_credit", "Promotion credit (yes / no)"

    MEASURE_KINDS = {
        Measure.RECOMMEND: Kind.YES_NO,
        Measure.NPS: Kind.NPS,
        Measure.PROMOTION_CREDIT: Kind.YES_NO,
    }
    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    SCALE_LABELS = {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Neither agree nor disagree",
        4: "Agree",
        5: "Strongly agree",
    }
    YES, NO = 1, 0

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    options = models.TextField(
        blank=True, max_length=3000, help_text="Choice questions: one option per line."
    )
    measures = models.CharField(
        max_length=20,
        choices=Measure.choices,
        blank=True,
        default="",
        help_text="Which program outcome this question measures, if any.",
    )
    only_for_promoted = models.BooleanField(
        "only for promoted APMs",
        default=False,
        help_text="Asked only of APMs with a confirmed promotion.",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measures="")
                | Q(measures="recommend", kind="yes_no")
                | Q(measures="promotion_credit", kind="yes_no")
                | Q(measures="nps", kind="nps"),
                name="question_measure_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["survey", "measures"],
                condition=~Q(measures=""),
                name="question_one_per_measure_per_survey",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        errors = {}
        options = self.option_list
        if self.kind in self.CHOICE_KINDS:
            if len(options) < 2:
                errors["options"] = OPTIONS_NEEDED
            else:
                seen = set()
                for option in options:
                    if option.casefold() in seen:
                        errors["options"] = ValidationError(
                            OPTIONS_DUPLICATED, params={"option": option}
                        )
                        break
                    seen.add(option.casefold())
        elif options:
            errors["options"] = OPTIONS_NOT_USED
        if self.measures and self.MEASURE_KINDS[self.measures] != self.kind:
            errors["measures"] = ValidationError(
                MEASURE_WRONG_KIND,
                params={
                    "measure": self.Measure(self.measures).label,
                    "kind": self.Kind(self.MEASURE_KINDS[self.measures]).label.lower(),
                },
            )
        try:
            survey = self.survey
        except Survey.DoesNotExist:
            survey = None
        if self.only_for_promoted and survey is not None and survey.audience == Audience.MENTORS:
            errors["only_for_promoted"] = PROMOTED_ONLY_FOR_APMS
        if errors:
            raise ValidationError(errors)

    def value_label(self, value) -> str:
        """How one stored value reads to people (scale 4 → "4 · Agree")."""
        if self.kind == self.Kind.SCALE:
            return f"{value} · {self.SCALE_LABELS.get(value, '')}"
        if self.kind == self.Kind.YES_NO:
            return "Yes" if value == self.YES else "No"
        return str(value)

    def values(self) -> list:
        """Every possible answer, in the order results show them."""
        if self.kind == self.Kind.SCALE:
            return [1, 2, 3, 4, 5]
        if self.kind == self.Kind.NPS:
            return list(range(11))
        if self.kind == self.Kind.YES_NO:
            return [self.YES, self.NO]
        if self.kind in self.CHOICE_KINDS:
            return self.option_list
        return []


class Invitation(models.Model):
    """One person asked to answer one survey; the only place that knows they answered.

    No ``updated_at`` on purpose: a modification time would record the exact moment
    someone submitted an anonymous survey.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    invited_email_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    draft = models.JSONField(
        null=True,
        blank=True,
        help_text="Answers saved before submitting; deleted on submit. Anonymous surveys "
        "keep it encrypted (a token string, see surveys.ballots).",
    )

    class Meta:
        ordering = ["survey", "user"]
        indexes = [models.Index(fields=["survey", "completed_on"])]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="invitation_one_per_person"),
            models.CheckConstraint(
                condition=Q(reminder_count__lte=MAX_REMINDERS),
                name="invitation_at_most_2_reminders",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.survey}"


class Response(models.Model):
    """One submitted set of answers. Anonymous: no user, no date, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
        help_text="Attributed surveys only.",
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True, help_text="Attributed surveys only.")

    class Meta:
        # Random keys: any listing in key order is a shuffle, never submission order.
        ordering = ["id"]
        indexes = [models.Index(fields=["survey", "role", "business_unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(user__isnull=False),
                name="response_one_per_person",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(submitted_on__isnull=True),
                name="response_anonymous_has_no_date",
            ),
        ]

    def __str__(self):
        return f"Response to {self.survey}"


class Answer(models.Model):
    """One answer: a number (scale, 0-10, yes=1/no=0), one chosen option, or text.

    A multiple-choice question has one row per option ticked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=0, number__lte=10),
                name="answer_number_0_to_10",
            ),
        ]

    def __str__(self):
        return f"Answer to {self.question}"


class Ballot(models.Model):
    """One person's answers to an anonymous survey, encrypted, waiting to be mixed.

    Written in the transaction that claims the invitation, so it shares that
    transaction's id: it holds nothing readable without the key, no time and no user.
    The mixer turns ballots into Responses in batches and deletes them
    (``surveys.ballots`` explains why).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="ballots")
    sealed = models.TextField(help_text="A Fernet token: role, business unit and answers.")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Ballot for {self.survey}"


class Tally(models.Model):
    """A closed survey's counts as first published: results never change once shown.

    Written once, when the results are first released (``surveys.results.counting``),
    under a lock that waits for any answer still being saved. It holds the grouped rows
    of the counting queries, nothing about any one person: ``values`` are
    [question, role, business unit, number, choice, people], ``answerers`` (questions
    that take several answers) [question, role, business unit, people], ``invitations``
    [role, business unit, invited, answered]. Deleting an account later leaves the
    published figures as they were.
    """

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    values = models.JSONField(default=list)
    answerers = models.JSONField(default=list)
    invitations = models.JSONField(default=list)

    def __str__(self):
        return f"Tally of {self.survey}"


# --- The comparison group --------------------------------------------------------------


class EligiblePerson(TimeStampedModel):
    """Someone who could have joined the program, from the committee's HR file.

    The outcomes page compares participants' promotions with those of the people here
    who did not take part (``surveys.comparison``). No name is kept: the comparison
    needs only level, tenure and promotion dates, and the email to recognise a
    participant.
    """

    # Lowercased, as User.email is, so recognising a participant is an indexed equality.
    email = models.EmailField(unique=True)
    title = models.CharField(max_length=120, blank=True)
    level = models.CharField(
        max_length=20, choices=Profile.Level.choices, help_text="The level in the file: now."
    )
    hired_on = models.DateField()

    class Meta:
        ordering = ["email"]
        verbose_name = "eligible person"
        verbose_name_plural = "eligible population"
        # The comparison keeps the people hired before a cohort's start.
        indexes = [models.Index(fields=["hired_on"], name="eligible_hired_on_idx")]

    def __str__(self):
        return self.email


class EligiblePromotion(models.Model):
    """One promotion date of an eligible person, from the same file."""

    person = models.ForeignKey(EligiblePerson, on_delete=models.CASCADE, related_name="promotions")
    promoted_on = models.DateField()

    class Meta:
        ordering = ["person", "promoted_on"]
        constraints = [
            # Its index also serves the comparison's "promoted between these dates" lookup.
            models.UniqueConstraint(
                fields=["person", "promoted_on"], name="eligible_promotion_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.person}: {self.promoted_on}"
