"""What a year leaves behind: bookmarks, preferences, rematch requests and the audit log."""

from datetime import timedelta

from matching.models import RematchRequest
from mentorship.common.models import AuditLog
from mentorship.management.organisation.bulk import bulk_insert
from mentorship.management.organisation.context import Seed
from mentorship.management.organisation.people import INTAKE_CLOSED, INTAKE_OPENED, PROGRAM_STARTED
from mentorship.models import Cohort, NotificationPreference
from toolkit.models import Bookmark

BOOKMARKING_SHARE = 0.3
NUDGES_OFF_SHARE = 0.04
REMATCH_SHARE = 0.01
# Audit rows a day from the committee's everyday work, per this many people.
PEOPLE_PER_DAILY_AUDIT_ROW = 50
EDITED_FIELDS = [["goals"], ["capacity"], ["career_track"], ["topics"], ["cadence", "goals"]]
REMATCH_REASONS = ["Our schedules never line up.", "We work on the same contract now.",
                   "I'd like a mentor closer to my time zone."]  # fmt: skip


def bookmarks_and_preferences_create(seed: Seed) -> None:
    rng = seed.rng
    people = [*seed.apms, *seed.mentors]
    since = seed.days_ago(PROGRAM_STARTED)
    bulk_insert(
        Bookmark,
        (
            Bookmark(
                user=person.user, topic=topic, created_at=seed.moment_between(since, seed.now)
            )
            for person in rng.sample(people, round(len(people) * BOOKMARKING_SHARE))
            for topic in rng.sample(seed.topics, min(len(seed.topics), rng.randint(1, 3)))
        ),
    )
    bulk_insert(
        NotificationPreference,
        (
            NotificationPreference(user=person.user, nudges_enabled=False)
            for person in rng.sample(people, round(len(people) * NUDGES_OFF_SHARE))
        ),
    )


def rematch_requests_create(seed: Seed) -> None:
    """A few requests, all declined by the committee: every match is still active.

    The first pairs are left alone, so the people a benchmark signs in as have none.
    """
    rng = seed.rng
    pairs = seed.pairs[10:]
    chosen = rng.sample(pairs, min(len(pairs), round(len(seed.pairs) * REMATCH_SHARE)))
    rows = []
    for apm, mentor, match in chosen:
        asked = seed.moment_between(match.created_at + timedelta(days=20), seed.days_ago(10))
        resolved = asked + timedelta(days=rng.randint(1, 6))
        rows.append(
            RematchRequest(
                match=match, requested_by=rng.choice([apm.user, mentor.user]),
                reason=rng.choice(REMATCH_REASONS), status=RematchRequest.Status.DECLINED,
                resolved_by=seed.committee, resolved_at=resolved,
                created_at=asked, updated_at=resolved,
            )
        )  # fmt: skip
    for request, (apm, mentor, _) in zip(bulk_insert(RematchRequest, rows), chosen, strict=True):
        seed.audit.append(
            AuditLog(
                actor=seed.committee, action="matching.rematch_declined",
                target=f"matching.rematchrequest:{request.pk}", created_at=request.resolved_at,
                summary=f"Declined the rematch request for {apm.user.full_name} "
                f"with {mentor.user.full_name}",
                details={"from": RematchRequest.Status.OPEN, "to": RematchRequest.Status.DECLINED},
            )
        )  # fmt: skip


def _workflow_audit(seed: Seed) -> list[AuditLog]:
    """The rows the cohort's lifecycle, the run and each approval wrote."""
    cohort, run, committee = seed.cohort, seed.run, seed.committee
    moves = [
        (INTAKE_OPENED, Cohort.Status.DRAFT, Cohort.Status.INTAKE_OPEN),
        (INTAKE_CLOSED, Cohort.Status.INTAKE_OPEN, Cohort.Status.MATCHING),
        (PROGRAM_STARTED, Cohort.Status.MATCHING, Cohort.Status.ACTIVE),
    ]
    rows = [
        AuditLog(
            actor=committee, action="cohort.transition", target=f"mentorship.cohort:{cohort.pk}",
            created_at=seed.days_ago(days), summary=f"{cohort.name}: {old} → {new}",
            details={"from": old, "to": new},
        )
        for days, old, new in moves
    ]  # fmt: skip
    target = f"matching.matchingrun:{run.pk}"
    rows += [
        AuditLog(actor=committee, action="matching.run_requested", target=target,
                 created_at=run.enqueued_at, summary=f"Matching run requested for {cohort.name}",
                 details={"weights": run.weights}),
        AuditLog(actor=None, action="matching.run_started", target=target,
                 created_at=run.started_at,
                 summary=f"Matching run #{run.pk} for {cohort.name} started",
                 details={"from": "queued", "to": "running"}),
        AuditLog(actor=None, action="matching.run_succeeded", target=target,
                 created_at=run.finished_at,
                 summary=f"Matching run #{run.pk} for {cohort.name}: {run.matched_count} of "
                 f"{run.apm_count} APMs have a proposed mentor",
                 details={"from": "running", "to": "succeeded"}),
    ]  # fmt: skip
    for apm, mentor, match in seed.pairs:
        rows.append(
            AuditLog(
                actor=committee, action="matching.proposal_approved",
                target=f"matching.proposal:{match.proposal_id}", created_at=match.created_at,
                summary=f"Approved {apm.user.full_name} with {mentor.user.full_name} "
                f"({match.score:.0f})",
                details={"from": "proposed", "to": "approved", "match": match.pk},
            )
        )  # fmt: skip
    return rows


def _everyday_audit(seed: Seed) -> list[AuditLog]:
    """Reminders from the journey page, intake corrections and retried emails, every day."""
    rng, committee, cohort = seed.rng, seed.committee, seed.cohort
    per_day = max(1, seed.size.people // PEOPLE_PER_DAILY_AUDIT_ROW)
    people = [*seed.apms, *seed.mentors]
    rows = []
    for day in range(seed.size.audit_days, 0, -1):
        start = seed.days_ago(day)
        for _ in range(per_day):
            person = rng.choice(people)
            moment = seed.moment_between(start, start + timedelta(hours=23))
            name, kind = person.user.full_name, rng.random()
            target = f"mentorship.enrollment:{person.enrollment.pk}"
            if kind < 0.5:
                rows.append(AuditLog(
                    actor=committee, action="journey.reminded", target=target, created_at=moment,
                    summary=f"Reminded {name} (No meeting logged for 30 days)",
                    details={"kind": "no_meeting", "skipped": False},
                ))  # fmt: skip
            elif kind < 0.85:
                fields = rng.choice(EDITED_FIELDS)
                rows.append(AuditLog(
                    actor=committee, action="enrollment.edited", target=target, created_at=moment,
                    summary=f"Edited the intake of {name} in {cohort.name}: {', '.join(fields)}",
                    details={"fields": fields},
                ))  # fmt: skip
            else:
                rows.append(AuditLog(
                    actor=committee, action="notification.retried", target=target,
                    created_at=moment,
                    summary=f"Sent again: Survey reminder to {person.user.email}",
                    details={"from": "failed", "to": "pending", "attempts_before": 5,
                             "last_error": "421 Service not available"},
                ))  # fmt: skip
    return rows


def audit_write(seed: Seed) -> int:
    rows = [*seed.audit, *_workflow_audit(seed), *_everyday_audit(seed)]
    rows.sort(key=lambda row: row.created_at)
    bulk_insert(AuditLog, rows)
    return len(rows)
