"""The intake asks; it does not answer for the person: no pre-selected choices, a time
zone picker a person can find their city in, the level a new title names."""

import pytest
from django.urls import reverse

from mentorship.common import time_zones
from mentorship.common.time_zones import TimeZoneSelect, time_zone_choices
from mentorship.common.widgets import ListSelect
from mentorship.forms import IntakeForm, ProfileForm
from mentorship.graduation.promotions import level_for_title
from mentorship.models import Enrollment, Profile, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_intake_has_no_answer_chosen_for_the_person(cohort):
    user = UserFactory()
    form = IntakeForm(instance=Enrollment(user=user, cohort=cohort, role=Role.APM), role="apm")
    for name in ("career_track", "cadence", "prefers_other_unit"):
        assert form[name].value() in (None, ""), name
    assert not form["shared_with_mentor"].value()  # the mentor sees nothing unless ticked
    mentor_form = IntakeForm(
        instance=Enrollment(user=user, cohort=cohort, role=Role.MENTOR), role="mentor"
    )
    assert mentor_form["capacity"].value() is None
    assert ProfileForm(instance=Profile(user=user), user=user)["time_zone"].value() == ""


def test_a_saved_intake_shows_its_own_answers(cohort):
    enrollment = Enrollment.objects.create(
        user=UserFactory(), cohort=cohort, role=Role.APM, cadence="monthly",
        career_track="undecided", prefers_other_unit=False,
    )  # fmt: skip
    form = IntakeForm(instance=enrollment, role="apm")
    assert form["cadence"].value() == "monthly"
    assert form["prefers_other_unit"].value() is False


def test_the_time_zones_are_grouped_city_first_with_the_likely_ones_first():
    choices = time_zone_choices()
    assert choices[0] == ("", "Choose your time zone")
    assert choices[1][0] == "Most used in the program"
    assert ("America/New_York", "Eastern time (New York)") in choices[1][1]
    america = dict(choices)["America"]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires, Argentina") in america
    everything = [name for _, group in choices[1:] for name, _ in group]
    assert "US/Eastern" not in everything  # aliases stay out
    assert ("Your saved time zone", [("US/Eastern", "US/Eastern")]) in time_zone_choices(
        "US/Eastern"
    )


@pytest.mark.parametrize(
    ("saved", "value"),
    [("", None), ("", ""), ("", "Europe/Paris"), ("", "US/Eastern"), ("US/Eastern", "US/Eastern"),
     ("", "Mars/Base"), ("", '"><script>alert(1)</script>'), ("", ["Asia/Tokyo", "UTC"]),
     ("", [])],
)  # fmt: skip
def test_the_time_zone_picker_draws_what_a_list_select_of_its_choices_draws(saved, value):
    time_zones._cached_options.cache_clear()
    drawn = ListSelect(choices=time_zone_choices(saved)).render("time_zone", value)
    assert TimeZoneSelect(saved).render("time_zone", value) == drawn
    assert TimeZoneSelect(saved).render("time_zone", value) == drawn  # from what was kept
    kept_once = 0 if isinstance(value, list) and len(value) > 1 else 1
    assert time_zones._cached_options.cache_info().hits == kept_once
    assert "<script>" not in drawn


def test_whatever_is_sent_that_is_no_zone_shares_one_kept_list():
    time_zones._cached_options.cache_clear()
    for junk in ("Mars/Base", "x" * 1000, "<b>", "Europe/Nowhere"):
        TimeZoneSelect().render("time_zone", junk)
    assert time_zones._cached_options.cache_info().currsize == 1
    assert "selected" not in TimeZoneSelect().render("time_zone", "Mars/Base")


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Product Manager", "product_manager"),
        ("Senior Product Manager", "senior"),
        ("Sr. PM, Identity", "senior"),
        ("Lead Product Manager", "lead"),
        ("Director of Product", "director"),
        ("Associate Product Manager", "associate"),
        ("Chief Product Officer", "director"),
        ("Analyst", ""),
    ],
)
def test_a_title_names_its_level(title, level):
    assert level_for_title(title) == level


def test_the_team_list_narrows_to_the_chosen_unit(client):
    from tests.factories import BusinessUnitFactory, TeamFactory

    health, tax = BusinessUnitFactory(name="Health"), BusinessUnitFactory(name="Tax")
    marketplace = TeamFactory(name="Marketplace <b>", business_unit=health)
    filing = TeamFactory(name="Filing", business_unit=tax)
    url = reverse("intake_teams")
    assert client.get(url).status_code == 302  # signed-in people only

    client.force_login(UserFactory())
    narrowed = client.get(url, {"business_unit": health.pk}).content.decode()
    assert narrowed.startswith('<option value="" selected>Choose your team</option>')
    assert "Marketplace &lt;b&gt; (Health)" in narrowed
    assert "Filing" not in narrowed
    for junk in ("", "abc", "²", "99999", "1 OR 1=1"):
        every = client.get(url, {"business_unit": junk}).content.decode()
        assert '<optgroup label="Health">' in every
        assert '<optgroup label="Tax">' in every

    # A team picked before the unit stays picked when it is one of the unit's ...
    kept = client.get(url, {"business_unit": health.pk, "team": marketplace.pk}).content.decode()
    assert f'<option value="{marketplace.pk}" selected>' in kept
    assert '<option value="" selected>' not in kept
    # ... and another unit's team (or junk) falls back to "Choose your team".
    for team in (filing.pk, "x", "9" * 30):
        reset = client.get(url, {"business_unit": health.pk, "team": team}).content.decode()
        assert reset.startswith('<option value="">Choose your team</option>')
        assert " selected" not in reset  # the browser shows the first option
        assert "Filing" not in reset


def test_without_script_the_teams_are_grouped_and_a_bound_form_keeps_them_narrowed():
    from tests.factories import BusinessUnitFactory, TeamFactory

    health, tax = BusinessUnitFactory(name="Health"), BusinessUnitFactory(name="Tax")
    TeamFactory(name="Marketplace", business_unit=health)
    TeamFactory(name="Filing", business_unit=tax)
    user = UserFactory()
    fresh = str(ProfileForm(instance=Profile(user=user), user=user)["team"])
    assert '<optgroup label="Health">' in fresh
    unit_list = str(ProfileForm(instance=Profile(user=user), user=user)["business_unit"])
    assert 'hx-get="/intake/teams/"' in unit_list
    assert 'hx-include="#id_team"' in unit_list
    bound = ProfileForm({"business_unit": str(tax.pk)}, instance=Profile(user=user), user=user)
    assert "Filing (Tax)" in str(bound["team"])
    assert "Marketplace" not in str(bound["team"])
