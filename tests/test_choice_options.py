"""Groups of radios and checkboxes drawn by ``{% choice_options %}`` are the HTML
crispy-bootstrap5's own ``layout/radio_checkbox_select.html`` would draw.

A form with every case the template has (groups with headings, inline radios, errors,
help text, chosen and disabled options, labels that need escaping), drawn with our
template and with crispy-bootstrap5's (served under the same name by a loader put
first), compared as parsed HTML. tests/test_crispy_field.py does the same for every
page with a crispy form, with both of our templates at once.
"""

import pytest
from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils.safestring import mark_safe

from tests.crispy_templates import assert_same_html, ours_and_crispys

NAME = "bootstrap5/layout/radio_checkbox_select.html"


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
    assert_same_html(ours, crispys)
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
