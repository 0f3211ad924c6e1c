"""Every admin control has a name (mentorship.common.admin_labels): split dates and
times, inline rows and editable list cells, which Django leaves without a label."""

import re

import pytest
from django.urls import reverse

from mentorship.models import BusinessUnit, Team
from tests.factories import CohortFactory
from toolkit.models import Category

pytestmark = pytest.mark.django_db


def named(html: str, element_id: str) -> str | None:
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert tag, f"no control {element_id}"
    label = re.search(r'aria-label="([^"]*)"', tag.group(0))
    return label.group(1) if label else None


def test_each_part_of_a_split_date_and_time_is_named_after_its_field(admin_client):
    cohort = CohortFactory()

    html = admin_client.get(reverse("admin:mentorship_cohort_change", args=[cohort.pk])).content
    html = html.decode()

    assert named(html, "id_intake_opens_at_0") == "Intake opens at: date"
    assert named(html, "id_intake_opens_at_1") == "Intake opens at: time"
    assert named(html, "id_name") is None  # a plain field keeps its <label for>


def test_each_field_of_an_inline_row_says_its_row(admin_client):
    unit = BusinessUnit.objects.create(name="Civic <Digital>")
    Team.objects.create(business_unit=unit, name="Research & Data")

    url = reverse("admin:mentorship_businessunit_change", args=[unit.pk])
    html = admin_client.get(url).content.decode()

    # The row's own name, escaped like any text a person typed.
    team = "Research &amp; Data (Civic &lt;Digital&gt;)"
    assert named(html, "id_teams-0-name") == f"Name of {team}"
    assert named(html, "id_teams-0-DELETE") == f"Delete {team}"
    assert named(html, "id_teams-__prefix__-name") == "Name, new row"


def test_each_editable_cell_of_a_list_says_its_row(admin_client):
    category = Category.objects.order_by("pk").first()

    html = admin_client.get(reverse("admin:toolkit_category_changelist")).content.decode()

    ids = re.findall(r'id="(id_form-\d+-order)"', html)
    assert ids
    labels = [named(html, element_id) for element_id in ids]
    assert f"Order of {category}" in labels
    assert all(label and label.startswith("Order of ") for label in labels)


def test_the_person_pickers_load_the_script_that_names_them(admin_client):
    html = admin_client.get(reverse("admin:mentorship_profile_add")).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', html)
    named_at = next(i for i, src in enumerate(scripts) if src.endswith("js/admin-labels.js"))
    drawn_at = next(i for i, src in enumerate(scripts) if src.endswith("admin/js/autocomplete.js"))
    assert drawn_at < named_at  # select2 draws them first
