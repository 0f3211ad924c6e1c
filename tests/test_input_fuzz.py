"""Hostile input on every page: no page answers with a server error.

Control characters and odd values go through every query parameter and every form
field of every page a visitor, an APM, a mentor, a graduate and the committee can
reach (and the admin pages only an administrator can). Pages come from the URL conf
and the admin's registry, so a page added later is fuzzed without anyone listing it;
``test_every_page_of_the_url_conf_and_the_admin_is_visited`` holds that. A page's
query parameters are the ones its links and search forms use, plus what any address
might carry (lookups on each field of an admin list, ``next``, ``page``...); its form
fields are those of the forms it renders, filled the way a browser would fill them,
with a few values replaced.

Each example runs in a transaction that is rolled back, so a submitted form (a
withdrawal, a deletion, a sign-out) does not change what the next example sees. The
number of examples per page is ``FUZZ_EXAMPLES`` (default 2 for queries and 2 per
form): about two minutes on SQLite. Run it on PostgreSQL too, where a NUL is a hard
error::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_inputs \
        .venv/bin/pytest tests/test_input_fuzz.py
"""

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from itertools import product
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from matching import meetings
from matching import services as matching
from matching.models import MatchingRun, Proposal
from mentorship import graduation
from mentorship.models import Cohort, Enrollment, GraduationGuide, Role
from mentorship.outbox.queue import unsubscribe_token
from surveys import services as surveys
from surveys.models import EligiblePerson, EligiblePromotion, Question, Survey
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    TeamFactory,
    UserFactory,
)
from toolkit import services as toolkit
from toolkit.models import Topic

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- What is sent ------------------------------------------------------------------------

BIDI = [chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f", "\x80", "\x85", "\x9f", *BIDI]
ODD_VALUES = [
    "", " ", "abc", "-1", "0", "1.5", "99999999999999999999999", "-99999999999999999999",
    "1e309", "nan", "inf", "9999-12-31", "0001-01-01", "2026-02-31", "10000-01-01",
    "9999-12-31 23:59:59-12:00", "'\"<>&;", "\\", "%00", "%", "_", "(", "[a-", ".*", "null",
    "[]", "{}", '{"a": "\\u0000"}', '["\\u202e"]', "١٢٣", "😀", "true", "on", ",", "1,abc",
    "x" * 5000, " ".join(["word"] * 1000),
]  # fmt: skip


def hostile(base: str = ""):
    """A value to send instead of ``base``: an odd one, or ``base`` with a control character."""
    control = st.sampled_from(CONTROLS)
    return st.one_of(
        st.sampled_from(ODD_VALUES),
        st.builds(
            lambda character, at: base[:at] + character + base[at:],
            control,
            st.integers(min_value=0, max_value=len(base)),
        ),
        st.text(st.sampled_from([*CONTROLS, *"aZ09 -_.:/@%"]), max_size=12),
    )


def hostile_values(base: str = ""):
    """One value, or (sometimes) several for the same name."""
    return st.one_of(hostile(base).map(lambda v: [v]), st.lists(hostile(base), max_size=3))


# --- The people and what they have done ------------------------------------------------------


@dataclass
class World:
    cohort: Cohort  # matched and running
    open_cohort: Cohort  # taking intakes
    apm: Enrollment
    mentor: Enrollment
    graduate: Enrollment
    stranded: Enrollment
    committee: object
    administrator: object
    run: MatchingRun
    match: object
    survey: Survey
    template: Survey
    topic: Topic
    values: dict = field(default_factory=dict)  # URL keyword → values to fill in


@pytest.fixture
def world(categories, committee, django_capture_on_commit_callbacks) -> World:
    today, now = timezone.localdate(), timezone.now()
    cohort = CohortFactory(
        status=Cohort.Status.ACTIVE,
        intake_opens_at=now - timedelta(days=150),
        intake_closes_at=now - timedelta(days=130),
        program_starts_on=today - timedelta(days=120),
        program_ends_on=today + timedelta(days=120),
    )
    open_cohort = CohortFactory()
    apm_team = TeamFactory(name="Benefits", business_unit=BusinessUnitFactory(name="Veterans"))
    mentor_team = TeamFactory(name="Platform", business_unit=BusinessUnitFactory(name="Health"))
    manager = UserFactory()

    def enroll(role, team, **kwargs):
        return EnrollmentFactory(
            cohort=cohort, role=role, topics=["career-growth"], profile__team=team, **kwargs
        )

    apm = enroll(Role.APM, apm_team, profile__manager=manager, goals="Learn contracting")
    graduate = enroll(Role.APM, apm_team)
    stranded = enroll(Role.APM, mentor_team)  # on the mentors' team: nobody can take them
    mentor = enroll(Role.MENTOR, mentor_team, capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.run_request(cohort=cohort, acting_user=committee)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.proposal_approve(
            proposal=Proposal.objects.get(run=run, apm=apm), acting_user=committee
        )
        graduated = matching.proposal_approve(
            proposal=Proposal.objects.get(run=run, apm=graduate), acting_user=committee
        )
    topic = Topic.objects.filter(is_published=True).order_by("slug").first()
    meetings.meeting_log(
        match=match, logged_by=apm.user, occurred_on=today - timedelta(days=3),
        duration_minutes=30, topics=[topic], notes="First meeting", next_meeting_on=None,
    )  # fmt: skip
    matching.rematch_request_create(match=match, requested_by=mentor.user, reason="Time zones")
    matching.banned_pair_create(
        apm_user=stranded.user, mentor_user=manager, reason="Former colleagues",
        acting_user=committee,
    )  # fmt: skip
    toolkit.bookmark_add(user=apm.user, topic=topic)
    with django_capture_on_commit_callbacks(execute=True):
        graduation.promotion_record(
            user=graduate.user, from_title="APM", to_title="Product Manager",
            promoted_on=today, acting_user=committee,
        )  # fmt: skip
        graduation.apm_graduate(match=graduated, acting_user=committee)
    graduation.promotion_report(
        user=apm.user, from_title="APM", to_title="PM", promoted_on=today - timedelta(days=1)
    )
    call_command("install_survey_templates", verbosity=0)
    template = Survey.objects.filter(is_template=True).order_by("pk").first()
    survey = Survey.objects.create(
        cohort=cohort, title="Check-in", audience="both", is_anonymous=False,
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
    )  # fmt: skip
    for position, (kind, extra) in enumerate(
        [("text", {}), ("scale", {}), ("nps", {"measures": "nps"}),
         ("multiple", {"options": "One\nTwo", "required": False})], start=1,
    ):  # fmt: skip
        Question.objects.create(
            survey=survey, position=position, kind=kind, text=f"Question {position}", **extra
        )
    surveys.survey_open(survey=survey, acting_user=committee, confirm_early=True)
    administrator = UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00", "used_mask": 0}
    )
    unconfirmed = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email)
    # Company sign-in (issue 16): an APM linked to a provider kept as a row (the site's
    # own is in settings). Nothing answers at its address, so a fuzzed sign-in finds the
    # provider down.
    SocialApp.objects.create(
        provider="openid_connect", provider_id="company", name="Company", client_id="site",
        secret="secret", settings={"server_url": "http://127.0.0.1:9"},
    )  # fmt: skip
    SocialAccount.objects.create(user=apm.user, provider="company", uid="c-1")
    # The outcomes' comparison group (issue 16): a person for the admin's eligible pages.
    EligiblePromotion.objects.create(
        person=EligiblePerson.objects.create(
            email=apm.user.email, level="product_manager", hired_on=date(2020, 1, 6)
        ),
        promoted_on=date(2022, 3, 1),
    )
    world = World(cohort, open_cohort, apm, mentor, graduate, stranded, committee,
                  administrator, run, match, survey, template, topic)  # fmt: skip
    world.values = {
        "match_id": [match.pk],
        "enrollment_id": [stranded.pk],
        "survey_id": [survey.pk],
        "cohort_id": [cohort.pk],
        "template_id": [template.pk],
        "run_id": [run.pk],
        "step": [GraduationGuide.Step.REFLECT],
        "role": [Role.APM, Role.MENTOR],
        "key": [EmailConfirmationHMAC(address).key],
        "uidb36": [user_pk_to_url_str(manager)],
        "reset_key": [default_token_generator.make_token(manager)],
        "id": [apm.user.pk],
        "content_type_id": [ContentType.objects.get_for_model(Enrollment).pk],
        "app_label": sorted({model._meta.app_label for model in admin.site._registry}),
        "url": ["no-such-page/"],
        "provider_id": ["company"],
    }
    return world


def persona_user(world: World, persona: str):
    return {
        "visitor": None,
        "apm": world.apm.user,
        "mentor": world.mentor.user,
        "graduate": world.graduate.user,
        "committee": world.committee,
        "administrator": world.administrator,
    }[persona]


# --- Every page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "toolkit:topic", "admin:mentorship_user_change"; "" when unnamed
    template: str  # "/toolkit/{slug}/"
    params: tuple[str, ...]


def _pattern_text(pattern) -> str:
    text = str(pattern).replace("^", "").replace("$", "")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)  # a regular expression's groups
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)  # a path's converters


def url_conf_routes() -> list[Route]:
    routes = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + _pattern_text(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                template = "/" + prefix + _pattern_text(pattern.pattern)
                name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else ""
                routes.append(Route(name, template, tuple(re.findall(r"{(\w+)}", template))))

    walk(get_resolver().url_patterns, "", "")
    return routes


def _admin_model(route: Route):
    """The model an admin page shows, from its address (/admin/<app>/<model>/...)."""
    parts = route.template.strip("/").split("/")
    if parts[0] != "admin" or len(parts) < 3:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
            return model
    return None


def concrete_urls(route: Route, world: World) -> list[str]:
    """The route with its placeholders filled in from the world: one URL per combination."""
    choices = []
    for param in route.params:
        if param == "object_id":
            model = _admin_model(route)
            if route.name == "admin:view_on_site":
                values = [world.apm.pk]
            elif model is None:
                return []
            else:
                row = model._default_manager.order_by("pk").first()
                values = [row.pk] if row is not None else []
        elif param == "slug":
            values = [world.open_cohort.slug] if "intake" in route.template else [world.topic.slug]
        elif param == "token":
            values = [unsubscribe_token(world.apm.user)]
        elif param == "name" and route.name == "dev_mail_message":
            values = ["20261202120000000000-" + "0" * 32 + ".eml"]  # DEBUG off: a 404
        elif param == "key" and "reset" in route.template:
            values = world.values["reset_key"]
        else:
            values = world.values.get(param, [])
        if not values:
            return []
        choices.append([quote(str(value), safe="") for value in values])
    return [
        route.template.format(**dict(zip(route.params, combination, strict=True)))
        for combination in product(*choices)
    ]


# --- Reading a page: its links and forms ---------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, submit, hidden...
    value: str = ""
    options: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # selected options, checked boxes


@dataclass
class Form:
    method: str
    action: str
    fields: list[FormField] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def _form(self) -> Form:
        if not self.forms:  # a field outside any form: count it in a GET form of its own
            self.forms.append(Form("get", ""))
        return self.forms[-1]

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        name = attrs.get("name", "")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(Form(attrs.get("method", "get").lower(), attrs.get("action", "")))
        elif tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            chosen = [attrs.get("value", "on")] if "checked" in attrs else []
            self._form().fields.append(FormField(name, kind, attrs.get("value", ""), [], chosen))
        elif tag == "button" and name:
            self._form().fields.append(FormField(name, "submit", attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = FormField(name, "select-multiple" if "multiple" in attrs else "select")
            self._form().fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.options.append(value)
            if "selected" in attrs:
                self._select.chosen.append(value)
        elif tag == "textarea" and name:
            self._textarea = FormField(name, "textarea")
            self._form().fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def read_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def browser_data(form: Form) -> dict[str, list]:
    """What a browser sends for the form as rendered (no button pressed)."""
    data: dict[str, list] = {}
    for item in form.fields:
        if item.kind in ("submit", "image", "reset", "button", "file"):
            continue
        if item.kind in ("checkbox", "radio"):
            data.setdefault(item.name, []).extend(item.chosen)
        elif item.kind in ("select", "select-multiple"):
            chosen = item.chosen or (item.options[:1] if item.kind == "select" else [])
            data.setdefault(item.name, []).extend(chosen)
        else:
            data.setdefault(item.name, []).append(item.value)
    return data


# --- Visiting -----------------------------------------------------------------------------


def login(world: World, persona: str) -> Client:
    client = Client()
    user = persona_user(world, persona)
    if user is not None:
        client.force_login(user)
    return client


@contextmanager
def rolled_back(client: Client):
    """Whatever the example changes is undone, the persona's session included."""
    cookies = SimpleCookie(client.cookies.output(header="", sep="\n"))
    cache.clear()  # sign-in rate limits must not turn later examples away
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies


def answered(response, where: str) -> None:
    healthy_no = where.startswith("GET /healthz") and response.status_code == 503
    assert response.status_code < 500 or healthy_no, f"{where} answered {response.status_code}"


def visit(client: Client, method: str, url: str, data=None, **headers):
    where = f"{method.upper()} {url} {data!r}"[:2000]
    note(where)
    send = client.get if method == "get" else client.post
    response = send(url, data or {}, follow=True, **headers)
    answered(response, where)
    return response


@dataclass
class Page:
    url: str
    html: str


def reachable_pages(client: Client, urls: list[str]) -> tuple[list[Page], dict[str, int]]:
    """The pages that answer this person with 200 (after redirects within the site, as a
    password-reset link goes on to its form), and what each URL answered first."""
    pages, statuses, seen = [], {}, set()
    for url in urls:
        with rolled_back(client):
            response = client.get(url, follow=True)
            answered(response, f"GET {url}")
        statuses[url] = response.redirect_chain[0][1] if response.redirect_chain else 200
        final = response.request["PATH_INFO"]
        if response.status_code != 200 or final in seen:
            continue
        seen.add(final)
        is_html = response.get("Content-Type", "").startswith("text/html")
        pages.append(Page(final, response.content.decode(errors="replace") if is_html else ""))
    return pages, statuses


def query_names(page: Page, parsed: PageParser) -> tuple[list[str], list[str]]:
    """(the parameters this page's own links and search forms use, the usual suspects)."""
    path = urlsplit(page.url).path
    own = set()
    for link in parsed.links:
        parts = urlsplit(link)
        if parts.path in ("", path):
            own.update(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    for form in parsed.forms:
        if form.method == "get":
            own.update(item.name for item in form.fields)
    usual = {"q", "next", "page", "p", "o", "e", "all", "_popup", "_to_field", "_facets"}
    model = _admin_model(Route("", path, ()))
    if model is not None:  # lookups on the list's fields, which no filter offers
        for model_field in model._meta.get_fields()[:12]:
            for lookup in ("exact", "regex", "year", "in", "range", "isnull", "gte"):
                usual.add(f"{model_field.name}__{lookup}")
    return sorted(own), sorted(usual - own)


def link_values(parsed: PageParser, name: str) -> list[str]:
    return [
        value
        for link in parsed.links
        for key, value in parse_qsl(urlsplit(link).query, keep_blank_values=True)
        if key == name
    ] or [""]


def fuzz_queries(client: Client, page: Page) -> None:
    parsed = read_page(page.html)
    own, usual = query_names(page, parsed)
    # Half the time a parameter the page itself uses, so that its own filters get most
    # of the few examples.
    name = st.one_of(*(st.sampled_from(names) for names in (own, usual) if names))

    @FUZZ_SETTINGS
    @given(data=st.data())
    def check(data):
        chosen = data.draw(st.lists(name, min_size=1, max_size=4, unique=True))
        query = {
            name: data.draw(hostile_values(data.draw(st.sampled_from(link_values(parsed, name)))))
            for name in chosen
        }
        headers = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans()) else {}
        with rolled_back(client):
            visit(client, "get", urlsplit(page.url).path, query, **headers)

    check()


def fuzz_forms(client: Client, page: Page) -> None:
    """Send each POST form on the page with some of its fields replaced."""
    for form in read_page(page.html).forms:
        action = form.action or page.url
        if form.method == "post" and not urlsplit(action).netloc:  # not a form that leaves
            fuzz_form(client, action, form)


def fuzz_form(client: Client, action: str, form: Form) -> None:
    base = browser_data(form)
    names = sorted({item.name for item in form.fields if item.kind != "submit"}) or ["x"]
    buttons = [(item.name, item.value) for item in form.fields if item.kind == "submit"]
    files = [item.name for item in form.fields if item.kind == "file"]
    options = {item.name: item.options for item in form.fields if item.options}

    @FUZZ_SETTINGS
    @given(data=st.data())
    def check(data):
        sent = {name: list(values) for name, values in base.items()}
        replaced = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        for name in replaced:
            like = data.draw(st.sampled_from([*sent.get(name, []), *options.get(name, []), ""]))
            sent[name] = data.draw(hostile_values(like))
        if buttons and data.draw(st.booleans()):
            button, value = data.draw(st.sampled_from(buttons))
            sent[button] = [value]
        for name in files:
            content = data.draw(hostile("email,full_name\nada@adhoc.example,Ada\n"))
            sent[name] = [SimpleUploadedFile("roster.csv", content.encode("utf-8", "replace"))]
        with rolled_back(client):
            visit(client, "post", action, sent)

    check()


def assert_no_server_errors(client: Client, pages: list[Page]) -> None:
    """Fuzz every page; report every page that failed, each with the request that did it."""
    problems = []
    for page in pages:
        for fuzz in (fuzz_queries, fuzz_forms):
            try:
                fuzz(client, page)
            except Exception as error:  # reported below, every page at once
                notes = getattr(error, "__notes__", [])
                sent = [line for line in notes if line.startswith(("GET", "POST"))]
                request = sent[-1][:600] if sent else ""
                problems.append(f"{page.url}: {type(error).__name__}: {error} <- {request}")
    assert problems == [], "\n".join(problems)


def all_urls(world: World) -> dict[Route, list[str]]:
    return {route: concrete_urls(route, world) for route in url_conf_routes()}


# --- The tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["visitor", "apm", "mentor", "graduate", "committee"])
def test_no_page_answers_a_person_with_a_server_error(world, persona):
    client = login(world, persona)
    urls = [url for found in all_urls(world).values() for url in found]
    pages, _ = reachable_pages(client, urls)
    assert pages, "this person reaches no page at all"

    assert_no_server_errors(client, pages)


def test_no_admin_page_only_an_administrator_reaches_answers_with_a_server_error(world):
    urls = [url for found in all_urls(world).values() for url in found if "/admin/" in url]
    _, committee_statuses = reachable_pages(login(world, "committee"), urls)
    client = login(world, "administrator")
    beyond = [url for url, status in committee_statuses.items() if status != 200]
    pages, _ = reachable_pages(client, beyond)
    assert any("/admin/auth/group/" in page.url for page in pages)

    assert_no_server_errors(client, pages)


def test_every_page_of_the_url_conf_and_the_admin_is_visited(world):
    unfilled = [route for route, urls in all_urls(world).items() if not urls]
    assert unfilled == [], "give these placeholders a value in the world fixture"

    urls = {url for found in all_urls(world).values() for url in found}
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        row = model._default_manager.order_by("pk").first()
        assert base in urls, base
        assert f"{base}add/" in urls, base
        assert row is not None, f"the world has no {opts.verbose_name} to open"
        assert f"{base}{quote(str(row.pk), safe='')}/change/" in urls, base
