"""Staff need two-factor sign-in before the admin or a committee page opens (issue 12)."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from mentorship.common.models import AuditLog
from mentorship.models import Cohort, Enrollment, Notification, Role
from mentorship.twofactor import COMMITTEE_VIEW_NAMES, SET_UP_NOW, SETUP_NEXT, setup_url
from surveys.models import Survey
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa_activate_totp")
GOALS = "Leave the Benefits Portal team before my manager finds out"


@pytest.fixture
def answers(cohort):
    """An intake answer that no page should show to someone sent to set up two-factor."""
    return EnrollmentFactory(cohort=cohort, role=Role.APM, goals=GOALS)


@pytest.fixture
def survey(cohort):
    now = timezone.now()
    return Survey.objects.create(
        cohort=cohort,
        title="Mid-point check-in",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
    )


def committee_pages(cohort, survey):
    return [
        reverse("admin:index"),
        reverse("admin:mentorship_enrollment_changelist"),
        reverse("admin:mentorship_enrollment_changelist") + "?q=Benefits&o=1",
        reverse("journey"),
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:cohort_results", args=[cohort.pk]),
        reverse("surveys:outcomes"),
    ]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Without an authenticator app: sent to set one up ---------------------------------


@pytest.mark.parametrize("who", ["committee_without_totp", "superuser_without_totp"])
def test_staff_without_totp_are_sent_to_set_it_up_and_shown_nothing(
    client, request, who, answers, cohort, survey
):
    client.force_login(request.getfixturevalue(who))
    for url in committee_pages(cohort, survey):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"] == setup_url(url)
        assert GOALS not in response.content.decode()
        assert SET_UP_NOW in messages_of(response)


def test_the_set_up_page_they_land_on_says_why_and_shows_no_answers(
    client, committee_without_totp, answers
):
    client.force_login(committee_without_totp)
    response = client.get(reverse("admin:mentorship_enrollment_changelist"), follow=True)
    page = response.content.decode()
    # The password check allauth asks for first (the set-up page needs a recent sign-in)
    # keeps the message and the way back to the set-up page.
    assert SET_UP_NOW.replace("'", "&#x27;") in page
    assert GOALS not in page


def test_a_post_to_an_admin_action_without_totp_changes_nothing(
    client, committee_without_totp, cohort
):
    client.force_login(committee_without_totp)
    audit_rows = AuditLog.objects.count()
    changelist = reverse("admin:mentorship_cohort_changelist")
    response = client.post(
        changelist,
        {"action": "close_intake", "_selected_action": [cohort.pk]},
        HTTP_REFERER=f"http://testserver{changelist}",
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "Set up two-factor sign-in first" in page
    assert "Nothing was saved or changed" in page
    assert f'href="{setup_url(f"http://testserver{changelist}")}"'.replace("&", "&amp;") in page
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.INTAKE_OPEN
    assert AuditLog.objects.count() == audit_rows


def test_a_post_to_a_committee_page_without_totp_queues_no_reminder(
    client, committee_without_totp, answers
):
    client.force_login(committee_without_totp)
    audit_rows = AuditLog.objects.count()
    response = client.post(reverse("journey_remind", args=[answers.pk]), {"days": "7"})
    assert response.status_code == 403
    assert not Notification.objects.exists()
    assert AuditLog.objects.count() == audit_rows


def test_a_post_from_another_site_gets_a_set_up_link_without_its_address(
    client, committee_without_totp, cohort
):
    client.force_login(committee_without_totp)
    response = client.post(
        reverse("admin:mentorship_cohort_changelist"), HTTP_REFERER="https://evil.example/x"
    )
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
    assert response.context["setup_url"] == SETUP


def test_an_htmx_request_without_totp_loads_the_set_up_page_as_a_whole_page(
    client, committee_without_totp
):
    client.force_login(committee_without_totp)
    response = client.get(reverse("admin:index"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == setup_url(reverse("admin:index"))


# --- With an authenticator app, or not staff: nothing changes -------------------------


@pytest.mark.parametrize("who", ["committee", "admin_user"])
def test_staff_with_totp_open_every_committee_page(client, request, who, answers, cohort, survey):
    client.force_login(request.getfixturevalue(who))
    for url in committee_pages(cohort, survey):
        assert client.get(url).status_code == 200, url
    changelist = client.get(reverse("admin:mentorship_enrollment_changelist"))
    assert answers.user.display_name in changelist.content.decode()


def test_staff_with_totp_can_still_run_admin_actions(client, committee, cohort):
    client.force_login(committee)
    response = client.post(
        reverse("admin:mentorship_cohort_changelist"),
        {"action": "close_intake", "_selected_action": [cohort.pk]},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.MATCHING


def test_participants_without_totp_are_not_asked_for_it(client, apm):
    client.force_login(apm)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "two-factor" not in response.content.decode()
    # The admin turns them away as before: to its sign-in, not to the set-up page.
    assert not client.get(reverse("admin:index"))["Location"].startswith(SETUP)
    assert client.get(reverse("journey")).status_code == 404


def test_the_setting_turned_off_lets_staff_in_with_the_nudge(
    client, committee_without_totp, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(committee_without_totp)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "turn on two-factor sign-in" in response.content.decode()


# --- What stays open to them ----------------------------------------------------------


def test_account_pages_sign_out_static_files_and_healthz_stay_open(client, committee_without_totp):
    client.force_login(committee_without_totp)
    for name in ("mfa_index", "account_email", "account_change_password", "home"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("admin:logout"))["Location"] == reverse("home")
    client.force_login(committee_without_totp)
    assert client.post(reverse("account_logout"))["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_the_home_page_nudge_says_the_committee_pages_need_it(client, committee_without_totp):
    client.force_login(committee_without_totp)
    page = client.get(reverse("home")).content.decode()
    assert "they open only" in page
    assert f'href="{SETUP}"' in page


# --- Setting it up, and ?next= ---------------------------------------------------------


def test_setting_it_up_asks_for_the_password_offers_recovery_codes_and_goes_back(
    client, committee_without_totp
):
    client.force_login(committee_without_totp)
    asked_for = reverse("admin:mentorship_enrollment_changelist") + "?q=x"
    assert client.get(asked_for)["Location"] == setup_url(asked_for)

    # allauth asks for the password again before an authenticator is added, so a session
    # someone else took over cannot add theirs; ?next= leads back to the set-up page.
    check = client.get(setup_url(asked_for))
    assert check["Location"].startswith(reverse("account_reauthenticate"))
    assert client.session[SETUP_NEXT] == asked_for
    back = client.post(check["Location"], {"password": PASSWORD})
    assert back["Location"] == setup_url(asked_for)
    assert client.get(back["Location"]).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(SETUP, {"code": totp_code(secret)})

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    kinds = set(
        Authenticator.objects.filter(user=committee_without_totp).values_list("type", flat=True)
    )
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "Unused codes" in codes_page
    assert f'href="{asked_for}"' in codes_page
    assert "carry on to the page you asked for" in codes_page
    assert client.get(asked_for).status_code == 200
    assert SETUP_NEXT not in client.session


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/admin/", "//evil.example/admin/", "javascript:alert(1)"]
)
def test_a_next_address_off_the_site_is_not_kept(client, committee_without_totp, next_url):
    client.force_login(committee_without_totp)
    client.get(setup_url(next_url))
    assert SETUP_NEXT not in client.session


# --- Signing in with TOTP: allauth asks for the code -----------------------------------


def test_staff_with_totp_who_sign_in_with_a_password_are_asked_for_the_code(client, committee):
    response = client.post(
        reverse("account_login"), {"login": committee.email, "password": PASSWORD}
    )

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(committee.pk)
    assert client.get(reverse("admin:index")).status_code == 200


# --- Every page is on one side or the other -------------------------------------------

# Pages that are not the committee's: the person's own, public ones, and allauth's.
NOT_COMMITTEE_PAGES = frozenset({
    "home", "healthz", "join", "intake", "intake_teams", "withdraw", "meetings", "meeting_new",
    "promotion_report", "graduation_guide", "guide_step_done", "guide_step_undo",
    "matching:rematch_request", "notification_preferences", "notification_unsubscribe",
    "toolkit:topics", "toolkit:saved", "toolkit:topic", "toolkit:bookmark_add",
    "toolkit:bookmark_remove", "surveys:mine", "surveys:answer", "surveys:draft",
    "surveys:submit", "surveys:my_answers", "matching:next_meeting_ics", "favicon",
    # DEBUG only (a 404 otherwise), for whoever runs the site locally.
    "dev_mail", "dev_mail_message",
    # A person's own data (issue 16): everyone's, behind the password again.
    "my_data", "my_data_download", "account_delete", "account_deleted",
    # Company sign-in (issue 16): allauth's provider sign-in and its own pages.
    "openid_connect_login", "openid_connect_callback", "socialaccount_signup",
    "socialaccount_login_cancelled", "socialaccount_login_error",
    "socialaccount_connections",
})  # fmt: skip


def view_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from view_names(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_every_page_of_the_site_is_either_the_committees_or_not():
    ours = {
        name
        for name in view_names()
        if not name.startswith("admin:") and not re.match(r"(account|mfa)_", name)
    }
    unclassified = ours - COMMITTEE_VIEW_NAMES - NOT_COMMITTEE_PAGES
    assert unclassified == set(), "add each to COMMITTEE_VIEW_NAMES or NOT_COMMITTEE_PAGES"
    assert ours >= COMMITTEE_VIEW_NAMES


def test_a_staff_member_who_is_not_on_the_committee_is_asked_too(client):
    staff = UserFactory(is_staff=True, totp=False)
    client.force_login(staff)
    assert client.get(reverse("admin:index"))["Location"] == setup_url(reverse("admin:index"))


def test_an_enrolled_committee_member_keeps_their_participant_pages(
    client, committee_without_totp, cohort
):
    EnrollmentFactory(user=committee_without_totp, cohort=cohort, role=Role.MENTOR)
    client.force_login(committee_without_totp)
    assert client.get(reverse("home")).status_code == 200
    assert Enrollment.objects.filter(user=committee_without_totp).exists()
