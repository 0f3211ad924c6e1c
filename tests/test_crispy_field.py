"""Fields drawn by ``{% crispy_field_html %}`` are the HTML crispy-bootstrap5's own
``bootstrap5/field.html`` would draw, and the pages drawn with both of our crispy
templates (this one and ``layout/radio_checkbox_select.html``) are crispy's pages.

Every page with a crispy form (the intake as APM and as mentor, logging a meeting,
answering a survey, a rematch request, reporting a promotion, notification settings,
deleting one's account, and allauth's sign-in, sign-up and password pages), blank and
sent back with errors, and a form with every kind of field under every helper setting
the template reads: drawn with our template and with crispy-bootstrap5's (served under
the same name by a loader put first), compared as parsed HTML.
"""

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe

from matching.models import Match
from mentorship.common.widgets import ListSelect
from mentorship.demo import DEMO_COHORT_SLUG, seed_demo
from mentorship.management.organisation import COHORT_SLUG, Size, organisation_seed
from surveys.models import Survey
from tests.crispy_templates import (
    assert_same_html,
    crispys,
    crispys_own_templates,
    ours_and_crispys,
)

NAME = "bootstrap5/field.html"
OURS = (NAME, "bootstrap5/layout/radio_checkbox_select.html")


@pytest.mark.parametrize("name", OURS)
def test_the_templates_in_use_are_ours(name):
    origin = engines["django"].engine.get_template(name).origin.name
    assert origin == str(settings.BASE_DIR / "templates" / name)
    with crispys_own_templates(name):
        assert engines["django"].engine.get_template(name).source == crispys(name)


def both(draw):
    return ours_and_crispys(draw, NAME)


class EveryKind(forms.Form):
    required_css_class = "is-required"
    error_css_class = "has-error"

    name = forms.CharField(label="Your <b>name</b>", help_text="As <em>colleagues</em> say it.")
    email = forms.EmailField(required=False, label=mark_safe("Work <i>email</i>"))
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    level = forms.ChoiceField(choices=[("", "Choose"), ("apm", "APM"), ("pm", "PM & up")])
    zone = forms.ChoiceField(
        widget=ListSelect, choices=[("", "Choose"), ("Europe", [("Europe/Paris", "Paris")])]
    )
    count = forms.IntegerField(widget=forms.NumberInput(attrs={"class": "narrow"}), min_value=0)
    agree = forms.BooleanField(help_text="You can change this later.")
    optional_box = forms.BooleanField(required=False, label="Keep me posted")
    track = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A"), ("b", "B")])
    topics = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=[("x", "X"), ("y", "Y")], required=False
    )
    when = forms.SplitDateTimeField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    locked = forms.CharField(disabled=True, required=False, initial="kept")
    upload = forms.FileField(required=False, help_text="A CSV file.")

    def clean(self):
        self.add_error(None, "Something about the whole form.")
        self.add_error("bio", "A <script>bio</script> problem.")
        return super().clean()


LAYOUT = [
    Field("name", wrapper_class="col-md-8 <w>"), "email", Field("bio", css_class="big"),
    "level", "zone", "count", "agree", "optional_box", "track", "topics", "when", "secret",
    "locked", "upload",
]  # fmt: skip
HELPERS = {
    "default": {},
    "no labels": {"form_show_labels": False},
    "help inline": {"help_text_inline": True},
    "errors inline": {"error_text_inline": True},
    "both inline": {"help_text_inline": True, "error_text_inline": True},
    "no errors shown": {"form_show_errors": False},
    "horizontal": {"form_class": "form-horizontal", "label_class": "col-2", "field_class": "col"},
}
DATA = {
    "blank": None,
    "refused": {},
    "chosen": {
        "name": "Ada <Lovelace>", "email": "not an email", "level": "nope", "zone": "Europe/Paris",
        "count": "-3", "agree": "on", "track": "b", "topics": ["y", "z"],
        "when_0": "2026-13-40", "when_1": "25:00", "secret": '"quoted"',
    },
}  # fmt: skip


def every_kind(data, settings_of_helper):
    form = EveryKind(data)
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.layout = Layout(*LAYOUT)
    for name, value in settings_of_helper.items():
        setattr(form.helper, name, value)
    return render_crispy_form(form)


@pytest.mark.parametrize("helper", HELPERS.values(), ids=HELPERS.keys())
@pytest.mark.parametrize("data", DATA.values(), ids=DATA.keys())
def test_every_kind_of_field_is_the_same_html_as_crispys(data, helper):
    ours, crispys_html = both(lambda: every_kind(data, helper))
    assert_same_html(ours, crispys_html)
    assert 'id="div_id_name"' in ours


def test_what_people_typed_and_labels_are_escaped():
    html = every_kind(DATA["chosen"], {})
    assert 'value="Ada &lt;Lovelace&gt;"' in html
    assert "Your &lt;b&gt;name&lt;/b&gt;" in html
    assert "A &lt;script&gt;bio&lt;/script&gt; problem." in html
    assert 'class="mb-3 col-md-8 &lt;w&gt;' in html
    assert 'value="&#34;quoted&#34;"' in html
    assert "Work <i>email</i>" in html  # a label marked safe stays as it is
    assert "As <em>colleagues</em> say it." in html  # help text is the form's own HTML
    assert "<script>" not in html
    assert "<b>" not in html


def test_only_the_horizontal_form_and_the_file_input_use_crispys_template(monkeypatch):
    from mentorship.templatetags import crispy_field_html

    used = []
    original = crispy_field_html._crispys_template

    def counting(engine):
        used.append(engine)
        return original(engine)

    monkeypatch.setattr(crispy_field_html, "_crispys_template", counting)
    every_kind(None, {})
    assert len(used) == 1  # the file input
    used.clear()
    every_kind(None, HELPERS["horizontal"])
    assert len(used) == len(LAYOUT) - 1  # all but the hidden field


@pytest.mark.django_db
def test_every_page_with_a_crispy_form_is_the_same_html_as_crispys(client):
    seed_demo()
    organisation_seed(Size(apms=12, mentors=6, survey_responses=8, audit_days=2))
    pair = Match.objects.filter(cohort__slug=COHORT_SLUG, status=Match.Status.ACTIVE).first()
    survey = Survey.objects.filter(cohort__slug=COHORT_SLUG, status=Survey.Status.OPEN).first()
    apm_pages = [  # (the page, where its form is sent back)
        (reverse("intake", args=[DEMO_COHORT_SLUG, "apm"]),) * 2,
        (reverse("meeting_new", args=[pair.pk]),) * 2,
        (reverse("surveys:answer", args=[survey.pk]), reverse("surveys:submit", args=[survey.pk])),
        (reverse("matching:rematch_request", args=[pair.pk]),) * 2,
        (reverse("promotion_report"),) * 2,
        (reverse("notification_preferences"),) * 2,
        (reverse("account_delete"),) * 2,
        (reverse("account_change_password"),) * 2,
        (reverse("account_email"),) * 2,
    ]
    signed_out = [
        (reverse("account_login"),) * 2,
        (reverse("account_signup"),) * 2,
        (reverse("account_reset_password"),) * 2,
    ]
    pages = [
        (None, signed_out),
        (pair.apm.user, apm_pages),
        (pair.mentor.user, [(reverse("intake", args=[DEMO_COHORT_SLUG, "mentor"]),) * 2]),
    ]
    fields = choices = 0
    for person, forms_of in pages:
        if person is not None:
            client.force_login(person)
        for url, sent_to in forms_of:
            for method, target in (("GET", url), ("POST", sent_to)):

                def draw(method=method, target=target):
                    if method == "GET":
                        response = client.get(target)
                    else:
                        response = client.post(target, {"blank": ""})
                    assert response.status_code in (200, 302, 400, 429), (target, response)
                    client.get(reverse("home"))  # shows, so clears, what a form saved
                    return response.content.decode()

                ours, crispys_html = ours_and_crispys(draw, *OURS)
                assert_same_html(ours, crispys_html, f"{method} {target}")
                fields += ours.count('id="div_id_')
                choices += ours.count('class="form-check-input')
    assert fields > 60
    assert choices > 100  # the meeting's topics alone are dozens of checkboxes
