"""Promotions, graduation and the way back as a mentor ("full circle").

    promotions  promotion_record (the committee, confirmed at once), promotion_report
                (an APM, waits for the committee), promotion_confirm, and the rule of
                which promotions count for the program (credited_promotions)
    graduate    apm_graduate: the match ends as graduated, the guide opens, mail goes
    guide       the graduate's checklist, the next cohort to mentor in, full circle

Every change the committee answers for leaves an audit row.
"""

from mentorship.graduation.graduate import (
    GRADUATION_MATCH_NOT_ACTIVE,
    GRADUATION_NO_ACTIVE_MATCH,
    GRADUATION_NO_PROMOTION,
    apm_graduate,
    apm_graduate_by_user,
)
from mentorship.graduation.guide import (
    GUIDE_MANUAL_STEPS,
    GUIDE_STEP_BY_INTAKE,
    GUIDE_STEP_HELP,
    GUIDE_STEP_UNKNOWN,
    GUIDE_STEPS,
    PREFILL_TOPIC_COUNT,
    graduate_invitations_queue,
    guide_for_user,
    guide_full_circle_record,
    guide_progress,
    guide_step_toggle,
    guide_steps,
    home_graduation,
    mentor_intake_initial,
    mentor_invitation_queue,
    next_mentor_cohort,
    upcoming_mentor_cohort,
)
from mentorship.graduation.promotions import (
    PROMOTION_ALREADY_CONFIRMED,
    PROMOTION_ALREADY_REPORTED,
    PROMOTION_IN_FUTURE,
    PROMOTION_NOT_AN_APM,
    PROMOTION_SAME_TITLE,
    can_report_promotion,
    credited_promotions,
    current_apm_cohort,
    promotion_check,
    promotion_confirm,
    promotion_record,
    promotion_report,
)

__all__ = [
    "GRADUATION_MATCH_NOT_ACTIVE",
    "GRADUATION_NO_ACTIVE_MATCH",
    "GRADUATION_NO_PROMOTION",
    "GUIDE_MANUAL_STEPS",
    "GUIDE_STEPS",
    "GUIDE_STEP_BY_INTAKE",
    "GUIDE_STEP_HELP",
    "GUIDE_STEP_UNKNOWN",
    "PREFILL_TOPIC_COUNT",
    "PROMOTION_ALREADY_CONFIRMED",
    "PROMOTION_ALREADY_REPORTED",
    "PROMOTION_IN_FUTURE",
    "PROMOTION_NOT_AN_APM",
    "PROMOTION_SAME_TITLE",
    "apm_graduate",
    "apm_graduate_by_user",
    "can_report_promotion",
    "credited_promotions",
    "current_apm_cohort",
    "graduate_invitations_queue",
    "guide_for_user",
    "guide_full_circle_record",
    "guide_progress",
    "guide_step_toggle",
    "guide_steps",
    "home_graduation",
    "mentor_intake_initial",
    "mentor_invitation_queue",
    "next_mentor_cohort",
    "promotion_check",
    "promotion_confirm",
    "promotion_record",
    "promotion_report",
    "upcoming_mentor_cohort",
]
