"""Erasing a person's account at their request (or the committee's, asked by email).

The person's row stays, renamed "Former participant #N" with an address that cannot
receive mail and no way to sign in, so that everything counted about the program
(matches, meetings, promotions, survey answers, the journey's funnel) counts the same
afterwards. What identifies them or what they wrote is erased: their profile's free
text, their intake's goals and notes, the notes of meetings they logged, their
rematch reasons and promotion titles, their emails (pending ones are cancelled), the
address on their row of the eligible population (it follows the pseudonym, so the
comparison group still counts them as a participant), their sign-in addresses,
authenticators and linked accounts, and their name and address in the audit log's
summaries. Answers to attributed surveys stay, attributed to the
pseudonym; anonymous answers were never linked to anyone.

An active match ends first (no ban: nobody is at fault), so the other person can be
matched again; open intakes are withdrawn and pending proposals rejected. The audit
row says all of this, and the admin's dashboard lists it for the committee.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace

from matching.models import Match, Meeting, Proposal, RematchRequest
from matching.selectors import pairs_of
from matching.services import match_end
from mentorship.common.audit import audit_record
from mentorship.common.lifecycle import transition_many
from mentorship.common.models import AuditLog
from mentorship.models import (
    Cohort,
    Enrollment,
    JourneyRow,
    Notification,
    NotificationPreference,
    Profile,
    Promotion,
    User,
)
from surveys.models import EligiblePerson, Invitation

ERASED_ACTION = "account.erased"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox
ERASED_TEXT = "(erased)"
ACCOUNT_ERASE_REFUSED_STAFF = (
    "%(name)s is on the committee or staff. Take them off the committee and staff "
    "first (Users → their account), then delete the account."
)
ACCOUNT_ALREADY_ERASED = "This account was already deleted."
END_REASON = "The account was deleted."
# Cohorts whose intakes can still be matched: an erased person's intake leaves them.
OPEN_COHORTS = (Cohort.Status.DRAFT, Cohort.Status.INTAKE_OPEN, Cohort.Status.MATCHING)


def pseudonym_of(user: User) -> str:
    return f"Former participant #{user.pk}"


def is_erased(user: User) -> bool:
    return user.email.endswith(f"@{ERASED_DOMAIN}")


def _end_active_matches(user: User) -> list[str]:
    """End the person's active matches; returns, for each, who needs a new partner."""
    told = []
    active = (
        pairs_of(Match, user)
        .filter(status=Match.Status.ACTIVE)
        .select_related("cohort", "apm__user", "mentor__user")
        .order_by("pk")
    )
    for match in active:
        other, role = (
            (match.mentor.user, "mentor")
            if match.apm.user_id == user.pk
            else (match.apm.user, "APM")
        )
        match_end(match=match, acting_user=None, reason=END_REASON, ban=False)
        told.append(f"{other.display_name} ({role}, {match.cohort.name})")
    return told


def _rename_in_audit_log(texts: list[str], pseudonym: str) -> None:
    for text in texts:
        AuditLog.objects.filter(summary__contains=text).update(
            summary=Replace("summary", Value(text), Value(pseudonym))
        )


@transaction.atomic
def account_erase(*, user: User, acting_user: User | None, reason: str = "") -> AuditLog:
    """Erase ``user``'s personal data (see above); returns the audit row that says so."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_erased(user):
        raise ValidationError(ACCOUNT_ALREADY_ERASED, code="already_erased")
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            ACCOUNT_ERASE_REFUSED_STAFF, code="staff", params={"name": user.display_name}
        )
    pseudonym = pseudonym_of(user)
    old_name, old_email = user.full_name, user.email
    by_self = acting_user is not None and acting_user.pk == user.pk

    ended = _end_active_matches(user)
    withdrawn = transition_many(
        Enrollment.objects.filter(user=user, cohort__status__in=OPEN_COHORTS),
        to=Enrollment.Status.WITHDRAWN,
        actor=acting_user,
        action="enrollment.withdraw",
        summary=f"{pseudonym}'s intakes were withdrawn: the account was deleted",
    )
    rejected = transition_many(
        pairs_of(Proposal, user),
        to=Proposal.Status.REJECTED,
        actor=acting_user,
        action="matching.proposal_rejected",
        summary=f"Proposals with {pseudonym} rejected: the account was deleted",
    )
    cancelled = transition_many(
        Notification.objects.filter(user=user),
        to=Notification.Status.CANCELLED,
        actor=acting_user,
        action="outbox.cancelled",
        summary=f"Emails to {pseudonym} cancelled: the account was deleted",
        changes={"next_attempt_at": None},
    )
    erased_email = f"former-participant-{user.pk}@{ERASED_DOMAIN}"
    Notification.objects.filter(user=user).update(
        to_email=erased_email, subject=ERASED_TEXT, body_text="", body_html="",
        attachments=[], last_error="",
    )  # fmt: skip
    Profile.objects.filter(user=user).update(
        pronouns="", title="", bio="", agencies=[], domains=[], manager=None,
        years_in_product=None,
    )  # fmt: skip
    Enrollment.objects.filter(user=user).update(goals="", notes_for_committee="")
    Meeting.objects.filter(logged_by=user).update(notes="")
    RematchRequest.objects.filter(requested_by=user).update(reason=ERASED_TEXT)
    Promotion.objects.filter(user=user).update(from_title=ERASED_TEXT, to_title=ERASED_TEXT)
    Invitation.objects.filter(user=user).update(draft={})
    # HR's row of the person (the outcomes' comparison group) follows the new address,
    # so they stay a participant there and their old address is not kept.
    EligiblePerson.objects.filter(email=old_email.lower()).update(email=erased_email)
    JourneyRow.objects.filter(enrollment__user=user).update(name=pseudonym, email="", title="")
    if old_name:
        JourneyRow.objects.filter(mentor_name=old_name).update(mentor_name=pseudonym)
    NotificationPreference.objects.update_or_create(user=user, defaults={"nudges_enabled": False})
    _sign_in_removed(user)

    user.full_name = pseudonym
    user.email = erased_email
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()  # and with it every session of the account ends
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # A full name of one word ("Al") could be part of other words: only the address,
    # and a name of two words or more, are replaced in the log's summaries.
    _rename_in_audit_log(
        [old_email, *([old_name] if len(old_name.split()) > 1 else [])], pseudonym
    )

    who = "at their own request" if by_self else "at their request to the committee"
    summary = f"Deleted the account of {pseudonym} {who}"
    if ended:
        summary += f". Their active match ended first; needs a new partner: {'; '.join(ended)}"
    return audit_record(
        actor=acting_user,
        action=ERASED_ACTION,
        target=user,
        summary=summary,
        reason=reason[:500],
        ended_matches=len(ended),
        withdrawn_intakes=withdrawn,
        rejected_proposals=rejected,
        cancelled_emails=cancelled,
    )


def _sign_in_removed(user: User) -> None:
    """Every way to sign in goes: addresses, authenticators, linked company accounts."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
