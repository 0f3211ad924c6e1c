"""The committee imports the eligible population in the admin and reads the comparison."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Match
from mentorship.models import Cohort, Role
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, committee_member

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "email,title,level,hire_date,promotion_dates\n"
IMPORT_SHOT = "/tmp/comparison-import.png"  # noqa: S108 (for a person to look at)
OUTCOMES_SHOT = "/tmp/comparison-outcomes.png"  # noqa: S108


def admin_content(axe_check, page):
    # Django's own admin chrome is outside our control; check the part we render.
    axe_check(page, context={"include": [["#content"]]})


def test_committee_imports_the_eligible_population_and_reads_the_comparison(
    page, axe_check, tmp_path, settings
):
    settings.SURVEY_PRIVACY_THRESHOLD = 3
    chair = committee_member(email="chair@adhoc.example", full_name="Casey Chair")
    today = timezone.localdate()
    start = today - timedelta(days=120)
    cohort = CohortFactory(
        name="Spring 2026",
        status=Cohort.Status.ACTIVE,
        intake_opens_at=timezone.now() - timedelta(days=150),
        intake_closes_at=timezone.now() - timedelta(days=130),
        program_starts_on=start,
        program_ends_on=today + timedelta(days=120),
    )
    for index in range(4):
        apm = EnrollmentFactory(
            cohort=cohort, role=Role.APM, user__email=f"p{index}@adhoc.example"
        )
        mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
        Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)
    hired, promoted = (start - timedelta(days=500)).isoformat(), (start + timedelta(days=20))
    good = [f"P{i}@adhoc.example,APM,associate,{hired}," for i in range(4)]
    good[0] += promoted.isoformat()
    good[0] = good[0].replace("associate", "product_manager")
    good += [f"o{i}@adhoc.example,<b>APM</b>,associate,{hired}," for i in range(5)]
    bad_file, good_file = tmp_path / "bad.csv", tmp_path / "eligible.csv"
    bad_file.write_text(HEADER + "\n".join([*good, "o9@adhoc.example,APM,wizard,2020-01-01,"]))
    good_file.write_text(HEADER + "\n".join(good) + "\n")

    page.goto("/admin/")
    page.get_by_label("Email").fill(chair.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, chair.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Run the program")

    page.get_by_role("link", name="Eligible population").click()
    page.get_by_role("link", name="Import eligible population").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import eligible population")
    admin_content(axe_check, page)

    page.get_by_label("Eligible population file (CSV)").set_input_files(bad_file)
    page.get_by_role("button", name="Upload eligible population").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.")
    rows = page.get_by_role("table", name="Problems in the file, in line order").get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("11")
    expect(rows.nth(1)).to_contain_text("level")
    expect(rows.nth(1)).to_contain_text("“wizard” is not a level")
    page.screenshot(path=IMPORT_SHOT, full_page=True)
    admin_content(axe_check, page)

    page.get_by_label("Eligible population file (CSV)").set_input_files(good_file)
    page.get_by_role("button", name="Upload eligible population").click()
    expect(page.locator(".messagelist .success")).to_contain_text("9 added")
    expect(page.get_by_text("<b>APM</b>").first).to_be_visible()  # shown as text, escaped
    admin_content(axe_check, page)

    page.goto("/surveys/outcomes/")
    section = page.get_by_role("region", name="By cohort").last
    expect(
        page.get_by_role("heading", name="Promotions against a comparison group")
    ).to_be_visible()
    expect(section).to_contain_text("25% (1 of 4)")
    expect(section).to_contain_text("0% (from 0 of 5 people)")
    expect(section).to_contain_text("+25 points (95% interval")
    page.get_by_text("The strata behind Spring 2026").click()
    strata = page.get_by_role("table", name="Counts of people in each stratum for Spring 2026")
    expect(strata).to_contain_text("Associate product manager")
    expect(strata).to_contain_text("1 to 2 years")
    page.screenshot(path=OUTCOMES_SHOT, full_page=True)
    axe_check(page)
