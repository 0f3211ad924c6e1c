"""The intake done with the keyboard alone, two mistakes included: the error summary
takes focus, its links lead to the fields, and the form is fixed and sent without a mouse.
Also: the team list narrows to the chosen unit, and the controls are drawn at 3:1."""

import pytest
from playwright.sync_api import expect

from mentorship.models import Enrollment
from tests.browser.test_intake_journey import sign_in
from tests.factories import BusinessUnitFactory, CohortFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, selector, *, back=False, limit=120):
    """Press Tab (or Shift+Tab) until ``selector`` has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} was never reached with the keyboard")


def contrast(page, colour):
    """The contrast of a CSS colour against white (WCAG's relative luminance)."""
    return page.evaluate(
        """c => { const m = c.match(/[\\d.]+/g).map(Number).slice(0, 3).map(v => v / 255)
               .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
               const l = 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
               return 1.05 / (l + 0.05); }""",
        colour,
    )


def test_the_intake_with_the_keyboard_alone_errors_included(page, axe_check):
    cohort = CohortFactory(name="Spring 2027", slug="spring-2027")
    veterans = BusinessUnitFactory(name="Veterans")
    TeamFactory(name="Benefits Portal", business_unit=veterans)
    TeamFactory(name="Filing", business_unit=BusinessUnitFactory(name="Tax"))
    sign_in(page, UserFactory(email="kai@adhoc.example", full_name=""))
    page.goto(f"/intake/{cohort.slug}/apm/")
    axe_check(page)

    # Every form control's edge and the focus ring at 3:1 or better against white.
    box = page.locator("input[type=checkbox]").first
    assert contrast(page, box.evaluate("e => getComputedStyle(e).borderTopColor")) >= 3
    tab_to(page, "#id_full_name")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert contrast(page, ring) >= 3

    page.keyboard.type("Kai Ito")
    tab_to(page, "#id_title")
    page.keyboard.type("Associate Product Manager")
    tab_to(page, "#id_business_unit")
    page.keyboard.type("Vet")  # a closed list jumps to what is typed
    expect(page.locator("#id_business_unit")).to_have_value(str(veterans.pk))
    # htmx narrows the teams to the unit's.
    expect(page.locator("#id_team option")).to_have_count(2)
    tab_to(page, "#id_team")
    page.keyboard.type("Ben")
    tab_to(page, "#id_time_zone")
    page.keyboard.type("Cen")  # "Central time (Chicago)", among the likely ones first
    expect(page.locator("#id_time_zone")).to_have_value("America/Chicago")
    # Two mistakes: no topic chosen and no goals. The track, the wish and the cadence:
    tab_to(page, "#id_career_track_0")
    page.keyboard.press("Space")
    tab_to(page, "#id_prefers_other_unit_0")
    page.keyboard.press("Space")
    tab_to(page, "#id_cadence_0")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    axe_check(page)
    page.keyboard.press("Tab")  # the summary's first link
    expect(page.locator("#error-summary a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_topics_0")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#id_topics_0")).to_be_checked()
    # Back up to the summary's second link, and follow it to the goals.
    tab_to(page, "#error-summary li:nth-child(2) a", back=True)
    page.keyboard.press("Enter")
    expect(page.locator("#id_goals")).to_be_focused()
    page.keyboard.type("Learn to run discovery with agency partners.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text(
        "Your intake for Spring 2027 is saved"
    )
    axe_check(page)
    enrollment = Enrollment.objects.get(user__email="kai@adhoc.example")
    assert enrollment.goals == "Learn to run discovery with agency partners."
    assert enrollment.topics.count() == 1
    assert enrollment.user.profile.time_zone == "America/Chicago"
    assert enrollment.user.profile.team.name == "Benefits Portal"
