"""Sign-in details in the admin: only superusers change someone's addresses or password.

The insider path of issue 12: the committee held ``account.change_emailaddress``, so a
member could put their own address on a superuser's account in the admin, mark it
verified and primary, and reset that account's password. Now the committee group does
not hold it, and the admin refuses such changes to anyone but a superuser even when the
permissions are given by hand. A superuser's changes go through services that write an
audit row, and the person is told.
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorship import accounts
from mentorship.accounts import EMAIL_TAKEN, SIGN_IN_SUPERUSERS_ONLY, committee_member_add
from mentorship.models import AuditLog, Notification, User
from mentorship.roles import COMMITTEE_GROUP, committee_group_sync_permissions
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS_PERMISSIONS = ("add_emailaddress", "change_emailaddress", "delete_emailaddress")
INSIDER_EMAIL = "casey.private@adhoc.example"
NEW_PASSWORD = "a-brand-new-passphrase-7"


@pytest.fixture
def insider(committee):
    """A committee member who was also given every address permission by hand."""
    committee.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="account", codename__in=ADDRESS_PERMISSIONS
        )
    )
    return User.objects.get(pk=committee.pk)  # a fresh permission cache


@pytest.fixture
def insider_client(client, insider):
    client.force_login(insider)
    return client


@pytest.fixture
def colleague(db):
    return committee_member_add(user=UserFactory(full_name="Cleo Colleague"))


@pytest.fixture
def target(request, admin_user, colleague, outsider):
    """Whose account the insider goes for: a superuser, another staff member, anyone."""
    user = {"superuser": admin_user, "staff": colleague, "participant": outsider}[request.param]
    if not EmailAddress.objects.filter(user=user).exists():  # pytest-django's admin_user
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


WHOSE = pytest.mark.parametrize("target", ["superuser", "staff", "participant"], indirect=True)


def addresses_of(user):
    return sorted(
        EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")
    )


def address_url(action, *args):
    return reverse(f"admin:account_emailaddress_{action}", args=args)


def set_password(client, password_url):
    return client.post(password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def user_url(user, page="change"):
    return reverse(f"admin:mentorship_user_{page}", args=[user.pk])


# --- The committee group ----------------------------------------------------------------


def test_the_committee_group_may_look_at_addresses_but_not_change_them():
    group = Group.objects.get(name=COMMITTEE_GROUP)
    codenames = set(
        group.permissions.filter(content_type__app_label="account").values_list(
            "codename", flat=True
        )
    )

    assert codenames == {"view_emailaddress"}


def test_the_group_sync_takes_back_address_permissions_given_to_the_committee():
    group = Group.objects.get(name=COMMITTEE_GROUP)
    group.permissions.add(*Permission.objects.filter(codename__in=ADDRESS_PERMISSIONS))

    committee_group_sync_permissions()

    assert not group.permissions.filter(codename__in=ADDRESS_PERMISSIONS).exists()
    assert group.permissions.filter(codename="view_emailaddress").exists()


# --- The committee, even with the permissions given by hand -----------------------------


@WHOSE
def test_the_committee_cannot_change_someones_address_in_the_admin(insider_client, target):
    address = EmailAddress.objects.get(user=target)
    before = addresses_of(target)

    response = insider_client.post(
        address_url("change", address.pk),
        {"user": target.pk, "email": INSIDER_EMAIL, "verified": "on", "primary": "on"},
    )

    assert response.status_code == 403
    assert addresses_of(target) == before
    # Looking is still allowed: that is what the committee needs to help.
    assert insider_client.get(address_url("change", address.pk)).status_code == 200
    assert insider_client.get(address_url("changelist")).status_code == 200


@WHOSE
def test_the_committee_cannot_add_or_remove_someones_address_in_the_admin(insider_client, target):
    before = addresses_of(target)
    address = EmailAddress.objects.get(user=target)

    added = insider_client.post(
        address_url("add"), {"user": target.pk, "email": INSIDER_EMAIL, "verified": "on"}
    )
    removed = insider_client.post(address_url("delete", address.pk), {"post": "yes"})
    bulk = insider_client.post(
        address_url("changelist"),
        {"action": "delete_selected", "_selected_action": [address.pk], "post": "yes"},
    )

    assert (added.status_code, removed.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    assert addresses_of(target) == before


@WHOSE
def test_the_committee_cannot_mark_an_address_verified(insider_client, target):
    unconfirmed = EmailAddress.objects.create(user=target, email=INSIDER_EMAIL)

    page = insider_client.get(address_url("changelist")).content.decode()
    insider_client.post(
        address_url("changelist"),
        {"action": "make_verified", "_selected_action": [unconfirmed.pk]},
    )

    assert 'value="make_verified"' not in page
    unconfirmed.refresh_from_db()
    assert unconfirmed.verified is False


@WHOSE
def test_the_committee_cannot_change_someones_sign_in_email_or_password(
    insider_client, insider, target
):
    before = User.objects.get(pk=target.pk)
    password_url = reverse("admin:auth_user_password_change", args=[target.pk])

    assert insider_client.get(password_url).status_code == 403
    assert set_password(insider_client, password_url).status_code == 403
    response = insider_client.post(
        user_url(target),
        {"email": INSIDER_EMAIL, "full_name": target.full_name, "is_active": "on"},
    )

    # A superuser's account is read-only to them; on the others the email is ignored.
    assert response.status_code == (403 if target.is_superuser else 302)
    after = User.objects.get(pk=target.pk)
    assert (after.email, after.password) == (before.email, before.password)
    assert not AuditLog.objects.filter(actor=insider).exists()
    assert not Notification.objects.exists()


def test_the_committee_cannot_set_its_own_password_in_the_admin_either(insider_client, insider):
    # An unlocked laptop: the admin would take a new password without the current one.
    password_url = reverse("admin:auth_user_password_change", args=[insider.pk])

    assert set_password(insider_client, password_url).status_code == 403
    insider.refresh_from_db()
    assert insider.check_password(PASSWORD)


def test_the_committee_sees_the_sign_in_email_as_text_and_no_password_button(
    insider_client, outsider
):
    response = insider_client.get(user_url(outsider))

    page = response.content.decode()
    assert 'name="email"' not in page
    assert outsider.email in page
    assert "../password/" not in page
    # Adding a person still takes their address.
    assert (
        'name="email"' in insider_client.get(reverse("admin:mentorship_user_add")).content.decode()
    )


def test_the_insider_path_ends_without_a_reset_link(
    insider_client, admin_user, client, django_capture_on_commit_callbacks
):
    """The whole attack from the issue: put my address on a superuser, then reset."""
    EmailAddress.objects.create(
        user=admin_user, email=admin_user.email, verified=True, primary=True
    )
    insider_client.post(
        address_url("add"), {"user": admin_user.pk, "email": INSIDER_EMAIL, "verified": "on"}
    )
    insider_client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": INSIDER_EMAIL})

    assert not EmailAddress.objects.filter(email=INSIDER_EMAIL).exists()
    assert (
        not Notification.objects.filter(to_email=INSIDER_EMAIL)
        .exclude(object_key="account/email/unknown_account")
        .exists()
    )


# --- The services refuse anyone but a superuser, whoever calls them ---------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda user, by: accounts.user_email_change(
            user=user, email=INSIDER_EMAIL, acting_user=by
        ),
        lambda user, by: accounts.user_password_set(
            user=user, password=NEW_PASSWORD, acting_user=by
        ),
        lambda user, by: accounts.email_address_save(
            address=EmailAddress(user=user, email=INSIDER_EMAIL, verified=True), acting_user=by
        ),
        lambda user, by: accounts.email_address_verify(
            address=EmailAddress.objects.create(user=user, email=INSIDER_EMAIL), acting_user=by
        ),
        lambda user, by: accounts.email_address_make_primary(
            address=EmailAddress.objects.create(user=user, email=INSIDER_EMAIL), acting_user=by
        ),
        lambda user, by: accounts.email_address_remove(
            address=EmailAddress.objects.get(user=user), acting_user=by
        ),
    ],
    ids=["email", "password", "add address", "verify address", "make primary", "remove address"],
)
def test_the_sign_in_services_refuse_the_committee(insider, outsider, change):
    with pytest.raises(ValidationError) as refused:
        change(outsider, insider)

    assert refused.value.messages == [SIGN_IN_SUPERUSERS_ONLY]
    # (Two of the cases put an unverified row there themselves, as a stand-in.)
    assert set(addresses_of(outsider)) - {(INSIDER_EMAIL, False, False)} == {
        (outsider.email, True, True)
    }
    outsider.refresh_from_db()
    assert outsider.email != INSIDER_EMAIL
    assert outsider.check_password(PASSWORD)
    assert not AuditLog.objects.filter(actor=insider).exists()


# --- A superuser can, with an audit row, and the person is told -------------------------


def test_a_superuser_changes_someones_sign_in_email_with_an_audit_row_and_a_notice(
    admin_client, admin_user, outsider
):
    old = outsider.email

    response = admin_client.post(
        user_url(outsider),
        {"email": "New.Address@adhoc.example", "full_name": outsider.full_name, "is_active": "on"},
    )

    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.email == "new.address@adhoc.example"
    entry = AuditLog.objects.get(action="user.email_changed")
    assert (entry.actor, entry.target) == (admin_user, f"mentorship.user:{outsider.pk}")
    assert entry.details == {"from": old, "to": "new.address@adhoc.example"}
    notice = Notification.objects.get(object_key="account/email/email_changed")
    assert (notice.user, notice.to_email) == (outsider, old)
    assert "new.address@adhoc.example" in notice.body_text


def test_a_superuser_sets_someones_password_with_an_audit_row_and_a_notice(
    admin_client, admin_user, outsider
):
    password_url = reverse("admin:auth_user_password_change", args=[outsider.pk])

    response = admin_client.post(
        password_url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.check_password(NEW_PASSWORD)
    entry = AuditLog.objects.get(action="user.password_set")
    assert (entry.actor, entry.target) == (admin_user, f"mentorship.user:{outsider.pk}")
    assert entry.details == {"from": {"usable": True}, "to": {"usable": True}}
    assert NEW_PASSWORD not in str(entry.details) + entry.summary
    notice = Notification.objects.get(object_key="account/email/password_changed")
    assert (notice.user, notice.to_email) == (outsider, outsider.email)


def test_a_superusers_mismatched_passwords_change_nothing(admin_client, outsider):
    password_url = reverse("admin:auth_user_password_change", args=[outsider.pk])

    response = admin_client.post(
        password_url,
        {"password1": NEW_PASSWORD, "password2": "something-else-42", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="user.password_set").exists()


def run(client, action, *addresses):
    return client.post(
        address_url("changelist"),
        {"action": action, "_selected_action": [a.pk for a in addresses]},
        follow=True,
    )


def test_a_superuser_adds_verifies_makes_primary_and_removes_addresses_with_audit_rows(
    admin_client, admin_user, outsider
):
    old_primary = outsider.email
    admin_client.post(
        address_url("add"),
        # Verified and primary are not the form's to set: they are ignored here.
        {"user": outsider.pk, "email": "third@adhoc.example", "verified": "on", "primary": "on"},
    )
    added = EmailAddress.objects.get(email="third@adhoc.example")
    assert (added.verified, added.primary) == (False, False)

    run(admin_client, "make_verified", added)
    run(admin_client, "make_primary", added)
    assert addresses_of(outsider) == [
        (old_primary, True, False),
        ("third@adhoc.example", True, True),
    ]
    outsider.refresh_from_db()
    assert outsider.email == "third@adhoc.example"  # the primary is the one to sign in with

    admin_client.post(address_url("delete", added.pk), {"post": "yes"})
    assert not EmailAddress.objects.filter(email="third@adhoc.example").exists()
    outsider.refresh_from_db()
    assert outsider.email == old_primary

    entries = AuditLog.objects.filter(actor=admin_user).order_by("pk")
    assert [(e.action, e.target) for e in entries] == [
        (action, f"mentorship.user:{outsider.pk}")
        for action in ("email_address.added", "email_address.verified",
                       "email_address.made_primary", "email_address.removed")
    ]  # fmt: skip
    made_primary = entries.get(action="email_address.made_primary").details
    assert (made_primary["from"]["primary"], made_primary["to"]["primary"]) == (False, True)
    assert entries.get(action="email_address.removed").details["from"]["email"] == (
        "third@adhoc.example"
    )


def test_a_superuser_retyping_an_address_keeps_it_unverified_with_an_audit_row(
    admin_client, admin_user, outsider
):
    other = EmailAddress.objects.create(user=outsider, email="second@adhoc.example")

    response = admin_client.post(
        address_url("change", other.pk), {"user": outsider.pk, "email": "2nd@adhoc.example"}
    )

    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.email, other.verified) == ("2nd@adhoc.example", False)
    entry = AuditLog.objects.get(action="email_address.changed")
    assert entry.actor == admin_user
    assert (entry.details["from"]["email"], entry.details["to"]["email"]) == (
        "second@adhoc.example",
        "2nd@adhoc.example",
    )


def test_an_unverified_address_cannot_take_over_from_a_verified_one(admin_client, outsider):
    other = EmailAddress.objects.create(user=outsider, email="second@adhoc.example")

    response = run(admin_client, "make_primary", other)

    assert any("not verified" in str(m) for m in response.context["messages"])
    other.refresh_from_db()
    assert other.primary is False
    assert not AuditLog.objects.filter(action="email_address.made_primary").exists()


def test_an_address_another_account_owns_cannot_be_verified_here(admin_client, outsider):
    other = UserFactory(email="taken@adhoc.example")
    copy = EmailAddress.objects.create(user=outsider, email="taken@adhoc.example")

    response = run(admin_client, "make_verified", copy)

    expected = EMAIL_TAKEN % {"email": "taken@adhoc.example"}
    assert [str(m) for m in response.context["messages"]] == [f"{copy}: {expected}"]
    copy.refresh_from_db()
    assert copy.verified is False
    assert EmailAddress.objects.get(user=other).verified is True
    assert not AuditLog.objects.filter(action="email_address.verified").exists()
