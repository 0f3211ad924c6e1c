import time
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse

from mentorship.demo import COMMITTEE_EMAIL, DEMO_PASSWORD
from mentorship.models import BusinessUnit, Cohort, Enrollment, Profile, User
from mentorship.roles import COMMITTEE_GROUP, committee_group_sync_permissions
from mentorship.selectors import user_roles
from tests.factories import totp_code, totp_secret_of

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "users": sorted(User.objects.values_list("email", "password", "is_staff")),
        "cohorts": sorted(Cohort.objects.values_list("slug", "status", "intake_closes_at")),
        "enrollments": sorted(
            Enrollment.objects.values_list("user__email", "cohort__slug", "role", "status")
        ),
        "authenticators": sorted(
            Authenticator.objects.values_list("user__email", "type", "data__secret")
        ),
    }


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    first = snapshot()
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert COMMITTEE_EMAIL in out

    call_command("seed_demo")
    assert snapshot() == first


def test_seed_demo_gives_the_committee_an_authenticator_app_and_prints_its_secret_once(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    committee = User.objects.get(email=COMMITTEE_EMAIL)
    secret = totp_secret_of(committee)
    assert f"secret {secret}" in first
    assert "otpauth://totp/" in first
    assert f"secret={secret}" in first
    assert "demo_totp_code committee@example.com" in first
    # Only the account that opens the admin has one.
    assert list(Authenticator.objects.values_list("user__email", flat=True)) == [COMMITTEE_EMAIL]

    call_command("seed_demo")
    again = capsys.readouterr().out
    assert secret not in again
    assert totp_secret_of(committee) == secret


def test_demo_totp_code_refuses_when_debug_is_off(settings, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG=1"):
        call_command("demo_totp_code", COMMITTEE_EMAIL)
    assert capsys.readouterr().out == ""


def test_demo_totp_code_prints_the_code_the_app_shows_with_debug_on(settings):
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_totp_code", COMMITTEE_EMAIL, stdout=out, stderr=StringIO())
    secret = totp_secret_of(User.objects.get(email=COMMITTEE_EMAIL))
    # Worked out with the secret at either end of the call, in case a period turned.
    assert out.getvalue().strip() in {totp_code(secret), totp_code(secret, at=time.time() - 5)}


def test_demo_totp_code_gives_codes_only_for_demo_accounts(settings, committee):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="only for the demo's own accounts"):
        call_command("demo_totp_code", committee.email)


def test_seed_demo_people_can_sign_in_with_their_roles(client, settings):
    call_command("seed_demo")
    for email, role in [
        (COMMITTEE_EMAIL, "committee"),
        ("apm@example.com", "apm"),
        ("mentor@example.com", "mentor"),
    ]:
        client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        user = User.objects.get(email=email)
        if role == "committee":
            # The admin needs two-factor sign-in: the demo code command gives the code.
            assert "_auth_user_id" not in client.session
            settings.DEBUG = True
            out = StringIO()
            call_command("demo_totp_code", email, stdout=out, stderr=StringIO())
            client.post(reverse("mfa_authenticate"), {"code": out.getvalue().strip()})
            assert client.get(reverse("admin:index")).status_code == 200
        assert client.session["_auth_user_id"] == str(user.pk)
        assert role in user_roles(user)
        client.post("/accounts/logout/")


def test_migrations_create_the_committee_group_with_admin_permissions():
    group = Group.objects.get(name=COMMITTEE_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_cohort", "change_cohort", "view_enrollment", "change_user"} <= codenames
    assert "delete_user" not in codenames


def test_committee_sync_takes_away_permissions_of_a_model_that_moved_away():
    group = Group.objects.get(name=COMMITTEE_GROUP)
    # What a database keeps from before Meeting moved to matching.
    stale_type = ContentType.objects.create(app_label="mentorship", model="meeting")
    stale = Permission.objects.create(
        content_type=stale_type, codename="view_meeting", name="Can view meeting"
    )
    group.permissions.add(stale)

    committee_group_sync_permissions()

    assert stale not in group.permissions.all()
    assert group.permissions.filter(
        content_type__app_label="matching", codename="view_meeting"
    ).exists()


def test_committee_role_needs_the_group_and_staff(committee, outsider):
    assert "committee" in user_roles(committee)
    assert "committee" not in user_roles(outsider)
    outsider.is_staff = True
    outsider.save()
    assert "committee" not in user_roles(outsider)


def test_seed_demo_builds_a_realistic_cohort():
    call_command("seed_demo")
    cohort = Cohort.objects.get(slug="demo-2026")
    assert cohort.enrollments.filter(role="apm").count() == 40
    assert cohort.enrollments.filter(role="mentor").count() == 25
    mentors = cohort.enrollments.filter(role="mentor")
    assert sum(mentors.values_list("capacity", flat=True)) >= 40
    assert BusinessUnit.objects.count() >= 4
    apm_profiles = Profile.objects.filter(user__enrollments__role="apm")
    assert apm_profiles.exclude(manager=None).count() >= 30
    assert all(e.topics.exists() for e in cohort.enrollments.all())
