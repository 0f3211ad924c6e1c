"""The import itself: validate, plan, and save the plan in one transaction.

Saves in bulk, parents before children, with a fixed number of queries per batch of
rows, then writes an audit row; with any problem, or in a dry run, nothing is written.
"""

from django.db import IntegrityError, NotSupportedError, connection, transaction

from mentorship.common.audit import audit_record
from mentorship.models import BusinessUnit, Cohort, Enrollment, Profile, Team, User
from mentorship.roster.batches import BATCH_SIZE, chunks
from mentorship.roster.messages import AUDIT_SUMMARY, COHORT_CLOSED, IMPORT_CONFLICT
from mentorship.roster.plan import RosterPlan, roster_plan
from mentorship.roster.reading import within_size_limit
from mentorship.roster.result import RosterImportResult, RowError
from mentorship.roster.validation import roster_validate


def roster_import(
    *, data: bytes, cohort: Cohort, dry_run: bool = False, acting_user: User | None = None
) -> RosterImportResult:
    """Validate a roster file and, if it has no problems and this is not a dry run, import it.

    Writes users, business units, teams, profiles, enrollments (status submitted) and
    their topics in one transaction, then an audit row. With any problem, or with
    ``dry_run``, nothing is written and the counts say what an import would do.
    """
    if not connection.features.can_return_rows_from_bulk_insert:
        # New rows refer to each other (profile → user, topic → enrollment) before the
        # import reads anything back.
        raise NotSupportedError("The roster import needs PostgreSQL or SQLite 3.35 or newer.")
    result = RosterImportResult(dry_run=dry_run)
    if not within_size_limit(data, result):
        return result
    try:
        with transaction.atomic():
            if not dry_run:
                # Two imports into one cohort at once would each plan against rows the
                # other is writing; the lock makes them take turns.
                cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
            if cohort.status == Cohort.Status.CLOSED:
                result.error(None, "", COHORT_CLOSED, cohort=cohort.name)
                return result
            roster = roster_validate(data, result)
            if not result.ok:
                return result
            plan = roster_plan(cohort=cohort, rows=roster.rows, users=roster.users, result=result)
            if not dry_run:
                _write(plan)
                audit_record(
                    actor=acting_user,
                    action="roster.import",
                    target=cohort,
                    summary=AUDIT_SUMMARY % {"cohort": cohort.name, "summary": result.summary()},
                    **result.counts(),
                )
    except IntegrityError:
        # A person signed up, or another import ran, between our reads and our writes.
        return RosterImportResult(
            dry_run=dry_run, errors=[RowError(None, "", IMPORT_CONFLICT)], notes=result.notes
        )
    return result


def _write(plan: RosterPlan) -> None:
    """Save the plan, parents before children; new instances refer to each other."""
    created, updated = plan.created, plan.updated
    User.objects.bulk_create(created["user"], batch_size=BATCH_SIZE)
    User.objects.bulk_update(updated["user"], ["full_name"], batch_size=BATCH_SIZE)
    BusinessUnit.objects.bulk_create(created["unit"], batch_size=BATCH_SIZE)
    Team.objects.bulk_create(created["team"], batch_size=BATCH_SIZE)
    Profile.objects.bulk_create(created["profile"], batch_size=BATCH_SIZE)
    Profile.objects.bulk_update(
        updated["profile"],
        ["title", "business_unit", "team", "manager", "time_zone", "updated_at"],
        batch_size=BATCH_SIZE,
    )
    Enrollment.objects.bulk_create(created["enrollment"], batch_size=BATCH_SIZE)
    Enrollment.objects.bulk_update(
        updated["enrollment"],
        [
            "career_track",
            "capacity",
            "prefers_other_unit",
            "goals",
            "status",
            "submitted_at",
            "updated_at",
        ],
        batch_size=BATCH_SIZE,
    )
    through = Enrollment.topics.through
    for chunk in chunks(plan.removed_topic_links):
        through.objects.filter(id__in=chunk).delete()
    through.objects.bulk_create(created["topic"], batch_size=BATCH_SIZE)
