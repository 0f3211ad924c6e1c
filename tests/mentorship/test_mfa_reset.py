"""The break-glass for a lost phone: `manage.py mfa_reset <email>` (issue 12)."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import CommandError, call_command
from django.urls import reverse

from mentorship.accounts import user_two_factor_reset
from mentorship.common.models import AuditLog
from mentorship.management.commands.mfa_reset import NO_SUCH_PERSON
from mentorship.twofactor import setup_url

pytestmark = pytest.mark.django_db


def mfa_reset(*args):
    out = StringIO()
    call_command("mfa_reset", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def locked_out(committee):
    """A committee member with an authenticator app and recovery codes, phone lost."""
    RecoveryCodes.activate(committee)
    return committee


def test_mfa_reset_removes_the_app_and_the_recovery_codes_and_writes_an_audit_row(locked_out):
    out = mfa_reset(locked_out.email.upper())

    assert not Authenticator.objects.filter(user=locked_out).exists()
    entry = AuditLog.objects.get(action="user.two_factor_reset")
    assert entry.actor is None  # from the shell
    assert entry.target == f"mentorship.user:{locked_out.pk}"
    assert entry.details == {"removed": ["totp", "recovery_codes"]}
    assert "Removed the two-factor sign-in of Casey Committee" in out
    assert "authenticator app and recovery codes" in out
    assert "asked to set up an authenticator app again" in out


def test_after_a_reset_the_next_admin_visit_asks_for_set_up(client, locked_out):
    mfa_reset(locked_out.email)
    client.force_login(locked_out)
    assert client.get(reverse("admin:index"))["Location"] == setup_url(reverse("admin:index"))


def test_mfa_reset_refuses_an_unknown_email_and_changes_nothing(locked_out):
    with pytest.raises(CommandError) as error:
        mfa_reset("nobody@adhoc.example")
    assert str(error.value) == NO_SUCH_PERSON.format(email="nobody@adhoc.example")
    assert Authenticator.objects.filter(user=locked_out).count() == 2
    assert not AuditLog.objects.filter(action="user.two_factor_reset").exists()


def test_an_unknown_email_exits_non_zero_from_the_command_line(locked_out):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "mfa_reset", "nobody@adhoc.example"])
    assert exit_.value.code != 0


def test_mfa_reset_of_someone_without_two_factor_says_so_and_writes_no_row(apm):
    out = mfa_reset(apm.email)
    assert "has no two-factor sign-in; nothing was changed" in out
    assert not AuditLog.objects.filter(action="user.two_factor_reset").exists()


def test_the_reset_service_returns_what_it_removed(locked_out, admin_user):
    assert user_two_factor_reset(user=locked_out, acting_user=admin_user) == [
        "totp",
        "recovery_codes",
    ]
    assert AuditLog.objects.get(action="user.two_factor_reset").actor == admin_user
    assert user_two_factor_reset(user=locked_out) == []


def test_the_admin_shows_authenticators_but_cannot_add_change_or_delete_them(
    admin_client, locked_out
):
    totp = Authenticator.objects.get(user=locked_out, type=Authenticator.Type.TOTP)
    base = "/admin/mfa/authenticator/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{totp.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(base, {"action": "delete_selected", "_selected_action": [totp.pk]})
    admin_client.post(f"{base}{totp.pk}/change/", {"type": "totp", "data": "{}"})
    assert Authenticator.objects.filter(user=locked_out).count() == 2
    totp.refresh_from_db()
    assert totp.data["secret"]
