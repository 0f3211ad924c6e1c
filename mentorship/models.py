import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

# Defined in the lowest layer so that every app can build on them; the app registers
# them through this module.
from mentorship.common.lifecycle import Lifecycle
from mentorship.common.models import AuditLog, NameField, TimeStampedModel  # noqa: F401


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: email is the login, there are no usernames."""

    email = models.EmailField("email address", unique=True)
    full_name = NameField(max_length=200, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the committee's admin site."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["full_name", "email"]
        indexes = [
            # People in name order: the review desk's cards, the admin's list of people.
            models.Index(fields=["full_name", "email"], name="user_by_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.display_name

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def display_name(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    APM = "apm", "APM"
    MENTOR = "mentor", "Mentor"


class CareerTrack(models.TextChoices):
    PEOPLE_MANAGER = "people_manager", "People manager"
    INDIVIDUAL_CONTRIBUTOR = "individual_contributor", "Individual contributor"
    UNDECIDED = "undecided", "Undecided"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Once a month"


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


TIME_ZONE_UNKNOWN = "“%(value)s” is not a time zone we know. Use a name like America/New_York."


def validate_time_zone(value):
    if value not in time_zone_names():
        raise ValidationError(TIME_ZONE_UNKNOWN, code="unknown_time_zone", params={"value": value})


class BusinessUnit(TimeStampedModel):
    name = NameField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(TimeStampedModel):
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="teams")
    name = NameField(max_length=120)

    class Meta:
        ordering = ["business_unit__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "name"], name="team_unique_in_unit"),
        ]

    def __str__(self):
        return f"{self.name} ({self.business_unit.name})"


class Profile(TimeStampedModel):
    """What the program knows about a person, whatever their role in any cohort."""

    class Level(models.TextChoices):
        ASSOCIATE = "associate", "Associate product manager"
        PRODUCT_MANAGER = "product_manager", "Product manager"
        SENIOR = "senior", "Senior product manager"
        LEAD = "lead", "Lead or principal product manager"
        DIRECTOR = "director", "Director or above"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    pronouns = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=120, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="profiles"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="profiles"
    )
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    years_in_product = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    agencies = models.JSONField(
        default=list, blank=True, help_text="Government agencies the person has worked with."
    )
    domains = models.JSONField(
        default=list, blank=True, help_text="Policy or service domains, e.g. veterans' health."
    )
    bio = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("user")), name="profile_not_own_manager"
            ),
        ]

    def __str__(self):
        return f"Profile of {self.user}"


COHORT_MOVE_REFUSED = (
    "A cohort cannot move from “%(current)s” to “%(target)s”. "
    "Cohorts move draft → intake open → matching → active → closed."
)


class Cohort(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        INTAKE_OPEN = "intake_open", "Intake open"
        MATCHING = "matching", "Matching"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    lifecycle = Lifecycle(
        {
            Status.DRAFT: {Status.INTAKE_OPEN},
            Status.INTAKE_OPEN: {Status.MATCHING},
            Status.MATCHING: {Status.ACTIVE},
            Status.ACTIVE: {Status.CLOSED},
        },
        refused=COHORT_MOVE_REFUSED,
    )
    # Matching runs and approvals wait until intake has closed, so nobody joins a
    # cohort that is already matched.
    MATCHABLE_STATUSES = frozenset({Status.MATCHING, Status.ACTIVE})
    # Surveys ask about a program that has started.
    SURVEYABLE_STATUSES = frozenset({Status.ACTIVE, Status.CLOSED})

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    intake_opens_at = models.DateTimeField()
    intake_closes_at = models.DateTimeField()
    program_starts_on = models.DateField()
    program_ends_on = models.DateField()

    class Meta:
        ordering = ["-program_starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(intake_closes_at__gt=models.F("intake_opens_at")),
                name="cohort_intake_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(program_ends_on__gt=models.F("program_starts_on")),
                name="cohort_program_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return self.name

    def intake_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.INTAKE_OPEN
            and self.intake_opens_at <= now < self.intake_closes_at
        )


class Enrollment(TimeStampedModel):
    """One person taking part in one cohort in one role."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Intake submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    lifecycle = Lifecycle(
        {Status.SUBMITTED: {Status.WITHDRAWN}, Status.WITHDRAWN: {Status.SUBMITTED}},
        refusals={
            Status.WITHDRAWN: "You have already withdrawn from this cohort.",
            Status.SUBMITTED: "This intake is already submitted.",
        },
    )

    # Answers an APM may choose to show their mentor; the rest stay with the committee.
    SHAREABLE_FIELDS = {
        "topics": "Interests",
        "goals": "Goals for the program",
        "career_track": "Career track interest",
        "cadence": "Preferred meeting cadence",
    }

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # Intake answers. APMs: interests; mentors: topics they can coach. Both drawn from
    # the toolkit's categories so that matching compares like with like.
    topics = models.ManyToManyField("toolkit.Category", related_name="enrollments", blank=True)
    career_track = models.CharField(
        max_length=30, choices=CareerTrack.choices, default=CareerTrack.UNDECIDED
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.BIWEEKLY)
    goals = models.TextField(blank=True, max_length=4000)
    prefers_other_unit = models.BooleanField(
        default=True, help_text="APMs: prefers a mentor from another business unit."
    )
    notes_for_committee = models.TextField(blank=True, max_length=4000)
    capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="Mentors: how many APMs they can take (1 to 3).",
    )
    shared_with_mentor = models.JSONField(
        default=list, blank=True, help_text="Which APM answers the mentor may see."
    )

    class Meta:
        ordering = ["cohort", "role", "user"]
        indexes = [
            # Counting a cohort's submitted APMs or mentors (the cohort list, the
            # proposal list's banner, matching) reads only this index.
            models.Index(fields=["cohort", "role", "status"], name="enrollment_cohort_role_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cohort", "role"], name="enrollment_one_per_person_cohort_role"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.MENTOR, capacity__gte=1, capacity__lte=3)
                    | models.Q(role=Role.APM, capacity__isnull=True)
                ),
                name="enrollment_capacity_only_for_mentors_1_to_3",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.cohort}"

    def get_absolute_url(self):
        return reverse("home")


class Promotion(TimeStampedModel):
    """A promotion, recorded by the committee or reported by the person and confirmed."""

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported, waiting for the committee"
        CONFIRMED = "confirmed", "Confirmed"

    lifecycle = Lifecycle(
        {Status.REPORTED: {Status.CONFIRMED}},
        refusals={Status.CONFIRMED: "This promotion is already confirmed."},
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="promotions")
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
        help_text="The cohort the person was in when promoted.",
    )
    from_title = models.CharField(max_length=120)
    to_title = models.CharField(max_length=120)
    promoted_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REPORTED)
    reported_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-promoted_on", "-id"]

    def __str__(self):
        return f"{self.user}: {self.from_title} → {self.to_title} ({self.promoted_on})"


class GraduationGuide(TimeStampedModel):
    """A graduating APM's checklist on the way to becoming a mentor ("full circle")."""

    class Step(models.TextChoices):
        REFLECT = "reflect", "Reflect with your mentor on what helped"
        SURVEY = "survey", "Share what helped in the program survey"
        SHADOW = "shadow", "Optional: shadow a current mentor for one meeting"
        MENTOR_INTAKE = "mentor_intake", "Fill the mentor intake for the next cohort"

    apm_enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, related_name="graduation_guide"
    )
    steps_done = models.JSONField(
        default=dict, blank=True, help_text="Step code → ISO date it was ticked."
    )
    mentor_enrollment = models.OneToOneField(
        Enrollment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="graduated_from_guide",
        help_text="The mentor enrollment that closed the circle.",
    )
    full_circle_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Graduation guide of {self.apm_enrollment.user}"


class Notification(TimeStampedModel):
    """The outbox: every email is written here first, in the transaction that causes it.

    The unique key (kind, user, object, period) means the same notification can never
    be queued twice, however often a scan runs. A worker claims a row (pending →
    sending, with the claim time), sends it with no transaction open, and marks it
    sent; ``mentorship.outbox.sending`` says what each crash point costs.
    """

    class Kind(models.TextChoices):
        MATCH_INTRODUCTION = "match_introduction", "Match introduction"
        INTAKE_OPEN = "intake_open", "Intake is open"
        INTAKE_CLOSING = "intake_closing", "Intake closes soon"
        NO_MEETING = "no_meeting", "No meeting logged for 30 days"
        SURVEY_INVITATION = "survey_invitation", "Survey invitation"
        SURVEY_REMINDER = "survey_reminder", "Survey reminder"
        GRADUATION = "graduation", "Graduation congratulations"
        MENTOR_THANKS = "mentor_thanks", "Thanks to the mentor of a graduate"
        MENTOR_INVITATION = "mentor_invitation", "Invitation to mentor"
        MEETING_INVITE = "meeting_invite", "Calendar invitation to the pair's next meeting"
        ACCOUNT = "account", "Account email (sign-up, sign-in, password)"

    # Reminders a person may turn off. Introductions and invitations always go out.
    NUDGES = frozenset({"intake_open", "intake_closing", "no_meeting", "survey_reminder",
                        "mentor_invitation"})  # fmt: skip
    # Their bodies hold keys (confirmation links, reset links, sign-in codes): the
    # admin never shows them, and they are erased once the email has gone.
    SECRET_KINDS = frozenset({"account"})

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent (turned off)"
        CANCELLED = "cancelled", "Not sent (account deleted)"

    # The workers' moves (claim, sent, a failure, the sweep releasing an expired claim)
    # are conditional updates on these states, not audited one by one; the
    # committee's retry (failed → pending) goes through lifecycle.transition.
    lifecycle = Lifecycle(
        {
            Status.PENDING: {Status.SENDING, Status.CANCELLED},
            Status.SENDING: {Status.SENT, Status.PENDING, Status.FAILED},
            Status.FAILED: {Status.PENDING, Status.CANCELLED},
        },
        advice="Only an email that failed can be sent again.",
    )

    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Empty only for account emails to an address nobody has signed up with (a
    # password reset asked for an unknown address).
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    object_key = models.CharField(max_length=80, help_text="app.model:pk the email is about.")
    period = models.CharField(max_length=40, blank=True, help_text="e.g. 2026-11 or reminder-2")
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Files sent with the email: [{"filename", "content" (text), "mimetype"}], such as
    # the .ics of a pair's next meeting.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last started sending it."
    )
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # The outbox's admin list pages through emails newest first (read backwards).
            models.Index(fields=["created_at", "id"], name="notification_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "user", "object_key", "period"], name="notification_once_per_key"
            ),
            # The sweep finds abandoned sends by their claim time.
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(claimed_at__isnull=False),
                name="notification_sending_has_claim",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_status_display()})"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference"
    )
    nudges_enabled = models.BooleanField(
        "send me reminders and nudges",
        default=True,
        help_text="Match introductions and survey invitations are always sent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Preferences of {self.user}"


class JourneySnapshot(models.Model):
    """A cohort's journey, worked out at ``built_at`` (see mentorship.journey.snapshots).

    ``steps`` holds each step's figures (code, count, share, median_days, measured); the
    people are its ``rows``. A cache of what the enrollments, matches, meetings, surveys,
    promotions and guides say, never a source: it can be deleted and built again.
    """

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="+")
    built_at = models.DateTimeField()
    steps = models.JSONField(default=list)

    def __str__(self):
        return f"Journey of {self.cohort_id} as of {self.built_at:%Y-%m-%d %H:%M}"


class JourneyRow(models.Model):
    """One APM of a journey snapshot: the day they reached each step (None: not yet)."""

    snapshot = models.ForeignKey(JourneySnapshot, on_delete=models.CASCADE, related_name="rows")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    user_id = models.BigIntegerField()
    name = models.CharField(max_length=300)
    email = models.CharField(max_length=254)
    title = models.CharField(max_length=200, blank=True)
    mentor_name = models.CharField(max_length=300, blank=True)
    intake = models.DateField()
    matched = models.DateField(null=True)
    first_meeting = models.DateField(null=True)
    survey = models.DateField(null=True)
    promoted = models.DateField(null=True)
    graduated = models.DateField(null=True)
    mentor = models.DateField(null=True)
    # The furthest step reached, and when: who has stalled is read from these two.
    furthest = models.CharField(max_length=20)
    reached_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "name", "email", "enrollment"],
                         name="journeyrow_people"),
            models.Index(fields=["snapshot", "furthest", "reached_on", "name"],
                         name="journeyrow_stalled"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.name} ({self.furthest})"
