from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mentorship.common.lifecycle import Lifecycle
from mentorship.common.models import TimeStampedModel
from mentorship.models import Cohort, Enrollment
from toolkit.models import Topic


class MatchingRun(TimeStampedModel):
    """One execution of the matching engine for a cohort; it proposes, people approve."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    lifecycle = Lifecycle(
        {
            Status.QUEUED: {Status.RUNNING, Status.FAILED},
            Status.RUNNING: {Status.SUCCEEDED, Status.FAILED},
        },
        advice="A run goes queued → running → succeeded or failed; start a new run instead.",
    )

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="matching_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    weights = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    apm_count = models.PositiveIntegerField("APMs", default=0)
    mentor_count = models.PositiveIntegerField("mentors", default=0)
    matched_count = models.PositiveIntegerField("matched", default=0)
    unmatched_count = models.PositiveIntegerField("unmatched", default=0)
    total_score = models.FloatField(default=0)
    optimal = models.BooleanField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # The claim is a lease, so that a crash cannot hold a cohort's one active run for
    # good: see services.runs_sweep.
    enqueued_at = models.DateTimeField(
        "sent to the workers", null=True, blank=True,
        help_text="A run still queued a few minutes after this is sent again.",
    )  # fmt: skip
    lease_expires_at = models.DateTimeField(
        "lease expires", null=True, blank=True,
        help_text="The worker renews this while it runs; a run still running once it has "
        "passed is failed, so that a new run can start.",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two runs of one cohort at once would write competing proposals.
            models.UniqueConstraint(
                fields=["cohort"],
                condition=Q(status__in=["queued", "running"]),
                name="matchingrun_one_active_per_cohort",
            ),
        ]

    def __str__(self):
        # No related fields here: run names appear in admin filters, one per run.
        return f"Run #{self.pk} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Proposal(TimeStampedModel):
    """A pair the engine suggests; the committee approves or rejects it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded by a later run"

    lifecycle = Lifecycle(
        {Status.PROPOSED: {Status.APPROVED, Status.REJECTED, Status.SUPERSEDED}},
        refused="This proposal is “%(current)s”, so it can no longer be approved or "
        "rejected. Only a proposal waiting for review can be: run matching again, or "
        "hand-match the APM.",
    )

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="proposals")
    apm = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="apm_proposals")
    mentor = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="mentor_proposals"
    )
    score = models.FloatField()
    parts = models.JSONField(default=list, blank=True)
    reasons = models.TextField(blank=True)
    # The APM's next-best allowed mentors when the run proposed this pair:
    # [[mentor enrollment id, score], ...], best first (the review desk's swaps).
    alternatives = models.JSONField(default=list, blank=True)
    # The best of them, for the desk's "needs a look" filter (None: no alternative).
    next_best_score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [
            models.Index(fields=["cohort", "status"]),
            # A run's proposals waiting for review (the desk's counts and its run).
            models.Index(fields=["run", "status"], name="proposal_run_status_idx"),
            # The admin's list pages through proposals best first.
            models.Index(fields=["-score", "id"], name="proposal_best_first_idx"),
        ]
        permissions = [("approve_proposal", "Can approve or reject proposals")]
        constraints = [
            models.UniqueConstraint(fields=["run", "apm"], name="proposal_one_per_apm_per_run"),
        ]

    def __str__(self):
        return f"{self.apm.user} ↔ {self.mentor.user} ({self.score:.0f})"


class UnmatchedApm(models.Model):
    """An APM a run could not place, with the reason and what would fix it."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="unmatched")
    apm = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40)
    reason = models.TextField()
    fix = models.TextField(blank=True)
    # What the fix names, for the run page's links: [[mentor enrollment id, score], ...]
    # of the best mentors the rules allow (all full), and the ids of banned mentors.
    allowed_mentors = models.JSONField(default=list, blank=True)
    banned_mentors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = "unmatched APM"

    def __str__(self):
        return f"{self.apm.user}: {self.reason}"


class Match(TimeStampedModel):
    """An approved APM-mentor pair."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        GRADUATED = "graduated", "Graduated"

    lifecycle = Lifecycle(
        {Status.ACTIVE: {Status.ENDED, Status.GRADUATED}},
        refused="This match is “%(current)s”: only an active match can end or graduate.",
    )

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="matches")
    apm = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="apm_matches")
    mentor = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="mentor_matches")
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="match"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    score = models.FloatField(default=0)
    reasons = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_reason = models.TextField(
        blank=True, help_text="Why a hand match overrides a matching rule."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "matches"
        # The admin's list pages through matches in this order (read backwards).
        indexes = [models.Index(fields=["created_at", "id"], name="match_created_idx")]
        constraints = [
            # The last line of defence against two admins approving at once.
            models.UniqueConstraint(
                fields=["apm"], condition=Q(status="active"), name="match_one_active_per_apm"
            ),
        ]

    def __str__(self):
        return f"{self.apm.user} with {self.mentor.user}"


class Meeting(TimeStampedModel):
    """A meeting a pair had. Notes are private to the pair: the committee sees dates only."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="meetings")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_on = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)", validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    # The tables keep the names they got when meetings lived in the mentorship app:
    # the move was state-only, so existing databases kept their rows.
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="meetings",
        verbose_name="topics covered",
        db_table="mentorship_meeting_topics",
    )
    notes = models.TextField(
        blank=True, max_length=5000, help_text="Only the two of you see these."
    )
    next_meeting_on = models.DateField("next meeting", null=True, blank=True)
    # When a time was given too: the instant, read in the time zone of whoever logged it.
    next_meeting_at = models.DateTimeField("next meeting at", null=True, blank=True)

    class Meta:
        db_table = "mentorship_meeting"
        ordering = ["-occurred_on", "-id"]
        # The admin's list pages through meetings in this order (read backwards).
        indexes = [models.Index(fields=["occurred_on", "id"], name="meeting_occurred_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="meeting_duration_5_to_480",
            ),
        ]

    def __str__(self):
        return f"Meeting on {self.occurred_on}"


class BannedPair(TimeStampedModel):
    """Two people the engine must never propose together again (e.g. after a rematch)."""

    apm_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    mentor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["apm_user", "mentor_user"], name="bannedpair_unique"),
        ]

    def __str__(self):
        return f"{self.apm_user} ✕ {self.mentor_user}"


class RematchRequest(TimeStampedModel):
    """A no-fault request to end a match; the reason is seen only by the committee."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Match ended, back in matching"
        DECLINED = "declined", "Declined"

    lifecycle = Lifecycle(
        {Status.OPEN: {Status.RESOLVED, Status.DECLINED}},
        refused="This rematch request is “%(current)s”: it has already been handled.",
    )

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="rematch_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["match"], condition=Q(status="open"), name="rematch_one_open_per_match"
            ),
        ]

    def __str__(self):
        return f"Rematch request for {self.match}"
