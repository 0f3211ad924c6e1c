"""ListSelect writes the markup Django's Select writes, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from mentorship.common.widgets import ListSelect
from mentorship.forms import ProfileForm
from mentorship.models import Profile
from tests.factories import TeamFactory, UserFactory

CHOICES = [
    ("", "Choose one"),
    ("Europe/London", "Europe/London"),
    ("Units", [("a&b", "A & B <unit>"), ("c", 'C "quoted"')]),
    (7, "Seven"),
]


@pytest.mark.parametrize("value", [None, "", "Europe/London", "a&b", 7, "7", "not a choice"])
def test_the_markup_is_django_selects(value):
    attrs = {"id": "id_zone", "class": "form-select", "required": True, "aria-invalid": "true"}
    ours = ListSelect(choices=CHOICES).render("zone", value, attrs)
    django = forms.Select(choices=CHOICES).render("zone", value, attrs)

    assert parse_html(ours) == parse_html(django)


def test_labels_and_values_are_escaped():
    html = ListSelect(choices=[('"><script>x</script>', "<script>alert(1)</script>")]).render(
        "zone", None
    )

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_the_intake_form_lists_time_zones_and_teams_with_it():
    team = TeamFactory(name="Payments & <Risk>")
    user = UserFactory()
    form = ProfileForm(None, instance=Profile(user=user), user=user)

    assert isinstance(form.fields["time_zone"].widget, ListSelect)
    assert isinstance(form.fields["team"].widget, ListSelect)
    html = str(form["team"])
    assert f'<option value="{team.pk}">' in html
    assert "Payments &amp; &lt;Risk&gt;" in html
