"""The error summary at the top of a form that came back (GOV.UK Design System pattern)."""

from django import forms
from django.template import Context, Template

from mentorship.templatetags.error_summary import summary_items


class Sample(forms.Form):
    name = forms.CharField(label="Your name")
    colour = forms.ChoiceField(
        label="Which colour?", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect
    )
    secret = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("These answers do not go together.")


def render(*forms_):
    template = Template("{% load error_summary %}{% error_summary a b %}")
    return template.render(Context({"a": forms_[0], "b": forms_[1] if len(forms_) > 1 else None}))


def test_each_error_links_to_its_field_and_the_form_errors_stand_alone():
    form = Sample(data={"colour": "<script>alert(1)</script>"})
    items = summary_items(form)
    assert items[0] == {"href": "", "text": "These answers do not go together."}
    assert {"href": "#id_name", "text": "Your name: This field is required."} in items
    assert items[-1]["href"] == "#id_colour_0"  # a group links to its first option
    assert all(item["href"] != "#id_secret" for item in items)  # hidden fields have no place


def test_typed_text_in_an_error_is_escaped():
    html = render(Sample(data={"colour": "<script>alert(1)</script>", "name": "x"}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'tabindex="-1"' in html
    assert "There is a problem" in html


def test_nothing_is_shown_for_a_fresh_form_or_a_valid_one():
    assert render(Sample(), None).strip() == ""

    class Valid(forms.Form):
        name = forms.CharField()

    assert render(Valid(data={"name": "Avery"})).strip() == ""
