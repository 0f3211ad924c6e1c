"""People in the admin: the committee manages accounts, never its own or anyone's access.

``admin_client`` is pytest-django's superuser (``admin_user``); ``committee_client`` is a
committee member: staff in the Committee group, not a superuser.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.accounts import (
    COMMITTEE_OWN_MEMBERSHIP,
    COMMITTEE_SUPERUSERS_ONLY,
    USER_ACCESS_SUPERUSERS_ONLY,
    committee_member_add,
    committee_member_remove,
    user_access_change,
)
from mentorship.common.audit import audit_record
from mentorship.models import AuditLog, User
from mentorship.roles import COMMITTEE_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USER_CHANGELIST = reverse("admin:mentorship_user_changelist")
ACCESS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


@pytest.fixture
def colleague(db):
    """Another committee member."""
    return committee_member_add(user=UserFactory(full_name="Cleo Colleague"))


@pytest.fixture
def other_group(db):
    return Group.objects.create(name="Other group")


def change_url(user):
    return reverse("admin:mentorship_user_change", args=[user.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def access_of(user):
    """The access fields as stored, read fresh from the database."""
    user = User.objects.get(pk=user.pk)
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": set(user.groups.values_list("name", flat=True)),
        "user_permissions": set(user.user_permissions.values_list("codename", flat=True)),
    }


def change_form_data(user, **extra):
    return {"email": user.email, "full_name": user.full_name, "is_active": "on", **extra}


def run_action(client, action, *users):
    return client.post(
        USER_CHANGELIST,
        {"action": action, "_selected_action": [u.pk for u in users]},
        follow=True,
    )


# --- The change form --------------------------------------------------------------------


@pytest.mark.parametrize("field", ACCESS_FIELDS)
@pytest.mark.parametrize("whose", ["own", "outsider", "colleague"])
def test_committee_posting_an_access_field_to_a_change_form_changes_nothing(
    committee_client, committee, outsider, colleague, other_group, field, whose
):
    target = {"own": committee, "outsider": outsider, "colleague": colleague}[whose]
    # Each value differs from what the target has, so a form that took it would change it.
    posted = {
        "is_superuser": "true",
        "is_staff": "false" if target.is_staff else "true",
        "groups": [other_group.pk],
        "user_permissions": [Permission.objects.get(codename="delete_user").pk],
    }[field]
    before = access_of(target)

    response = committee_client.post(
        change_url(target), change_form_data(target, full_name="Renamed", **{field: posted})
    )

    # The rest of the form was saved: the access field was ignored, not the whole POST.
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.full_name == "Renamed"
    assert access_of(target) == before
    assert not AuditLog.objects.filter(actor=committee).exists()


def test_the_committee_sees_access_fields_read_only_on_the_change_form(
    committee_client, admin_client, outsider
):
    response = committee_client.get(change_url(outsider))

    assert response.status_code == 200
    form = response.context["adminform"].form
    page = response.content.decode()
    for field in ACCESS_FIELDS:
        assert field not in form.fields
        assert field in response.context["adminform"].readonly_fields
        assert f'name="{field}"' not in page
    # A superuser's form has them, so the assertions above look for the right thing.
    superuser_page = admin_client.get(change_url(outsider)).content.decode()
    for field in ACCESS_FIELDS:
        assert f'name="{field}"' in superuser_page


def test_a_superusers_change_of_is_staff_through_the_form_writes_an_audit_row(
    admin_client, admin_user, outsider
):
    response = admin_client.post(change_url(outsider), change_form_data(outsider, is_staff="on"))

    assert response.status_code == 302
    assert access_of(outsider)["is_staff"] is True
    entry = AuditLog.objects.get(action="user.access_changed")
    assert entry.actor == admin_user
    assert entry.target == f"mentorship.user:{outsider.pk}"
    assert entry.details == {"from": {"is_staff": False}, "to": {"is_staff": True}}


def test_a_superusers_change_of_groups_and_permissions_through_the_form_is_audited(
    admin_client, admin_user, outsider, other_group
):
    permission = Permission.objects.get(codename="view_cohort")

    response = admin_client.post(
        change_url(outsider),
        change_form_data(outsider, groups=[other_group.pk], user_permissions=[permission.pk]),
    )

    assert response.status_code == 302
    assert access_of(outsider)["groups"] == {"Other group"}
    assert access_of(outsider)["user_permissions"] == {"view_cohort"}
    entry = AuditLog.objects.get(action="user.access_changed", actor=admin_user)
    assert entry.details == {
        "from": {"groups": [], "user_permissions": []},
        "to": {"groups": ["Other group"], "user_permissions": ["mentorship.view_cohort"]},
    }


def test_the_access_service_refuses_anyone_but_a_superuser(committee, outsider):
    with pytest.raises(ValidationError) as refused:
        user_access_change(user=outsider, acting_user=committee, is_superuser=True)

    assert refused.value.messages == [USER_ACCESS_SUPERUSERS_ONLY]
    assert access_of(outsider)["is_superuser"] is False
    assert not AuditLog.objects.filter(actor=committee).exists()


# --- Committee membership actions -------------------------------------------------------


def test_a_superuser_adds_a_person_to_the_committee_with_one_audit_row(
    admin_client, admin_user, outsider
):
    response = run_action(admin_client, "committee_add_selected", outsider)

    assert "Added to the committee: 1." in messages_of(response)
    assert access_of(outsider)["is_staff"] is True
    assert access_of(outsider)["groups"] == {COMMITTEE_GROUP}
    entry = AuditLog.objects.get(actor=admin_user)
    assert entry.action == "committee.member_added"
    assert entry.target == f"mentorship.user:{outsider.pk}"
    assert entry.details == {
        "from": {"is_staff": False, "committee": False},
        "to": {"is_staff": True, "committee": True},
    }


def test_a_superuser_removes_a_person_from_the_committee_with_one_audit_row(
    admin_client, admin_user, committee
):
    response = run_action(admin_client, "committee_remove_selected", committee)

    assert "Removed from the committee: 1." in messages_of(response)
    assert access_of(committee)["is_staff"] is False
    assert access_of(committee)["groups"] == set()
    entry = AuditLog.objects.get(actor=admin_user)
    assert entry.action == "committee.member_removed"
    assert entry.target == f"mentorship.user:{committee.pk}"
    assert entry.details == {
        "from": {"is_staff": True, "committee": True},
        "to": {"is_staff": False, "committee": False},
    }


@pytest.mark.parametrize(
    ("action", "member"),
    [("committee_add_selected", False), ("committee_remove_selected", True)],
)
def test_a_superuser_cannot_change_their_own_committee_membership(
    admin_client, admin_user, action, member
):
    if member:
        committee_member_add(user=admin_user)
    before = access_of(admin_user)

    response = run_action(admin_client, action, admin_user)

    assert messages_of(response) == [f"{admin_user}: {COMMITTEE_OWN_MEMBERSHIP}"]
    assert access_of(admin_user) == before
    assert not AuditLog.objects.filter(actor=admin_user).exists()


@pytest.mark.parametrize(
    ("action", "service"),
    [
        ("committee_add_selected", committee_member_add),
        ("committee_remove_selected", committee_member_remove),
    ],
)
@pytest.mark.parametrize("whose", ["own", "outsider", "colleague"])
def test_non_superusers_cannot_change_committee_membership(
    committee_client, committee, outsider, colleague, action, service, whose
):
    target = {"own": committee, "outsider": outsider, "colleague": colleague}[whose]
    before = access_of(target)

    # The admin does not offer them the actions, and ignores a POST that names one...
    assert f'value="{action}"' not in committee_client.get(USER_CHANGELIST).content.decode()
    run_action(committee_client, action, target)
    assert access_of(target) == before

    # ...and the service refuses them too, whoever calls it.
    with pytest.raises(ValidationError) as refused:
        service(user=target, acting_user=committee)
    expected = COMMITTEE_OWN_MEMBERSHIP if target == committee else COMMITTEE_SUPERUSERS_ONLY
    assert refused.value.messages == [expected]
    assert access_of(target) == before
    assert not AuditLog.objects.filter(actor=committee).exists()


# --- The audit log ----------------------------------------------------------------------


def audit_delete(client, entry):
    return client.post(
        reverse("admin:mentorship_auditlog_delete", args=[entry.pk]), {"post": "yes"}
    )


def test_the_audit_log_is_append_only_and_only_a_superuser_deletes_rows(
    committee_client, admin_client, committee
):
    entry = audit_record(actor=committee, action="test.thing", target=None, summary="Did it")

    assert audit_delete(committee_client, entry).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()
    # A superuser cannot write or rewrite history either, only remove it.
    assert admin_client.get(reverse("admin:mentorship_auditlog_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:mentorship_auditlog_change", args=[entry.pk]), {"summary": "Edited"}
    )
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.summary == "Did it"

    assert audit_delete(admin_client, entry).status_code == 302
    assert not AuditLog.objects.filter(pk=entry.pk).exists()


# --- A superuser's account --------------------------------------------------------------


def test_the_committee_cannot_change_a_superusers_password_or_email(committee_client, admin_user):
    password_url = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    new_password = {
        "password1": "a-brand-new-passphrase-7",
        "password2": "a-brand-new-passphrase-7",
    }

    assert committee_client.post(password_url, new_password).status_code == 403
    email = committee_client.post(
        change_url(admin_user), change_form_data(admin_user, email="casey@adhoc.example")
    )
    assert email.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.check_password("password")
    assert admin_user.email == "admin@example.com"
    # Looking is still fine.
    assert committee_client.get(change_url(admin_user)).status_code == 200


def test_a_groups_page_lists_its_permissions_in_the_same_queries_however_many(
    committee_client,
):
    few, many = Group.objects.create(name="Few"), Group.objects.create(name="Many")
    permissions = list(Permission.objects.order_by("pk"))
    few.permissions.set(permissions[:2])
    many.permissions.set(permissions[:40])

    counts = []
    for group in (few, few, many):
        with CaptureQueriesContext(connection) as captured:
            page = committee_client.get(reverse("admin:auth_group_change", args=[group.pk]))
        assert page.status_code == 200
        counts.append(len(captured))
    assert counts[1] == counts[2]
    assert str(permissions[39]) in page.text
