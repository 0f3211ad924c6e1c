"""Survey results for the committee: counted in the database, published under privacy rules.

What is shown, and when:

* Participation (invited, answered) comes from invitations and is always shown: the
  admin lists who was invited and who answered.
* Answers are shown once a survey has closed. While it is open, comparing today's
  results with yesterday's would give away the answers of whoever answered in between.
* Every figure about answers is a count over a group (everyone, a role, a business
  unit); ``surveys.privacy`` decides which groups may be shown for each question, so
  that no group smaller than ``SURVEY_PRIVACY_THRESHOLD`` can be seen or worked out by
  subtraction. Hidden groups read "not enough responses to show".
* Figures for a cohort or a year are sums of the figures the survey pages show, so they
  reveal nothing those pages do not.

Queries: a fixed number per page, whatever the number of responses; the counting is
done by the database (GROUP BY), Python only adds up a few hundred rows.
"""

from surveys.results.combined import Combined, cohort_results, cohort_surveys, combine
from surveys.results.counting import TEXT_SAMPLE, results_for, survey_results
from surveys.results.figures import (
    MEASURES,
    NOT_ENOUGH,
    Distribution,
    Group,
    Measure,
    MeasureRow,
    Participation,
    QuestionResult,
    SurveyResults,
    nps_score,
)

__all__ = [
    "MEASURES",
    "NOT_ENOUGH",
    "TEXT_SAMPLE",
    "Combined",
    "Distribution",
    "Group",
    "Measure",
    "MeasureRow",
    "Participation",
    "QuestionResult",
    "SurveyResults",
    "cohort_results",
    "cohort_surveys",
    "combine",
    "nps_score",
    "results_for",
    "survey_results",
]
