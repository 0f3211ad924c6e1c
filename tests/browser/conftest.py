"""Playwright on Debian's Chromium against Django's live server.

Journeys skip (with the reason) on a developer machine without Chromium; under CI
(CI=true) a missing browser is a failure, so the journeys cannot silently stop running.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# axe-core rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: run `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. Browser journeys must run under CI.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request, settings):
    # Links in emails lead to the server the browser uses, as `make run` sets them.
    settings.SITE_URL = live_server.url
    # Transactional tests flush the database afterwards, data migrations included;
    # put the starter vocabulary back so each journey sees a freshly migrated site.
    from tests.browser.signin import codes_used
    from toolkit.content import starter_topics_install

    starter_topics_install()
    codes_used.clear()

    zone = request.node.get_closest_marker("browser_zone")
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        **({"timezone_id": zone.args[0]} if zone else {}),
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def axe_check():
    """Run axe-core on the page and fail on any WCAG 2.x A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    checked = []

    def check(page, context=None):
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
        results = axe.run(page, context=context, options=options)
        checked.append(page.url)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    check.checked = checked
    return check


# Runs in every page before its own scripts, outside the policy (Playwright injects it).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.URL}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_violations(page):
    """Every Content-Security-Policy violation the page reports from now on, one line each.

    Chromium writes its own console error for each block, and the page fires a
    securitypolicyviolation event (logged by the script above). Uncaught errors count
    too: a script the policy broke (eval refused, say) throws instead of working.
    """
    violations = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_console(message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "CSP" in text):
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"{page.url}: uncaught {error}"))
    return violations
