"""Groups of radios and checkboxes drawn by ``{% choice_options %}`` are the HTML
crispy-bootstrap5's own ``layout/radio_checkbox_select.html`` would draw.

Every participant form with such a group (the intake as APM and as mentor, logging a
meeting, answering a survey), blank and sent back with errors, and a form with every
case the template has (groups with headings, inline radios, errors, help text, chosen
and disabled options, labels that need escaping): drawn with our template and with
crispy-bootstrap5's (served under the same name by a loader put first), compared as
parsed HTML.
"""

import pytest
from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.conf import settings
from django.template import engines
from django.test.html import parse_html
from django.urls import reverse
from django.utils.safestring import mark_safe

from matching.models import Match
from mentorship.demo import DEMO_COHORT_SLUG, seed_demo
from mentorship.management.organisation import COHORT_SLUG, Size, organisation_seed
from surveys.models import Survey
from tests.crispy_templates import (
    assert_same_html,
    crispys,
    crispys_own_templates,
    ours_and_crispys,
)

NAME = "bootstrap5/layout/radio_checkbox_select.html"


def test_the_template_in_use_is_ours():
    origin = engines["django"].engine.get_template(NAME).origin.name
    assert origin == str(settings.BASE_DIR / "templates" / NAME)
    with crispys_own_templates(NAME):
        assert engines["django"].engine.get_template(NAME).source == crispys(NAME)


def both(draw):
    return ours_and_crispys(draw, NAME)


class EveryCase(forms.Form):
    grouped = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("Talks & <b>skills</b>", [("a", "Pitch <i>it</i>"), ("b", 'Say "no"')]),
            ("Career", [("c", mark_safe("<em>Promotion</em>")), ("d", "Levels")]),
        ],
        help_text="Pick <any>.",
    )
    plain = forms.ChoiceField(widget=forms.RadioSelect, choices=[(1, "One"), (2, "Two")])
    inline = forms.ChoiceField(widget=forms.RadioSelect, choices=[("x", "X"), ("y", "Y")])
    inline_boxes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=[("p", "P"), ("q", "Q")], required=False
    )
    disabled = forms.ChoiceField(
        widget=forms.RadioSelect(attrs={"data-note": "it's <off>"}),
        choices=[("m", "M")], disabled=True, required=False,
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "grouped", "plain", InlineRadios("inline"), InlineCheckboxes("inline_boxes"),
            "disabled",
        )  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [None, {}, {"grouped": ["a", "c"], "plain": "2", "inline": "z", "inline_boxes": ["q"]}],
    ids=["blank", "refused", "chosen"],
)
def test_every_case_is_the_same_html_as_crispys(data):
    ours, crispys = both(lambda: render_crispy_form(EveryCase(data)))
    assert parse_html(ours) == parse_html(crispys)
    assert "form-check-input" in ours


def test_what_people_typed_is_escaped_in_the_options():
    ours = render_crispy_form(EveryCase({"grouped": ["a"]}))
    assert "<strong>Talks &amp; &lt;b&gt;skills&lt;/b&gt;</strong>" in ours
    assert "Pitch &lt;i&gt;it&lt;/i&gt;</label>" in ours
    assert "Say &quot;no&quot;</label>" in ours
    assert 'data-note="it&#x27;s &lt;off&gt;"' in ours
    assert "<em>Promotion</em>" in ours  # a label marked safe stays as it is
    assert "<b>" not in ours
    assert "<i>" not in ours


@pytest.mark.django_db
def test_the_participants_choice_groups_are_the_same_html_as_crispys(client):
    seed_demo()
    organisation_seed(Size(apms=12, mentors=6, survey_responses=8, audit_days=2))
    pair = Match.objects.filter(cohort__slug=COHORT_SLUG, status=Match.Status.ACTIVE).first()
    survey = Survey.objects.filter(cohort__slug=COHORT_SLUG, status=Survey.Status.OPEN).first()
    answer = (
        reverse("surveys:answer", args=[survey.pk]),
        reverse("surveys:submit", args=[survey.pk]),
    )
    pages = {  # whose pages: (the page, where its form is sent back blank)
        pair.apm.user: [
            (reverse("intake", args=[DEMO_COHORT_SLUG, "apm"]),) * 2,
            (reverse("meeting_new", args=[pair.pk]),) * 2,
            answer,
        ],
        pair.mentor.user: [(reverse("intake", args=[DEMO_COHORT_SLUG, "mentor"]),) * 2],
    }
    groups = 0
    for person, forms_of in pages.items():
        client.force_login(person)
        for url, sent_to in forms_of:
            for method, target in (("GET", url), ("POST", sent_to)):

                def draw(method=method, target=target):
                    if method == "GET":
                        response = client.get(target)
                    else:
                        response = client.post(target, {"blank": ""})
                    assert response.status_code in (200, 400), (target, response.status_code)
                    return response.content.decode()

                ours, crispys = both(draw)
                assert_same_html(ours, crispys, target)
                groups += ours.count('class="form-check-input')
    assert groups > 100  # the topics alone are dozens of checkboxes
