"""The committee imports its roster through the admin: a bad file, then the fixed one."""

import pytest
from playwright.sync_api import expect

from mentorship.models import Enrollment
from tests.browser.signin import enter_two_factor_code
from tests.factories import PASSWORD, CohortFactory, committee_member
from tests.mentorship.test_roster import mentor, person, to_csv

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/roster-errors.png"  # noqa: S108 (for a person to look at, not a secret)


def test_committee_admin_fixes_a_roster_with_two_bad_rows_and_imports_it(
    page, axe_check, tmp_path
):
    chair = committee_member(email="chair@adhoc.example", full_name="Casey Chair")
    cohort = CohortFactory(name="Spring 2027")
    good = [
        person(manager_email="grace@adhoc.example"),
        mentor(),
        person(email="alan@adhoc.example", full_name="Alan Turing", team="Data"),
    ]
    bad = [
        good[0],
        {**good[1], "capacity": "5"},
        {**good[2], "interests": "career-growth;basket-weaving"},
    ]
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(to_csv(*bad))

    page.goto("/admin/")
    page.get_by_label("Email").fill(chair.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, chair.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Run the program")

    page.get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="Spring 2027").click()
    page.get_by_role("link", name="Import roster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import roster into Spring 2027")

    page.get_by_label("Roster file (CSV)").set_input_files(roster_file)
    page.get_by_role("button", name="Upload roster").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.")
    expect(page.get_by_role("alert")).to_contain_text("We found 2 problems in the file")
    problems = page.get_by_role("table", name="Problems in the roster file, in line order")
    rows = problems.get_by_role("row")
    expect(rows).to_have_count(3)  # the header and the two problems
    expect(rows.nth(1)).to_contain_text("3")
    expect(rows.nth(1)).to_contain_text("capacity")
    expect(rows.nth(1)).to_contain_text("A mentor can take 1, 2 or 3 APMs")
    expect(rows.nth(2)).to_contain_text("4")
    expect(rows.nth(2)).to_contain_text("interests")
    expect(rows.nth(2)).to_contain_text("basket-weaving")
    axe_check(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert not Enrollment.objects.filter(cohort=cohort).exists()

    roster_file.write_bytes(to_csv(*good))
    page.get_by_label("Roster file (CSV)").set_input_files(roster_file)
    page.get_by_role("button", name="Upload roster").click()

    expect(page.locator(".messagelist .success")).to_contain_text(
        "Imported roster.csv into Spring 2027. Rows: 3. People: 3 created"
    )
    results = page.locator("#result_list")
    for email in ("ada@adhoc.example", "grace@adhoc.example", "alan@adhoc.example"):
        expect(results).to_contain_text(email)
    axe_check(page)
    assert Enrollment.objects.filter(cohort=cohort).count() == 3
    assert len(axe_check.checked) == 2
