"""People's accounts, committee membership and who may grant access.

Access (staff, superuser, groups, permissions) decides what a person can do in the
admin, so every change to it made by a person goes through a service here that checks
who is asking and writes an audit row with the old and new values. So does every change
an administrator makes to someone's sign-in: their addresses and their password.
"""

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from mentorship.common.audit import audit_record
from mentorship.models import Profile, User
from mentorship.roles import COMMITTEE_GROUP

COMMITTEE_OWN_MEMBERSHIP = (
    "You cannot add yourself to the committee or remove yourself from it. "
    "Ask another administrator to do it."
)
COMMITTEE_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can add people to the committee or remove them. "
    "Ask an administrator to do it."
)
USER_ACCESS_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can change someone's staff, superuser, group or "
    "permission settings. Ask an administrator to do it."
)
SIGN_IN_SUPERUSERS_ONLY = (
    "Only an administrator (a superuser) can change someone's email addresses or "
    "password. Ask an administrator to do it; your own are on your account pages."
)
EMAIL_TAKEN = "%(email)s is already the address of another account."
PRIMARY_NEEDS_VERIFIED = (
    "%(email)s is not verified, and this person has a verified address: mark it as "
    "verified first, then make it primary."
)

# The order a reset lists what it removed in: the app, then its back-ups.
TWO_FACTOR_ORDER = (
    Authenticator.Type.TOTP,
    Authenticator.Type.RECOVERY_CODES,
    Authenticator.Type.WEBAUTHN,
)


def _committee_change_check(*, user: User, acting_user: User | None) -> None:
    # No acting user means code with no person behind it (seed_demo, a shell, test
    # fixtures); whoever runs that already holds the keys.
    if acting_user is None:
        return
    if acting_user.pk == user.pk:
        raise ValidationError(COMMITTEE_OWN_MEMBERSHIP, code="own_membership")
    if not acting_user.is_superuser:
        raise ValidationError(COMMITTEE_SUPERUSERS_ONLY, code="superusers_only")


def _committee_state(user: User, group: Group) -> dict:
    return {"is_staff": user.is_staff, "committee": user.groups.filter(pk=group.pk).exists()}


def _committee_change(*, user: User, acting_user: User | None, join: bool) -> User:
    _committee_change_check(user=user, acting_user=acting_user)
    group = Group.objects.get(name=COMMITTEE_GROUP)
    # Lock the row so that two administrators acting at once record true old values.
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = _committee_state(locked, group)
    if join:
        locked.groups.add(group)
        locked.is_staff = True
    else:
        locked.groups.remove(group)
        # A superuser keeps admin access: it is theirs, not the committee's.
        locked.is_staff = locked.is_superuser
    if locked.is_staff != before["is_staff"]:
        locked.save(update_fields=["is_staff"])
    after = _committee_state(locked, group)
    if after != before:
        audit_record(
            actor=acting_user,
            action="committee.member_added" if join else "committee.member_removed",
            target=locked,
            summary=(
                f"Added {locked} to the committee"
                if join
                else f"Removed {locked} from the committee"
            ),
            **{"from": before, "to": after},
        )
    user.is_staff = locked.is_staff
    return user


@transaction.atomic
def committee_member_add(*, user: User, acting_user: User | None = None) -> User:
    """Make a person a committee member: staff (admin access) in the committee group.

    Only a superuser may do it, and not for themself; refusals are ValidationErrors.
    Writes an audit row with the old and new state, unless they were already a member.
    """
    return _committee_change(user=user, acting_user=acting_user, join=True)


@transaction.atomic
def committee_member_remove(*, user: User, acting_user: User | None = None) -> User:
    """Take a person off the committee, and their admin access unless they are a superuser.

    Same rules and audit row as ``committee_member_add``.
    """
    return _committee_change(user=user, acting_user=acting_user, join=False)


def _access_state(user: User) -> dict:
    permissions = user.user_permissions.values_list("content_type__app_label", "codename")
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(f"{app}.{codename}" for app, codename in permissions),
    }


@transaction.atomic
def user_access_change(
    *,
    user: User,
    acting_user: User,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> User:
    """Set a person's access; ``None`` leaves that part as it is. Superusers only.

    Writes one audit row listing the parts that changed, old and new; none if nothing did.
    """
    if not acting_user.is_superuser:
        raise ValidationError(USER_ACCESS_SUPERUSERS_ONLY, code="superusers_only")
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = _access_state(locked)
    if is_staff is not None:
        locked.is_staff = is_staff
    if is_superuser is not None:
        locked.is_superuser = is_superuser
    locked.save(update_fields=["is_staff", "is_superuser"])
    if groups is not None:
        locked.groups.set(groups)
    if user_permissions is not None:
        locked.user_permissions.set(user_permissions)
    after = _access_state(locked)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        audit_record(
            actor=acting_user,
            action="user.access_changed",
            target=locked,
            summary=f"Changed the access of {locked}: {', '.join(changed)}",
            **{
                "from": {name: before[name] for name in changed},
                "to": {name: after[name] for name in changed},
            },
        )
    user.is_staff, user.is_superuser = locked.is_staff, locked.is_superuser
    return user


# --- Sign-in details set by an administrator (issue 12) ---------------------------------
# Whoever can give an account an address, mark one verified or set its password can sign
# in as that person: a superuser can, nobody else, whatever permissions they hold. People
# change their own on their account pages, which ask for the password and tell them.


def _sign_in_change_check(acting_user: User) -> None:
    if not acting_user.is_superuser:
        raise ValidationError(SIGN_IN_SUPERUSERS_ONLY, code="superusers_only")


def _email_free_check(*, email: str, user: User) -> None:
    """An address is one person's: another account's own or verified one is taken."""
    taken = (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True)
        .exclude(user=user)
        .exists()
    )
    if taken:
        raise ValidationError(EMAIL_TAKEN, code="email_taken", params={"email": email})


@transaction.atomic
def user_email_change(*, user: User, email: str, acting_user: User) -> User:
    """Change the address a person signs in with. Superusers only; one audit row.

    Their address rows stay as they are: this does not verify the new address, so while
    they have a verified one, reset links go to the new address only once its owner
    confirms it.
    """
    _sign_in_change_check(acting_user)
    email = User.objects.normalize_email(email).lower()
    _email_free_check(email=email, user=user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = locked.email
    if email != before:
        locked.email = email
        locked.save(update_fields=["email"])
        audit_record(
            actor=acting_user,
            action="user.email_changed",
            target=locked,
            summary=f"Changed the email address of {locked}",
            **{"from": before, "to": email},
        )
    user.email = email
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str | None, acting_user: User) -> User:
    """Set a person's password, or with ``None`` turn password sign-in off for them.

    Superusers only. The audit row says that it changed, never what to. Other sessions
    of that person end, as with any password change (Django's session hash).
    """
    _sign_in_change_check(acting_user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    had_password = locked.has_usable_password()
    if password is None:
        locked.set_unusable_password()
    else:
        locked.set_password(password)
    locked.save(update_fields=["password"])
    audit_record(
        actor=acting_user,
        action="user.password_set",
        target=locked,
        summary=f"{'Turned off' if password is None else 'Set'} the password of {locked}",
        **{"from": {"usable": had_password}, "to": {"usable": password is not None}},
    )
    user.password = locked.password
    return user


def _address_state(address: EmailAddress | None) -> dict | None:
    if address is None:
        return None
    return {
        "user": address.user_id,
        "email": address.email,
        "verified": address.verified,
        "primary": address.primary,
    }


def _address_audit(
    *, acting_user: User, address: EmailAddress, before: dict | None, action: str, summary: str
) -> None:
    after = _address_state(address)
    if after != before:
        audit_record(
            actor=acting_user,
            action=action,
            target=address.user,
            summary=summary,
            address_id=address.pk,
            **{"from": before, "to": after},
        )


def _address_locked(address: EmailAddress) -> EmailAddress:
    return EmailAddress.objects.select_for_update().select_related("user").get(pk=address.pk)


@transaction.atomic
def email_address_save(*, address: EmailAddress, acting_user: User) -> EmailAddress:
    """Store an address row as an administrator typed it (a new one if it has no pk).

    Superusers only; one audit row with the old and new values. Whether it is verified
    or primary is left as stored (a new one is neither): those change through
    ``email_address_verify`` and ``email_address_make_primary``. A primary address
    retyped here is the one its owner signs in with from now on.
    """
    _sign_in_change_check(acting_user)
    stored = _address_locked(address) if address.pk else None
    before = _address_state(stored)
    address.verified = stored.verified if stored else False
    address.primary = stored.primary if stored else False
    user = User.objects.select_for_update().get(pk=address.user_id)
    if address.verified or address.primary:
        _email_free_check(email=address.email, user=user)
    address.save()
    if address.primary and user.email != address.email:
        user.email = address.email
        user.save(update_fields=["email"])
    _address_audit(
        acting_user=acting_user,
        address=address,
        before=before,
        action="email_address.added" if stored is None else "email_address.changed",
        summary=f"{'Added' if stored is None else 'Changed'} {address.email} of {user}",
    )
    return address


@transaction.atomic
def email_address_verify(*, address: EmailAddress, acting_user: User) -> EmailAddress:
    """Mark an address verified without its owner confirming it. Superusers only.

    From then on password reset links go to it. One audit row, none if it already was.
    """
    _sign_in_change_check(acting_user)
    stored = _address_locked(address)
    before = _address_state(stored)
    if not stored.verified:
        _email_free_check(email=stored.email, user=stored.user)
        stored.verified = True
        stored.save(update_fields=["verified"])
    _address_audit(
        acting_user=acting_user,
        address=stored,
        before=before,
        action="email_address.verified",
        summary=f"Marked {stored.email} of {stored.user} as verified",
    )
    return stored


@transaction.atomic
def email_address_make_primary(*, address: EmailAddress, acting_user: User) -> EmailAddress:
    """Make an address the one its owner signs in with. Superusers only; one audit row.

    As on the person's own page, an address that is not verified cannot take over from
    one that is.
    """
    _sign_in_change_check(acting_user)
    stored = _address_locked(address)
    before = _address_state(stored)
    if stored.primary:
        return stored
    others_verified = EmailAddress.objects.filter(user_id=stored.user_id, verified=True)
    if not stored.verified and others_verified.exists():
        raise ValidationError(
            PRIMARY_NEEDS_VERIFIED, code="not_verified", params={"email": stored.email}
        )
    _email_free_check(email=stored.email, user=stored.user)
    stored.set_as_primary()  # allauth's: the old primary steps down, User.email follows
    _address_audit(
        acting_user=acting_user,
        address=stored,
        before=before,
        action="email_address.made_primary",
        summary=f"Made {stored.email} the primary address of {stored.user}",
    )
    return stored


@transaction.atomic
def email_address_remove(*, address: EmailAddress, acting_user: User) -> None:
    """Take an address off an account. Superusers only; one audit row.

    If the person signed in with it, they sign in with another of their addresses
    (a verified one first), as when they remove it themselves.
    """
    _sign_in_change_check(acting_user)
    stored = _address_locked(address)
    before, user, address_id = _address_state(stored), stored.user, stored.pk
    stored.remove()
    audit_record(
        actor=acting_user,
        action="email_address.removed",
        target=user,
        summary=f"Removed {before['email']} from {user}",
        address_id=address_id,
        **{"from": before, "to": None},
    )


@transaction.atomic
def user_two_factor_reset(*, user: User, acting_user: User | None = None) -> list[str]:
    """Remove all of a person's two-factor sign-in: the break-glass for a lost phone.

    Deletes their authenticators (the app, the recovery codes, any security key) and
    returns the types removed, in a fixed order; an empty list when there was none, and
    then no audit row. They sign in with their password alone until they set it up again,
    which the admin asks staff to do on their next visit. ``acting_user`` is None from
    the shell (``manage.py mfa_reset``): whoever has a shell on the server holds the keys.
    """
    # The person's row is the lock, as allauth's own recovery-code change takes it: two
    # resets, or a reset and a set-up, do not interleave.
    locked = User.objects.select_for_update().get(pk=user.pk)
    authenticators = Authenticator.objects.filter(user=locked)
    found = set(authenticators.values_list("type", flat=True))
    removed = [kind for kind in TWO_FACTOR_ORDER if kind in found]
    if not removed:
        return []
    authenticators.delete()
    labels = ", ".join(str(Authenticator.Type(kind).label) for kind in removed)
    audit_record(
        actor=acting_user,
        action="user.two_factor_reset",
        target=locked,
        summary=f"Removed the two-factor sign-in of {locked} ({labels})",
        removed=removed,
    )
    return removed


def user_get_or_create_by_email(*, email: str, full_name: str = "") -> User:
    """Find a person by email, or record them without a password.

    Managers and imported people may not have signed in yet; they set a password
    through "forgot password" when they first come, and their sign-up is verified by
    the same email.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name)
        user.set_unusable_password()
        user.save()
    return user


def profile_for(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile
