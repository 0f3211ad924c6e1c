"""The committee reviews a run on the desk by keyboard alone: swaps one APM to an
alternative, rejects one, approves the rest, and hand-matches the one it rejected."""

import pytest
from playwright.sync_api import expect

from matching import services
from matching.models import Match, Proposal
from tests.browser.signin import sign_in
from tests.factories import PASSWORD, committee_member

pytestmark = pytest.mark.django_db(transaction=True)


def press(page, control):
    """Reach a control with the keyboard and press it, as someone without a mouse does."""
    control.focus()
    expect(control).to_be_focused()
    page.keyboard.press("Enter")


def test_the_committee_swaps_rejects_and_approves_on_the_desk_by_keyboard(
    page, axe_check, cohort, make_apm, make_mentor
):
    committee = committee_member(full_name="Casey Committee")
    for name in ("Ann Apm", "Ben Apm", "Cy Apm"):
        make_apm(user__full_name=name)
    for name in ("Mo One", "Mae Two", "Max Three"):
        make_mentor(capacity=2, user__full_name=name)
    cohort.status = "matching"
    cohort.save()
    run = services.run_request(cohort=cohort, acting_user=committee)
    services.run_execute(run_id=run.pk)
    sign_in(page, committee.email, PASSWORD)

    page.goto(f"/admin/mentorship/cohort/{cohort.pk}/change/")
    press(page, page.get_by_role("link", name="Review the 3 proposals"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review desk")
    cards = page.locator("li.desk-card")
    expect(cards).to_have_count(3)
    axe_check(page)

    # Swap the first card's APM to an alternative with room.
    first = cards.first
    swap = first.get_by_role("button", name="Swap to").first
    new_mentor = swap.inner_text().removeprefix("Swap to ")
    apm_name = first.locator("h3").first.inner_text().removeprefix("APM: ")
    press(page, swap)
    expect(page.locator(".messagelist")).to_contain_text(f"Now proposed: {apm_name} with")
    swapped = Proposal.objects.get(run=run, apm__user__full_name=apm_name)
    assert swapped.mentor.user.full_name == new_mentor
    axe_check(page)

    # Reject another card, then approve all that remain.
    second = cards.filter(has_not_text=apm_name).first
    rejected_name = second.locator("h3").first.inner_text().removeprefix("APM: ")
    press(page, second.get_by_role("button", name="Reject"))
    expect(page.locator(".messagelist")).to_contain_text(f"Rejected {rejected_name}")
    expect(cards).to_have_count(2)
    press(page, page.get_by_role("button", name="Approve all 2 waiting proposals of this run"))
    expect(page.locator(".messagelist")).to_contain_text("Approved 2.")
    expect(page.locator("#content-main")).to_contain_text(
        "Every proposal of this run has been decided."
    )
    axe_check(page)
    assert Match.objects.filter(status=Match.Status.ACTIVE).count() == 2

    # The one rejected gets a mentor by hand; then every APM has one.
    rejected = Proposal.objects.get(run=run, status=Proposal.Status.REJECTED)
    page.goto(f"/admin/matching/match/add/?apm={rejected.apm_id}&mentor={rejected.mentor_id}")
    press(page, page.get_by_role("button", name="Check this pair"))
    press(page, page.get_by_role("button", name="Match them"))
    expect(page.locator(".messagelist")).to_contain_text(f"Matched {rejected_name} with")
    page.goto("/admin/matching/proposal/")
    expect(page.locator("#content")).to_contain_text(f"Every APM in {cohort.name} has a mentor")
