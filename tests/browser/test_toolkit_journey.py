import pytest
from playwright.sync_api import expect

from matching import services
from mentorship.accounts import committee_member_add
from tests.factories import PASSWORD, UserFactory
from tests.matching.test_meetings import apm_suggestions
from toolkit.models import Bookmark, Topic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched and surveyed in a cohort whose intake has closed."""
    return active_cohort


@pytest.fixture
def pair(make_apm, make_mentor):
    committee = committee_member_add(user=UserFactory())
    apm = make_apm(topics=("government-contracting", "career-growth"))
    mentor = make_mentor(topics=("government-contracting", "people-management"))
    return services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def test_mentor_filters_searches_opens_bookmarks_and_sees_suggestions(page, axe_check, pair):
    mentor = pair.mentor.user
    sign_in(page, mentor)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Toolkit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation toolkit")
    expect(page.get_by_role("heading", name="Suggested for you and")).to_be_visible()
    axe_check(page)

    page.get_by_label("Category").select_option(label="Government contracting")
    expect(page.locator("#result-count")).to_contain_text("with your filters")
    assert "category=government-contracting" in page.url  # htmx pushed the filter to the URL
    page.get_by_label("Search topics").fill("contract")
    expect(page.locator("#result-count")).to_contain_text("for “contract”")
    axe_check(page)

    page.locator("#results").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Questions to ask each other")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Save this topic").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_role("button", name="Remove from saved")).to_be_visible()
    assert Bookmark.objects.filter(user=mentor).count() == 1

    page.goto("/toolkit/saved/")
    axe_check(page)


def test_filters_work_without_scripts(browser, live_server, pair):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, pair.mentor.user)
    page.goto("/toolkit/")
    page.get_by_label("Category").select_option(label="Accessibility")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#result-count")).to_contain_text("with your filters")
    cards = page.locator("#results article")
    assert cards.count() == Topic.objects.filter(category__slug="accessibility").count()
    context.close()


def test_apm_logs_a_meeting_mentor_sees_it_and_suggestions_move_on(page, axe_check, pair):
    first_two = apm_suggestions(pair, limit=2)
    sign_in(page, pair.apm.user)
    page.get_by_role("link", name="Log a meeting").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a meeting")
    axe_check(page)
    page.get_by_label("How long did you meet? (minutes)").fill("40")
    for topic in first_two:
        page.get_by_label(topic.title, exact=True).check()
    page.get_by_label("Notes").fill("Good first chat about how we'll work together.")
    page.get_by_role("button", name="Log meeting").click()
    expect(page.get_by_text("1 meeting so far")).to_be_visible()
    axe_check(page)

    page.context.clear_cookies()
    sign_in(page, pair.mentor.user)
    expect(page.get_by_text("1 meeting so far")).to_be_visible()
    page.get_by_role("link", name="Meeting log").click()
    expect(page.get_by_text("Good first chat")).to_be_visible()
    axe_check(page)

    after = apm_suggestions(pair, limit=100)
    assert not set(first_two) & set(after)
    page.goto("/toolkit/")
    suggested = page.locator(f"section[aria-labelledby=suggested-heading-{pair.pk}]")
    expect(suggested.get_by_role("heading", level=2)).to_have_text(
        f"Suggested for you and {pair.apm.user.get_short_name()}"
    )
    for topic in first_two:
        expect(suggested).not_to_contain_text(topic.title)
