"""People's own data (issue 16, part 2): download it, delete the account, retention.

Here beside the survey tests for their fixtures (an active cohort, surveys): a person's
data spans their intake, match, meetings, survey answers and emails.
"""

import json
import time
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import BannedPair, Match, Meeting
from mentorship import privacy
from mentorship.common import changes
from mentorship.common.models import AuditLog
from mentorship.management.organisation import organisation_seed
from mentorship.models import Enrollment, Notification, Profile, User
from surveys import retention, services
from surveys.models import Answer, Response
from surveys.outcomes import outcomes_dashboard
from tests.factories import PASSWORD, UserFactory
from tests.surveys.conftest import answers_for, mix
from tests.toolkit.shape import FIRST_APM, SMALL, plans_during

pytestmark = pytest.mark.django_db
REAUTH_URL = reverse("account_reauthenticate")
MARKUP = "<script>alert(1)</script>"


def sign_in_again(client, user, next_url):
    """allauth asks for the password again before these pages (signing in is not enough)."""
    client.force_login(user)
    response = client.get(next_url)
    assert response.status_code == 302
    assert response.url.startswith(REAUTH_URL)
    response = client.post(
        f"{REAUTH_URL}?next={next_url}", {"password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302


@pytest.fixture
def pair(make_pair):
    match = make_pair(
        apm_kwargs={"user__full_name": "Avery Park", "goals": f"Learn contracts {MARKUP}"},
        mentor_kwargs={"user__full_name": "Morgan Lee"},
    )
    assert EmailAddress.objects.filter(user=match.apm.user).exists()
    Profile.objects.filter(user=match.apm.user).update(bio=f"Bio {MARKUP}", pronouns="they")
    Meeting.objects.create(
        match=match, logged_by=match.apm.user, duration_minutes=30,
        occurred_on=timezone.localdate() - timedelta(days=3), notes="We talked about my manager.",
    )  # fmt: skip
    Meeting.objects.create(
        match=match, logged_by=match.mentor.user, duration_minutes=45,
        occurred_on=timezone.localdate() - timedelta(days=1), notes="Mentor's own notes.",
    )  # fmt: skip
    return match


@pytest.fixture
def answered(pair, open_survey):
    """Avery answered an attributed survey and an anonymous one."""
    apm = pair.apm.user
    attributed = open_survey(title="Check-in (named)", is_anonymous=False)
    anonymous = open_survey(title="End of cohort", is_anonymous=True)
    for survey, text in ((attributed, "Named answer"), (anonymous, "Anonymous answer")):
        invitation = survey.invitations.get(user=apm)
        services.response_submit(invitation=invitation, answers=answers_for(survey, text=text))
    mix(anonymous)
    return attributed, anonymous


# --- Downloading ----------------------------------------------------------------------


def test_a_person_reads_and_downloads_everything_held_about_them(client, pair, answered):
    apm = pair.apm.user
    Notification.objects.create(
        kind=Notification.Kind.NO_MEETING, user=apm, object_key="m:1", to_email=apm.email,
        subject="Time to meet", body_text="Hi Avery",
    )  # fmt: skip
    sign_in_again(client, apm, reverse("my_data"))
    page = client.get(reverse("my_data")).content.decode()
    assert "Avery Park" in page
    assert "Learn contracts &lt;script&gt;alert(1)&lt;/script&gt;" in page  # escaped
    assert "Bio &lt;script&gt;" in page
    assert MARKUP not in page
    assert "We talked about my manager." in page
    assert "Mentor&#x27;s own notes." not in page  # what the mentor wrote is theirs
    assert "Named answer" in page
    assert "Anonymous answer" not in page  # nobody can link it to Avery, Avery included

    response = client.get(reverse("my_data_download"))
    assert response["Content-Disposition"].startswith('attachment; filename="my-mentorship-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == apm.email
    assert data["profile"]["pronouns"] == "they"
    assert data["intakes"][0]["goals"] == f"Learn contracts {MARKUP}"
    assert data["matches"][0]["with"] == "Morgan Lee"
    assert [m["notes"] for m in data["meetings_you_logged"]] == ["We talked about my manager."]
    (named,) = data["survey_answers_with_your_name"]
    assert named["survey"] == "Check-in (named)"
    assert "Named answer" in [a["answer"] for a in named["answers"]]
    assert "Time to meet" in " ".join(e["subject"] for e in data["emails"])


def test_the_download_asks_for_the_password_again_and_is_for_the_person_only(client, pair):
    client.force_login(pair.apm.user)
    for name in ("my_data", "my_data_download", "account_delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(REAUTH_URL)
    client.logout()
    assert client.get(reverse("my_data")).status_code == 302  # signed out: sign in


def test_a_person_with_a_password_is_not_looked_up_for_authenticator_apps_twice(client, pair):
    """allauth's own check reads each kind of app once; ours (for people with no
    password, issue 16) needs none when there is a password to ask for."""
    apm = pair.apm.user
    sign_in_again(client, apm, reverse("my_data"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("my_data")).status_code == 200
    apps = [q["sql"] for q in captured if 'FROM "mfa_authenticator"' in q["sql"]]
    assert len(apps) <= 3


def test_the_export_reads_the_same_number_of_queries_however_long_the_history(pair):
    apm = pair.apm.user
    with CaptureQueriesContext(connection) as short:
        privacy.personal_data(apm)
    for days in range(5, 25):
        Meeting.objects.create(
            match=pair, logged_by=apm, duration_minutes=30,
            occurred_on=timezone.localdate() - timedelta(days=days),
        )  # fmt: skip
        Notification.objects.create(
            kind=Notification.Kind.NO_MEETING, user=apm, object_key=f"x:{days}",
            to_email=apm.email, subject="s", body_text="b",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as long:
        privacy.personal_data(apm)
    assert len(long) == len(short)


# --- Deleting one's account ----------------------------------------------------------


def figures(*, leave_out=()):
    """What the committee reads of the program (outcomes), worked out afresh."""
    changes.mark_changed()  # not the copy kept from the last reading
    dashboard = outcomes_dashboard(now=timezone.now().replace(microsecond=0))
    return [
        {k: v for k, v in vars(row).items() if k not in leave_out}
        for row in dashboard["cohorts"] + dashboard["years"]
    ]


def test_a_person_deletes_their_account_and_only_their_personal_data_goes(
    client, pair, answered, committee
):
    apm, mentor = pair.apm.user, pair.mentor.user
    old_email = apm.email
    AuditLog.objects.create(action="x", summary=f"Something about {apm.full_name} <{apm.email}>")
    pending = Notification.objects.create(
        kind=Notification.Kind.NO_MEETING, user=apm, object_key="a:1", to_email=apm.email,
        subject="Waiting", body_text="Hi Avery",
    )  # fmt: skip
    sent = Notification.objects.create(
        kind=Notification.Kind.SURVEY_INVITATION, user=apm, object_key="a:2", to_email=apm.email,
        subject="Sent", body_text="Hi Avery", status=Notification.Status.SENT,
    )  # fmt: skip
    answers_before = Answer.objects.count()
    # Only "APMs matched now" may change: Avery's match ends (and Morgan is free again).
    before = figures(leave_out={"apms_matched"})

    sign_in_again(client, apm, reverse("account_delete"))
    page = client.get(reverse("account_delete")).content.decode()
    assert "This cannot be undone" in page
    # Without the box ticked nothing happens, and the summary says why.
    page = client.post(reverse("account_delete"), {}).content.decode()
    assert "Tick the box to say you want your account deleted." in page
    assert Match.objects.get(pk=pair.pk).status == Match.Status.ACTIVE

    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("account_deleted")
    assert "_auth_user_id" not in client.session  # signed out
    assert "Your account is deleted" in client.get(response.url).content.decode()

    apm.refresh_from_db()
    assert apm.full_name == f"Former participant #{apm.pk}"
    assert apm.email.endswith("@erased.invalid")
    assert not apm.is_active
    assert not apm.has_usable_password()
    assert not EmailAddress.objects.filter(user=apm).exists()
    assert not client.login(email=old_email, password=PASSWORD)
    profile = Profile.objects.get(user=apm)
    assert (profile.bio, profile.pronouns) == ("", "")
    enrollment = Enrollment.objects.get(pk=pair.apm.pk)
    assert enrollment.goals == ""
    assert Meeting.objects.get(logged_by=apm).notes == ""
    assert Meeting.objects.get(logged_by=mentor).notes == "Mentor's own notes."  # theirs
    # The match ended first, with no ban (nobody's fault); the mentor can be matched again.
    match = Match.objects.get(pk=pair.pk)
    assert match.status == Match.Status.ENDED
    assert not BannedPair.objects.exists()
    # Mail: the pending one cancelled, every one's address and text erased.
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.status == Notification.Status.CANCELLED
    assert sent.status == Notification.Status.SENT
    assert {pending.to_email, sent.to_email} == {apm.email}
    assert "Avery" not in pending.body_text + sent.body_text
    # Answers stay counted: the named one under the pseudonym, the anonymous one as it was.
    assert Answer.objects.count() == answers_before
    assert Response.objects.filter(user=apm).count() == 1
    assert figures(leave_out={"apms_matched"}) == before
    # The log names the pseudonym, and says who needs a new partner.
    assert not AuditLog.objects.filter(summary__contains="Avery Park").exists()
    assert not AuditLog.objects.filter(summary__contains=old_email).exists()
    row = AuditLog.objects.get(action=privacy.ERASED_ACTION)
    assert row.actor_id == apm.pk
    assert "at their own request" in row.summary
    assert "needs a new partner: Morgan Lee (mentor," in row.summary
    assert row.details["cancelled_emails"] == 1


def test_after_the_program_the_outcomes_do_not_change_at_all(client, pair, answered, committee):
    from mentorship import graduation
    from surveys.comparison import promotion_comparison
    from surveys.models import EligiblePerson
    from tests.surveys.conftest import promote

    promote(pair.apm.user, pair.cohort)
    graduation.apm_graduate(match=pair, acting_user=committee)
    # HR's file holds the APM (under a capitalised address) and three who did not join.
    start = pair.cohort.program_starts_on
    for email in (pair.apm.user.email.upper(), "a@adhoc.example", "b@adhoc.example",
                  "c@adhoc.example"):  # fmt: skip
        EligiblePerson.objects.create(
            email=email.lower(), level="associate", hired_on=start - timedelta(days=400)
        )

    def comparison():
        changes.mark_changed()
        (row,) = promotion_comparison(cohorts=[pair.cohort])["comparison_cohorts"]
        return (row.participants, row.participants_promoted, row.others, row.left_out)

    before, compared = figures(), comparison()
    assert before[0]["promoted_apms"] == 1
    assert compared == (1, 1, 3, 0)
    for person in (pair.apm.user, pair.mentor.user):
        privacy.account_erase(user=person, acting_user=committee, reason="Asked by email")
    assert figures() == before
    assert comparison() == compared  # still a participant, under the new address
    assert not EligiblePerson.objects.filter(email__startswith="person").exists()
    assert Match.objects.get(pk=pair.pk).status == Match.Status.GRADUATED


def test_deleting_twice_or_a_committee_account_is_refused_and_changes_nothing(client, committee):
    with pytest.raises(Exception, match="on the committee or staff"):
        privacy.account_erase(user=committee, acting_user=committee)
    committee.refresh_from_db()
    assert committee.is_active
    person = UserFactory()
    privacy.account_erase(user=person, acting_user=person)
    with pytest.raises(Exception, match="already deleted"):
        privacy.account_erase(user=person, acting_user=person)
    assert AuditLog.objects.filter(action=privacy.ERASED_ACTION).count() == 1


def test_the_committee_deletes_an_account_asked_by_email_from_the_admin(client, committee, pair):
    apm = pair.apm.user
    type(apm).objects.filter(pk=pair.mentor.user_id).update(full_name="Morgan <b>Lee</b>")
    client.force_login(committee)
    url = reverse("admin:mentorship_user_changelist")
    action = {"action": "erase_selected", "_selected_action": [apm.pk]}
    page = client.post(url, action).content.decode()
    assert "Delete these accounts?" in page
    assert "Avery Park" in page
    # Confirmed without saying how the person asked: asked again, nothing done.
    page = client.post(url, {**action, "confirm_erase": "yes"}).content.decode()
    assert "Say how the person asked" in page
    assert User_is_active(apm)

    reason = f"Email of 3 December {MARKUP}"
    response = client.post(url, {**action, "confirm_erase": "yes", "erase_reason": reason})
    assert response.status_code == 302
    assert not User_is_active(apm)
    row = AuditLog.objects.get(action=privacy.ERASED_ACTION)
    assert row.actor_id == committee.pk
    assert row.details["reason"] == reason
    assert "at their request to the committee" in row.summary
    # The dashboard tells the committee, escaped.
    index = client.get(reverse("admin:index")).content.decode()
    assert "Accounts deleted in the last 30 days" in index
    assert f"Former participant #{apm.pk}" in index
    assert "needs a new partner: Morgan &lt;b&gt;Lee&lt;/b&gt; (mentor," in index
    assert "<b>Lee</b>" not in index


def User_is_active(user):  # noqa: N802 - reads as the assertion it makes
    user.refresh_from_db()
    return user.is_active


# --- Retention ------------------------------------------------------------------------


def test_attributed_answers_older_than_the_retention_period_are_deleted_daily(
    pair, answered, settings
):
    attributed, anonymous = answered
    settings.ATTRIBUTED_ANSWERS_MONTHS = 24
    named = Response.objects.get(survey=attributed)
    Response.objects.filter(pk=named.pk).update(
        submitted_on=retention.months_before(timezone.localdate(), 24) - timedelta(days=1)
    )
    anonymous_answers = Answer.objects.filter(response__survey=anonymous).count()

    assert retention.attributed_answers_purge() == 1
    assert not Response.objects.filter(survey=attributed).exists()
    assert not Answer.objects.filter(response__survey=attributed).exists()
    assert Answer.objects.filter(response__survey=anonymous).count() == anonymous_answers > 0
    row = AuditLog.objects.get(action=retention.RETENTION_ACTION)
    assert row.details["responses"] == 1
    assert "older than 24 months" in row.summary
    assert retention.attributed_answers_purge() == 0  # safe to run twice
    assert AuditLog.objects.filter(action=retention.RETENTION_ACTION).count() == 1


def test_a_recent_attributed_answer_is_kept(pair, answered):
    attributed, _ = answered
    assert retention.attributed_answers_purge() == 0
    assert Response.objects.filter(survey=attributed).exists()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 3), 24, date(2024, 12, 3)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2028, 3, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert retention.months_before(day, months) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"), ("", "—"), ([], "—"), (True, "Yes"), (False, "No"), (3, "3"),
        (["VA", "<b>"], "VA, &lt;b&gt;"),
        ("line\n<i>two</i>", "<p>line<br>&lt;i&gt;two&lt;/i&gt;</p>"),
        ("2026-99-99T00:00", "2026-99-99T00:00"),
        ("2026-12-03T12:00:00+00:00", "Dec. 3, 2026, 7 a.m."),
    ],
)  # fmt: skip
def test_the_data_page_shows_each_value_as_a_reader_expects_and_escaped(value, shown):
    from django.template import Context, Template

    rendered = Template("{% load my_data %}{{ value|data_value }}").render(
        Context({"value": value})
    )
    assert rendered == shown


def test_someone_who_signs_in_only_through_the_company_confirms_it_there(client, pair, settings):
    """No password and no app: allauth refused them (403) on every password-again page."""
    from allauth.account.internal.flows import login as allauth_login

    from mentorship.settings import oidc_app

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [oidc_app(
        name="Acme ID", server_url="http://127.0.0.1:9", client_id="site", secret="s",
    )]}}  # fmt: skip
    apm = pair.apm.user
    apm.set_unusable_password()
    apm.save()
    client.force_login(apm)
    add_address = {"action_add": "", "email": "avery.new@adhoc.example"}
    for url, response in (
        (reverse("my_data"), client.get(reverse("my_data"))),
        (reverse("account_email"), client.post(reverse("account_email"), add_address)),
    ):
        assert response.status_code == 302  # to sign in there again, then back here
        assert response.url == f"/accounts/oidc/company/login/?next={url.replace('/', '%2F')}"

    def signed_in_through_the_provider(seconds_ago):
        session = client.session
        session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(apm.pk)
        session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "socialaccount", "at": time.time() - seconds_ago, "provider": "company"}
        ]
        session.save()

    signed_in_through_the_provider(10)  # just now: that counts
    assert "Learn contracts" in client.get(reverse("my_data")).content.decode()
    assert client.post(reverse("account_email"), add_address).status_code == 302
    assert EmailAddress.objects.filter(email="avery.new@adhoc.example").exists()
    signed_in_through_the_provider(600)  # ten minutes ago does not
    assert client.get(reverse("account_delete")).status_code == 302

    # Without a provider configured, they are sent to set a password by email.
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    response = client.get(reverse("my_data"))
    assert response.url.startswith(reverse("account_reset_password"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN needs PostgreSQL")
@pytest.mark.parametrize("action", ["export", "erase"])
def test_a_persons_own_data_finds_their_pairs_from_their_enrollments(action):
    """Matches and proposals are found from the person's enrollments: filtering on
    either side's user joined both and read every pair of the organisation."""
    organisation_seed(SMALL)
    apm = User.objects.get(email=FIRST_APM)
    if action == "export":
        plans = plans_during(lambda: privacy.personal_data(apm))
    else:
        plans = plans_during(lambda: privacy.account_erase(user=apm, acting_user=apm))
    assert any('FROM "matching_match"' in sql for sql, _ in plans)
    # Either side's user, tested after joining both enrollments to every pair: the
    # shape that read all of them (a hash join over every match at 10,000 people).
    joined = [
        (sql, found) for sql, found in plans
        if any("Join Filter:" in line and "user_id = " in line for line in found.splitlines())
    ]  # fmt: skip
    assert not joined, joined
