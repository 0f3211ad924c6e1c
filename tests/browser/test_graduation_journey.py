"""From promotion to full circle: the committee graduates an APM who comes back as a mentor."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import meetings
from matching import services as matching_services
from matching.models import Match
from mentorship.models import (
    Cohort,
    Enrollment,
    GraduationGuide,
    Notification,
    Promotion,
    Role,
)
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, CohortFactory, committee_member
from toolkit.models import Topic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey_setting(cohort, make_apm, make_mentor):
    """An APM who met their mentor a month ago, and a next cohort taking intake."""
    committee = committee_member(full_name="Casey Committee")
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.ACTIVE)
    apm = make_apm(
        user__full_name="Avery Park",
        topics=("career-growth", "government-contracting"),
        submitted_at=timezone.now() - timedelta(days=90),
    )
    mentor = make_mentor(user__full_name="Morgan Lee", topics=("career-growth",))
    match = matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=80))
    meetings.meeting_log(
        match=match,
        logged_by=apm.user,
        occurred_on=timezone.localdate() - timedelta(days=60),
        duration_minutes=45,
        topics=Topic.objects.filter(slug__in=["plain-language", "from-apm-to-mentor"]),
    )
    next_cohort = CohortFactory(name="Spring 2027", slug="spring-2027")
    return committee, match, next_cohort


def sign_in(page, user):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def admin_content(axe_check, page):
    # Django's own admin chrome is outside our control; check the part we render.
    axe_check(page, context={"include": [["#content"]]})


def funnel_count(page, step):
    return page.locator(f"#funnel-{step} td").first


def test_committee_graduates_an_apm_who_completes_the_guide_and_comes_full_circle(
    page, axe_check, journey_setting
):
    committee, match, next_cohort = journey_setting
    apm_user = match.apm.user

    # The committee finds Avery in the journey: met their mentor, no promotion yet.
    sign_in(page, committee)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Program journey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Program journey")
    page.get_by_label("Cohort", exact=True).select_option(value=match.cohort.slug)
    page.get_by_role("button", name="Show").click()
    expect(funnel_count(page, "mentor")).to_have_text("0")
    expect(funnel_count(page, "first_meeting")).to_have_text("1")
    axe_check(page)

    # It records the promotion in the admin, starting from the link beside Avery's name.
    page.get_by_role("link", name="Record a promotion Avery Park").click()
    expect(page.locator("#id_from_title")).to_have_value("Associate Product Manager")
    admin_content(axe_check, page)
    page.locator("#id_to_title").fill("Product Manager")
    yesterday = timezone.localdate() - timedelta(days=1)
    page.locator("#id_promoted_on").fill(yesterday.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist").last).to_contain_text("was added successfully")
    assert Promotion.objects.get().status == Promotion.Status.CONFIRMED

    # …and graduates Avery from the promotions list.
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("graduate_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist").last).to_contain_text("Graduated 1.")
    admin_content(axe_check, page)
    match.refresh_from_db()
    assert match.status == Match.Status.GRADUATED

    # Avery opens the guide from the home page and works through it.
    sign_in(page, apm_user)
    expect(page.get_by_role("heading", name="You graduated: congratulations")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Your graduation guide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your graduation guide")
    expect(page.locator("#guide-progress-label")).to_have_text("0 of 4 steps done")
    axe_check(page)
    for label in (
        "Reflect with your mentor on what helped",
        "Share what helped in the program survey",
        "Optional: shadow a current mentor for one meeting",
    ):
        page.get_by_role("button", name=f"Mark as done: {label}").click()
        expect(page.get_by_role("status").first).to_contain_text(f"“{label}” is ticked.")
    expect(page.locator("#guide-progress-label")).to_have_text("3 of 4 steps done")
    axe_check(page)

    # The mentor intake of the next cohort starts from what Avery covered.
    page.get_by_role("link", name="Fill the mentor intake for Spring 2027").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentor intake for Spring 2027")
    expect(page.get_by_text("Welcome back, graduate.")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Product Manager")
    for category in ("Accessibility", "Career growth", "Government contracting"):
        expect(page.get_by_label(category, exact=True)).to_be_checked()
    expect(page.get_by_label("1 APM", exact=True)).to_be_checked()
    # The new title names the new level; the mentor's own track is asked afresh.
    expect(page.locator("#id_level")).to_have_value("product_manager")
    track = page.get_by_role("group", name="Your own career track")
    expect(track.get_by_role("radio", checked=True)).to_have_count(0)
    axe_check(page)
    page.get_by_label("Individual contributor").check()
    page.get_by_label("Once a month").check()
    page.get_by_role("button", name="Submit intake").click()
    expect(page.get_by_role("status").first).to_contain_text("Your intake for Spring 2027")
    expect(page.get_by_role("heading", name="You came full circle")).to_be_visible()

    page.get_by_role("link", name="Your graduation guide").click()
    expect(page.locator("#guide-progress-label")).to_have_text("4 of 4 steps done")
    expect(page.get_by_role("status").first).to_contain_text("You came full circle.")
    axe_check(page)
    guide = GraduationGuide.objects.get()
    assert guide.full_circle_at is not None
    assert guide.mentor_enrollment == Enrollment.objects.get(
        user=apm_user, cohort=next_cohort, role=Role.MENTOR
    )

    # The committee's funnel shows one more person who came full circle.
    sign_in(page, committee)
    page.goto(f"/committee/journey/?cohort={match.cohort.slug}")
    expect(funnel_count(page, "mentor")).to_have_text("1")
    expect(funnel_count(page, "graduated")).to_have_text("1")
    expect(page.locator("#funnel-mentor")).to_contain_text(re.compile(r"100%"))
    axe_check(page)


@pytest.mark.browser_zone("Asia/Tokyo")
def test_a_graduate_waits_for_the_next_intake_is_emailed_when_it_opens_and_mentors(
    page, axe_check, journey_setting, mailoutbox
):
    """The next cohort's intake opens in ten days: the guide says when, the email comes
    when the committee opens it, and the mentor intake starts from the new title."""
    from mentorship import graduation

    committee, match, next_cohort = journey_setting
    apm_user = match.apm.user
    opens = timezone.now() + timedelta(days=10)
    Cohort.objects.filter(pk=next_cohort.pk).update(
        status=Cohort.Status.DRAFT,
        intake_opens_at=opens,
        intake_closes_at=opens + timedelta(days=14),
    )

    # Avery reports the promotion; the committee confirms it and graduates Avery.
    sign_in(page, apm_user)
    page.get_by_role("link", name="Report a promotion").click()
    axe_check(page)
    page.get_by_label("Your new title").fill("Product Manager")
    page.get_by_label("Date of the promotion").fill(
        (timezone.localdate() - timedelta(days=2)).isoformat()
    )
    page.get_by_role("button", name="Report my promotion").click()
    expect(page.get_by_role("status").first).to_contain_text("Product Manager")
    graduation.promotion_confirm(promotion=Promotion.objects.get(), acting_user=committee)
    graduation.apm_graduate(match=match, acting_user=committee)

    # The guide's last step says when the next intake opens, on the reader's calendar
    # (Tokyo is a day ahead of New York and of UTC for part of every day), and
    # promises the email.
    opens_there = timezone.localtime(opens, zoneinfo.ZoneInfo("Asia/Tokyo"))
    page.goto("/")
    page.get_by_role("link", name="Your graduation guide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your graduation guide")
    expect(
        page.get_by_text(f"Intake for Spring 2027 opens on {opens_there:%B} {opens_there.day}")
    ).to_be_visible()
    expect(page.get_by_text("We'll email you that day")).to_be_visible()
    axe_check(page)
    page.screenshot(path="/tmp/graduation-waiting.png", full_page=True)  # noqa: S108
    invitations = Notification.objects.filter(kind=Notification.Kind.MENTOR_INVITATION)
    assert not invitations.exists()

    # Ten days later the committee opens the intake from the cohorts list.
    Cohort.objects.filter(pk=next_cohort.pk).update(intake_opens_at=timezone.now())
    sign_in(page, committee)
    page.goto("/admin/mentorship/cohort/")
    page.get_by_role("row", name=re.compile("Spring 2027")).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Open intake")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist").last).to_contain_text("Now “Intake open”: Spring 2027.")
    admin_content(axe_check, page)

    # The invitation reaches Avery, with a link to the pre-filled mentor intake.
    (invitation,) = invitations.filter(user=apm_user)
    (mail,) = [m for m in mailoutbox if m.subject == invitation.subject]
    link = re.search(r"http://\S+/intake/spring-2027/mentor/\?from=graduation", mail.body)
    assert link, mail.body
    sign_in(page, apm_user)
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentor intake for Spring 2027")
    expect(page.get_by_text("Welcome back, graduate.")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Product Manager")
    expect(page.locator("#id_level")).to_have_value("product_manager")
    track = page.get_by_role("group", name="Your own career track")
    expect(track.get_by_role("radio", checked=True)).to_have_count(0)
    axe_check(page)
    page.get_by_label("People manager (I manage people)").check()
    page.get_by_label("Every two weeks").check()
    page.get_by_role("button", name="Submit intake").click()
    expect(page.get_by_role("heading", name="You came full circle")).to_be_visible()
    axe_check(page)
    mentor = Enrollment.objects.get(user=apm_user, cohort=next_cohort, role=Role.MENTOR)
    assert mentor.status == Enrollment.Status.SUBMITTED
    assert GraduationGuide.objects.get().mentor_enrollment == mentor
