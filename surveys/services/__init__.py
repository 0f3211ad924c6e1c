"""Writes for surveys, one module per side.

``sending``: the committee's side (templates, sending, inviting, closing, sealing).
``answering``: participants' drafts and answers, stored exactly once.
``mixing``: anonymous answers, sealed as ballots, written as responses in batches.
``reading``: reading one person's attributed answers (a permission, audited).
Import from here: ``from surveys import services; services.response_submit(...)``.
"""

from surveys.services.answering import (
    ALREADY_ANSWERED,
    ANSWER_OUT_OF_RANGE,
    ANSWER_REQUIRED,
    ANSWER_TOO_LONG,
    QUESTION_NOT_IN_SURVEY,
    SURVEY_CLOSED,
    SURVEY_NOT_OPEN_YET,
    TEXT_LIMIT,
    clean_answers,
    invitation_save_draft,
    response_submit,
)
from surveys.services.mixing import UNREADABLE_BALLOT, ballots_mix
from surveys.services.reading import (
    ANONYMOUS_NOT_READABLE,
    ATTRIBUTED_NEEDS_PERMISSION,
    attributed_answers_read,
    can_read_attributed,
)
from surveys.services.sending import (
    NOT_A_TEMPLATE,
    SURVEY_ALREADY_CLOSED,
    SURVEY_ALREADY_SENT,
    SURVEY_CLOSES_BEFORE_NOW,
    SURVEY_CLOSES_IN_PAST,
    SURVEY_DATES_BACKWARDS,
    SURVEY_EARLY_END_OF_COHORT,
    SURVEY_HAS_NO_QUESTIONS,
    SURVEY_NOT_OPEN_TO_CLOSE,
    SURVEY_NOT_SENT,
    TEMPLATE_CANNOT_BE_SENT,
    survey_close,
    survey_create_from_template,
    survey_dates_check,
    survey_invite_audience,
    survey_is_early_end_of_cohort,
    survey_open,
    survey_seal_responses,
    survey_templates_install,
)

__all__ = [
    "ALREADY_ANSWERED",
    "ANONYMOUS_NOT_READABLE",
    "ANSWER_OUT_OF_RANGE",
    "ANSWER_REQUIRED",
    "ANSWER_TOO_LONG",
    "ATTRIBUTED_NEEDS_PERMISSION",
    "NOT_A_TEMPLATE",
    "QUESTION_NOT_IN_SURVEY",
    "SURVEY_ALREADY_CLOSED",
    "SURVEY_ALREADY_SENT",
    "SURVEY_CLOSED",
    "SURVEY_CLOSES_BEFORE_NOW",
    "SURVEY_CLOSES_IN_PAST",
    "SURVEY_DATES_BACKWARDS",
    "SURVEY_EARLY_END_OF_COHORT",
    "SURVEY_HAS_NO_QUESTIONS",
    "SURVEY_NOT_OPEN_TO_CLOSE",
    "SURVEY_NOT_OPEN_YET",
    "SURVEY_NOT_SENT",
    "TEMPLATE_CANNOT_BE_SENT",
    "TEXT_LIMIT",
    "UNREADABLE_BALLOT",
    "attributed_answers_read",
    "ballots_mix",
    "can_read_attributed",
    "clean_answers",
    "invitation_save_draft",
    "response_submit",
    "survey_close",
    "survey_create_from_template",
    "survey_dates_check",
    "survey_invite_audience",
    "survey_is_early_end_of_cohort",
    "survey_open",
    "survey_seal_responses",
    "survey_templates_install",
]
