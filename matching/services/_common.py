"""What the sub-domains of matching.services share: the conflict-of-interest rule."""

from django.core.exceptions import ValidationError

from mentorship.models import User

CONFLICT_OF_INTEREST = (
    "You are part of this pair, so another committee member must make this decision. "
    "Ask a colleague on the committee to do it."
)


def pair_conflict_check(*, acting_user: User | None, apm_user_id: int, mentor_user_id: int):
    """Nobody decides on a pair they are part of (approve, hand-match, end, graduate)."""
    if acting_user is not None and acting_user.pk in (apm_user_id, mentor_user_id):
        raise ValidationError(CONFLICT_OF_INTEREST, code="conflict_of_interest")
