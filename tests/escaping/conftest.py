"""Hostile text wherever a person types it, and a way to check every place it is shown.

Each test builds one dataset per payload and reads many pages of it. Every text gets
its own tag after the payload ("<script>alert(1)</script> apm-title"), so finding its
escaped form on a page proves that this very text was shown there, escaped.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from markupsafe import escape as jinja2_escape

from matching import services as matching
from matching.models import Match, MatchingRun, Proposal
from mentorship.models import Cohort, Enrollment, Role, User
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    TeamFactory,
    UserFactory,
)

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</option><script>alert(1)</script>",
]


@pytest.fixture(params=PAYLOADS, ids=["script", "attribute", "option"])
def payload(request):
    return request.param


def short_name(full_name: str) -> str:
    """What ``User.get_short_name`` shows: the name up to its first space."""
    return full_name.split(" ")[0]


class Shown:
    """Checks pages and emails for typed texts; collects every problem to report them all.

    Texts are named by their tags ("apm-title"); ``exact`` takes texts in another form
    (a JSON list, a name in capitals).
    """

    def __init__(self, payload: str):
        self.payload = payload
        self.problems: list[str] = []

    def typed(self, tag: str) -> str:
        return f"{self.payload} {tag}"

    def check(self, where: str, html: str, *tags: str, exact: tuple[str, ...] = ()) -> None:
        """HTML: the payload never raw; each text present in its escaped form."""
        at = html.find(self.payload)
        if at != -1:
            context = html[max(0, at - 80) : at + len(self.payload) + 20]
            self.problems.append(f"{where}: the payload is in the HTML unescaped: …{context}…")
        for text in [*map(self.typed, tags), *exact]:
            # Form widgets are drawn by Jinja2 (mentorship.common.renderers), whose escape
            # writes quotes as &#34; and &#39; where Django's writes &quot; and &#x27;.
            if escape(text) not in html and str(jinja2_escape(text)) not in html:
                self.problems.append(f"{where}: {text!r} is not shown escaped")

    def check_text(self, where: str, body: str, *texts: str) -> None:
        """Plain text (an email's text part): each text exactly as typed, not entity-escaped."""
        for text in texts:
            if text not in body:
                self.problems.append(f"{where}: {text!r} is not in the plain text as typed")

    def page(self, client: Client, url: str, *tags: str, where: str = "", exact=(), **query):
        response = client.get(url, query)
        assert response.status_code == 200, (url, response.status_code)
        self.check(where or f"GET {url}", response.content.decode(), *tags, exact=exact)
        return response

    def post(self, client: Client, url: str, data: dict, *tags: str, where: str = "", exact=()):
        """POST, follow the redirect, check the page it ends on."""
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        self.check(where or f"POST {url}", response.content.decode(), *tags, exact=exact)
        return response

    def email(self, notification, *tags: str, short: tuple[str, ...] = ()) -> None:
        """A queued email: HTML body escaped, text body as typed.

        ``short`` are people shown by ``get_short_name`` (the first word of the name).
        """
        where = f"{notification.get_kind_display()} email to {notification.to_email}"
        texts = [*map(self.typed, tags), *(short_name(self.typed(tag)) for tag in short)]
        self.check(f"{where} (HTML)", notification.body_html, exact=tuple(texts))
        self.check_text(f"{where} (text)", notification.body_text, *texts)

    def assert_all_escaped(self) -> None:
        if self.problems:
            pytest.fail("\n".join(self.problems), pytrace=False)


@pytest.fixture
def shown(payload):
    return Shown(payload)


@pytest.fixture
def typed(shown):
    """typed("bio") is the payload followed by a tag naming the text it stands for."""
    return shown.typed


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class World:
    """A cohort matched by the engine: an APM with their mentor, and one APM left over."""

    cohort: Cohort
    apm: Enrollment
    mentor: Enrollment
    stranded: Enrollment  # on the mentor's team, so the run cannot match them
    manager: User
    run: MatchingRun
    proposal: Proposal
    match: Match


@pytest.fixture
def world(typed, categories, committee, django_capture_on_commit_callbacks) -> World:
    today = timezone.localdate()
    cohort = CohortFactory(  # matched and running, so surveys can go out
        name=typed("cohort"),
        status=Cohort.Status.ACTIVE,
        intake_opens_at=timezone.now() - timedelta(days=150),
        intake_closes_at=timezone.now() - timedelta(days=130),
        program_starts_on=today - timedelta(days=120),
        program_ends_on=today + timedelta(days=120),
    )
    apm_team = TeamFactory(
        name=typed("apm-team"), business_unit=BusinessUnitFactory(name=typed("apm-unit"))
    )
    mentor_team = TeamFactory(
        name=typed("mentor-team"), business_unit=BusinessUnitFactory(name=typed("mentor-unit"))
    )
    manager = UserFactory(full_name=typed("manager"))
    # Shared agencies and domains make the engine's reasons quote them ("Both know ...").
    known = {"profile__agencies": [typed("agency")], "profile__domains": [typed("domain")]}
    apm = EnrollmentFactory(
        cohort=cohort,
        role=Role.APM,
        user__full_name=typed("apm"),
        topics=["career-growth"],
        goals=typed("goals"),
        notes_for_committee=typed("notes"),
        shared_with_mentor=["topics", "goals"],
        profile__team=apm_team,
        profile__title=typed("apm-title"),
        profile__pronouns=typed("pn"),
        profile__bio=typed("bio"),
        profile__manager=manager,
        **known,
    )
    mentor = EnrollmentFactory(
        cohort=cohort,
        role=Role.MENTOR,
        capacity=1,
        user__full_name=typed("mentor"),
        topics=["career-growth"],
        notes_for_committee=typed("mentor-notes"),
        profile__team=mentor_team,
        profile__title=typed("mentor-title"),
        **known,
    )
    stranded = EnrollmentFactory(
        cohort=cohort,
        role=Role.APM,
        user__full_name=typed("stranded"),
        topics=["career-growth"],
        profile__team=mentor_team,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.run_request(cohort=cohort, acting_user=committee)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    proposal = Proposal.objects.get(run=run, apm=apm)
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.proposal_approve(proposal=proposal, acting_user=committee)
    return World(cohort, apm, mentor, stranded, manager, run, proposal, match)
