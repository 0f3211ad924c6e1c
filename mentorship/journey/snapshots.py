"""The journey page reads a snapshot of the funnel, not every APM's data on each view.

Working the funnel out (``funnel.cohort_funnel``) reads every APM's enrollment, matches,
meetings, answers, promotions and guide: half a second at 6,000 APMs, on every view. The
page instead reads a ``JourneySnapshot``: the step figures, and one ``JourneyRow`` per
APM with the day of each step, its furthest step and when they reached it. A view then
costs a fixed handful of indexed queries whatever the cohort's size: the figures, the
stalled counts (one GROUP BY), one page of each step's stalled list, and one page of
the table of people. Who has stalled is read with today's date.

When a snapshot is worked out again:
- after any change made through a request or a background task
  (``mentorship.common.changes``), or once it is older than ``JOURNEY_REFRESH_SECONDS``
  (changes the stamp does not see: another process's cache without Redis, a command);
- a cohort of up to ``REBUILD_IN_PAGE_APMS`` APMs is rebuilt by the view that finds it
  outdated (tens of milliseconds), so the committee sees its own change at once;
- a larger one is rebuilt by a task, at most once every ``REBUILD_EVERY_SECONDS``, and
  the page shows the figures it has, saying when they were worked out and that newer
  ones are on the way; "Work them out now" rebuilds at once.
A build is one transaction (a crash leaves the previous snapshot whole), and its time is
when it started reading, so a change committed while it ran makes it outdated.
"""

from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from mentorship.common import changes
from mentorship.common.admin_paging import Counted
from mentorship.common.background import enqueue_on_commit
from mentorship.graduation import next_mentor_cohort
from mentorship.journey import funnel
from mentorship.journey.funnel import (
    MENTOR,
    STEP_CODES,
    STEP_DEFINITIONS,
    STEP_LABELS,
    Funnel,
    PersonJourney,
    StepFigure,
    cohort_people,
    step_figures,
)
from mentorship.models import Cohort, JourneyRow, JourneySnapshot

BUILD_BATCH = 2000
REBUILD_IN_PAGE_APMS = 1000
REBUILD_EVERY_SECONDS = 60
REFRESH_TASK = "mentorship.journey.tasks.journey_snapshot_refresh"


def _refresh_seconds() -> int:
    return settings.JOURNEY_REFRESH_SECONDS


def snapshot_build(*, cohort: Cohort) -> JourneySnapshot:
    """Work the cohort's journey out and store it, replacing the previous snapshot."""
    started = timezone.now()
    people = cohort_people(cohort=cohort)
    steps = [
        {"code": step.code, "count": step.count, "share": step.share,
         "median_days": step.median_days, "measured": step.measured}
        for step in step_figures(people)
    ]  # fmt: skip
    with transaction.atomic():
        snapshot, _ = JourneySnapshot.objects.select_for_update().get_or_create(
            cohort=cohort, defaults={"built_at": started}
        )
        JourneyRow.objects.filter(snapshot=snapshot).delete()
        JourneyRow.objects.bulk_create(
            (_row(snapshot, person) for person in people), batch_size=BUILD_BATCH
        )
        snapshot.steps = steps
        snapshot.built_at = started
        snapshot.save(update_fields=["steps", "built_at"])
    return snapshot


def _row(snapshot: JourneySnapshot, person: PersonJourney) -> JourneyRow:
    dates = person.dates
    return JourneyRow(
        snapshot=snapshot, enrollment_id=person.enrollment_id, user_id=person.user_id,
        name=person.name, email=person.email, title=person.title,
        mentor_name=person.mentor_name, **{code: dates[code] for code in STEP_CODES},
        furthest=person.furthest, reached_on=person.reached_on,
    )  # fmt: skip


def _apms(snapshot: JourneySnapshot) -> int:
    return snapshot.steps[0]["count"] if snapshot.steps else 0


def _queued_key(cohort_id: int) -> str:
    return f"journey-snapshot-queued:{cohort_id}"


def _queue_rebuild(cohort: Cohort) -> None:
    """Queue a rebuild of the cohort's snapshot, at most one per REBUILD_EVERY_SECONDS."""
    # The key lapses by itself: then a rebuild lost with its worker is queued again.
    if cache.add(_queued_key(cohort.pk), True, timeout=REBUILD_EVERY_SECONDS):
        enqueue_on_commit(REFRESH_TASK, cohort.pk)


def is_outdated(snapshot: JourneySnapshot, now=None) -> bool:
    """Built before the last change stamped by a request or a task, or too long ago."""
    now = now or timezone.now()
    return changes.changed_at() >= snapshot.built_at.timestamp() or (
        now - snapshot.built_at > timedelta(seconds=_refresh_seconds())
    )


def snapshot_refresh(*, cohort_id: int) -> None:
    """The task's work: rebuild unless an up-to-date snapshot was built meanwhile."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return
    snapshot = JourneySnapshot.objects.filter(cohort=cohort).first()
    if snapshot is None or is_outdated(snapshot):
        snapshot_build(cohort=cohort)


def journey_refresh(*, cohort: Cohort) -> JourneySnapshot:
    """The committee asks for today's figures now."""
    return snapshot_build(cohort=cohort)


# --- Reading a page -------------------------------------------------------------------------


def _page(rows: list, total: int, number, per_page: int, first: int = 0):
    return Paginator(Counted(rows, total, first), per_page).get_page(number)


def _page_number(number, total: int, per_page: int) -> int:
    """The page ``get_page`` would show for ``number`` (bad numbers: the nearest page)."""
    return Paginator(range(total), per_page).get_page(number).number


def _person(row: JourneyRow, today, mentor_cohort) -> PersonJourney:
    return PersonJourney(
        enrollment_id=row.enrollment_id, user_id=row.user_id, name=row.name, email=row.email,
        title=row.title, mentor_name=row.mentor_name,
        dates={code: getattr(row, code) for code in STEP_CODES}, today=today,
        mentor_cohort=mentor_cohort,
    )  # fmt: skip


# Stalled people, longest waiting first within each step.
LONGEST_FIRST = ("furthest", "reached_on", "name", "enrollment_id")


def _in_pages(rows, pages: list):
    """The rows of every step's page of stalled people, longest waiting first.

    Where the database allows a LIMIT in each part of a UNION (PostgreSQL), the pages
    themselves, UNION ALL: each reads only its page through the index. Finding the
    rows by key instead (``pk IN`` the pages) let PostgreSQL read every snapshot row
    of the cohort and keep those whose key the pages hold: 6,000 rows for 60 at
    organisation size. SQLite refuses the LIMITs there, and reads a demo's cohort.
    """
    if connection.features.supports_slicing_ordering_in_compound:
        return pages[0].union(*pages[1:], all=True).order_by(*LONGEST_FIRST)
    return rows.filter(reduce(or_, (Q(pk__in=page.values("pk")) for page in pages))).order_by(
        *LONGEST_FIRST
    )


def journey_page(
    *, cohort: Cohort, days: int, stalled_at=None, stalled_page=1, people_page=1
) -> Funnel:
    """The journey page's figures and the pages of people it shows, from the snapshot."""
    snapshot = JourneySnapshot.objects.filter(cohort=cohort).first()
    now = timezone.now()
    stale = snapshot is None or is_outdated(snapshot, now)
    if stale and (snapshot is None or _apms(snapshot) <= REBUILD_IN_PAGE_APMS):
        snapshot, stale = snapshot_build(cohort=cohort), False
    elif stale:
        _queue_rebuild(cohort)
    today = timezone.localdate(now)
    mentor_cohort = next_mentor_cohort(after=cohort)
    rows = JourneyRow.objects.filter(snapshot=snapshot)

    # Stalled: the furthest step was reached more than ``days`` days ago (people who
    # became mentors have finished and never stall).
    stalled = rows.filter(reached_on__lt=today - timedelta(days=days)).exclude(furthest=MENTOR)
    stalled_counts = dict(
        stalled.order_by().values("furthest").annotate(n=Count("id")).values_list("furthest", "n")
    )
    # Each step's page of stalled people: one indexed LIMIT per step, all in one query,
    # always the same query whoever has stalled.
    numbers, pages = {}, []
    for code in STEP_CODES:
        if code == MENTOR:
            continue
        n = stalled_counts.get(code, 0)
        numbers[code] = _page_number(
            stalled_page if code == stalled_at else 1, n, funnel.STALLED_PER_PAGE
        )
        first = (numbers[code] - 1) * funnel.STALLED_PER_PAGE
        longest_first = stalled.filter(furthest=code).order_by(*LONGEST_FIRST[1:])
        pages.append(longest_first[first : first + funnel.STALLED_PER_PAGE])
    page_rows = {code: [] for code in numbers}
    for row in _in_pages(rows, pages):
        page_rows[row.furthest].append(_person(row, today, mentor_cohort))

    total = _apms(snapshot)
    people_number = _page_number(people_page, total, funnel.PEOPLE_PER_PAGE)
    start = (people_number - 1) * funnel.PEOPLE_PER_PAGE
    by_name = rows.order_by("name", "email", "enrollment")
    people = [
        _person(row, today, mentor_cohort)
        for row in by_name[start : start + funnel.PEOPLE_PER_PAGE]
    ]

    steps = []
    for figures in snapshot.steps:
        code = figures["code"]
        step = StepFigure(
            code=code, label=STEP_LABELS[code], definition=STEP_DEFINITIONS[code],
            count=figures["count"], share=figures["share"],
            median_days=figures["median_days"], measured=figures["measured"],
            stalled_count=stalled_counts.get(code, 0),
        )  # fmt: skip
        if step.stalled_count:
            first = (numbers[code] - 1) * funnel.STALLED_PER_PAGE
            step.stalled_page = _page(
                page_rows[code], step.stalled_count, numbers[code], funnel.STALLED_PER_PAGE, first
            )
        steps.append(step)
    return Funnel(
        cohort=cohort, days=days, today=today, steps=steps, people=[],
        mentor_cohort=mentor_cohort, people_total=total,
        people_page=_page(people, total, people_number, funnel.PEOPLE_PER_PAGE, start),
        built_at=snapshot.built_at, stale=stale,
    )  # fmt: skip
