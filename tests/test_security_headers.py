"""The Content-Security-Policy header, on every page, for every kind of visitor.

Each page is read through the test client as the person who would see it; the header
must carry the whole policy, and the HTML that reaches the browser (our templates,
the Django admin's, allauth's, and markup built in Python such as the survey charts)
must need nothing the policy blocks. tests/browser/test_content_security_policy.py
checks the same pages in Chromium, scripts running.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching import services as matching
from matching.models import MatchingRun
from mentorship.models import Cohort, Profile, Role
from mentorship.outbox.queue import unsubscribe_token
from surveys import services as surveys
from surveys.models import Question, Survey
from tests.csp import csp_problems
from tests.factories import CohortFactory
from toolkit.models import Topic

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@dataclass
class Site:
    apm: object
    committee: object
    match: object
    survey: Survey
    run: MatchingRun
    next_cohort: Cohort


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched and surveyed in a cohort whose intake has closed."""
    return active_cohort


@pytest.fixture
def site(cohort, make_apm, make_mentor, committee, django_capture_on_commit_callbacks):
    """A running cohort with a pair, an open survey and a run under way; intake open next."""
    apm, mentor = make_apm(), make_mentor()
    match = matching.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=cohort, title="Check-in", audience="both", is_anonymous=True,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=14),
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="yes_no", text="Going well?")
    with django_capture_on_commit_callbacks(execute=True):
        surveys.survey_open(survey=survey, acting_user=committee)
    # Created as it stands in the queue, so the run page polls for its status.
    run = MatchingRun.objects.create(cohort=cohort, started_by=committee)
    next_cohort = CohortFactory(name="Spring 2027", slug="spring-2027")
    return Site(apm.user, committee, match, survey, run, next_cohort)


def anonymous_pages(site):
    return [
        reverse("home"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("notification_unsubscribe", args=[unsubscribe_token(site.apm)]),
    ]


def participant_pages(site):
    topic = Topic.objects.filter(is_published=True).first()
    return [
        reverse("home"),
        reverse("join"),
        reverse("intake", args=[site.next_cohort.slug, Role.APM]),
        reverse("toolkit:topics"),
        reverse("toolkit:topics") + "?q=feedback",
        reverse("toolkit:topic", args=[topic.slug]),
        reverse("toolkit:saved"),
        reverse("surveys:mine"),
        reverse("surveys:answer", args=[site.survey.pk]),
        reverse("meetings", args=[site.match.pk]),
        reverse("meeting_new", args=[site.match.pk]),
        reverse("notification_preferences"),
        reverse("account_email"),
        reverse("mfa_index"),
    ]


def committee_pages(site):
    cohort = site.match.cohort
    profile = Profile.objects.get(user=site.apm)
    return [
        reverse("admin:index"),
        reverse("admin:mentorship_cohort_changelist"),
        reverse("admin:mentorship_cohort_add"),
        reverse("admin:mentorship_cohort_change", args=[cohort.pk]),
        reverse("admin:mentorship_cohort_import_roster", args=[cohort.pk]),
        reverse("admin:mentorship_profile_change", args=[profile.pk]),
        reverse("admin:matching_match_add"),
        reverse("admin:matching_matchingrun_add"),
        reverse("admin:matching_matchingrun_change", args=[site.run.pk]),
        reverse("admin:matching_matchingrun_status", args=[site.run.pk]),
        reverse("admin:matching_proposal_changelist"),
        reverse("admin:surveys_survey_changelist"),
        reverse("admin:surveys_survey_change", args=[site.survey.pk]),
        reverse("admin:toolkit_topic_add"),
        reverse("journey"),
        reverse("surveys:outcomes"),
        reverse("surveys:cohort_results", args=[cohort.pk]),
    ]


def visit(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


def assert_strict(url, response):
    assert policy_of(response) == POLICY, url
    if response["Content-Type"].startswith("text/html"):
        assert csp_problems(response.content.decode()) == [], url


def test_anonymous_pages_carry_the_policy_and_need_nothing_it_blocks(client, site):
    for url in anonymous_pages(site):
        assert_strict(url, visit(client, url))


def test_participant_pages_carry_the_policy_and_need_nothing_it_blocks(client, site):
    client.force_login(site.apm)
    for url in participant_pages(site):
        assert_strict(url, visit(client, url))
    # The toolkit's live search swaps in a fragment: it carries the policy too.
    url = reverse("toolkit:topics") + "?q=feedback"
    assert_strict(url, visit(client, url, HX_Request="true"))


def test_committee_pages_carry_the_policy_and_need_nothing_it_blocks(client, site):
    client.force_login(site.committee)
    for url in committee_pages(site):
        assert_strict(url, visit(client, url))


def test_error_pages_and_static_files_carry_the_policy(client, site):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert policy_of(missing) == POLICY
    stylesheet = Client().get("/static/css/site.css")
    assert stylesheet.status_code == 200
    assert policy_of(stylesheet) == POLICY


def test_the_policy_blocks_inline_script_and_style_and_framing(client):
    directives = policy_of(client.get(reverse("home")))
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
