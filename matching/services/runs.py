"""Matching runs: request, claim and execute, leases, the sweep, marking a run failed.

A run is queued by ``run_request`` and executed by a worker (``run_execute``), which
holds a lease while the engine solves, then writes the proposals in one transaction.
The sweep (``runs_sweep``) fails runs whose worker is gone and sends again runs left
queued.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from matching import engine, selectors
from matching.models import MatchingRun, Proposal, UnmatchedApm
from mentorship.cohorts import cohort_require_matchable
from mentorship.common.audit import audit_record
from mentorship.common.background import enqueue, enqueue_on_commit
from mentorship.common.lifecycle import transition, transition_many
from mentorship.models import Cohort, User

logger = logging.getLogger(__name__)

RUN_ALREADY_ACTIVE = (
    "A matching run for %(cohort)s is already queued or running. "
    "Wait for it to finish, then start another."
)
EXECUTE_RUN_TASK = "matching.tasks.execute_matching_run"
RUN_WORKER_STOPPED = (
    "The worker stopped before the run finished (a crash, the time limit or a database "
    "outage). Start a new run."
)
RUN_ALREADY_FINISHED = "Run #%(run)s has already %(status)s, so it cannot be marked as failed."
RUN_FAIL_REASON_REQUIRED = "Say why the run is marked as failed; the reason is shown on the run."


def run_request(
    *, cohort: Cohort, acting_user: User | None, weights: dict | None = None
) -> MatchingRun:
    """Queue a matching run; the worker picks it up once this transaction commits.

    A run of this cohort whose lease has lapsed is failed first (see ``runs_sweep``),
    so a crashed run never stands in the way of a new one.
    """
    cohort_require_matchable(cohort)
    weights = engine.Weights.from_dict(weights or {}).as_dict()
    runs_fail_stale(cohort=cohort)
    try:
        with transaction.atomic():
            run = MatchingRun.objects.create(
                cohort=cohort, started_by=acting_user, weights=weights, enqueued_at=timezone.now()
            )
            audit_record(
                actor=acting_user,
                action="matching.run_requested",
                target=run,
                summary=f"Matching run requested for {cohort.name}",
                weights=weights,
            )
            enqueue_on_commit(EXECUTE_RUN_TASK, run.pk)
    except IntegrityError:
        # The partial unique index on active runs: another run is queued or running.
        raise ValidationError(
            RUN_ALREADY_ACTIVE, code="run_active", params={"cohort": cohort.name}
        ) from None
    return run


class _LeaseLostError(Exception):
    """The run was failed while this worker solved it (its lease lapsed, or the committee)."""


def run_execute(*, run_id: int) -> MatchingRun | None:
    """Run the engine and write proposals. Safe to call twice: only a queued run is claimed.

    The claim locks the run and moves it queued → running in its own transaction, with
    a lease that a thread renews while the engine works; a second delivery of the same
    task finds it running and returns. Proposals are written in one transaction, which
    first checks that the run is still running: if its lease lapsed meanwhile (and the
    sweep failed it), the result is dropped rather than replacing a newer run's.
    """
    with transaction.atomic():
        run = (
            MatchingRun.objects.select_for_update()
            .select_related("cohort")
            .filter(pk=run_id, status=MatchingRun.Status.QUEUED)
            .first()
        )
        if run is None:
            return None
        now = timezone.now()
        transition(
            run,
            to=MatchingRun.Status.RUNNING,
            actor=None,
            action="matching.run_started",
            summary=f"Matching run #{run.pk} for {run.cohort.name} started",
            changes={"started_at": now, "lease_expires_at": now + _lease()},
            lock=False,
        )
    try:
        result = _run_solve_and_write(run)
    except _LeaseLostError:
        logger.warning("Matching run %s was failed while it ran; its result is dropped", run_id)
        return None
    except Exception as error:
        logger.exception("Matching run %s failed", run_id)
        reason = f"{type(error).__name__}: {error}"[:2000]
        try:
            _run_fail(
                run_id=run.pk,
                reason=reason,
                actor=None,
                action="matching.run_failed",
                still=MatchingRun.Status.RUNNING,
            )
        except DatabaseError:
            # The database is away (the likely cause): the run keeps its lease, which
            # lapses, and the sweep fails it once the database is back.
            logger.exception("Could not record that matching run %s failed", run_id)
        raise
    return result


def _lease() -> timedelta:
    return timedelta(seconds=settings.MATCHING_RUN_LEASE_SECONDS)


@contextmanager
def _lease_renewed(run: MatchingRun) -> Iterator[None]:
    """Renew the run's lease from a thread while the body runs (the engine is one call).

    It stops before the proposals are written: the write renews the lease itself, and
    a second connection writing beside it would only wait for its locks (or, on SQLite,
    be refused).

    The thread stops renewing when the run is no longer running; if the database is
    away it keeps trying, and the lease lapses unless the database comes back in time.
    """
    stop = threading.Event()
    lease = _lease()

    def renew() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 4):
                try:
                    renewed = MatchingRun.objects.filter(
                        pk=run.pk, status=MatchingRun.Status.RUNNING
                    ).update(lease_expires_at=timezone.now() + lease)
                except DatabaseError:
                    logger.warning("Could not renew the lease of matching run %s", run.pk)
                    continue
                if not renewed:
                    return  # failed meanwhile, by the sweep or the committee
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"matching-run-{run.pk}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _stale_runs(now: datetime) -> Q:
    """Running runs whose worker is gone: the lease lapsed, or the time limit has passed."""
    time_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + _lease()
    return Q(status=MatchingRun.Status.RUNNING) & (
        Q(lease_expires_at__lt=now) | Q(started_at__lt=now - time_limit)
    )


@transaction.atomic
def _run_fail(*, run_id: int, reason: str, actor, action: str, still: Q | str) -> bool:
    """Fail the run if it is ``still`` as expected once locked; True if this call did.

    A run locked by someone else is its worker writing the proposals: it is skipped,
    alive, rather than waited for.
    """
    still = Q(status=still) if isinstance(still, str) else still
    run = (
        MatchingRun.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("cohort")
        .filter(still, pk=run_id)
        .first()
    )
    if run is None:
        return False
    _fail_locked(run, reason=reason, actor=actor, action=action)
    return True


def _fail_locked(run: MatchingRun, *, reason: str, actor, action: str) -> None:
    transition(
        run,
        to=MatchingRun.Status.FAILED,
        actor=actor,
        action=action,
        summary=f"Matching run #{run.pk} for {run.cohort.name} failed: {reason}"[:500],
        changes={"finished_at": timezone.now(), "error": reason},
        lock=False,
        lease_expires_at=run.lease_expires_at.isoformat() if run.lease_expires_at else None,
    )


def runs_fail_stale(*, cohort: Cohort | None = None) -> int:
    """Fail the running runs (of ``cohort``, or all) whose worker is gone; returns how many.

    Each is its own transaction and audit row, with RUN_WORKER_STOPPED as the reason.
    """
    now = timezone.now()
    stale = MatchingRun.objects.filter(_stale_runs(now))
    if cohort is not None:
        stale = stale.filter(cohort=cohort)
    return sum(
        _run_fail(
            run_id=run_id,
            reason=RUN_WORKER_STOPPED,
            actor=None,
            action="matching.run_lease_expired",
            still=_stale_runs(now),
        )
        for run_id in stale.values_list("pk", flat=True)
    )


def runs_sweep() -> dict[str, int]:
    """Periodic: fail runs whose worker is gone; send again runs queued for a few minutes.

    Safe to run twice: a failed run is no longer running, and sending a queued run
    again is harmless (only one delivery can claim it); each one is sent again at most
    once per MATCHING_RUN_REQUEUE_SECONDS, and until the broker takes it.
    """
    failed = runs_fail_stale()
    cutoff = timezone.now() - timedelta(seconds=settings.MATCHING_RUN_REQUEUE_SECONDS)
    waiting = MatchingRun.objects.filter(status=MatchingRun.Status.QUEUED).filter(
        Q(enqueued_at__lte=cutoff) | Q(enqueued_at=None, created_at__lte=cutoff)
    )
    requeued = 0
    for run_id in waiting.values_list("pk", flat=True):
        if enqueue(EXECUTE_RUN_TASK, run_id):
            MatchingRun.objects.filter(pk=run_id).update(enqueued_at=timezone.now())
            logger.info("Matching run %s was still queued; sent it to the workers again", run_id)
            requeued += 1
    return {"failed": failed, "requeued": requeued}


@transaction.atomic
def run_mark_failed(*, run: MatchingRun, acting_user: User | None, reason: str) -> MatchingRun:
    """The committee fails a queued or running run (a stuck one), freeing its cohort.

    Audited with the reason. If the run's worker is in fact still solving, its result is
    dropped when it comes to write (see ``run_execute``); if it is writing right now,
    this waits for it and then finds the run finished.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(RUN_FAIL_REASON_REQUIRED, code="reason_required")
    locked = (
        MatchingRun.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=run.pk)
    )
    if not locked.is_active:
        raise ValidationError(
            RUN_ALREADY_FINISHED,
            code="run_finished",
            params={"run": locked.pk, "status": locked.get_status_display().lower()},
        )
    _fail_locked(locked, reason=reason, actor=acting_user, action="matching.run_marked_failed")
    return locked


def _run_solve_and_write(run: MatchingRun) -> MatchingRun:
    with _lease_renewed(run):
        started = time.perf_counter()
        inputs = selectors.engine_inputs(cohort=run.cohort)
        weights = engine.Weights.from_dict(run.weights)
        read_seconds = time.perf_counter() - started
        result = engine.match(
            inputs.apms,
            inputs.mentors,
            weights=weights,
            banned_pairs=inputs.banned_pairs,
            category_names=inputs.category_names,
            person_names=inputs.person_names,
            team_names=inputs.team_names,
        )
    write_started = time.perf_counter()
    with transaction.atomic():
        # Still ours? If the lease lapsed while the engine ran, the run has been failed
        # and a newer run may have written proposals that this result must not replace.
        # Renewing it once more covers the write; the row lock this takes keeps the
        # sweep off the run until the proposals are in.
        renewed = MatchingRun.objects.filter(pk=run.pk, status=MatchingRun.Status.RUNNING)
        if not renewed.update(lease_expires_at=timezone.now() + _lease()):
            raise _LeaseLostError
        # Re-running supersedes what is still waiting for review; approved, rejected
        # and matched pairs are history and stay.
        transition_many(
            Proposal.objects.filter(cohort=run.cohort),
            to=Proposal.Status.SUPERSEDED,
            actor=None,
            action="matching.proposals_superseded",
            summary=f"Run #{run.pk} superseded the proposals of {run.cohort.name} still waiting",
        )
        Proposal.objects.bulk_create(
            [
                Proposal(
                    run=run,
                    cohort_id=run.cohort_id,
                    apm_id=proposal.apm_id,
                    mentor_id=proposal.mentor_id,
                    score=round(proposal.score, 2),
                    parts=[
                        {"name": part.name, "points": part.points, "reason": part.reason}
                        for part in proposal.parts
                    ],
                    reasons=proposal.reasons,
                    alternatives=[list(pair) for pair in proposal.alternatives],
                    next_best_score=(
                        proposal.alternatives[0][1] if proposal.alternatives else None
                    ),
                )
                for proposal in result.proposals
            ],
            batch_size=1000,
        )
        UnmatchedApm.objects.bulk_create(
            [
                UnmatchedApm(
                    run=run,
                    apm_id=item.apm_id,
                    code=item.code,
                    reason=item.reason,
                    fix=item.fix,
                    allowed_mentors=[list(pair) for pair in item.allowed_mentors],
                    banned_mentors=list(item.banned_mentors),
                )
                for item in result.unmatched
            ],
            batch_size=1000,
        )
        stats = {
            **{k: v for k, v in result.stats.items() if isinstance(v, int | float | str | bool)},
            "read_seconds": round(read_seconds, 3),
            "write_seconds": round(time.perf_counter() - write_started, 3),
            "scores": engine.score_summary(result.proposals, weights),
        }
        return transition(
            run,
            to=MatchingRun.Status.SUCCEEDED,
            actor=None,
            action="matching.run_succeeded",
            summary=f"Matching run #{run.pk} for {run.cohort.name}: "
            f"{result.matched_count} of {len(inputs.apms)} APMs have a proposed mentor",
            changes={
                "finished_at": timezone.now(),
                "apm_count": len(inputs.apms),
                "mentor_count": len(inputs.mentors),
                "matched_count": result.matched_count,
                "unmatched_count": len(result.unmatched),
                "total_score": round(result.total_score, 2),
                "optimal": result.optimal,
                "stats": stats,
            },
        )
