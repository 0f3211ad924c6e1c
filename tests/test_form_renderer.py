"""Forms drawn by mentorship.common.renderers.FormRenderer are the HTML Django's own
template language would draw.

Every admin add and change form the committee and a superuser can open, a refused save
with its error lists, and the participants' forms (sign-up, intake, logging a meeting,
answering a survey, reporting a promotion, each blank and with errors), on the demo with
a small organisation seeded on top: the page with the Jinja2 widgets and the page with
Django's are the same HTML (compared as parsed HTML, so attribute order and whitespace
between tags do not count).
"""

import re

import pytest
from django.contrib import admin
from django.forms.renderers import get_default_renderer
from django.test import override_settings
from django.test.html import parse_html
from django.urls import NoReverseMatch, reverse

from matching.models import Match
from mentorship.common.renderers import FormRenderer
from mentorship.demo import DEMO_COHORT_SLUG, seed_demo
from mentorship.management.organisation import COHORT_SLUG, Size, organisation_seed
from surveys.models import Survey

pytestmark = pytest.mark.django_db

DJANGO_RENDERER = "django.forms.renderers.DjangoTemplates"
SMALL = Size(apms=12, mentors=6, survey_responses=8, audit_days=2)
# What differs between two renders of the same page whatever the renderer.
PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+|(nonce=")[^"]+')


def page(client, method, url, data=None):
    response = client.post(url, data or {}) if method == "POST" else client.get(url)
    assert response.status_code in (200, 400), (url, response.status_code)
    return PER_REQUEST.sub(lambda m: (m.group(1) or m.group(2)) + "x", response.content.decode())


def both(client, method, url, data=None):
    assert isinstance(get_default_renderer(), FormRenderer)
    ours = page(client, method, url, data)
    with override_settings(FORM_RENDERER=DJANGO_RENDERER):
        djangos = page(client, method, url, data)
    return ours, djangos


def assert_same_html(client, method, url, data=None):
    ours, djangos = both(client, method, url, data)
    assert parse_html(ours) == parse_html(djangos), url


@pytest.fixture
def seeded(db):
    seed_demo()
    organisation_seed(SMALL)


def admin_form_urls():
    """The add form and one change form of every model the person may open."""
    urls = []
    for model in admin.site._registry:
        label = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        row = model._default_manager.order_by("-pk").first()
        for name, args in (("add", []), ("change", [row.pk] if row else None)):
            if args is None:
                continue
            try:
                urls.append(reverse(f"{label}_{name}", args=args))
            except NoReverseMatch:
                continue
    return urls


@pytest.mark.parametrize("who", ["committee", "admin_user"])
def test_every_admin_form_is_the_same_html_with_either_renderer(request, seeded, who, client):
    client.force_login(request.getfixturevalue(who))
    compared = 0
    for url in admin_form_urls():
        response = client.get(url)
        if response.status_code != 200:
            continue  # not theirs to open (the test of each admin says so)
        assert_same_html(client, "GET", url)
        compared += 1
    assert compared >= 25


def test_a_refused_admin_save_draws_its_errors_the_same(seeded, admin_client):
    for url in (reverse("admin:toolkit_topic_add"), reverse("admin:mentorship_cohort_add")):
        ours, djangos = both(admin_client, "POST", url, {"title": "", "name": ""})
        assert "errorlist" in ours
        assert parse_html(ours) == parse_html(djangos)


def test_the_participants_forms_are_the_same_html_with_either_renderer(seeded, client):
    pair = Match.objects.filter(cohort__slug=COHORT_SLUG, status=Match.Status.ACTIVE).first()
    survey = Survey.objects.filter(cohort__slug=COHORT_SLUG, status=Survey.Status.OPEN).first()
    assert_same_html(client, "GET", reverse("account_signup"))
    assert_same_html(client, "POST", reverse("account_signup"), {"email": "not an address"})
    client.force_login(pair.apm.user)
    forms = [  # (the page, where its form is sent)
        (reverse("intake", args=[DEMO_COHORT_SLUG, "apm"]),) * 2,
        (reverse("promotion_report"),) * 2,
        (reverse("meeting_new", args=[pair.pk]),) * 2,
        (reverse("surveys:answer", args=[survey.pk]), reverse("surveys:submit", args=[survey.pk])),
    ]
    for url, sent_to in forms:
        assert_same_html(client, "GET", url)
        ours, djangos = both(client, "POST", sent_to, {"blank": ""})
        assert "invalid" in ours, sent_to  # the blank answer was refused and said so
        assert parse_html(ours) == parse_html(djangos), sent_to
