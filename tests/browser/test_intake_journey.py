import pytest
from playwright.sync_api import expect

from mentorship.models import Enrollment, Role
from tests.factories import PASSWORD, BusinessUnitFactory, CohortFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setting():
    cohort = CohortFactory(name="Spring 2027", slug="spring-2027")
    team = TeamFactory(name="Benefits Portal", business_unit=BusinessUnitFactory(name="Veterans"))
    return cohort, team


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My mentorship")


def fill_where_you_work(page):
    page.locator("#id_full_name").fill("Avery Park")
    page.locator("#id_title").fill("Associate Product Manager")
    # Choosing the unit swaps its teams in for the grouped list (htmx); the team is
    # chosen from those.
    page.locator("#id_business_unit").select_option(label="Veterans")
    expect(page.locator("#id_team optgroup")).to_have_count(0)
    page.locator("#id_team").select_option(label="Benefits Portal (Veterans)")
    page.locator("#id_time_zone").select_option("America/Chicago")


def test_apm_joins_fills_intake_edits_an_answer_and_sees_the_next_step(page, axe_check, setting):
    cohort, _ = setting
    apm = UserFactory(email="avery@adhoc.example")
    sign_in(page, apm)
    axe_check(page)

    page.get_by_role("link", name="Join Spring 2027").click()
    axe_check(page)
    page.get_by_role("link", name="Fill the APM intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("APM intake for Spring 2027")

    fill_where_you_work(page)
    page.get_by_label("Government contracting").check()
    page.get_by_label("Career growth").check()
    page.locator("#id_goals").fill("Understand how task orders shape my team's roadmap.")
    page.get_by_label("People manager", exact=True).check()
    page.get_by_label("Yes, from another business unit").check()
    page.get_by_label("Every two weeks").check()
    page.get_by_role("button", name="Submit intake").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "Your intake for Spring 2027 is saved"
    )
    expect(page.get_by_text("Your intake is in.")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Edit your intake").click()
    expect(page.locator("#id_goals")).to_have_value(
        "Understand how task orders shape my team's roadmap."
    )
    axe_check(page)
    page.get_by_label("Once a month").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").first).to_contain_text("is saved")
    expect(page.get_by_text("You can change your answers until")).to_be_visible()

    enrollment = Enrollment.objects.get(user=apm, cohort=cohort, role=Role.APM)
    assert enrollment.cadence == "monthly"
    assert sorted(enrollment.topics.values_list("slug", flat=True)) == [
        "career-growth",
        "government-contracting",
    ]


def test_errors_are_announced_and_answers_kept(page, axe_check, setting):
    cohort, _ = setting
    sign_in(page, UserFactory())
    page.goto(f"/intake/{cohort.slug}/apm/")
    page.locator("#id_goals").fill("Keep me")
    page.get_by_role("button", name="Submit intake").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.locator("#id_goals")).to_have_value("Keep me")
    axe_check(page)
    assert not Enrollment.objects.exists()


def test_mentor_fills_the_mentor_intake_with_capacity_two(page, axe_check, setting):
    cohort, _ = setting
    mentor = UserFactory(email="morgan@adhoc.example")
    sign_in(page, mentor)
    page.goto("/intake/")
    page.get_by_role("link", name="Fill the mentor intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentor intake for Spring 2027")
    axe_check(page)

    fill_where_you_work(page)
    page.get_by_label("2 APMs").check()
    page.get_by_label("Product frameworks").check()
    page.get_by_label("People management").check()
    page.get_by_label("People manager (I manage people)").check()
    page.get_by_label("Every week").check()
    page.get_by_role("button", name="Submit intake").click()
    expect(page.get_by_text("Your intake is in.")).to_be_visible()
    axe_check(page)

    enrollment = Enrollment.objects.get(user=mentor, cohort=cohort, role=Role.MENTOR)
    assert enrollment.capacity == 2
    assert enrollment.career_track == "people_manager"
