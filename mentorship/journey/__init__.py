"""The committee's view of the APM journey: the funnel, who stalled, and nudges.

funnel     read-only: each cohort's steps, median days and stalled people, worked out
snapshots  the page's copy of the funnel, rebuilt in the background, read a page at a time
reminders  journey_remind: the nudge that moves a stalled person on
standing   what a participant hears of where they stand (badges, the next sentence)
"""

from mentorship.journey.funnel import (
    DEFAULT_STALLED_DAYS,
    FIRST_MEETING,
    GRADUATED,
    INTAKE,
    MATCHED,
    MENTOR,
    PEOPLE_PER_PAGE,
    PROMOTED,
    STALLED_PER_PAGE,
    STEP_CODES,
    STEP_DEFINITIONS,
    STEP_LABELS,
    SURVEY,
    WHAT_TO_DO,
    cohort_funnel,
    journey_cohorts,
    person_journey,
    survey_answers,
)
from mentorship.journey.reminders import (
    REMIND_ALREADY_TODAY,
    REMIND_NO_OPEN_COHORT,
    REMIND_NOT_USEFUL,
    journey_remind,
)
from mentorship.journey.snapshots import journey_page, journey_refresh, snapshot_build
from mentorship.journey.standing import Standing, enrollment_standing, enrollment_standings

__all__ = [
    "DEFAULT_STALLED_DAYS",
    "FIRST_MEETING",
    "GRADUATED",
    "INTAKE",
    "MATCHED",
    "MENTOR",
    "PEOPLE_PER_PAGE",
    "PROMOTED",
    "REMIND_ALREADY_TODAY",
    "REMIND_NOT_USEFUL",
    "REMIND_NO_OPEN_COHORT",
    "STALLED_PER_PAGE",
    "STEP_CODES",
    "STEP_DEFINITIONS",
    "STEP_LABELS",
    "SURVEY",
    "WHAT_TO_DO",
    "Standing",
    "cohort_funnel",
    "enrollment_standing",
    "enrollment_standings",
    "journey_cohorts",
    "journey_page",
    "journey_refresh",
    "journey_remind",
    "person_journey",
    "snapshot_build",
    "survey_answers",
]
