"""Every admin page the committee can reach passes axe-core, chrome and all (issue 14).

A small organisation (seed_organisation: matches, meetings, surveys, a year of audit
rows) gives every model rows; the committee then opens the admin's index, each app's
page, and for each model it may see: the list, the add form, the newest row's change
form and history, the one-row delete page, and the confirmation of each list action
that asks for one. axe checks the whole page each time (WCAG 2.x A and AA), and the
navigation must not wrap at 1280 px.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from mentorship.demo import COMMITTEE_EMAIL, DEMO_PASSWORD
from mentorship.models import Cohort, User
from tests.browser.signin import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = ["--apms", "12", "--mentors", "8", "--survey-responses", "6", "--audit-days", "3"]
# List actions that ask before they act (the rest act at once and report).
CONFIRMING_ACTIONS = ("delete_selected", "end_selected", "erase_selected")
# Lines of the navigation and the header that wrap: each link's text in more than one
# line box, or the header's bar taller than one line of its items.
WRAPPED = """() => {
  const wrapped = [];
  for (const link of document.querySelectorAll('#nav-sidebar a, #user-tools a, #header a')) {
    if (link.getClientRects().length > 1) wrapped.push(link.textContent.trim());
  }
  const tools = document.querySelector('#user-tools');
  if (tools && tools.getClientRects().length > 1) wrapped.push('user tools');
  return wrapped;
}"""


def committee_pages(committee):
    """(path, list action or None) for each admin page the committee may open."""
    request = RequestFactory().get("/admin/")
    request.user = committee
    # The committee's own admin pages beside the models' (the run and cohort pages are
    # their change forms).
    pages = [(reverse("admin:index"), None), (reverse("admin:matching_proposal_desk"), None)]
    apps = set()
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        opts = model._meta
        if not model_admin.has_view_permission(request):
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        if opts.app_label not in apps:
            apps.add(opts.app_label)
            pages.append((reverse("admin:app_list", args=[opts.app_label]), None))
        changelist = reverse(f"{prefix}_changelist")
        pages.append((changelist, None))
        if model_admin.has_add_permission(request):
            pages.append((reverse(f"{prefix}_add"), None))
        row = model._default_manager.order_by("-pk").first()
        if row is None:
            continue
        pk = quote(row.pk)
        pages.append((reverse(f"{prefix}_change", args=[pk]), None))
        pages.append((reverse(f"{prefix}_history", args=[pk]), None))
        if model is Cohort:
            pages.append((reverse("admin:mentorship_cohort_import_roster", args=[pk]), None))
        if model_admin.has_delete_permission(request, row):
            pages.append((reverse(f"{prefix}_delete", args=[pk]), None))
        actions = model_admin.get_actions(request)
        pages += [(changelist, name) for name in CONFIRMING_ACTIONS if name in actions]
    return pages


def test_every_admin_page_the_committee_reaches_passes_axe_and_the_navigation_fits(
    page, axe_check
):
    call_command("seed_organisation", *SMALL, "--i-know-this-is-not-production")
    committee = User.objects.get(email=COMMITTEE_EMAIL)
    pages = committee_pages(committee)
    sign_in(page, COMMITTEE_EMAIL, DEMO_PASSWORD)

    failures, seen = [], 0
    for path, action in pages:
        page.goto(path)
        if action is not None:
            page.locator("#result_list tbody input.action-select").first.check()
            page.locator("select[name=action]").select_option(action)
            with page.expect_navigation():
                page.get_by_role("button", name="Go").click()
            # The confirmation, or the list saying why not (a cohort with history).
        assert "/accounts/login/" not in page.url, f"{path} sent the committee to sign in"
        try:
            axe_check(page)
        except AssertionError as failure:
            failures.append(str(failure).split("\n", 1)[0] + f" ({action or 'page'})")
            failures.append(str(failure).split("\n", 1)[1][:1500])
        wrapped = page.evaluate(WRAPPED)
        if wrapped:
            failures.append(f"{page.url}: wraps at 1280 px: {', '.join(wrapped)}")
        seen += 1
    assert not failures, "\n".join(failures)
    # The crawl really went everywhere: every model's list, form and confirmations.
    assert seen == len(pages) > 60
